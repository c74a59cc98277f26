package kmsim_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestInitClient(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	r := f.call("POST", "/v1/initClient", map[string]any{"robotId": 83, "channelId": 82, "modelKey": "helpdesk", "platform": 5})
	// The envelope carries all six keys, as KM's does.
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(r.raw, &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"code", "message", "visible", "exception", "paging", "data"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("envelope lacks %q: %s", k, r.raw)
		}
	}
	var init kmclient.InitClientResponse
	r.ok(t, &init)
	if init.SessionID != 450000 || init.LogID == 0 {
		t.Errorf("sessionId %d logId %d, want the first session 450000 and a logId", init.SessionID, init.LogID)
	}
	if !strings.Contains(init.WelcomeMessage, "helpdesk bot") || init.LeadingWord != "Popular topics" {
		t.Errorf("welcome %q leading %q", init.WelcomeMessage, init.LeadingWord)
	}
	m := init.CommonQuestionModel
	if m == nil || m.ModelKey != kmsim.SampleModelKey || m.RobotID != kmsim.SampleRobotID || len(m.ShortcutEntryList) != 3 {
		t.Fatalf("model %+v", m)
	}
	for _, c := range m.CommonQuestionCategoryList {
		if c.Name == "Chit-chat" || strings.HasPrefix(c.Name, "Meeting rooms") {
			t.Errorf("hidden category %q listed", c.Name)
		}
		for _, q := range c.QuestionList {
			if q.Answer == nil || q.Answer.ID == 0 || q.Answer.QuestionID != q.ID {
				t.Errorf("question %d lacks its answer: %+v", q.ID, q.Answer)
			}
		}
	}
	if got := m.ShortcutEntryList[2]; got.Type != kmclient.ShortcutLink || got.Content != "https://it.example.com/portal" {
		t.Errorf("shortcut %+v", got)
	}
	if init2 := f.session(); init2.SessionID != 450001 {
		t.Errorf("second session %d, want 450001", init2.SessionID)
	}
}

// Every failure message of the seeds, through raw HTTP.
func TestFailureMessages(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	sid := s.SessionID
	other := f.session()
	a := f.chat(sid, "How do I reset my password?")
	otherAns := f.chat(other.SessionID, "vpn")
	cases := []struct {
		name, method, path string
		body               any
		want               string
	}{
		{"init no robot", "POST", "/v1/initClient", map[string]any{"channelId": 82}, "【robotId】javax.validation.constraints.NotNull.message"},
		{"init null channel", "POST", "/v1/initClient", map[string]any{"robotId": 83, "channelId": nil}, "【channelId】javax.validation.constraints.NotNull.message"},
		{"init wrong robot", "POST", "/v1/initClient", map[string]any{"robotId": 1, "channelId": 82}, kmsim.MsgNoRobot},
		{"init wrong scene", "POST", "/v1/initClient", map[string]any{"robotId": 83, "channelId": 1}, kmsim.MsgNoScene},
		{"init empty body", "POST", "/v1/initClient", nil, kmsim.MsgBodyMissing},
		{"chat no session", "POST", "/v1/chat", map[string]any{"robotId": 83, "queryContent": "hi"}, "【sessionId】javax.validation.constraints.NotNull.message"},
		{"chat unknown session", "POST", "/v1/chat", map[string]any{"sessionId": 1, "robotId": 83, "queryContent": "hi"}, kmclient.MsgSessionExpired},
		{"chat empty", "POST", "/v1/chat", map[string]any{"sessionId": sid, "robotId": 83, "queryContent": "  "}, kmsim.MsgEmptyQuestion},
		{"chat missing content", "POST", "/v1/chat", map[string]any{"sessionId": sid, "robotId": 83}, kmsim.MsgEmptyQuestion},
		{"chat wrong robot", "POST", "/v1/chat", map[string]any{"sessionId": sid, "robotId": 9, "queryContent": "hi"}, kmsim.MsgNoRobot},
		{"chat bad json", "POST", "/v1/chat", `{"sessionId":`, "JSON parse error: the request body is not a JSON object"},
		{"chat wrong type", "POST", "/v1/chat", map[string]any{"sessionId": sid, "robotId": 83, "queryContent": 7}, "JSON parse error: field queryContent: cannot use a JSON number"},
		{"newChat empty", "POST", "/v2/newChat", map[string]any{"sessionId": sid, "robotId": 83, "queryContent": ""}, kmsim.MsgEmptyQuestion},
		{"newChat unknown session", "POST", "/v2/newChat", map[string]any{"sessionId": 7, "robotId": 83, "queryContent": "x"}, kmclient.MsgSessionExpired},
		{"hit unknown question", "POST", "/v1/hit", map[string]any{"sessionId": sid, "queryType": 7, "questionId": 999999}, kmsim.MsgNoQuestion},
		{"hit no session", "POST", "/v1/hit", map[string]any{"questionId": 1001}, "【sessionId】javax.validation.constraints.NotNull.message"},
		{"hit no question", "POST", "/v1/hit", map[string]any{"sessionId": sid, "queryType": 6}, "【questionId】javax.validation.constraints.NotNull.message"},
		{"hit unknown session", "POST", "/v1/hit", map[string]any{"sessionId": 3, "questionId": 1001}, kmclient.MsgSessionExpired},
		{"hit bad queryType", "POST", "/v1/hit", map[string]any{"sessionId": sid, "queryType": 3, "questionId": 1001}, "【queryType】javax.validation.constraints.Range.message"},
		{"flow unknown", "POST", "/v1/flow", map[string]any{"sessionId": sid, "flowId": 999}, kmsim.MsgNoFlow},
		{"flow missing id", "POST", "/v1/flow", map[string]any{"sessionId": sid}, kmsim.MsgNoFlow},
		{"flow unknown session", "POST", "/v1/flow", map[string]any{"sessionId": 5, "flowId": 201}, kmclient.MsgSessionExpired},
		{"survey other session's log", "POST", "/v1/surveyQuestion", map[string]any{"sessionId": sid, "questionSurveyOptionId": 1, "logId": otherAns.LogID}, kmsim.MsgNoRelation},
		{"survey no option", "POST", "/v1/surveyQuestion", map[string]any{"sessionId": sid, "logId": a.LogID}, "【questionSurveyOptionId】javax.validation.constraints.NotNull.message"},
		{"survey unknown session", "POST", "/v1/surveyQuestion", map[string]any{"sessionId": 5, "questionSurveyOptionId": 1}, kmclient.MsgSessionExpired},
		{"surveySession unknown", "POST", "/v1/surveySession", map[string]any{"sessionId": 5, "sessionSurveyOptionId": 2}, kmclient.MsgSessionExpired},
		{"common wrong robot", "POST", "/v1/chat/commonQuestions", map[string]any{"robotId": 1, "channelId": 82, "modelKey": "helpdesk"}, kmsim.MsgNoRobot},
		{"common no modelKey", "POST", "/v1/chat/commonQuestions", map[string]any{"robotId": 83, "channelId": 82}, "【modelKey】javax.validation.constraints.NotNull.message"},
		{"hot too many days", "POST", "/v1/chat/hotQuestions", map[string]any{"robotId": 83, "limitDayNum": 101, "limitResultNum": 5}, "【limitDayNum】javax.validation.constraints.Max.message"},
		{"hot too many results", "POST", "/v1/chat/hotQuestions", map[string]any{"robotId": 83, "limitDayNum": 7, "limitResultNum": 51}, "【limitResultNum】javax.validation.constraints.Max.message"},
		{"hot no robot", "POST", "/v1/chat/hotQuestions", map[string]any{"limitDayNum": 7, "limitResultNum": 5}, "【robotId】javax.validation.constraints.NotNull.message"},
		{"assist wrong robot", "POST", "/v1/assist", map[string]any{"robotId": 8, "channelId": 82, "queryContent": "vpn"}, kmsim.MsgNoRobot},
		{"assist wrong scene", "POST", "/v1/assist", map[string]any{"robotId": 83, "channelId": 8, "queryContent": "vpn"}, kmsim.MsgNoScene},
		{"assist empty", "POST", "/v1/assist", map[string]any{"robotId": 83, "channelId": 82}, kmsim.MsgEmptyQuestion},
		{"smartHint no session", "POST", "/v1/smartHint", map[string]any{"keyword": "vpn"}, "【sessionId】javax.validation.constraints.NotNull.message"},
		{"smartHint unknown session", "POST", "/v1/smartHint", map[string]any{"sessionId": 5, "keyword": "vpn"}, kmclient.MsgSessionExpired},
		{"switchStaff unknown", "PUT", "/v1/sessions/5/switchStaff", nil, kmclient.MsgSessionExpired},
		{"switchStaff not a number", "PUT", "/v1/sessions/abc/switchStaff", nil, `Failed to convert value of type 'java.lang.String' to required type 'int'; nested exception is java.lang.NumberFormatException: For input string: "abc"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.call(tc.method, tc.path, tc.body).failed(t, tc.want)
		})
	}
}

func TestErrorHTTPStatusOption(t *testing.T) {
	f := newFixture(t, kmsim.Options{ErrorHTTPStatus: 400})
	r := f.call("POST", "/v1/chat", map[string]any{"sessionId": 1, "robotId": 83, "queryContent": "x"})
	if r.status != 400 || r.env.Code != 400 || r.env.Message != kmclient.MsgSessionExpired {
		t.Fatalf("HTTP %d %s", r.status, r.raw)
	}
}

func TestChatResetPassword(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	a := f.chat(s.SessionID, "how do I reset my password")
	if a.SessionID != s.SessionID || a.LogID == 0 || a.LogID == s.LogID {
		t.Errorf("ids: session %d log %d", a.SessionID, a.LogID)
	}
	if a.AnsType != kmclient.AnsTypeAnswer || a.MsgType != kmclient.MsgRich || !a.EnableAppraise || a.AID == 0 {
		t.Errorf("answer %+v", a)
	}
	if a.HitQuestion != "How do I reset my password?" {
		t.Errorf("hitQuestion %q", a.HitQuestion)
	}
	html := a.AnsContent.String()
	for _, want := range []string{"<h3>", "<ol>", "<strong>", `href="https://id.example.com/reset"`} {
		if !strings.Contains(html, want) {
			t.Errorf("rich answer lacks %s: %s", want, html)
		}
	}
	if len(a.SuggestQuestionList) != 3 {
		t.Fatalf("suggestions %+v", a.SuggestQuestionList)
	}
	for _, q := range a.SuggestQuestionList {
		if q.Answer == nil || q.Answer.Content == "" || q.Answer.QuestionID != q.ID {
			t.Errorf("suggestion %d without its answer", q.ID)
		}
	}
	if a.RestrictionState == nil || a.RestrictionState.TotalCount != 1000000 || a.RestrictionState.ExceededFlag != 0 {
		t.Errorf("restrictionState %+v", a.RestrictionState)
	}
	// A new logId per turn.
	b := f.chat(s.SessionID, "how do I reset my password")
	if b.LogID == a.LogID {
		t.Errorf("logId reused: %d", b.LogID)
	}
}

func TestChatKinds(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	sid := f.session().SessionID
	cases := []struct {
		text    string
		ansType int
		msgType string
		hit     string
	}{
		{"hello", kmclient.AnsTypeGreeting, kmclient.MsgPlain, ""},
		{"you idiot", kmclient.AnsTypeSensitive, kmclient.MsgPlain, ""},
		{"I want to talk to a human", kmclient.AnsTypeTransferToHuman, kmclient.MsgPlain, ""},
		{"agent", kmclient.AnsTypeTransferToHuman, kmclient.MsgPlain, ""},
		{"what is the meaning of life", kmclient.AnsTypeUnknown, kmclient.MsgPlain, ""},
		{"laptop", kmclient.AnsTypeSuggestions, kmclient.MsgPlain, ""},
		{"ok", kmclient.AnsTypeSilent, kmclient.MsgPlain, "ok"},
		{"WIFI PASSWORD？", kmclient.AnsTypeAnswer, kmclient.MsgPlain, "What is the Wi-Fi password?"},
		{"ｗｉｆｉ　ｐａｓｓｗｏｒｄ", kmclient.AnsTypeAnswer, kmclient.MsgPlain, "What is the Wi-Fi password?"},
		{"I want to take vacation", kmclient.AnsTypeAnswer, kmclient.MsgRich, "How do I request leave?"},
		{"how do I claim expenses for travel", kmclient.AnsTypeAnswer, kmclient.MsgRich, "How do I submit an expense claim?"},
		{"忘记密码了怎么办", kmclient.AnsTypeAnswer, kmclient.MsgRich, "忘记密码怎么办？"},
		{"パスワードを忘れてしまいました", kmclient.AnsTypeAnswer, kmclient.MsgRich, "パスワードを忘れました"},
	}
	for _, tc := range cases {
		a := f.chat(sid, tc.text)
		if a.AnsType != tc.ansType || a.MsgType != tc.msgType || a.HitQuestion != tc.hit {
			t.Errorf("%q: ansType %d msgType %q hit %q, want %d %q %q", tc.text, a.AnsType, a.MsgType, a.HitQuestion, tc.ansType, tc.msgType, tc.hit)
		}
		if a.AnsContent.IsZero() {
			t.Errorf("%q: empty ansContent", tc.text)
		}
		if tc.ansType == kmclient.AnsTypeSuggestions {
			if a.AnsContent.String() != "Do you mean…" || len(a.SuggestQuestionList) < 2 {
				t.Errorf("%q: suggestions %q %+v", tc.text, a.AnsContent.String(), a.SuggestQuestionList)
			}
		}
	}
}

func TestContentTypeText(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	sid := f.session().SessionID
	var a kmclient.Answer
	f.call("POST", "/v1/chat", map[string]any{"sessionId": sid, "robotId": 83, "queryContent": "How do I reset my password?", "contentType": "text"}).ok(t, &a)
	text := a.AnsContent.String()
	if a.MsgType != kmclient.MsgPlain || strings.Contains(text, "<") || !strings.Contains(text, "- Go to id.example.com/reset") {
		t.Fatalf("msgType %q text %q", a.MsgType, text)
	}
}

func TestHitFlowAndProducts(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	first := f.chat(s.SessionID, "My VPN is not working")
	if first.FlowID != 201 || first.FlowTitle != "VPN troubleshooting" || !strings.Contains(first.FlowContent, `data-type="flow" data-id="202"`) {
		t.Fatalf("flow answer %+v", first)
	}
	var step kmclient.Answer
	f.call("POST", "/v1/flow", map[string]any{"sessionId": s.SessionID, "logId": first.LogID, "flowId": 202, "flowContent": `"Authentication failed"`}).ok(t, &step)
	if step.FlowID != 202 || step.FlowTitle != "Authentication failed" || step.SessionID != s.SessionID || step.LogID == 0 || step.RestrictionState == nil {
		t.Fatalf("flow step %+v", step)
	}
	var inFlow kmclient.Answer
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "queryType": 8, "logId": step.LogID, "questionId": 1001, "questionContent": "Reset my password"}).ok(t, &inFlow)
	if inFlow.HitQuestion != "How do I reset my password?" || inFlow.AID == 0 {
		t.Fatalf("hit in flow %+v", inFlow)
	}
	// Every query type reaches the question; the simulator saw the exact call.
	for _, qt := range []int{6, 7, 9} {
		var a kmclient.Answer
		f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "queryType": qt, "logId": inFlow.LogID, "questionId": 1010}).ok(t, &a)
		if a.MsgType != kmclient.MsgPlain || a.HitQuestion != "What is the Wi-Fi password?" {
			t.Errorf("queryType %d: %+v", qt, a)
		}
	}
	var seen bool
	for _, c := range f.sim.CallsTo("POST /v1/hit") {
		if c.Int("queryType") == 8 && c.Int("questionId") == 1001 && c.Int("logId") == int64(step.LogID) {
			seen = true
		}
	}
	if !seen {
		t.Error("the recorder did not see hit queryType 8 questionId 1001")
	}
	// A product of a selective_product list, clicked.
	var p kmclient.Answer
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "questionId": 602, "hitSource": 3, "questionContent": `Dell 27" U2724D`}).ok(t, &p)
	if p.MsgType != kmclient.MsgRich || !strings.Contains(p.AnsContent.String(), "U2724D") {
		t.Errorf("product hit %+v", p)
	}
	// The same id without hitSource 3 is not a question.
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "questionId": 602}).failed(t, kmsim.MsgNoQuestion)
	// A hit by content only.
	var byText kmclient.Answer
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "queryType": 6, "questionContent": "When is payday?"}).ok(t, &byText)
	if byText.HitQuestion != "When is payday?" {
		t.Errorf("hit by content %+v", byText)
	}
}

func TestSurveyQuestion(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	a := f.chat(s.SessionID, "payslip")
	body := map[string]any{"sessionId": s.SessionID, "questionSurveyOptionId": 1, "logId": a.LogID}
	f.call("POST", "/v1/surveyQuestion", body).ok(t, nil)
	f.call("POST", "/v1/surveyQuestion", body).failed(t, kmsim.MsgEvaluated)
	body["logId"] = a.LogID - 1 // the user's own message, not a robot reply
	f.call("POST", "/v1/surveyQuestion", body).failed(t, kmsim.MsgNoRelation)
	// Without logId the latest reply is rated.
	b := f.chat(s.SessionID, "vpn")
	f.call("POST", "/v1/surveyQuestion", map[string]any{"sessionId": s.SessionID, "questionSurveyOptionId": 2}).ok(t, nil)
	info, _ := f.sim.Session(int64(s.SessionID))
	if info.RatedLogs[int64(a.LogID)] != 1 || info.RatedLogs[int64(b.LogID)] != 2 {
		t.Errorf("rated %v", info.RatedLogs)
	}
	f.call("POST", "/v1/surveyQuestion", map[string]any{"sessionId": s.SessionID, "questionSurveyOptionId": 3, "logId": b.LogID}).
		failed(t, "【questionSurveyOptionId】javax.validation.constraints.Range.message")
}

func TestSurveySessionAndSwitchStaff(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	f.call("POST", "/v1/surveySession", map[string]any{"sessionId": s.SessionID, "sessionSurveyOptionId": 3, "surveyContent": "meh"}).ok(t, nil)
	var res kmclient.SurveySessionResult
	f.call("POST", "/v1/surveySession", map[string]any{"sessionId": s.SessionID, "sessionSurveyOptionId": 4, "surveyContent": "hehe"}).ok(t, &res)
	if res.SwitchStaffType != 1 || res.SwitchStaffTips == "" {
		t.Errorf("unsatisfied rating data %+v", res)
	}
	f.call("PUT", "/v1/sessions/"+s.SessionID.String()+"/switchStaff", nil).ok(t, nil)
	info, ok := f.sim.Session(int64(s.SessionID))
	if !ok || info.SurveyOption != 4 || info.SurveyContent != "hehe" || !info.SwitchedToStaff {
		t.Errorf("session %+v", info)
	}
	if info.Customer == nil || info.Customer.CustomerToken != "slack:U42" {
		t.Errorf("customer %+v", info.Customer)
	}
}

func TestCommonHotAssistSmartHint(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	var cats []kmclient.QuestionCategory
	r := f.call("POST", "/v1/chat/commonQuestions", map[string]any{"robotId": 83, "channelId": 82, "modelKey": "helpdesk"})
	r.ok(t, &cats)
	if len(cats) != 6 || cats[0].Name != "Accounts & passwords" || r.env.Paging == nil || r.env.Paging.Total != 6 {
		t.Fatalf("categories %d %+v paging %+v", len(cats), cats[0].Name, r.env.Paging)
	}
	f.call("POST", "/v1/chat/commonQuestions", map[string]any{"robotId": 83, "channelId": 82, "modelKey": "other"}).ok(t, &cats)
	if len(cats) != 0 {
		t.Errorf("unknown modelKey gave %d categories", len(cats))
	}

	var hot []kmclient.Question
	f.call("POST", "/v1/chat/hotQuestions", map[string]any{"robotId": 83, "limitDayNum": 30, "limitResultNum": 3}).ok(t, &hot)
	if len(hot) != 3 || hot[0].ID != 1001 || hot[0].MatchCount != 42 || hot[1].ID != 1030 {
		t.Fatalf("hot %+v", hot)
	}
	// Real matches count: ask about printing until it overtakes the password question.
	for range 20 {
		f.chat(s.SessionID, "How do I set up the printer?")
	}
	f.call("POST", "/v1/chat/hotQuestions", map[string]any{"robotId": 83, "limitDayNum": 1, "limitResultNum": 1}).ok(t, &hot)
	if len(hot) != 1 || hot[0].ID != 1026 || hot[0].MatchCount != 45 {
		t.Fatalf("hot after matches %+v", hot)
	}
	// Matches older than the window do not count.
	f.clock.Advance(3 * 24 * time.Hour)
	f.call("POST", "/v1/chat/hotQuestions", map[string]any{"robotId": 83, "limitDayNum": 2, "limitResultNum": 1}).ok(t, &hot)
	if hot[0].ID != 1001 {
		t.Errorf("window of 2 days still counts old matches: %+v", hot)
	}

	var a kmclient.Answer
	f.call("POST", "/v1/assist", map[string]any{"robotId": 83, "channelId": 82, "queryContent": "My laptop was stolen"}).ok(t, &a)
	if a.HitQuestion != "My laptop was stolen" || a.SwitchStaffTips == "" || a.SessionID != 0 || a.LogID == 0 {
		t.Errorf("assist %+v", a)
	}

	s = f.session()
	var hints kmclient.SmartHintResult
	f.call("POST", "/v1/smartHint", map[string]any{"sessionId": s.SessionID, "keyword": "VPN"}).ok(t, &hints)
	if len(hints.SmartTipList) < 2 || hints.SmartTipList[0].ID != 1011 {
		t.Errorf("hints %+v", hints.SmartTipList)
	}
	f.call("POST", "/v1/smartHint", map[string]any{"sessionId": s.SessionID, "keyword": "e"}).ok(t, &hints)
	if len(hints.SmartTipList) != 10 {
		t.Errorf("hints are capped at 10, got %d", len(hints.SmartTipList))
	}
	f.call("POST", "/v1/smartHint", map[string]any{"sessionId": s.SessionID}).ok(t, &hints)
	if len(hints.SmartTipList) != 0 {
		t.Errorf("no keyword gave %d hints", len(hints.SmartTipList))
	}
}

func TestNewChatBlocking(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	var a kmclient.Answer
	f.call("POST", "/v2/newChat", map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "When is payday?", "responseMode": "blocking", "proxyModelCall": false}).ok(t, &a)
	if a.HitQuestion != "When is payday?" || a.LogID == 0 {
		t.Fatalf("%+v", a)
	}
}

func TestQuotaExceeded(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	f.sim.SetQuota(0, 2)
	for i, want := range []int{0, 0, 1} {
		a := f.chat(s.SessionID, "vpn")
		if a.RestrictionState.ExceededFlag != want || a.RestrictionState.UsedCount != i+1 || a.RestrictionState.TotalCount != 2 {
			t.Errorf("turn %d: %+v", i+1, a.RestrictionState)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	f := newFixture(t, kmsim.Options{SessionIdleTTL: 10 * time.Minute})
	s := f.session()
	f.clock.Advance(9 * time.Minute)
	f.chat(s.SessionID, "vpn") // touches the session
	f.clock.Advance(9 * time.Minute)
	f.chat(s.SessionID, "vpn")
	f.clock.Advance(11 * time.Minute)
	f.call("POST", "/v1/chat", map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "vpn"}).failed(t, kmclient.MsgSessionExpired)
	if info, _ := f.sim.Session(int64(s.SessionID)); !info.Expired {
		t.Error("session not reported expired")
	}

	s2, s3 := f.session(), f.session()
	if !f.sim.ExpireSession(int64(s2.SessionID)) || f.sim.ExpireSession(12345) {
		t.Error("ExpireSession's report is wrong")
	}
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s2.SessionID, "questionId": 1001}).failed(t, kmclient.MsgSessionExpired)
	f.chat(s3.SessionID, "vpn")
	f.sim.ExpireAll()
	f.call("POST", "/v1/flow", map[string]any{"sessionId": s3.SessionID, "flowId": 201}).failed(t, kmclient.MsgSessionExpired)
	// A new session works after ExpireAll.
	f.chat(f.session().SessionID, "vpn")
}

// customer.id is a Long (001 seed): a number or a numeric string is a customer, text
// is refused the way KM's JSON parser refuses it.
func TestInitClientCustomerIDIsALong(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	base := func(id any) map[string]any {
		return map[string]any{"robotId": kmsim.SampleRobotID, "channelId": kmsim.SampleChannelID,
			"customer": map[string]any{"id": id, "customer_token": "slack:U42"}}
	}
	var out kmclient.InitClientResponse
	f.call("POST", "/v1/initClient", base(1415457662)).ok(t, &out)
	f.call("POST", "/v1/initClient", base("1415457662")).ok(t, &out)
	r := f.call("POST", "/v1/initClient", base("kmbridge-check"))
	if r.env.Code != 400 || !strings.Contains(r.env.Message, "java.lang.Long") {
		t.Fatalf("a text customer.id was not refused: %s", r.raw)
	}
}

// /v1/flow as kmclient sends clicks: the flowId of the answer the click came from
// and, as flowContent, the clicked element (it leads where its data-id says) or a
// task button's name (it leads to the flow's choice of that name).
func TestFlowClicks(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	flow := func(id int64, content string) resp {
		return f.call("POST", "/v1/flow", map[string]any{"sessionId": s.SessionID, "flowId": id, "flowContent": content})
	}
	var a kmclient.Answer
	flow(201, `<a data-type="flow" data-id="202">"Authentication failed"</a>`).ok(t, &a)
	if a.FlowID != 202 {
		t.Errorf("element of flow 201 led to flow %d, want 202", a.FlowID)
	}
	flow(201, `<a data-type="flow" data-id="204">It still fails</a>`).failed(t, kmsim.MsgNoFlow) // 204 is not an element of 201
	flow(31, "<p>Large room (12 people)</p>").ok(t, &a)
	if a.FlowID != 312 {
		t.Errorf("task choice led to flow %d, want 312", a.FlowID)
	}
	flow(31, "<p>Something else</p>").ok(t, &a)
	if a.FlowID != 31 {
		t.Errorf("unknown choice led to flow %d, want 31 again", a.FlowID)
	}
	// A shortcut entry's message (hitSource 1) is answered as chat.
	var h kmclient.Answer
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "questionContent": "wifi password please", "hitSource": 1}).ok(t, &h)
	if h.AnsType != kmclient.AnsTypeAnswer || !strings.Contains(h.AnsContent.String(), "ExampleGuest") {
		t.Errorf("shortcut hit %+v", h)
	}
}
