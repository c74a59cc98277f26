package kmsim_test

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

type adminQuestion struct {
	ID          int64  `json:"id"`
	RobotID     int64  `json:"robotId"`
	CategoryID  int64  `json:"categoryId"`
	Content     string `json:"content"`
	Type        int    `json:"type"`
	Keyword     string `json:"keyword"`
	SuggestType int    `json:"suggestType"`
	CreateTime  string `json:"createTime"`
	UpdateTime  string `json:"updateTime"`
	Answer      *struct {
		ID             int64  `json:"id"`
		Content        string `json:"content"`
		Type           int    `json:"type"`
		AttachmentList []struct {
			Name    string `json:"name"`
			Address string `json:"address"`
			Size    int64  `json:"size"`
		} `json:"attachmentList"`
	} `json:"answer"`
	SuggestList []struct {
		ID      int64  `json:"id"`
		Content string `json:"content"`
		Type    int    `json:"type"`
		Orders  int    `json:"orders"`
	} `json:"suggestList"`
	ChannelList []struct {
		ID      int64  `json:"id"`
		RobotID int64  `json:"robotId"`
		Name    string `json:"name"`
		Type    int    `json:"type"`
	} `json:"channelList"`
}

type item struct {
	ID      int64  `json:"id"`
	Content string `json:"content"`
}

func TestCommonQuestionModels(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	var models []struct {
		ID       int64  `json:"id"`
		RobotID  int64  `json:"robotId"`
		Name     string `json:"name"`
		ModelKey string `json:"modelKey"`
	}
	r := f.call("GET", "/v1/robots/83/commonQuestionModels", nil)
	r.ok(t, &models)
	if len(models) != 1 || models[0].ModelKey != kmsim.SampleModelKey || models[0].ID != 108 || r.env.Paging.Total != 1 {
		t.Fatalf("models %+v", models)
	}
	f.call("GET", "/v1/robots/83/commonQuestionModels", nil, "searchType", "2", "searchWord", "nothing").ok(t, &models)
	if len(models) != 0 {
		t.Errorf("search by modelKey found %+v", models)
	}
	f.call("GET", "/v1/robots/1/commonQuestionModels", nil).failed(t, kmsim.MsgNoRobot)
	f.call("GET", "/v1/robots/x83/commonQuestionModels", nil).failed(t,
		`Failed to convert value of type 'java.lang.String' to required type 'int'; nested exception is java.lang.NumberFormatException: For input string: "x83"`)
}

func TestQuestionSearchAndDetail(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	var list []adminQuestion
	r := f.call("POST", "/v1/questions/search", map[string]any{"robotId": 83, "searchWord": "vpn", "searchType": 1, "pageNum": 1, "pageSize": 2})
	r.ok(t, &list)
	if r.env.Paging.Total != 2 || len(list) != 2 || list[0].ID != 1011 || list[1].ID != 1012 {
		t.Fatalf("search vpn: total %d %+v", r.env.Paging.Total, list)
	}
	// searchType 3 (default) searches answers.
	r = f.call("POST", "/v1/questions/search", map[string]any{"robotId": 83, "searchWord": "GlobalProtect"})
	r.ok(t, &list)
	if len(list) != 1 || list[0].ID != 1011 || list[0].Answer == nil || list[0].CreateTime != "2024-01-02 09:00:00" {
		t.Fatalf("search answers: %+v", list)
	}
	r = f.call("POST", "/v1/questions/search", map[string]any{"robotId": 83, "categoryId": 79, "type": 1, "pageSize": 100})
	r.ok(t, &list)
	if r.env.Paging.Total != 15 || len(list) != 15 {
		t.Errorf("category 79 has %d questions (%d listed)", r.env.Paging.Total, len(list))
	}
	r = f.call("POST", "/v1/questions/search", map[string]any{"robotId": 83, "type": 4})
	r.ok(t, &list)
	if len(list) != 3 {
		t.Errorf("chat questions: %d", len(list))
	}
	f.call("POST", "/v1/questions/search", map[string]any{"robotId": 2}).failed(t, kmsim.MsgNoRobot)
	f.call("POST", "/v1/questions/search", map[string]any{"pageNum": 1}).failed(t, "【robotId】javax.validation.constraints.NotNull.message")

	var q adminQuestion
	f.call("GET", "/v1/questions/1043", nil).ok(t, &q)
	if q.Content != "How do I submit an expense claim?" || q.CategoryID != 79 || q.Type != 1 || q.SuggestType != 3 ||
		len(q.Answer.AttachmentList) != 2 || q.Answer.Type != 2 || len(q.ChannelList) != 1 || q.ChannelList[0].ID != 82 ||
		len(q.SuggestList) != 1 || q.SuggestList[0].Orders != 1 || !strings.Contains(q.Keyword, "reimbursement") {
		t.Errorf("detail %+v", q)
	}
	f.call("GET", "/v1/questions/1012", nil).ok(t, &q)
	if q.Type != 3 || !strings.Contains(q.Answer.Content, "data-type") {
		t.Errorf("flow entry question %+v", q)
	}
	f.call("GET", "/v1/questions/424242", nil).failed(t, kmsim.MsgNoQuestion)
}

func TestQuestionCreateEditDelete(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	valid := func() map[string]any {
		return map[string]any{
			"robotId": 83, "categoryId": 80, "content": "Where can I park my bike?", "type": 1,
			"answer":      map[string]any{"content": "<p>Bike racks are behind building B.</p>", "type": 2},
			"channelList": []map[string]any{{"id": 82}}, "availableTimeType": 1, "keyword": "bike,bicycle",
			"suggestType": 3, "suggestsList": []map[string]any{{"id": 1050}}, "isSwitchStaff": nil,
		}
	}
	with := func(k string, v any) map[string]any { m := valid(); m[k] = v; return m }
	errs := []struct {
		name string
		body map[string]any
		want string
	}{
		{"no content", with("content", nil), "【content】javax.validation.constraints.NotNull.message"},
		{"no answer", with("answer", nil), "【answer】javax.validation.constraints.NotNull.message"},
		{"empty answer", with("answer", map[string]any{"content": " ", "type": 2}), kmsim.MsgAnswerEmpty},
		{"no scenes", with("channelList", []any{}), kmsim.MsgChannelEmpty},
		{"unknown scene", with("channelList", []map[string]any{{"id": 5}}), "Scene does not exist or has been deleted! Scene ID:5"},
		{"wrong robot", with("robotId", 1), kmsim.MsgNoRobot},
		{"foreign category", with("categoryId", 4), kmsim.MsgCategoryNotOurs},
		{"duplicate", with("content", "how do I reset my password"), "Duplicate with existing problems! Problem Id:1001"},
		{"duplicate of a similar phrasing", with("content", "payslip"), "Duplicate with existing problems! Problem Id:1040"},
		{"custom period without start", with("availableTimeType", 2), kmsim.MsgStartTimeEmpty},
		{"too long", with("content", strings.Repeat("x", 201)), "【content】javax.validation.constraints.Size.message"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) { f.call("POST", "/v1/questions", tc.body).failed(t, tc.want) })
	}

	var created adminQuestion
	f.call("POST", "/v1/questions", valid()).ok(t, &created)
	if created.ID == 0 || created.Content != "Where can I park my bike?" || created.Answer.Type != 2 || created.Keyword != "bike,bicycle" ||
		created.CreateTime != "2025-03-14 09:30:00" || len(created.SuggestList) != 1 {
		t.Fatalf("created %+v", created)
	}
	id := created.ID
	sid := f.session().SessionID
	if a := f.chat(sid, "where can I park my bicycle"); a.HitQuestion != "Where can I park my bike?" || len(a.SuggestQuestionList) != 1 {
		t.Fatalf("the new question is not answered: %+v", a)
	}

	// Edit: new text, plain answer, another category.
	path := "/v1/questions/" + itoa(id)
	f.call("PUT", path, map[string]any{
		"id": id, "categoryId": 81, "content": "Where is the bike parking?", "type": 1,
		"answerUpdateRequest": map[string]any{"id": created.Answer.ID, "content": "Behind building B.", "type": 1},
		"simpleChannelList":   []map[string]any{{"id": 82}}, "suggestType": 1, "suggestsList": nil,
	}).ok(t, nil)
	var edited adminQuestion
	f.call("GET", path, nil).ok(t, &edited)
	if edited.Content != "Where is the bike parking?" || edited.CategoryID != 81 || edited.Answer.Type != 1 || len(edited.SuggestList) != 0 {
		t.Errorf("edited %+v", edited)
	}
	if a := f.chat(sid, "Where is the bike parking?"); a.MsgType != "plain" || a.AnsContent.String() != "Behind building B." {
		t.Errorf("after edit: %+v", a)
	}
	f.call("PUT", path, map[string]any{"categoryId": 81, "content": "x", "simpleChannelList": []map[string]any{{"id": 82}}}).
		failed(t, "【answerUpdateRequest】javax.validation.constraints.NotNull.message")
	f.call("PUT", "/v1/questions/9", map[string]any{"categoryId": 81, "content": "x", "answerUpdateRequest": map[string]any{"content": "y"}, "simpleChannelList": []map[string]any{{"id": 82}}}).
		failed(t, kmsim.MsgNoQuestion)

	// Delete: 204 without a body, then gone everywhere.
	r := f.call("DELETE", path, nil)
	if r.status != 204 || len(r.raw) != 0 {
		t.Fatalf("delete: HTTP %d %q", r.status, r.raw)
	}
	f.call("GET", path, nil).failed(t, kmsim.MsgNoQuestion)
	f.call("DELETE", path, nil).failed(t, kmsim.MsgNoQuestion)
	// Deleting a suggested question removes it from suggestions.
	if r := f.call("DELETE", "/v1/questions/1002", nil); r.status != 204 {
		t.Fatalf("delete 1002: HTTP %d", r.status)
	}
	if a := f.chat(sid, "How do I reset my password?"); len(a.SuggestQuestionList) != 2 {
		t.Errorf("suggestions after deleting 1002: %+v", a.SuggestQuestionList)
	}
	f.call("POST", "/v1/hit", map[string]any{"sessionId": sid, "questionId": 1002}).failed(t, kmsim.MsgNoQuestion)
}

func TestKnowledgeBaseFull(t *testing.T) {
	kb, err := kmsim.LoadKB(strings.NewReader(`
robot: {id: 1, channelId: 2}
limits: {maxQuestions: 1}
categories:
  - id: 3
    name: Only
    questions:
      - {id: 4, content: One, answer: {msgType: plain, content: "1"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	sim := kmsim.New(kb, kmsim.Options{NoAuth: true, Now: c.Now})
	f := &fixture{t: t, sim: sim, clock: c, kb: kb, srv: newServer(t, sim)}
	f.call("POST", "/v1/questions", map[string]any{"robotId": 1, "categoryId": 3, "content": "Two", "type": 1, "suggestType": 1,
		"answer": map[string]any{"content": "2"}, "channelList": []map[string]any{{"id": 2}}}).failed(t, kmsim.MsgKBFull)
}

func TestSimilarQuestions(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	var list []item
	r := f.call("GET", "/v1/faq/similar/1001", nil, "pageNum", "2", "pageSize", "4")
	r.ok(t, &list)
	if r.env.Paging.Total != 6 || len(list) != 2 || list[0].Content != "my account is locked" {
		t.Fatalf("page 2: total %d %+v", r.env.Paging.Total, list)
	}
	var added item
	f.call("POST", "/v1/faq/similar/1001", map[string]any{"content": "I keep getting locked out of my account"}).ok(t, &added)
	if added.ID == 0 || added.Content != "I keep getting locked out of my account" {
		t.Fatalf("added %+v", added)
	}
	sid := f.session().SessionID
	if a := f.chat(sid, "I keep getting locked out of my account!"); a.HitQuestion != "How do I reset my password?" {
		t.Errorf("the new phrasing is not matched: %+v", a.HitQuestion)
	}
	var edited item
	f.call("PUT", "/v1/faq/similar/1001", map[string]any{"id": itoa(added.ID), "content": "my password stopped working"}).ok(t, &edited)
	if edited.ID != added.ID || edited.Content != "my password stopped working" {
		t.Errorf("edited %+v", edited)
	}
	f.call("POST", "/v1/faq/similar/1001", map[string]any{"content": ""}).failed(t, kmsim.MsgSimilarInvalid)
	f.call("POST", "/v1/faq/similar/1001", map[string]any{"content": strings.Repeat("é", 201)}).failed(t, kmsim.MsgSimilarInvalid)
	f.call("POST", "/v1/faq/similar/1001", map[string]any{"content": "wifi password"}).failed(t, "Duplicate with existing problems! Problem Id:1010")
	f.call("POST", "/v1/faq/similar/777", map[string]any{"content": "x"}).failed(t, kmsim.MsgNoQuestion)
	f.call("PUT", "/v1/faq/similar/1001", map[string]any{"id": 1, "content": "x"}).failed(t, kmsim.MsgNoQuestion)
	f.call("PUT", "/v1/faq/similar/1001", map[string]any{"content": "x"}).failed(t, "【id】javax.validation.constraints.NotNull.message")

	// Delete answers the seed's OK envelope.
	f.call("DELETE", "/v1/faq/similar/1001", nil, "similarId", itoa(added.ID)).ok(t, nil)
	f.call("GET", "/v1/faq/similar/1001", nil).ok(t, &list)
	if len(list) != 6 {
		t.Errorf("after delete: %+v", list)
	}
	f.call("DELETE", "/v1/faq/similar/1001", nil, "similar", itoa(added.ID)).failed(t, kmsim.MsgNoQuestion)
	f.call("DELETE", "/v1/faq/similar/1001", nil).failed(t, "Required Integer parameter 'similarId' is not present")
}
