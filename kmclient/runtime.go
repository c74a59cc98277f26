package kmclient

import (
	"context"
	"encoding/json"
	"errors"
)

var errNotImplemented = errors.New("kmclient: not implemented yet")

// Customer is the customer map of initClient. Empty fields are omitted.
type Customer struct {
	ID               string            `json:"id,omitempty"`
	Nickname         string            `json:"nickname,omitempty"`
	IP               string            `json:"ip,omitempty"`
	Province         string            `json:"province,omitempty"`
	City             string            `json:"city,omitempty"`
	OrgName          string            `json:"orgName,omitempty"`
	Email            string            `json:"email,omitempty"`
	Phone            string            `json:"phone,omitempty"`
	Tags             string            `json:"tags,omitempty"`
	Desc             string            `json:"desc,omitempty"`
	Level            string            `json:"level,omitempty"`
	Platform         string            `json:"platform,omitempty"`
	Src              string            `json:"src,omitempty"`
	SrcURL           string            `json:"srcUrl,omitempty"`
	WebPluginName    string            `json:"webPluginName,omitempty"`
	Keyword          string            `json:"keyword,omitempty"`
	GeneratedChannel string            `json:"generatedChannel,omitempty"`
	LoginURL         string            `json:"loginUrl,omitempty"`
	SessionURL       string            `json:"sessionUrl,omitempty"`
	WeChatOpenID     string            `json:"weChatOpenId,omitempty"`
	CustomerToken    string            `json:"customer_token,omitempty"`
	CustomField      map[string]string `json:"customField,omitempty"`
	DialogueDesc     string            `json:"c_cf_dialogueDesc,omitempty"`
}

// Platform codes of initClient.
const (
	PlatformWeb = 0
	PlatformAPI = 5 // "customer service system API": what kmbridge uses
)

// InitClientRequest is the body of POST /v1/initClient.
type InitClientRequest struct {
	RobotID          ID        `json:"robotId"`
	ChannelID        ID        `json:"channelId"`
	ModelKey         string    `json:"modelKey,omitempty"`
	AccessKeyID      string    `json:"accessKeyId,omitempty"`
	Platform         *int      `json:"platform,omitempty"`
	Customer         *Customer `json:"customer,omitempty"`
	ShortcutCustomID string    `json:"shortcutCustomId,omitempty"`
}

// ChatRequest is the body of POST /v1/chat.
type ChatRequest struct {
	SessionID    ID     `json:"sessionId"`
	RobotID      ID     `json:"robotId"`
	QueryContent string `json:"queryContent"`
	ChannelID    ID     `json:"channel_id,omitempty"`
	WeixinOpenID string `json:"weixin_openid,omitempty"`
	ContentType  string `json:"contentType,omitempty"` // "text" converts rich answers to text
	ChatMode     int    `json:"chatMode,omitempty"`    // 1 smart, 2 task, 3 FAQ, 4 knowledge base
}

// Response modes of v2 newChat.
const (
	ModeBlocking  = "blocking"
	ModeStreaming = "streaming"
)

// NewChatRequest is the body of POST /v2/newChat.
type NewChatRequest struct {
	SessionID      ID     `json:"sessionId"`
	RobotID        ID     `json:"robotId"`
	QueryContent   string `json:"queryContent"`
	ChannelID      ID     `json:"channel_id,omitempty"`
	WeixinOpenID   string `json:"weixin_openid,omitempty"`
	ContentType    string `json:"contentType,omitempty"`
	ChatMode       int    `json:"chatMode,omitempty"`
	ResponseMode   string `json:"responseMode,omitempty"`
	ProxyModelCall *bool  `json:"proxyModelCall,omitempty"`
}

// Hit query types and sources.
const (
	QueryFAQ       = 6 // FAQ click
	QuerySuggested = 7 // suggested-question click
	QueryInFlow    = 8 // question inside a flow
	QuerySmartHint = 9 // smart hint click

	HitShortcut = 1 // message from a shortcut entry
	HitButton   = 2 // click on button text
	HitProduct  = 3 // structured message from a product list
)

// HitRequest is the body of POST /v1/hit.
type HitRequest struct {
	SessionID       ID     `json:"sessionId"`
	QueryType       int    `json:"queryType,omitempty"`
	LogID           ID     `json:"logId,omitempty"`
	QuestionID      ID     `json:"questionId,omitempty"`
	QuestionContent string `json:"questionContent,omitempty"`
	ContentType     string `json:"contentType,omitempty"`
	HitSource       int    `json:"hitSource,omitempty"`
}

// FlowRequest is the body of POST /v1/flow.
type FlowRequest struct {
	SessionID   ID     `json:"sessionId"`
	LogID       ID     `json:"logId,omitempty"`
	FlowID      ID     `json:"flowId,omitempty"`
	FlowContent string `json:"flowContent,omitempty"`
}

// CommonQuestionsRequest is the body of POST /v1/chat/commonQuestions.
type CommonQuestionsRequest struct {
	RobotID   ID     `json:"robotId"`
	ChannelID ID     `json:"channelId"`
	ModelKey  string `json:"modelKey"`
}

// HotQuestionsRequest is the body of POST /v1/chat/hotQuestions.
type HotQuestionsRequest struct {
	LimitDayNum    int `json:"limitDayNum"`    // ≤ 100
	LimitResultNum int `json:"limitResultNum"` // ≤ 50
	RobotID        ID  `json:"robotId"`
}

// Rating options.
const (
	AnswerSatisfied   = 1
	AnswerUnsatisfied = 2

	SessionNotRated    = 1
	SessionSatisfied   = 2
	SessionNeutral     = 3
	SessionUnsatisfied = 4
)

// SurveyQuestionRequest is the body of POST /v1/surveyQuestion.
type SurveyQuestionRequest struct {
	SessionID              ID  `json:"sessionId"`
	QuestionSurveyOptionID int `json:"questionSurveyOptionId"`
	LogID                  ID  `json:"logId,omitempty"`
}

// SurveySessionRequest is the body of POST /v1/surveySession.
type SurveySessionRequest struct {
	SessionID             ID     `json:"sessionId"`
	SessionSurveyOptionID int    `json:"sessionSurveyOptionId,omitempty"`
	SurveyContent         string `json:"surveyContent,omitempty"`
}

// SurveySessionResult is the data of POST /v1/surveySession (often empty).
type SurveySessionResult struct {
	SwitchStaffType int    `json:"switchStaffType"`
	SwitchStaffTips string `json:"switchStaffTips"`
}

// AssistRequest is the body of POST /v1/assist.
type AssistRequest struct {
	RobotID      ID     `json:"robotId"`
	ChannelID    ID     `json:"channelId"`
	QueryContent string `json:"queryContent,omitempty"`
}

// SmartHintRequest is the body of POST /v1/smartHint.
type SmartHintRequest struct {
	SessionID ID     `json:"sessionId"`
	Keyword   string `json:"keyword,omitempty"`
}

// SmartHintResult is the data of POST /v1/smartHint.
type SmartHintResult struct {
	SmartTipList []Question `json:"smartTipList"`
}

// Chunk is one SSE event of a streaming v2 newChat.
type Chunk struct {
	// Raw is the data of the event (one JSON value).
	Raw json.RawMessage
	// Text is the piece of answer text the chunk carries ("message", "content",
	// "answer", "text" or a delta of those), "" when it carries none.
	Text string
	// Answer is set when the chunk carries a whole answer (an envelope or an object
	// with ansContent), typically the last one before [DONE].
	Answer *Answer
}

// Stream reads the chunks of a streaming v2 newChat.
type Stream struct {
	next  func() (Chunk, error)
	close func() error
}

// Next returns the next chunk; io.EOF after [DONE] or a clean end of stream.
func (s *Stream) Next() (Chunk, error) {
	if s == nil || s.next == nil {
		return Chunk{}, errNotImplemented
	}
	return s.next()
}

// Close releases the connection; safe to call more than once.
func (s *Stream) Close() error {
	if s == nil || s.close == nil {
		return nil
	}
	return s.close()
}

// The runtime methods below are the contract the bridge codes against.

// InitClient starts a KM session (POST /v1/initClient).
func (c *Client) InitClient(ctx context.Context, req InitClientRequest) (*InitClientResponse, error) {
	return nil, errNotImplemented
}

// Chat asks a question (POST /v1/chat).
func (c *Client) Chat(ctx context.Context, req ChatRequest) (*Answer, error) {
	return nil, errNotImplemented
}

// NewChat asks a question through v2 in blocking mode (POST /v2/newChat).
func (c *Client) NewChat(ctx context.Context, req NewChatRequest) (*Answer, error) {
	return nil, errNotImplemented
}

// NewChatStream asks a question through v2 in streaming mode and returns the SSE
// chunks as they arrive. The caller must Close the stream.
func (c *Client) NewChatStream(ctx context.Context, req NewChatRequest) (*Stream, error) {
	return nil, errNotImplemented
}

// Hit reports a click on a question and returns its answer (POST /v1/hit).
func (c *Client) Hit(ctx context.Context, req HitRequest) (*Answer, error) {
	return nil, errNotImplemented
}

// Flow reports a click inside a flow and returns the next step (POST /v1/flow).
func (c *Client) Flow(ctx context.Context, req FlowRequest) (*Answer, error) {
	return nil, errNotImplemented
}

// CommonQuestions lists FAQ categories (POST /v1/chat/commonQuestions).
func (c *Client) CommonQuestions(ctx context.Context, req CommonQuestionsRequest) ([]QuestionCategory, error) {
	return nil, errNotImplemented
}

// HotQuestions lists the most asked questions (POST /v1/chat/hotQuestions).
func (c *Client) HotQuestions(ctx context.Context, req HotQuestionsRequest) ([]Question, error) {
	return nil, errNotImplemented
}

// SurveyQuestion rates one answer (POST /v1/surveyQuestion).
func (c *Client) SurveyQuestion(ctx context.Context, req SurveyQuestionRequest) error {
	return errNotImplemented
}

// SurveySession rates the whole session (POST /v1/surveySession).
func (c *Client) SurveySession(ctx context.Context, req SurveySessionRequest) (*SurveySessionResult, error) {
	return nil, errNotImplemented
}

// Assist asks the robot on an agent's behalf (POST /v1/assist).
func (c *Client) Assist(ctx context.Context, req AssistRequest) (*Answer, error) {
	return nil, errNotImplemented
}

// SmartHint returns questions matching what the user is typing (POST /v1/smartHint).
func (c *Client) SmartHint(ctx context.Context, req SmartHintRequest) ([]Question, error) {
	return nil, errNotImplemented
}

// SwitchStaff tells KM the session went to a human (PUT /v1/sessions/:id/switchStaff).
func (c *Client) SwitchStaff(ctx context.Context, sessionID ID) error {
	return errNotImplemented
}
