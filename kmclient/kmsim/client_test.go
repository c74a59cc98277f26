package kmsim_test

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// Round trips through the real kmclient.Client: the simulator and the client agree
// on the wire.

func newClientPair(t *testing.T, opts kmsim.Options, signVersion string) (*kmsim.Sim, *kmclient.Client) {
	t.Helper()
	sim := kmsim.New(kmsim.SampleKB(), opts) // the real clock: the client signs with it
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := kmclient.New(kmclient.Config{
		BaseURL: srv.URL + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		SignVersion: signVersion, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

func TestClientRoundTrip(t *testing.T) {
	ctx := context.Background()
	sim, c := newClientPair(t, kmsim.Options{}, "")
	platform := kmclient.PlatformAPI
	init, err := c.InitClient(ctx, kmclient.InitClientRequest{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		Platform: &platform, Customer: &kmclient.Customer{ID: "U42", Nickname: "Ada", Src: "slack", CustomerToken: "slack:U42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if init.SessionID == 0 || init.CommonQuestionModel == nil || len(init.CommonQuestionModel.CommonQuestionCategoryList) == 0 {
		t.Fatalf("init %+v", init)
	}
	sid := init.SessionID

	a, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: sid, RobotID: kmsim.SampleRobotID, QueryContent: "how do I reset my password"})
	if err != nil {
		t.Fatal(err)
	}
	if a.AnsType != kmclient.AnsTypeAnswer || !a.EnableAppraise || len(a.SuggestQuestionList) != 3 {
		t.Fatalf("chat %+v", a)
	}
	if content, err := a.Content(); err != nil || !strings.Contains(content.(*kmclient.RichText).HTML, "<ol>") {
		t.Fatalf("content %v %v", content, err)
	}

	sug := a.SuggestQuestionList[0]
	h, err := c.Hit(ctx, kmclient.HitRequest{SessionID: sid, QueryType: kmclient.QuerySuggested, LogID: a.LogID, QuestionID: sug.ID, QuestionContent: string(sug.Content)})
	if err != nil {
		t.Fatal(err)
	}
	if h.HitQuestion != string(sug.Content) || h.LogID == a.LogID {
		t.Fatalf("hit %+v", h)
	}
	var sawHit bool
	for _, call := range sim.CallsTo("POST /v1/hit") {
		sawHit = sawHit || (call.Int("queryType") == 7 && call.Int("questionId") == int64(sug.ID) && call.Int("logId") == int64(a.LogID))
	}
	if !sawHit {
		t.Errorf("the simulator did not see hit queryType 7 questionId %d logId %d", sug.ID, a.LogID)
	}

	fa, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: sid, RobotID: kmsim.SampleRobotID, QueryContent: "my vpn is not working"})
	if err != nil || fa.FlowID != 201 {
		t.Fatalf("flow entry %+v %v", fa, err)
	}
	step, err := c.Flow(ctx, kmclient.FlowRequest{SessionID: sid, LogID: fa.LogID, FlowID: 203, FlowContent: "It connects, then drops"})
	if err != nil || step.FlowTitle != "Connection drops" || !strings.Contains(step.FlowContent, `data-id="204"`) {
		t.Fatalf("flow %+v %v", step, err)
	}
	if _, err := c.Flow(ctx, kmclient.FlowRequest{SessionID: sid, FlowID: 9999}); !isAPIError(err, kmsim.MsgNoFlow) {
		t.Errorf("unknown flow: %v", err)
	}

	rate := kmclient.SurveyQuestionRequest{SessionID: sid, QuestionSurveyOptionID: kmclient.AnswerSatisfied, LogID: a.LogID}
	if err := c.SurveyQuestion(ctx, rate); err != nil {
		t.Fatal(err)
	}
	if err := c.SurveyQuestion(ctx, rate); !isAPIError(err, kmsim.MsgEvaluated) {
		t.Errorf("second rating: %v", err)
	}

	if _, err := c.SurveySession(ctx, kmclient.SurveySessionRequest{SessionID: sid, SessionSurveyOptionID: kmclient.SessionSatisfied, SurveyContent: "great"}); err != nil {
		t.Error(err)
	}
	cats, err := c.CommonQuestions(ctx, kmclient.CommonQuestionsRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey})
	if err != nil || len(cats) != 6 {
		t.Errorf("common questions %d %v", len(cats), err)
	}
	hot, err := c.HotQuestions(ctx, kmclient.HotQuestionsRequest{LimitDayNum: 30, LimitResultNum: 5, RobotID: kmsim.SampleRobotID})
	if err != nil || len(hot) != 5 || hot[0].MatchCount < 42 {
		t.Errorf("hot %+v %v", hot, err)
	}
	hints, err := c.SmartHint(ctx, kmclient.SmartHintRequest{SessionID: sid, Keyword: "payslip"})
	if err != nil || len(hints) == 0 {
		t.Errorf("hints %+v %v", hints, err)
	}
	as, err := c.Assist(ctx, kmclient.AssistRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, QueryContent: "printer"})
	if err != nil || as.MultipleMessageFlag != 1 {
		t.Errorf("assist %+v %v", as, err)
	}
	nb, err := c.NewChat(ctx, kmclient.NewChatRequest{SessionID: sid, RobotID: kmsim.SampleRobotID, QueryContent: "What is the office address?"})
	if err != nil || nb.MsgType != kmclient.MsgMap {
		t.Errorf("newChat blocking %+v %v", nb, err)
	}
	if err := c.SwitchStaff(ctx, sid); err != nil {
		t.Error(err)
	}
	if info, _ := sim.Session(int64(sid)); !info.SwitchedToStaff {
		t.Error("switchStaff not recorded")
	}

	// Expiry: the client's error says to initialise again.
	sim.ExpireSession(int64(sid))
	_, err = c.Chat(ctx, kmclient.ChatRequest{SessionID: sid, RobotID: kmsim.SampleRobotID, QueryContent: "vpn"})
	if !errors.Is(err, kmclient.ErrSessionExpired) {
		t.Errorf("after expiry: %v", err)
	}
	if _, err := c.Hit(ctx, kmclient.HitRequest{SessionID: sid, QuestionID: 1001}); !errors.Is(err, kmclient.ErrSessionExpired) {
		t.Errorf("hit after expiry: %v", err)
	}
}

func isAPIError(err error, message string) bool {
	var ae *kmclient.APIError
	return errors.As(err, &ae) && ae.Code == 400 && ae.Message == message
}

func TestClientStreaming(t *testing.T) {
	ctx := context.Background()
	_, c := newClientPair(t, kmsim.Options{StreamChunkDelay: time.Millisecond}, "")
	init, err := c.InitClient(ctx, kmclient.InitClientRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.NewChatStream(ctx, kmclient.NewChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: "How do I request leave?"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var (
		text   strings.Builder
		final  *kmclient.Answer
		chunks int
	)
	for {
		ch, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(ch.Text)
		if ch.Answer != nil {
			final = ch.Answer
		} else {
			chunks++
		}
	}
	if chunks < 3 || final == nil || final.HitQuestion != "How do I request leave?" || !strings.HasPrefix(text.String(), "Request leave in HR Portal") {
		t.Fatalf("%d chunks, text %q, final %+v", chunks, text.String(), final)
	}
	// An error before the stream starts is the client's ordinary API error.
	_, err = c.NewChatStream(ctx, kmclient.NewChatRequest{SessionID: 1, RobotID: kmsim.SampleRobotID, QueryContent: "x"})
	if !errors.Is(err, kmclient.ErrSessionExpired) {
		t.Errorf("stream on an unknown session: %v", err)
	}
}

func TestClientSignV2AndFaults(t *testing.T) {
	ctx := context.Background()
	sim, c := newClientPair(t, kmsim.Options{SignVersion: "v2"}, "v2")
	init, err := c.InitClient(ctx, kmclient.InitClientRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID})
	if err != nil {
		t.Fatal(err)
	}
	if got := sim.Calls()[0].SignVersion; got != "v2" {
		t.Errorf("signed with %q", got)
	}
	// A 503 with Retry-After, once: the client retries and gets its answer.
	sim.FailNext(1, 503, time.Second)
	if _, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: "vpn"}); err != nil {
		t.Errorf("after one 503: %v", err)
	}
	// A 500 is not retried: the client reports it.
	sim.FailNext(1, 500, 0)
	if _, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: "vpn"}); err == nil {
		t.Error("a 500 went unnoticed")
	}
	sim.SetMalformed(1, kmsim.MalformedHTML)
	if _, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: "vpn"}); err == nil {
		t.Error("an HTML page went unnoticed")
	}
	sim.SetMalformed(1, kmsim.MalformedTruncated)
	if _, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: "vpn"}); err == nil {
		t.Error("truncated JSON went unnoticed")
	}
	sim.SetMalformed(0, 0)
	// A client signing v1 against a v2 tenant is refused.
	_, v1 := newClientPair(t, kmsim.Options{SignVersion: "v2"}, "v1")
	var ae *kmclient.APIError
	if _, err := v1.InitClient(ctx, kmclient.InitClientRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID}); !errors.As(err, &ae) || ae.HTTPStatus != 401 || ae.Message != kmsim.MsgSignatureFailed {
		t.Errorf("v1 against v2: %v", err)
	}
}

func TestClientAdmin(t *testing.T) {
	ctx := context.Background()
	sim, c := newClientPair(t, kmsim.Options{}, "")
	models, pg, err := c.CommonQuestionModels(ctx, kmsim.SampleRobotID, kmclient.CommonQuestionModelsQuery{})
	if err != nil || len(models) != 1 || pg.Total != 1 || models[0].ModelKey != kmsim.SampleModelKey {
		t.Fatalf("models %+v %v", models, err)
	}
	faqs, pg, err := c.SearchQuestions(ctx, kmclient.SearchQuestionsRequest{RobotID: kmsim.SampleRobotID, SearchWord: "payslip", SearchType: 4})
	if err != nil || len(faqs) == 0 || pg.Total != int64(len(faqs)) {
		t.Fatalf("search %+v %v", faqs, err)
	}
	q, err := c.GetQuestion(ctx, 1043)
	if err != nil || len(q.Answer.AttachmentList) != 2 || len(q.ChannelList) != 1 {
		t.Fatalf("get %+v %v", q, err)
	}
	created, err := c.CreateQuestion(ctx, kmclient.CreateQuestionRequest{
		RobotID: kmsim.SampleRobotID, CategoryID: 80, Content: "Is there a gym?", Type: 1, SuggestType: 1,
		Answer:      kmclient.FAQAnswer{Content: "Yes, in the basement.", Type: kmclient.FAQAnswerPlain},
		ChannelList: []kmclient.IDRef{{ID: kmsim.SampleChannelID}},
	})
	if err != nil || created.ID == 0 {
		t.Fatalf("create %+v %v", created, err)
	}
	if err := c.UpdateQuestion(ctx, created.ID, kmclient.UpdateQuestionRequest{
		CategoryID: 80, Content: "Is there a gym at the office?",
		AnswerUpdateRequest: kmclient.FAQAnswer{ID: created.Answer.ID, Content: "Yes, in the basement, 06:00–22:00.", Type: kmclient.FAQAnswerPlain},
		SimpleChannelList:   []kmclient.IDRef{{ID: kmsim.SampleChannelID}},
	}); err != nil {
		t.Fatal(err)
	}
	s, err := c.AddSimilar(ctx, created.ID, "office gym")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSimilar(ctx, created.ID, kmclient.Similar{ID: s.ID, Content: "fitness room"}); err != nil {
		t.Fatal(err)
	}
	sims, _, err := c.ListSimilar(ctx, created.ID, 0, 0)
	if err != nil || len(sims) != 1 || sims[0].Content != "fitness room" {
		t.Fatalf("similar %+v %v", sims, err)
	}
	if err := c.DeleteSimilar(ctx, created.ID, s.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteQuestion(ctx, created.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetQuestion(ctx, created.ID); !isAPIError(err, kmsim.MsgNoQuestion) {
		t.Errorf("deleted question: %v", err)
	}

	init, err := c.InitClient(ctx, kmclient.InitClientRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, Customer: &kmclient.Customer{ID: "7"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(ctx, kmclient.ChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: "vpn"}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	recs, _, err := c.SearchSessions(ctx, kmclient.SearchSessionsRequest{
		RobotID: kmsim.SampleRobotID, StartTime: now.Add(-time.Hour).Format(kmclient.SessionTimeLayout), EndTime: now.Add(time.Hour).Format(kmclient.SessionTimeLayout),
	})
	if err != nil || len(recs) != 1 || recs[0].Customer == nil || recs[0].Customer.ID != "7" || recs[0].CustomerMsgCount != 1 {
		t.Fatalf("records %+v %v", recs, err)
	}
	logs, pg, err := c.SessionLogs(ctx, init.SessionID, 1, 10)
	if err != nil || pg.Total != 3 || logs[1].UserType != 2 || logs[1].Content != "vpn" {
		t.Fatalf("logs %+v %v", logs, err)
	}
	_ = sim
}

// With StreamAsDocumented the simulator streams as the 001 seed shows (no blank
// lines, no final answer, [DONE], connection left open) and the client still gets
// the whole text; an answer without text comes as the blocking JSON answer.
func TestStreamAsDocumentedThroughClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sim, c := newClientPair(t, kmsim.Options{StreamAsDocumented: true}, "")
	init, err := c.InitClient(ctx, kmclient.InitClientRequest{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID})
	if err != nil {
		t.Fatal(err)
	}
	read := func(q string) (string, *kmclient.Answer) {
		s, err := c.NewChatStream(ctx, kmclient.NewChatRequest{SessionID: init.SessionID, RobotID: kmsim.SampleRobotID, QueryContent: q})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var text strings.Builder
		var final *kmclient.Answer
		for {
			ch, err := s.Next()
			if err == io.EOF {
				return text.String(), final
			}
			if err != nil {
				t.Fatalf("%s: after %q: %v", q, text.String(), err)
			}
			text.WriteString(ch.Text)
			if ch.Answer != nil {
				final = ch.Answer
			}
		}
	}
	text, final := read("What is the Wi-Fi password?")
	if !strings.Contains(text, "ExampleGuest") || final != nil {
		t.Errorf("text %q, final %+v", text, final)
	}
	text, final = read("Which monitor can I get?")
	if text != "" || final == nil || final.MsgType != kmclient.MsgSelectiveProduct {
		t.Errorf("structured: text %q, final %+v", text, final)
	}
	if n := len(sim.CallsTo("POST /v2/newChat")); n != 2 {
		t.Errorf("%d newChat calls", n)
	}
}
