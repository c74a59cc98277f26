package kmclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Answer is what KM returns for chat, v2 newChat (blocking), hit, flow and assist.
// Fields absent from one endpoint's answer are zero.
type Answer struct {
	SessionID              ID                `json:"sessionId"`
	LogID                  ID                `json:"logId"`
	EnableAppraise         bool              `json:"enableAppraise"`
	AnsContent             AnsContent        `json:"ansContent"`
	AnsType                int               `json:"ansType"`
	MsgType                string            `json:"msgType"`
	Msgbox                 string            `json:"msgbox"`
	FlowID                 ID                `json:"flowId"`
	FlowTitle              string            `json:"flowTitle"`
	FlowContent            string            `json:"flowContent"`
	HitQuestion            string            `json:"hitQuestion"`
	SwitchStaffType        int               `json:"switchStaffType"`
	SwitchStaffAnswer      string            `json:"switchStaffAnswer"`
	SwitchStaffTips        string            `json:"switchStaffTips"`
	SuggestQuestionList    []Question        `json:"suggestQuestionList"`
	RestrictionState       *RestrictionState `json:"restrictionState"`
	AID                    ID                `json:"aid"`
	ThirdPartyModel        *ThirdPartyModel  `json:"thirdPartyModel"`
	TaskChatReturnCommands []json.RawMessage `json:"taskChatReturnCommands"`
	AttachmentList         []Attachment      `json:"attachmentList"`
	CustomerServiceID      Text              `json:"customerServiceId"`
	CustomerServiceStatus  *int              `json:"customerServiceStatus"`
	MultipleMessageFlag    int               `json:"multipleMessageFlag"`
	MultipleMessage        []MultiMessage    `json:"multipleMessage"`
}

// Answer types (ansType) that change what the bridge does, from the 001 seed's table.
const (
	AnsTypeAnswer          = 1
	AnsTypeSuggestions     = 3
	AnsTypeGreeting        = 4
	AnsTypeUnknown         = 6
	AnsTypeSensitive       = 8
	AnsTypeSilent          = 13
	AnsTypeTransferToHuman = 21
)

// switchStaffType values.
const (
	SwitchStaffRecommend = 1 // offer a "talk to a human" button
	SwitchStaffTransfer  = 2 // escalate when conditions are met
	SwitchStaffMessage   = 3 // send switchStaffAnswer
)

// msgType values: the 001 seed's table, plus the selective table, whose only
// name in the seeds is its structure's, ans_selective_table. KM names every
// structure ans_<msgType>, so either spelling of any msgType decodes (see
// NormalizeMsgType); these constants are the spellings without the prefix.
const (
	MsgRich             = "rich"
	MsgPlain            = "plain"
	MsgSelectiveList    = "selective_list"
	MsgSelectiveTable   = "selective_table"
	MsgShowProduct      = "show_product"
	MsgSelectiveProduct = "selective_product"
	MsgWechatImage      = "wechat_image"
	MsgAudio            = "audio"
	MsgLink             = "link"
	MsgImage            = "image"
	MsgCustomCard       = "custom_card"
	MsgTaskButton       = "task_button"
	MsgMap              = "map"
	MsgMiniAppsCard     = "mini_apps_card"
)

// RestrictionState is KM's interaction quota.
type RestrictionState struct {
	ExceededFlag int `json:"exceededFlag"`
	UsedCount    int `json:"usedCount"`
	TotalCount   int `json:"totalCount"`
}

// Exceeded reports whether the robot's interaction quota is used up.
func (r *RestrictionState) Exceeded() bool { return r != nil && r.ExceededFlag == 1 }

// ThirdPartyModel is the LLM configuration v2 newChat returns when proxyModelCall is false.
type ThirdPartyModel struct {
	Status              bool   `json:"status"`
	URL                 string `json:"url"`
	Timestamp           int64  `json:"timestamp"`
	Sign                string `json:"sign"`
	CustomerToken       string `json:"customerToken"`
	RobotKey            string `json:"robotKey"`
	ConversionID        ID     `json:"conversionId"`
	EnableAppraise      bool   `json:"enableAppraise"`
	AIAgentConversionID string `json:"aiAgentConversionId"`
	APIKey              string `json:"apiKey"`
	LanguageCode        string `json:"languageCode"`
	UserID              string `json:"userId"`
}

// Attachment is a file attached to an FAQ answer.
type Attachment struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Size    int64  `json:"size"`
}

// MultiMessage is one element of multipleMessage; messageType has msgType's values.
type MultiMessage struct {
	MessageType string     `json:"messageType"`
	Message     AnsContent `json:"message"`
	AID         ID         `json:"aid"`
}

// Question is a question as KM lists it: suggestions, common and hot questions, smart hints.
type Question struct {
	ID         ID              `json:"id"`
	Content    Text            `json:"content"`
	Type       int             `json:"type"`
	Answer     *QuestionAnswer `json:"answer,omitempty"`
	MatchCount int             `json:"matchCount,omitempty"`
}

// QuestionAnswer is the answer embedded in a listed question.
type QuestionAnswer struct {
	ID         ID     `json:"id"`
	QuestionID ID     `json:"questionId,omitempty"`
	Content    string `json:"content"`
	Type       int    `json:"type"`
	DeleteFlag int    `json:"deleteFlag,omitempty"`
}

// AnsContent is ansContent, a *Var*: a string for rich/plain/image/audio, an object (or
// a JSON-encoded string of one) for the structured msgTypes. The raw JSON is kept and
// decoded on demand by msgType; a JSON string's text is decoded once, when the
// content arrives, so that the rich answer (the bulk of a response) is not decoded
// a second time by String.
type AnsContent struct {
	raw json.RawMessage
	// text is raw's text when raw is a JSON string (hasText).
	text    string
	hasText bool
}

// NewAnsContent wraps raw JSON (as found in a response) as an AnsContent.
func NewAnsContent(raw json.RawMessage) AnsContent {
	var a AnsContent
	a.set(raw)
	return a
}

// StringContent returns an AnsContent holding the JSON string s.
func StringContent(s string) AnsContent {
	b, _ := json.Marshal(s) // a string always marshals
	return AnsContent{raw: b, text: s, hasText: true}
}

// set keeps a copy of b and, for a JSON string, its text.
func (a *AnsContent) set(b []byte) {
	a.raw = append(a.raw[:0:0], b...)
	a.text, a.hasText = "", false
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '"' {
		a.text, a.hasText = unquoteJSON(t)
	}
}

// ObjectContent returns an AnsContent holding v marshalled as JSON.
func ObjectContent(v any) (AnsContent, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return AnsContent{}, fmt.Errorf("kmclient: ansContent: %w", err)
	}
	return AnsContent{raw: b}, nil
}

// UnmarshalJSON keeps the raw bytes (and a JSON string's text).
func (a *AnsContent) UnmarshalJSON(b []byte) error {
	a.set(b)
	return nil
}

// MarshalJSON writes the raw bytes back (null when empty).
func (a AnsContent) MarshalJSON() ([]byte, error) {
	if len(bytes.TrimSpace(a.raw)) == 0 {
		return []byte("null"), nil
	}
	return a.raw, nil
}

// Raw returns the raw JSON as received.
func (a AnsContent) Raw() json.RawMessage { return a.raw }

// IsZero reports whether there is no content (absent, null or an empty string).
func (a AnsContent) IsZero() bool {
	t := bytes.TrimSpace(a.raw)
	return len(t) == 0 || string(t) == "null" || string(t) == `""`
}

// String returns the content as text: the string for a JSON string, the JSON text
// itself for anything else, "" for null.
func (a AnsContent) String() string {
	if a.hasText {
		return a.text
	}
	t := bytes.TrimSpace(a.raw)
	if len(t) == 0 || string(t) == "null" {
		return ""
	}
	return string(t)
}

// object returns the JSON object bytes: the raw object, or the object inside a
// JSON-encoded string.
func (a AnsContent) object() ([]byte, error) {
	t := bytes.TrimSpace(a.raw)
	if len(t) > 0 && t[0] == '"' {
		if !a.hasText {
			var s string
			return nil, json.Unmarshal(t, &s) // the syntax error
		}
		t = bytes.TrimSpace([]byte(a.text))
	}
	if len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("want a JSON object, got %s", preview(t))
	}
	return t, nil
}

func preview(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	const n = 40
	if len(b) > n {
		return strconv.Quote(string(b[:n])) + "…"
	}
	return strconv.Quote(string(b))
}

// Content is decoded ansContent: one of *RichText, *PlainText, *ImageURL, *AudioURL,
// *SelectiveList, *SelectiveTable, *ProductList, *WechatImage, *Link, *CustomCard,
// *TaskButtons, *Map, *MiniAppCard, *Unknown.
type Content interface{ isContent() }

// RichText is msgType rich: KM HTML.
type RichText struct{ HTML string }

// PlainText is msgType plain (and anything textual without a msgType).
type PlainText struct{ Text string }

// ImageURL is msgType image: a picture's URL.
type ImageURL struct{ URL string }

// AudioURL is msgType audio: a playable URL; the text shown with it is Answer.Msgbox.
type AudioURL struct{ URL string }

// Option is one entry of a selective list or table.
type Option struct {
	ID    ID     `json:"id"`
	Value string `json:"value"`
}

// SelectiveList is ans_selective_list.
type SelectiveList struct {
	Title      string   `json:"title"`
	OptionList []Option `json:"optionList"`
}

// SelectiveTable is ans_selective_table: optionList laid out row by row.
type SelectiveTable struct {
	Title        string   `json:"title"`
	RowNumber    Int      `json:"rowNumber"`
	ColumnNumber Int      `json:"columnNumber"`
	OptionList   []Option `json:"optionList"`
}

// ProductList is ans_show_product, used by show_product and selective_product.
type ProductList struct {
	Title    string `json:"title"`
	ShowSize Int    `json:"showSize"`
	// TurnFlag says whether the list may be shown a group at a time: 1 allowed,
	// 0 forbidden (001), nil when KM left it out. See Paged.
	TurnFlag    *Int      `json:"turnFlag"`
	ProductList []Product `json:"productList"`
	// Selective is true for selective_product (a product is chosen by clicking it).
	Selective bool `json:"-"`
}

// Paged reports whether the products may be shown showSize at a time with a way
// to switch groups: turnFlag 1, or no turnFlag. With turnFlag 0 switching groups
// is forbidden, so every product is shown at once rather than only the first group
// (which would hide the rest for good).
func (p *ProductList) Paged() bool { return p.TurnFlag == nil || *p.TurnFlag != 0 }

// Product is one product of a product list.
type Product struct {
	ID       ID            `json:"id"`
	Name     string        `json:"name"`
	Image    string        `json:"image"`
	URL      string        `json:"url"`
	InfoList []ProductInfo `json:"infoList"`
}

// ProductInfo is one line of product information.
type ProductInfo struct {
	Info     string `json:"info"`
	BoldFlag Int    `json:"boldFlag"`
	Color    string `json:"color"`
}

// WechatImage is ans_wechat_image: an article card.
type WechatImage struct {
	Content     string `json:"content"`
	CoverURL    string `json:"coverUrl"`
	Description string `json:"description"`
	AnswerURL   string `json:"answerUrl"`
}

// Link is ans_link.
type Link struct {
	FaviconURL string `json:"faviconUrl"`
	Title      string `json:"title"`
	AnswerURL  string `json:"answerUrl"`
}

// CustomCard is ans_custom_card.
type CustomCard struct {
	ID       Text   `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	SubTitle string `json:"subTitle"`
	PageType Int    `json:"pageType"` // 0 pseudo paging, 1 real paging
	PageNum  Int    `json:"pageNum"`
	PageSize Int    `json:"pageSize"`
	CardList []Card `json:"cardList"`
}

// Card types and hit types of a custom card.
const (
	CardRich    = 1 // rich text card
	CardFAQList = 2 // FAQ suggestion list card

	CardHitLink        = 1 // hitContent is a URL
	CardHitSendText    = 2 // ask hitContent as the user's question
	CardHitSendContent = 3 // send the card content as a message (hitShowContent shown if set)
)

// Card is one card of a custom card.
type Card struct {
	ID             Text             `json:"id"`
	Type           Int              `json:"type"`
	Title          string           `json:"title,omitempty"`
	Content        string           `json:"content"`
	IsHit          Int              `json:"isHit"`
	HitType        Int              `json:"hitType"`
	HitContent     string           `json:"hitContent"`
	HitShowContent string           `json:"hitShowContent"`
	SuggestContent string           `json:"suggestContent"`
	SuggestList    []CardSuggestion `json:"suggestList"`
}

// CardSuggestion is a question of an FAQ list card.
type CardSuggestion struct {
	ID      ID   `json:"id"`
	Content Text `json:"content"`
	Type    Int  `json:"type"`
}

// TaskButtons is ans_task_button.
type TaskButtons struct {
	RichText string       `json:"richText"`
	Buttons  []TaskButton `json:"buttons"`
}

// Task button action and position values.
const (
	NextNode      = "NEXT_NODE"
	OpenLink      = "OPEN_LINK"
	DefaultPos    = "DEFAULT_POSITION"
	InputBoxAbove = "INPUT_BOX_ABOVE"
)

// TaskButton is one button of a task-based dialogue.
type TaskButton struct {
	FlowID              Text   `json:"flowId"`
	NodeID              Text   `json:"nodeId"`
	ButtonName          string `json:"buttonName"`
	CustomStyle         string `json:"customStyle"`
	LinkAddress         string `json:"linkAddress"`
	NextActionType      string `json:"nextActionType"`
	DisplayLocationType string `json:"displayLocationType"`
}

// Map is ans_map.
type Map struct {
	Address  string `json:"address"`
	Name     string `json:"name"`
	Location string `json:"location"` // "lat,lng"
}

// LatLng parses Location; ok is false when it is not two numbers in range.
func (m *Map) LatLng() (lat, lng float64, ok bool) {
	a, b, found := strings.Cut(m.Location, ",")
	if !found {
		return 0, 0, false
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lng, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lng < -180 || lng > 180 {
		return 0, 0, false
	}
	return lat, lng, true
}

// MiniAppCard is mini_apps_card.
type MiniAppCard struct {
	Name            string `json:"name"`
	AppID           string `json:"appId"`
	AppURL          string `json:"appUrl"`
	MiniAppCardType Int    `json:"miniAppCardType"`
	PicID           string `json:"picId"`
	MiniAppPicURL   string `json:"miniAppPicUrl"`
}

// Unknown is a msgType kmbridge does not know; the raw JSON is kept.
type Unknown struct {
	MsgType string
	Raw     json.RawMessage
}

func (*RichText) isContent()       {}
func (*PlainText) isContent()      {}
func (*ImageURL) isContent()       {}
func (*AudioURL) isContent()       {}
func (*SelectiveList) isContent()  {}
func (*SelectiveTable) isContent() {}
func (*ProductList) isContent()    {}
func (*WechatImage) isContent()    {}
func (*Link) isContent()           {}
func (*CustomCard) isContent()     {}
func (*TaskButtons) isContent()    {}
func (*Map) isContent()            {}
func (*MiniAppCard) isContent()    {}
func (*Unknown) isContent()        {}

// Decode decodes the content according to msgType. An empty msgType is treated as
// rich (KM's default). Structured types accept an embedded object or a JSON-encoded
// string of one, and read every scalar tolerantly (tolerant.go). It never panics.
// Content that is not an object where one belongs gives a nil Content and an error
// naming the msgType; fields that could not be read give the Content without them
// and an error wrapping a *DroppedError that names them.
func (a AnsContent) Decode(msgType string) (Content, error) {
	var dst Content
	switch NormalizeMsgType(msgType) {
	case MsgRich, "":
		return &RichText{HTML: a.String()}, nil
	case MsgPlain:
		return &PlainText{Text: a.String()}, nil
	case MsgImage:
		return &ImageURL{URL: strings.TrimSpace(a.String())}, nil
	case MsgAudio:
		return &AudioURL{URL: strings.TrimSpace(a.String())}, nil
	case MsgSelectiveList:
		dst = &SelectiveList{}
	case MsgSelectiveTable:
		dst = &SelectiveTable{}
	case MsgShowProduct:
		dst = &ProductList{}
	case MsgSelectiveProduct:
		dst = &ProductList{Selective: true}
	case MsgWechatImage:
		dst = &WechatImage{}
	case MsgLink:
		dst = &Link{}
	case MsgCustomCard:
		dst = &CustomCard{}
	case MsgTaskButton:
		dst = &TaskButtons{}
	case MsgMap:
		dst = &Map{}
	case MsgMiniAppsCard:
		dst = &MiniAppCard{}
	default:
		return &Unknown{MsgType: msgType, Raw: a.raw}, nil
	}
	obj, err := a.object()
	if err != nil {
		return nil, fmt.Errorf("kmclient: ansContent %s: %w", msgType, err)
	}
	dropped, err := unmarshalTolerant(obj, dst)
	if err != nil {
		return nil, fmt.Errorf("kmclient: ansContent %s: %w", msgType, err)
	}
	if len(dropped) > 0 {
		return dst, fmt.Errorf("kmclient: ansContent %s: %w", msgType, &DroppedError{Fields: dropped})
	}
	return dst, nil
}

// NormalizeMsgType is msgType as the constants spell it: trimmed, lower case,
// without the ans_ prefix of the seeds' structure names (ans_selective_table and
// selective_table are one type).
func NormalizeMsgType(msgType string) string {
	t := strings.ToLower(strings.TrimSpace(msgType))
	return strings.TrimPrefix(t, "ans_")
}

// Infer guesses the msgType of content whose msgType is unknown (the 001 seed
// types multipleMessage[].messageType as an Integer without saying which number is
// which type): an object by the keys only one structure has, a string that holds no
// object as rich text (HTML is a superset of plain text). "" when nothing fits.
func (a AnsContent) Infer() string {
	obj, err := a.object()
	if err != nil {
		if a.IsZero() || bytes.HasPrefix(bytes.TrimSpace(a.raw), []byte("[")) || !isJSONString(a.raw) {
			return ""
		}
		return MsgRich
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(obj, &keys) != nil {
		return ""
	}
	has := func(names ...string) bool {
		for _, n := range names {
			for k := range keys {
				if strings.EqualFold(k, n) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has("optionList") && has("rowNumber", "columnNumber"):
		return MsgSelectiveTable
	case has("optionList"):
		return MsgSelectiveList
	case has("productList"):
		return MsgShowProduct
	case has("cardList"):
		return MsgCustomCard
	case has("buttons"):
		return MsgTaskButton
	case has("location"):
		return MsgMap
	case has("appId", "appUrl", "miniAppPicUrl"):
		return MsgMiniAppsCard
	case has("coverUrl"):
		return MsgWechatImage
	case has("faviconUrl"), has("answerUrl") && has("title"):
		return MsgLink
	case has("answerUrl"):
		return MsgWechatImage
	}
	return ""
}

func isJSONString(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) > 0 && t[0] == '"'
}

// Content decodes the answer's ansContent by its msgType.
func (a *Answer) Content() (Content, error) { return a.AnsContent.Decode(a.MsgType) }

// Content decodes one element of multipleMessage by its messageType.
func (m *MultiMessage) Content() (Content, error) { return m.Message.Decode(m.MessageType) }
