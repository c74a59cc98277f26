package kmsim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

type record struct {
	ID                   int64  `json:"id"`
	RobotID              int64  `json:"robotId"`
	StartTime            string `json:"startTime"`
	EndTime              string `json:"endTime"`
	TotalCount           int    `json:"totalCount"`
	CustomerMsgCount     int    `json:"customerMsgCount"`
	RobotMsgCount        int    `json:"robotMsgCount"`
	RobotRepliedCount    int    `json:"robotRepliedCount"`
	UnknownQuestionCount int    `json:"unknownQuestionCount"`
	UsefulResponseCount  int    `json:"usefulResponseCount"`
	SuggestQuestionCount int    `json:"suggestQuestionCount"`
	SurveyOption         int    `json:"surveyOption"`
	IsSwitchStaff        int    `json:"isSwitchStaff"`
	ChannelID            int64  `json:"channelId"`
	Customer             *struct {
		ID       int64  `json:"id"`
		Nickname string `json:"nickname"`
		Src      string `json:"src"`
	} `json:"customer"`
}

type logRecord struct {
	ID          int64  `json:"id"`
	UserType    int    `json:"userType"`
	Content     string `json:"content"`
	SessionID   int64  `json:"sessionId"`
	CreateTime  string `json:"createTime"`
	LeadingWord string `json:"leadingWord"`
	Suggestions []struct {
		LogID           int64  `json:"logId"`
		QuestionID      int64  `json:"questionId"`
		QuestionContent string `json:"questionContent"`
	} `json:"sessionLogSuggestFoundResponseList"`
}

func TestSessionRecords(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	a := f.session()
	f.clock.Advance(5 * time.Second)
	ans := f.chat(a.SessionID, "How do I reset my password?")
	f.call("POST", "/v1/surveyQuestion", map[string]any{"sessionId": a.SessionID, "questionSurveyOptionId": 1, "logId": ans.LogID}).ok(t, nil)
	f.chat(a.SessionID, "laptop")
	f.chat(a.SessionID, "what is the meaning of life")
	f.call("PUT", "/v1/sessions/"+a.SessionID.String()+"/switchStaff", nil).ok(t, nil)
	f.clock.Advance(2 * time.Hour)
	b := f.session()
	f.chat(b.SessionID, "vpn")

	search := func(body map[string]any) ([]record, int) {
		t.Helper()
		var out []record
		body["robotId"] = 83
		if _, ok := body["startTime"]; !ok {
			body["startTime"] = "2025-03-14 00:00:00"
		}
		if _, ok := body["endTime"]; !ok {
			body["endTime"] = "2025-03-14 23:59:59"
		}
		r := f.call("POST", "/v1/sessions", body)
		r.ok(t, &out)
		return out, r.env.Paging.Total
	}
	all, total := search(map[string]any{})
	if total != 2 || all[0].ID != int64(b.SessionID) || all[1].ID != int64(a.SessionID) {
		t.Fatalf("all sessions, newest first: %+v", all)
	}
	ra := all[1]
	if ra.StartTime != "2025-03-14 09:30:00" || ra.EndTime != "2025-03-14 09:30:05" || ra.TotalCount != 7 || ra.CustomerMsgCount != 3 ||
		ra.RobotMsgCount != 4 || ra.RobotRepliedCount != 1 || ra.UnknownQuestionCount != 1 || ra.SuggestQuestionCount != 1 ||
		ra.UsefulResponseCount != 1 || ra.IsSwitchStaff != 1 || ra.SurveyOption != 1 || ra.ChannelID != 82 {
		t.Errorf("record %+v", ra)
	}
	if ra.Customer == nil || ra.Customer.ID != 42 || ra.Customer.Nickname != "Ada" || ra.Customer.Src != "slack" {
		t.Errorf("customer %+v", ra.Customer)
	}
	if got, n := search(map[string]any{"startTime": "2025-03-14 10:00:00"}); n != 1 || got[0].ID != int64(b.SessionID) {
		t.Errorf("time range: %+v", got)
	}
	if got, n := search(map[string]any{"keywords": "meaning of life", "keywordsSource": 2}); n != 1 || got[0].ID != int64(a.SessionID) {
		t.Errorf("customer keyword: %+v", got)
	}
	if _, n := search(map[string]any{"keywords": "meaning of life", "keywordsSource": 1}); n != 0 {
		t.Errorf("robot keyword matched the customer's words")
	}
	if got, n := search(map[string]any{"keywords": "slack:U42", "keywordsSource": 5}); n != 2 || len(got) != 2 {
		t.Errorf("customer token: %d", n)
	}
	if got, n := search(map[string]any{"conditionList": []map[string]any{{"field": "customerMsgCount", "operator": "greater_than", "value": "1"}}}); n != 1 || got[0].ID != int64(a.SessionID) {
		t.Errorf("customerMsgCount > 1: %+v", got)
	}
	if _, n := search(map[string]any{"conditionList": []map[string]any{{"field": "isSwitchStaff", "operator": "is", "value": 1}, {"field": "platform", "operator": "is", "value": []int{5}}}}); n != 1 {
		t.Errorf("switched, API platform: %d", n)
	}
	if _, n := search(map[string]any{"conditionList": []map[string]any{{"field": "unknownQuestionCount", "operator": "between", "value": "2,8"}}}); n != 0 {
		t.Errorf("between 2 and 8: %d", n)
	}
	if got, n := search(map[string]any{"pageNum": 2, "pageSize": 1}); n != 2 || len(got) != 1 || got[0].ID != int64(a.SessionID) {
		t.Errorf("page 2: %+v", got)
	}
	f.call("POST", "/v1/sessions", map[string]any{"robotId": 83, "startTime": "yesterday", "endTime": "2025-03-14 23:59:59"}).
		failed(t, "JSON parse error: Cannot deserialize value of type `java.util.Date` from String \"yesterday\": expected format \"yyyy-MM-dd HH:mm:ss\"")
	f.call("POST", "/v1/sessions", map[string]any{"robotId": 83, "endTime": "2025-03-14 23:59:59"}).failed(t, "【startTime】javax.validation.constraints.NotNull.message")
	f.call("POST", "/v1/sessions", map[string]any{"robotId": 84, "startTime": "2025-03-14 00:00:00", "endTime": "2025-03-14 23:59:59"}).failed(t, kmsim.MsgNoRobot)

	// The transcript, as it happened.
	var logs []logRecord
	r := f.call("GET", "/v1/sessions/"+a.SessionID.String()+"/logs", nil, "pageSize", "50")
	r.ok(t, &logs)
	if r.env.Paging.Total != 7 || len(logs) != 7 {
		t.Fatalf("%d logs: %+v", r.env.Paging.Total, logs)
	}
	want := []struct {
		userType int
		prefix   string
	}{
		{1, "Hi! I'm the Example Corp helpdesk bot"},
		{2, "How do I reset my password?"},
		{1, "Reset your password\n- Go to id.example.com/reset"},
		{2, "laptop"},
		{1, "Do you mean…"},
		{2, "what is the meaning of life"},
		{1, "Sorry, I don't know that one yet."},
	}
	for i, w := range want {
		l := logs[i]
		if l.UserType != w.userType || !strings.HasPrefix(l.Content, w.prefix) || l.SessionID != int64(a.SessionID) {
			t.Errorf("log %d: %d %q, want %d %q…", i, l.UserType, l.Content, w.userType, w.prefix)
		}
	}
	if logs[0].CreateTime != "2025-03-14 09:30:00" || logs[1].CreateTime != "2025-03-14 09:30:05" || logs[0].LeadingWord != "Popular topics" {
		t.Errorf("times/leading word: %+v %+v", logs[0], logs[1])
	}
	if logs[2].ID != int64(ans.LogID) {
		t.Errorf("robot log id %d, answer logId %d", logs[2].ID, ans.LogID)
	}
	if len(logs[4].Suggestions) < 2 || logs[4].Suggestions[0].QuestionID == 0 {
		t.Errorf("suggestions of the suggestion reply: %+v", logs[4].Suggestions)
	}
	f.call("GET", "/v1/sessions/"+a.SessionID.String()+"/logs", nil, "pageNum", "3", "pageSize", "3").ok(t, &logs)
	if len(logs) != 1 {
		t.Errorf("page 3 of 3: %d", len(logs))
	}
	f.call("GET", "/v1/sessions/1/logs", nil).ok(t, &logs)
	if len(logs) != 0 {
		t.Errorf("unknown session has logs")
	}
	f.call("GET", "/v1/sessions/1/logs", nil, "pageSize", "500").failed(t, "【pageSize】javax.validation.constraints.Range.message")
}

func TestTranscriptBound(t *testing.T) {
	f := newFixture(t, kmsim.Options{MaxLogsPerSession: 10})
	s := f.session()
	for range 20 {
		f.chat(s.SessionID, "vpn")
	}
	var logs []logRecord
	f.call("GET", "/v1/sessions/"+s.SessionID.String()+"/logs", nil, "pageSize", "100").ok(t, &logs)
	if len(logs) > 10 || len(logs) < 5 || logs[len(logs)-1].UserType != 1 {
		t.Errorf("%d logs kept", len(logs))
	}
}
