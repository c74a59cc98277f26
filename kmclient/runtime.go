package kmclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// errNoStream is what Next says on a Stream that NewChatStream did not make.
var errNoStream = errors.New("kmclient: stream: not opened by NewChatStream")

// Customer is the customer map of initClient. Empty fields are omitted.
//
// KM types id as a Long (the 001 seed), so it is sent as a JSON number, and an id
// that is not an integer is left out rather than sent as text KM would refuse with
// the whole initClient: an external, non-numeric id belongs in CustomerToken.
type Customer struct {
	ID               string            `json:"id,omitempty"` // decimal digits; see MarshalJSON
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

// MarshalJSON writes id as a JSON number (KM's Long), or leaves it out when it is
// empty or not an integer.
func (c Customer) MarshalJSON() ([]byte, error) {
	type plain Customer
	out := struct {
		ID json.Number `json:"id,omitempty"`
		plain
	}{plain: plain(c)}
	if n, err := strconv.ParseInt(strings.TrimSpace(c.ID), 10, 64); err == nil {
		out.ID = json.Number(strconv.FormatInt(n, 10))
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads id from a number or a string, as KM's own parser does.
func (c *Customer) UnmarshalJSON(b []byte) error {
	type plain Customer
	in := struct {
		ID Text `json:"id"`
		*plain
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &in); err != nil {
		return fmt.Errorf("customer: %w", err)
	}
	c.ID = string(in.ID)
	return nil
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
	// with ansContent). The seeds describe no such event: a stream may end without
	// one, and its answer is then the text of its chunks.
	Answer *Answer
	// SessionID and LogID are set when the chunk carries them (at its top level,
	// in an envelope's data or in its answer), so that the text of a stream without
	// a whole answer can still be rated and clicked against the right log.
	SessionID, LogID ID

	// shape describes a chunk none of whose fields kmbridge reads (e.g. "object
	// with keys [id object]"), for the once-per-stream log line; "" otherwise.
	shape string
}

// Stream reads the chunks of a streaming v2 newChat. Next is meant for one
// goroutine; Close may be called from any goroutine, also while Next waits.
type Stream struct {
	next  func() (Chunk, error)
	close func() error
}

// Next returns the next chunk; io.EOF after [DONE] or a clean end of stream. An
// error wrapping ErrMalformedChunk concerns one event only (the chunk's Raw holds
// its data) and Next may be called again; any other error (an *APIError sent in
// the stream, ctx ending, the 60 s bound, a broken connection) is final and Next
// keeps returning it.
func (s *Stream) Next() (Chunk, error) {
	if s == nil || s.next == nil {
		return Chunk{}, errNoStream
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
	k := newCall(http.MethodPost, "/v1/initClient", "/v1/initClient")
	k.body = req
	out := new(InitClientResponse)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Chat asks a question (POST /v1/chat).
func (c *Client) Chat(ctx context.Context, req ChatRequest) (*Answer, error) {
	return c.answer(ctx, "/v1/chat", req)
}

// NewChat asks a question through v2 in blocking mode (POST /v2/newChat).
// req.ResponseMode is forced to blocking.
func (c *Client) NewChat(ctx context.Context, req NewChatRequest) (*Answer, error) {
	req.ResponseMode = ModeBlocking
	return c.answer(ctx, "/v2/newChat", req)
}

// NewChatStream asks a question through v2 in streaming mode and returns the SSE
// chunks as they arrive. The caller must Close the stream. The stream ends at KM's
// 60 s model bound (StreamTimeout) or earlier when ctx ends; see sse.go for how
// chunks are read.
func (c *Client) NewChatStream(ctx context.Context, req NewChatRequest) (*Stream, error) {
	req.ResponseMode = ModeStreaming
	return c.newChatStream(ctx, req)
}

// Hit reports a click on a question and returns its answer (POST /v1/hit).
func (c *Client) Hit(ctx context.Context, req HitRequest) (*Answer, error) {
	return c.answer(ctx, "/v1/hit", req)
}

// Flow reports a click inside a flow and returns the next step (POST /v1/flow).
func (c *Client) Flow(ctx context.Context, req FlowRequest) (*Answer, error) {
	return c.answer(ctx, "/v1/flow", req)
}

// CommonQuestions lists FAQ categories (POST /v1/chat/commonQuestions).
func (c *Client) CommonQuestions(ctx context.Context, req CommonQuestionsRequest) ([]QuestionCategory, error) {
	k := newCall(http.MethodPost, "/v1/chat/commonQuestions", "/v1/chat/commonQuestions")
	k.body = req
	var out []QuestionCategory
	if _, err := c.invoke(ctx, k, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// HotQuestions lists the most asked questions (POST /v1/chat/hotQuestions).
func (c *Client) HotQuestions(ctx context.Context, req HotQuestionsRequest) ([]Question, error) {
	k := newCall(http.MethodPost, "/v1/chat/hotQuestions", "/v1/chat/hotQuestions")
	k.body = req
	var out []Question
	if _, err := c.invoke(ctx, k, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// SurveyQuestion rates one answer (POST /v1/surveyQuestion).
func (c *Client) SurveyQuestion(ctx context.Context, req SurveyQuestionRequest) error {
	k := newCall(http.MethodPost, "/v1/surveyQuestion", "/v1/surveyQuestion")
	k.body = req
	_, err := c.invoke(ctx, k, nil)
	return err
}

// SurveySession rates the whole session (POST /v1/surveySession). The result is
// zero when KM sends no data, as it usually does.
func (c *Client) SurveySession(ctx context.Context, req SurveySessionRequest) (*SurveySessionResult, error) {
	k := newCall(http.MethodPost, "/v1/surveySession", "/v1/surveySession")
	k.body = req
	out := new(SurveySessionResult)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Assist asks the robot on an agent's behalf (POST /v1/assist).
func (c *Client) Assist(ctx context.Context, req AssistRequest) (*Answer, error) {
	return c.answer(ctx, "/v1/assist", req)
}

// SmartHint returns questions matching what the user is typing (POST /v1/smartHint).
func (c *Client) SmartHint(ctx context.Context, req SmartHintRequest) ([]Question, error) {
	k := newCall(http.MethodPost, "/v1/smartHint", "/v1/smartHint")
	k.body = req
	var out SmartHintResult
	if _, err := c.invoke(ctx, k, &out); err != nil {
		return nil, err
	}
	return out.SmartTipList, nil
}

// SwitchStaff tells KM the session went to a human (PUT /v1/sessions/:id/switchStaff).
func (c *Client) SwitchStaff(ctx context.Context, sessionID ID) error {
	k := newCall(http.MethodPut, idPath("/v1/sessions/%s/switchStaff", sessionID), "/v1/sessions/:id/switchStaff")
	_, err := c.invoke(ctx, k, nil)
	return err
}

// answer posts req to one of the endpoints that answer with an Answer. A success
// without data gives a zero Answer.
func (c *Client) answer(ctx context.Context, path string, req any) (*Answer, error) {
	k := newCall(http.MethodPost, path, path)
	k.body = req
	out := new(Answer)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}
