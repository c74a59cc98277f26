package kmclient

import (
	"context"
	"net/http"
	"net/url"
)

// SessionTimeLayout is the time format of session record searches
// (yyyy-MM-dd HH:mm:ss), for time.Format.
const SessionTimeLayout = "2006-01-02 15:04:05"

// SearchSessionsRequest is the body of POST /v1/sessions.
type SearchSessionsRequest struct {
	RobotID        ID                 `json:"robotId"`
	StartTime      string             `json:"startTime"` // SessionTimeLayout
	EndTime        string             `json:"endTime"`   // SessionTimeLayout
	PageNum        int                `json:"pageNum,omitempty"`
	PageSize       int                `json:"pageSize,omitempty"` // < 100
	Keywords       string             `json:"keywords,omitempty"`
	KeywordsSource int                `json:"keywordsSource,omitempty"` // 0 all, 1 robot, 2 customer, 3 agent, 4 customer id, 5 external id
	ConditionList  []SessionCondition `json:"conditionList,omitempty"`
}

// SessionCondition filters session records, e.g. {customerMsgCount greater_than "0"}.
// Value's type depends on the field (array, string or integer): see the 004 seed.
type SessionCondition struct {
	Field    string `json:"field"`
	Operator string `json:"operator"` // is, greater_than, less_than, between
	Value    any    `json:"value"`
}

// SessionRecord is one conversation record.
type SessionRecord struct {
	ID                     ID               `json:"id"`
	RobotID                ID               `json:"robotId"`
	StartTime              string           `json:"startTime"`
	EndTime                string           `json:"endTime"`
	TotalCount             int              `json:"totalCount"`
	IPLocation             string           `json:"ipLocation"`
	CustomerMsgCount       int              `json:"customerMsgCount"`
	RobotMsgCount          int              `json:"robotMsgCount"`
	RobotRepliedCount      int              `json:"robotRepliedCount"`
	UnknownQuestionCount   int              `json:"unknownQuestionCount"`
	UsefulResponseCount    int              `json:"usefulResponseCount"`
	UselessResponseCount   int              `json:"uselessResponseCount"`
	SurveyOption           int              `json:"surveyOption"` // 1 not rated, 2 satisfied, 3 neutral, 4 unsatisfied
	SurveyComment          string           `json:"surveyComment"`
	IsSwitchStaff          int              `json:"isSwitchStaff"`
	AppName                string           `json:"appName"`
	ChannelID              ID               `json:"channelId"`
	ChannelName            string           `json:"channelName"`
	Customer               *SessionCustomer `json:"customer"`
	CallID                 Text             `json:"callId"`
	DialogueDesc           string           `json:"dialogueDesc"`
	DirectResponseCount    int              `json:"directResponseCount"`
	SuggestQuestionCount   int              `json:"suggestQuestionCount"`
	UnSuggestQuestionCount int              `json:"unSuggestQuestionCount"`
}

// SessionCustomer is the customer of a conversation record.
type SessionCustomer struct {
	ID               Text   `json:"id"` // documented Integer; kept as text so any id decodes
	Nickname         string `json:"nickname"`
	IP               string `json:"ip"`
	Province         string `json:"province"`
	City             string `json:"city"`
	Platform         string `json:"platform"`
	Src              string `json:"src"`
	SrcURL           string `json:"srcUrl"`
	WebPluginName    string `json:"webPluginName"`
	OrgName          string `json:"orgName"`
	Email            string `json:"email"`
	Phone            string `json:"phone"`
	Tags             string `json:"tags"`
	Desc             string `json:"desc"`
	Level            string `json:"level"`
	GeneratedChannel string `json:"generatedChannel"`
	LoginURL         string `json:"loginUrl"`
	SessionURL       string `json:"sessionUrl"`
	DialogueDesc     string `json:"dialogueDesc"`
}

// SearchSessions lists conversation records (POST /v1/sessions).
func (c *Client) SearchSessions(ctx context.Context, req SearchSessionsRequest) ([]SessionRecord, Paging, error) {
	k := newCall(http.MethodPost, "/v1/sessions", "/v1/sessions")
	k.body = req
	var out []SessionRecord
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}

// SessionLog is one message of a conversation record.
type SessionLog struct {
	ID                                 ID              `json:"id"`
	UserType                           int             `json:"userType"` // 1 robot, 2 user
	Content                            string          `json:"content"`
	SessionID                          ID              `json:"sessionId"`
	CreateTime                         string          `json:"createTime"`
	Source                             int             `json:"source"`
	QueryResult                        int             `json:"queryResult"`
	LeadingWord                        string          `json:"leadingWord"`
	SessionLogSuggestFoundResponseList []LogSuggestion `json:"sessionLogSuggestFoundResponseList"`
}

// LogSuggestion is a question suggested in a conversation record message.
type LogSuggestion struct {
	ID              ID     `json:"id"`
	LogID           ID     `json:"logId"`
	QuestionID      ID     `json:"questionId"`
	QuestionContent string `json:"questionContent"`
}

// SessionLogs lists the messages of a conversation record, a page at a time
// (GET /v1/sessions/:id/logs). Zero pageNum/pageSize leave KM's defaults (1, 10).
func (c *Client) SessionLogs(ctx context.Context, sessionID ID, pageNum, pageSize int) ([]SessionLog, Paging, error) {
	k := newCall(http.MethodGet, idPath("/v1/sessions/%s/logs", sessionID), "/v1/sessions/:id/logs")
	k.query = url.Values{}
	setInt(k.query, "pageNum", pageNum)
	setInt(k.query, "pageSize", pageSize)
	var out []SessionLog
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}
