package kmsim

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

const recordTime = "2006-01-02 15:04:05"

type sessionSearchIn struct {
	RobotID        kmclient.ID `json:"robotId"`
	StartTime      string      `json:"startTime"`
	EndTime        string      `json:"endTime"`
	PageNum        int         `json:"pageNum"`
	PageSize       int         `json:"pageSize"`
	Keywords       string      `json:"keywords"`
	KeywordsSource int         `json:"keywordsSource"`
	ConditionList  []condition `json:"conditionList"`
}

type condition struct {
	Field    string          `json:"field"`
	Operator string          `json:"operator"`
	Value    json.RawMessage `json:"value"`
}

type sessionRecord struct {
	ID                     int64           `json:"id"`
	RobotID                int64           `json:"robotId"`
	StartTime              string          `json:"startTime"`
	EndTime                string          `json:"endTime"`
	TotalCount             int             `json:"totalCount"`
	IPLocation             *string         `json:"ipLocation"`
	CustomerMsgCount       int             `json:"customerMsgCount"`
	RobotMsgCount          int             `json:"robotMsgCount"`
	RobotRepliedCount      int             `json:"robotRepliedCount"`
	UnknownQuestionCount   int             `json:"unknownQuestionCount"`
	UsefulResponseCount    int             `json:"usefulResponseCount"`
	UselessResponseCount   int             `json:"uselessResponseCount"`
	SurveyOption           int             `json:"surveyOption"`
	SurveyComment          *string         `json:"surveyComment"`
	IsSwitchStaff          int             `json:"isSwitchStaff"`
	AppName                string          `json:"appName"`
	ChannelID              int64           `json:"channelId"`
	ChannelName            *string         `json:"channelName"`
	Customer               *recordCustomer `json:"customer"`
	CallID                 *string         `json:"callId"`
	DialogueDesc           *string         `json:"dialogueDesc"`
	DirectResponseCount    int             `json:"directResponseCount"`
	SuggestQuestionCount   int             `json:"suggestQuestionCount"`
	UnSuggestQuestionCount int             `json:"unSuggestQuestionCount"`

	platform      int
	customerToken string
	logs          []logEntry
}

type recordCustomer struct {
	ID               any    `json:"id"`
	Nickname         string `json:"nickname"`
	IP               string `json:"ip"`
	Province         string `json:"province"`
	City             string `json:"city"`
	Platform         string `json:"platform"`
	Src              string `json:"src"`
	SrcURL           string `json:"srcUrl"`
	WebPluginName    string `json:"webPluginName"`
	OrgName          string `json:"orgName,omitempty"`
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	Tags             string `json:"tags,omitempty"`
	Desc             string `json:"desc,omitempty"`
	Level            string `json:"level,omitempty"`
	GeneratedChannel string `json:"generatedChannel,omitempty"`
	LoginURL         string `json:"loginUrl,omitempty"`
	SessionURL       string `json:"sessionUrl"`
	DialogueDesc     string `json:"dialogueDesc,omitempty"`
}

type logRecord struct {
	ID          int64         `json:"id"`
	UserType    int           `json:"userType"`
	Content     string        `json:"content"`
	SessionID   int64         `json:"sessionId"`
	CreateTime  string        `json:"createTime"`
	Source      int           `json:"source,omitempty"`
	QueryResult int           `json:"queryResult,omitempty"`
	LeadingWord string        `json:"leadingWord,omitempty"`
	Suggestions []logSuggests `json:"sessionLogSuggestFoundResponseList,omitempty"`
}

type logSuggests struct {
	ID              int64  `json:"id"`
	LogID           int64  `json:"logId"`
	QuestionID      int64  `json:"questionId"`
	QuestionContent string `json:"questionContent"`
}

// record snapshots a session for the records search.
func (c *reqCtx) record(sess *session) sessionRecord {
	sess.mu.Lock()
	defer sess.mu.Unlock()
	st := sess.stats
	r := sessionRecord{
		ID: sess.id, RobotID: sess.robotID, StartTime: c.fmtTime(sess.start), EndTime: c.fmtTime(sess.last),
		TotalCount: st.total, CustomerMsgCount: st.customer, RobotMsgCount: st.robot,
		RobotRepliedCount: st.replied, UnknownQuestionCount: st.unknown, UsefulResponseCount: st.useful,
		UselessResponseCount: st.useless, SurveyOption: sess.survey, ChannelID: sess.channelID,
		DirectResponseCount: st.direct, SuggestQuestionCount: st.suggest, UnSuggestQuestionCount: st.unsuggest,
		platform: sess.platform,
		// Safe to read after unlocking: appendLog only appends past this length or
		// replaces the slice, never rewrites an entry in place.
		logs: sess.logs,
	}
	if sess.comment != "" {
		r.SurveyComment = &sess.comment
	}
	if sess.switched {
		r.IsSwitchStaff = 1
	}
	if cu := sess.customer; cu != nil {
		var id any = cu.ID
		if n, err := strconv.ParseInt(cu.ID, 10, 64); err == nil {
			id = n
		}
		r.Customer = &recordCustomer{
			ID: id, Nickname: cu.Nickname, IP: cu.IP, Province: cu.Province, City: cu.City,
			Platform: cu.Platform, Src: cu.Src, SrcURL: cu.SrcURL, WebPluginName: cu.WebPluginName,
			OrgName: cu.OrgName, Email: cu.Email, Phone: cu.Phone, Tags: cu.Tags, Desc: cu.Desc,
			Level: cu.Level, GeneratedChannel: cu.GeneratedChannel, LoginURL: cu.LoginURL,
			SessionURL: cu.SessionURL, DialogueDesc: cu.DialogueDesc,
		}
		r.customerToken = cu.CustomerToken
		if cu.DialogueDesc != "" {
			r.DialogueDesc = &cu.DialogueDesc
		}
	}
	return r
}

func (c *reqCtx) searchSessions() {
	var req sessionSearchIn
	if !c.decode(&req, "robotId", "startTime", "endTime") {
		return
	}
	loc := c.s.opts.Location
	from, err1 := time.ParseInLocation(recordTime, req.StartTime, loc)
	to, err2 := time.ParseInLocation(recordTime, req.EndTime, loc)
	if err1 != nil || err2 != nil {
		bad := req.StartTime
		if err1 == nil {
			bad = req.EndTime
		}
		c.failf(fmtJSONParse, fmt.Sprintf("Cannot deserialize value of type `java.util.Date` from String %q: expected format \"yyyy-MM-dd HH:mm:ss\"", bad))
		return
	}
	num, size := max(req.PageNum, 0), max(req.PageSize, 0)
	if num == 0 {
		num = 1
	}
	if size == 0 {
		size = 10
	}
	if size > 100 {
		c.failf(fmtRange, "pageSize", "Max")
		return
	}
	c.s.kbMu.RLock()
	robot := c.s.kb.robot.ID
	c.s.kbMu.RUnlock()
	if int64(req.RobotID) != robot {
		c.fail(MsgNoRobot)
		return
	}
	st := &c.s.sessions
	st.mu.RLock()
	all := make([]*session, 0, len(st.order))
	for _, id := range st.order {
		if sess := st.byID[id]; sess != nil {
			all = append(all, sess)
		}
	}
	st.mu.RUnlock()
	var found []sessionRecord
	for i := len(all) - 1; i >= 0; i-- { // newest first
		r := c.record(all[i])
		start := all[i].start
		if start.Before(from) || start.After(to) || !r.matches(&req) {
			continue
		}
		r.logs = nil
		found = append(found, r)
	}
	c.ok(page(found, num, size), &paging{PageNum: num, PageSize: size, Total: len(found)})
}

// matches applies keywords (by keywordsSource) and the condition list. Unknown
// condition fields are ignored, as a newer KM field would be by an older one.
func (r *sessionRecord) matches(req *sessionSearchIn) bool {
	if k := strings.ToLower(strings.TrimSpace(req.Keywords)); k != "" {
		hit := false
		switch req.KeywordsSource {
		case 4:
			hit = r.Customer != nil && strings.ToLower(fmt.Sprint(r.Customer.ID)) == k
		case 5:
			hit = strings.ToLower(r.customerToken) == k
		default:
			for _, l := range r.logs {
				if (req.KeywordsSource == 1 && l.userType != userRobot) || (req.KeywordsSource == 2 && l.userType != userUser) || req.KeywordsSource == 3 {
					continue
				}
				if strings.Contains(strings.ToLower(l.content), k) {
					hit = true
					break
				}
			}
		}
		if !hit {
			return false
		}
	}
	for _, cond := range req.ConditionList {
		if !r.meets(cond) {
			return false
		}
	}
	return true
}

func (r *sessionRecord) meets(cond condition) bool {
	counts := map[string]int{
		"customerMsgCount": r.CustomerMsgCount, "directResponseCount": r.DirectResponseCount,
		"suggestQuestionCount": r.SuggestQuestionCount, "unSuggestQuestionCount": r.UnSuggestQuestionCount,
		"robotMsgCount": r.RobotMsgCount, "robotRepliedCount": r.RobotRepliedCount,
		"unknownQuestionCount": r.UnknownQuestionCount, "usefulResponseCount": r.UsefulResponseCount,
		"uselessResponseCount": r.UselessResponseCount,
	}
	if n, ok := counts[cond.Field]; ok {
		return compareCount(n, cond.Operator, condText(cond.Value))
	}
	switch cond.Field {
	case "isSwitchStaff":
		return condText(cond.Value) == strconv.Itoa(r.IsSwitchStaff)
	case "surveyOption":
		return slices.Contains(splitList(condText(cond.Value)), strconv.Itoa(r.SurveyOption))
	case "platform":
		return slices.Contains(condList(cond.Value), strconv.Itoa(r.platform))
	case "channelId":
		return slices.Contains(condList(cond.Value), strconv.FormatInt(r.ChannelID, 10))
	}
	return true
}

func compareCount(n int, op, value string) bool {
	parts := splitList(value)
	num := func(i int) int {
		if i >= len(parts) {
			return 0
		}
		v, _ := strconv.Atoi(parts[i])
		return v
	}
	switch op {
	case "greater_than":
		return n > num(0)
	case "less_than":
		return n < num(0)
	case "is":
		return n == num(0)
	case "between":
		return n >= num(0) && n <= num(1)
	}
	return true
}

// condText reads a condition value written as a string or a number.
func condText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return strings.TrimSpace(string(raw))
}

// condList reads a condition value written as an array (or one value).
func condList(raw json.RawMessage) []string {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return splitList(condText(raw))
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, condText(it))
	}
	return out
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' })
}

func (c *reqCtx) sessionLogs() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	num, ok1 := c.queryInt("pageNum", 1)
	size, ok2 := c.queryInt("pageSize", 10)
	if !ok1 || !ok2 {
		return
	}
	if num < 1 {
		c.failf(fmtRange, "pageNum", "Min")
		return
	}
	if size < 1 || size > 100 {
		c.failf(fmtRange, "pageSize", "Range")
		return
	}
	out := []logRecord{}
	if sess := c.s.lookup(id); sess != nil {
		sess.mu.Lock()
		for _, l := range sess.logs {
			r := logRecord{ID: l.id, UserType: l.userType, Content: l.content, SessionID: sess.id,
				CreateTime: c.fmtTime(l.at), Source: l.source, QueryResult: l.queryResult, LeadingWord: l.leadingWord}
			for i, q := range l.suggestions {
				r.Suggestions = append(r.Suggestions, logSuggests{ID: l.id*100 + int64(i) + 1, LogID: l.id, QuestionID: q.id, QuestionContent: q.content})
			}
			out = append(out, r)
		}
		sess.mu.Unlock()
	}
	c.ok(page(out, num, size), &paging{PageNum: num, PageSize: size, Total: len(out)})
}
