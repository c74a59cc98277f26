// Package formatting turns KM answers into a platform-neutral Message and owns that
// model. It is pure: no I/O, no clocks, no store. Buttons get their action tokens
// through a callback (Options.Tokens), so the bridge decides where actions live.
//
// The platform renderers live in subpackages (slackfmt, tgfmt, discordfmt, webfmt);
// each is a pure function of a Message. Renderers add no words of their own: every
// user-visible string is in the Message, so the bridge's language applies everywhere.
package formatting

import (
	"encoding/json"

	"github.com/kmbridge/kmbridge/kmclient"
)

// Message is one bot reply. A renderer may split it into several platform messages
// to stay within limits, but never drops content silently.
type Message struct {
	Blocks []Block
	// InputHints are buttons that belong above the input box (task buttons with
	// INPUT_BOX_ABOVE): a reply keyboard on Telegram, ordinary buttons elsewhere.
	InputHints []Button
}

// IsEmpty reports whether the message has nothing to show.
func (m Message) IsEmpty() bool { return len(m.Blocks) == 0 && len(m.InputHints) == 0 }

// Append returns m with the blocks and input hints of o added at the end.
func (m Message) Append(o Message) Message {
	m.Blocks = append(append([]Block(nil), m.Blocks...), o.Blocks...)
	m.InputHints = append(append([]Button(nil), m.InputHints...), o.InputHints...)
	return m
}

// Block is one part of a message: *Text, *Image, *Buttons, *Select, *Card,
// *Products, *Location, *Audio, *File, *Divider.
type Block interface{ isBlock() }

// Text is rich text.
type Text struct {
	Rich Rich
	// Context marks secondary text (attachment lists, "hit question" notes) that
	// platforms show small (Slack context block, Discord subtext).
	Context bool
}

// Image is a picture. Link, when set, is where clicking it should lead.
type Image struct {
	URL  string
	Alt  string
	Link string
}

// Buttons is a group of buttons. Renderers lay them out within the platform's
// limits and switch to a select menu when there are more than buttons can carry.
type Buttons struct {
	// Title is an optional lead-in shown above the buttons (e.g. "Related questions").
	Title string
	Items []Button
	// Columns suggests a grid width (selective tables); 0 lets the renderer choose.
	Columns int
	// Placeholder labels the select menu a renderer may fall back to.
	Placeholder string
}

// Select is an explicit choice menu (long option lists).
type Select struct {
	Placeholder string
	Options     []Button
}

// Style colours a button where the platform allows it.
type Style int

// Button styles.
const (
	StyleDefault Style = iota
	StylePrimary
	StyleDanger
)

// Button is a clickable thing: exactly one of Token (an action, dispatched by the
// bridge) or URL (opens a link) is set.
type Button struct {
	Label string
	Token string
	URL   string
	Style Style
}

// Field is a label/value pair shown on a card.
type Field struct {
	Label string
	Value Rich
}

// Card is a titled box: link cards, article cards, custom cards, mini-app cards.
type Card struct {
	Title    string
	Subtitle string
	URL      string // where the title links to
	ImageURL string // large image (or thumbnail, at the renderer's choice)
	IconURL  string // small icon (favicon)
	Body     Rich
	Fields   []Field
	Buttons  []Button
}

// Products is a product list, one page of it.
type Products struct {
	Title string
	Items []Card
	// Page is 1-based; Pages is the page count (1 when there is no paging).
	Page, Pages int
	// Prev and Next turn the page; nil when there is no such page.
	Prev, Next *Button
	// PageLabel says "Page 2 of 3" in the user's language; empty when there is
	// one page.
	PageLabel string
}

// Location is a place on a map.
type Location struct {
	Name    string
	Address string
	Lat     float64
	Lng     float64
	// HasCoords is false when KM gave no usable coordinates; renderers then show
	// the address only.
	HasCoords bool
	// MapURL opens the place in a web map.
	MapURL string
}

// Audio is a playable sound with its accompanying text.
type Audio struct {
	URL     string
	Caption string
}

// File is an attachment.
type File struct {
	Name string
	URL  string
	Size int64 // bytes; 0 when unknown
}

// Divider separates parts of a message.
type Divider struct{}

func (*Text) isBlock()     {}
func (*Image) isBlock()    {}
func (*Buttons) isBlock()  {}
func (*Select) isBlock()   {}
func (*Card) isBlock()     {}
func (*Products) isBlock() {}
func (*Location) isBlock() {}
func (*Audio) isBlock()    {}
func (*File) isBlock()     {}
func (*Divider) isBlock()  {}

// Rich is rich text: a sequence of block-level nodes.
type Rich []RichBlock

// RichBlock is one of *Para, *Heading, *List, *CodeBlock, *Quote, *Table, *Rule.
type RichBlock interface{ isRichBlock() }

// Para is a paragraph of inline spans.
type Para struct{ Spans []Span }

// Heading is a heading, Level 1–6.
type Heading struct {
	Level int
	Spans []Span
}

// List is an ordered or unordered list; each item is itself rich text (lists nest).
type List struct {
	Ordered bool
	Start   int // first number of an ordered list; 0 means 1
	Items   []Rich
}

// CodeBlock is preformatted text.
type CodeBlock struct {
	Lang string
	Code string
}

// Quote is a block quotation.
type Quote struct{ Body Rich }

// Table is a table of inline cells; Header marks the first row as a header.
type Table struct {
	Header bool
	Rows   [][][]Span
}

// Rule is a horizontal rule.
type Rule struct{}

func (*Para) isRichBlock()      {}
func (*Heading) isRichBlock()   {}
func (*List) isRichBlock()      {}
func (*CodeBlock) isRichBlock() {}
func (*Quote) isRichBlock()     {}
func (*Table) isRichBlock()     {}
func (*Rule) isRichBlock()      {}

// Mark is a set of inline styles.
type Mark uint8

// Inline styles.
const (
	Bold Mark = 1 << iota
	Italic
	Underline
	Strike
	Code
)

// Span is a run of text with one set of styles. A Span whose Text is "\n" is a hard
// line break. Link, when set, makes the span a hyperlink (only http, https, mailto
// and tel URLs ever get here).
type Span struct {
	Text  string
	Marks Mark
	Link  string
}

// ActionKind says what a click does.
type ActionKind string

// Action kinds.
const (
	ActHit         ActionKind = "hit"          // KM /v1/hit
	ActFlow        ActionKind = "flow"         // KM /v1/flow
	ActSendText    ActionKind = "send"         // ask Text as if the user typed it
	ActRateAnswer  ActionKind = "rate_answer"  // KM /v1/surveyQuestion
	ActRateSession ActionKind = "rate_session" // KM /v1/surveySession
	ActEscalate    ActionKind = "escalate"     // hand over to a human agent
	ActPage        ActionKind = "page"         // show another page of a list
	ActCommand     ActionKind = "command"      // run a bridge command (faq, hot, help, reset)

	// Hand-over case operations: Action.Case names the case. Agents' buttons
	// work for anyone in the agents' channel; the rating is the user's.
	ActCaseClaim      ActionKind = "case_claim"       // an agent takes the case
	ActCaseResolve    ActionKind = "case_resolve"     // the case is done
	ActCaseRobot      ActionKind = "case_robot"       // the user goes back to the robot
	ActCaseSendAnswer ActionKind = "case_send_answer" // send KM's suggested reply (MsgType, Content) to the user
	ActCaseSaveFAQ    ActionKind = "case_save_faq"    // KM POST /v1/questions from the case
	ActCaseAddSimilar ActionKind = "case_add_similar" // KM POST /v1/faq/similar/{id} from the case
	ActCaseRate       ActionKind = "case_rate"        // the user rates the session (Option 2/3/4)
)

// IsCase reports whether k is a hand-over case operation.
func (k ActionKind) IsCase() bool {
	switch k {
	case ActCaseClaim, ActCaseResolve, ActCaseRobot, ActCaseSendAnswer, ActCaseSaveFAQ, ActCaseAddSimilar, ActCaseRate:
		return true
	}
	return false
}

// Action is what a button does, as data. The bridge stores it behind a token.
type Action struct {
	Kind ActionKind `json:"k"`

	// Hit.
	QueryType       int    `json:"qt,omitempty"` // 6 FAQ, 7 suggested, 8 in a flow, 9 smart hint
	QuestionID      int64  `json:"qid,omitempty"`
	QuestionContent string `json:"qc,omitempty"`
	HitSource       int    `json:"hs,omitempty"` // 1 shortcut, 2 button text, 3 product list

	// Hit, flow, rate_answer: the log the clicked thing came from.
	LogID int64 `json:"log,omitempty"`

	// Flow.
	FlowID      int64  `json:"fid,omitempty"`
	FlowContent string `json:"fc,omitempty"`

	// Send text: Text is asked; Show, when set, is what the chat shows instead.
	Text string `json:"t,omitempty"`
	Show string `json:"show,omitempty"`

	// Rate: surveyQuestion 1 satisfied / 2 unsatisfied; surveySession 2/3/4.
	Option int `json:"opt,omitempty"`

	// Page: the page to show and the content to page through.
	Page    int             `json:"p,omitempty"`
	MsgType string          `json:"mt,omitempty"`
	Content json.RawMessage `json:"c,omitempty"`

	// Command: a bridge command name and argument.
	Command string `json:"cmd,omitempty"`
	Arg     string `json:"arg,omitempty"`

	// Case is the hand-over case a case operation acts on (its number).
	Case string `json:"case,omitempty"`

	// Label is the button's label, kept so the click can be echoed ("You chose …").
	Label string `json:"l,omitempty"`
}

// HitAction is the action of a button that sends req (built by kmclient's click
// functions, where the choices the seeds leave open are made) to /v1/hit.
func HitAction(req kmclient.HitRequest, label string) Action {
	return Action{Kind: ActHit, QueryType: req.QueryType, QuestionID: int64(req.QuestionID),
		QuestionContent: req.QuestionContent, HitSource: req.HitSource, LogID: int64(req.LogID), Label: label}
}

// FlowAction is the action of a button that sends req to /v1/flow.
func FlowAction(req kmclient.FlowRequest, label string) Action {
	return Action{Kind: ActFlow, FlowID: int64(req.FlowID), FlowContent: req.FlowContent, LogID: int64(req.LogID), Label: label}
}

// HitRequest is the /v1/hit request of an ActHit action, for session sid.
func (a Action) HitRequest(sid kmclient.ID) kmclient.HitRequest {
	return kmclient.HitRequest{SessionID: sid, QueryType: a.QueryType, LogID: kmclient.ID(a.LogID),
		QuestionID: kmclient.ID(a.QuestionID), QuestionContent: a.QuestionContent, HitSource: a.HitSource}
}

// FlowRequest is the /v1/flow request of an ActFlow action, for session sid.
func (a Action) FlowRequest(sid kmclient.ID) kmclient.FlowRequest {
	return kmclient.FlowRequest{SessionID: sid, LogID: kmclient.ID(a.LogID), FlowID: kmclient.ID(a.FlowID), FlowContent: a.FlowContent}
}

// Tokens turns an action into a button token. The bridge's implementation stores the
// action; tests can use a deterministic one.
type Tokens func(Action) string
