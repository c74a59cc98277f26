package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

var en = i18n.Printer{}

func TestFirstContactWelcomeThenAnswer(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "hello"))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[0].Text(), "Welcome to the fake KM!") {
		t.Errorf("first message = %q, want the welcome", got[0].Text())
	}
	if got[1].Text() != "A: hello" {
		t.Errorf("second message = %q, want the answer", got[1].Text())
	}
	mustHandle(t, e.core, msg(annDM, ann, "again"))
	got = e.rec.WaitSent(t, annDM, 3, wait)
	if got[2].Text() != "A: again" {
		t.Errorf("third message = %q", got[2].Text())
	}
	inits := km.Calls("init")
	if len(inits) != 1 {
		t.Fatalf("initClient calls = %d, want 1", len(inits))
	}
	req := inits[0].Req.(kmclient.InitClientRequest)
	if req.Platform == nil || *req.Platform != kmclient.PlatformAPI || req.RobotID != 1 || req.ChannelID != 2 || req.ModelKey != "mk" {
		t.Errorf("initClient request = %+v", req)
	}
	c := req.Customer
	if c == nil || c.ID != ann.ID || c.Nickname != "Ann" || c.Email != ann.Email || c.Src != "test" || c.CustomerToken != "test:"+ann.ID {
		t.Errorf("customer = %+v", c)
	}
	tr, _ := e.store.Transcript(context.Background(), annDM)
	var roles []string
	for _, x := range tr {
		roles = append(roles, x.Role+":"+x.Text)
	}
	want := []string{"user:hello", "bot:Welcome to the fake KM!", "bot:A: hello", "user:again", "bot:A: again"}
	if strings.Join(roles, "|") != strings.Join(want, "|") {
		t.Errorf("transcript = %q, want %q", roles, want)
	}
}

func TestNonNumericUserIDOnlyInCustomerToken(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	u := bridge.UserInfo{ID: "U024BE7LH", Name: "Sam"}
	k := bridge.DMKey("test", "T1", "D1", u.ID)
	mustHandle(t, e.core, msg(k, u, "hi"))
	e.rec.WaitSent(t, k, 2, wait)
	c := km.Calls("init")[0].Req.(kmclient.InitClientRequest).Customer
	if c.ID != "" || c.CustomerToken != "test:U024BE7LH" {
		t.Errorf("customer = %+v: KM's customer.id is a Long", c)
	}
}

func TestOrderPerConversation(t *testing.T) {
	km := newFakeKM()
	// Vary KM latency so that conversations overtake each other.
	km.block = func(ctx context.Context, op, q string) error {
		if strings.HasSuffix(q, "#0") {
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	}
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.Workers = 8; c.QueueSize = 10 }})
	const convs, per = 100, 5
	keys := make([]bridge.ConvKey, convs)
	var wg sync.WaitGroup
	for i := range convs {
		keys[i] = bridge.DMKey("test", "", fmt.Sprint("c", i), fmt.Sprint(i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range per {
				mustHandle(t, e.core, msg(keys[i], bridge.UserInfo{ID: fmt.Sprint(i)}, fmt.Sprintf("q%d#%d", i, j)))
			}
		}()
	}
	wg.Wait()
	for i, k := range keys {
		got := e.rec.WaitSent(t, k, per+1, wait)
		for j := range per {
			if want := fmt.Sprintf("A: q%d#%d", i, j); got[j+1].Text() != want {
				t.Fatalf("conversation %d message %d = %q, want %q", i, j+1, got[j+1].Text(), want)
			}
		}
	}
}

func TestQueueFullBusy(t *testing.T) {
	km := newFakeKM()
	release := make(chan struct{})
	entered := make(chan struct{}, 10)
	km.block = func(ctx context.Context, op, q string) error {
		entered <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.QueueSize = 1 }})
	mustHandle(t, e.core, msg(annDM, ann, "one"))
	<-entered // "one" is with KM, the queue is empty
	mustHandle(t, e.core, msg(annDM, ann, "two"))
	err := e.core.Handle(context.Background(), msg(annDM, ann, "three"))
	if !errors.Is(err, bridge.ErrBusy) {
		t.Fatalf("Handle with a full queue = %v, want ErrBusy", err)
	}
	// Other conversations are not affected.
	mustHandle(t, e.core, msg(bobDM, bob, "bob's"))
	e.rec.WaitSent(t, annDM, 2, wait) // welcome + busy
	busy := en.T("bridge.busy")
	bridgetest.Eventually(t, wait, func() error {
		for _, s := range e.rec.SentTo(annDM) {
			if s.Text() == busy {
				return nil
			}
		}
		return fmt.Errorf("no busy reply in %q", bridgetest.Texts(e.rec.SentTo(annDM)))
	})
	close(release)
	got := e.rec.WaitSent(t, annDM, 4, wait)
	var answers []string
	for _, s := range got {
		if strings.HasPrefix(s.Text(), "A: ") {
			answers = append(answers, s.Text())
		}
	}
	if strings.Join(answers, ",") != "A: one,A: two" {
		t.Errorf("answers = %q, want one then two (three refused)", answers)
	}
	e.rec.WaitSent(t, bobDM, 2, wait)
}

// A Send that never returns must not block Handle: the busy reply is bounded.
func TestBusyReplyDoesNotBlockHandle(t *testing.T) {
	km := newFakeKM()
	rec := bridgetest.New("test")
	stuck := make(chan struct{})
	rec.SendHook = func(ctx context.Context, to bridge.ConvKey, m formatting.Message) error {
		select {
		case <-stuck:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e := newEnv(t, km, envOpt{adapter: rec, cfg: func(c *bridge.Config) {
		c.QueueSize = 1
		c.BusyReplyTimeout = 50 * time.Millisecond
		c.SendTimeout = 200 * time.Millisecond
	}})
	defer close(stuck)
	mustHandle(t, e.core, msg(annDM, ann, "one")) // its welcome send hangs
	bridgetest.Eventually(t, wait, func() error {
		if len(km.Calls("init")) == 0 {
			return errors.New("not started")
		}
		return nil
	})
	mustHandle(t, e.core, msg(annDM, ann, "two"))
	start := time.Now()
	for range 5 {
		if err := e.core.Handle(context.Background(), msg(annDM, ann, "more")); !errors.Is(err, bridge.ErrBusy) {
			t.Fatalf("Handle = %v, want ErrBusy", err)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Handle took %s with a hanging adapter", d)
	}
}

func TestSessionExpiredRetriedOnce(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "one"))
	e.rec.WaitSent(t, annDM, 2, wait)
	km.Expire(km.Calls("init")[0].Session)
	mustHandle(t, e.core, msg(annDM, ann, "two"))
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if got[2].Text() != "A: two" {
		t.Errorf("after expiry: %q", got[2].Text())
	}
	if n := len(km.Calls("init")); n != 2 {
		t.Errorf("initClient calls = %d, want 2", n)
	}
	if n := len(e.rec.SentTo(annDM)); n != 3 {
		t.Errorf("messages = %q: no second welcome expected", bridgetest.Texts(e.rec.SentTo(annDM)))
	}
}

func TestIdleSessionReplacedSilently(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.SessionIdleTTL = time.Minute }})
	mustHandle(t, e.core, msg(annDM, ann, "one"))
	e.rec.WaitSent(t, annDM, 2, wait)
	e.clock.Advance(30 * time.Second)
	mustHandle(t, e.core, msg(annDM, ann, "two"))
	e.rec.WaitSent(t, annDM, 3, wait)
	if n := len(km.Calls("init")); n != 1 {
		t.Fatalf("init calls = %d within the idle TTL", n)
	}
	e.clock.Advance(2 * time.Minute)
	mustHandle(t, e.core, msg(annDM, ann, "three"))
	got := e.rec.WaitSent(t, annDM, 4, wait)
	if got[3].Text() != "A: three" {
		t.Errorf("got %q", got[3].Text())
	}
	inits := km.Calls("init")
	chats := km.Calls("chat")
	if len(inits) != 2 || chats[2].Session != inits[1].Session {
		t.Errorf("idle session not replaced: inits %d, last chat on %d", len(inits), chats[2].Session)
	}
	if len(e.rec.SentTo(annDM)) != 4 {
		t.Errorf("a second welcome was sent: %q", bridgetest.Texts(e.rec.SentTo(annDM)))
	}
}

func TestAnswerTypes(t *testing.T) {
	quota := &kmclient.RestrictionState{ExceededFlag: 1, UsedCount: 100, TotalCount: 100}
	tests := []struct {
		name      string
		ans       *kmclient.Answer
		want      []string // texts after the welcome
		escalated string
	}{
		{"silent", &kmclient.Answer{AnsType: kmclient.AnsTypeSilent, MsgType: "plain", AnsContent: kmclient.StringContent("shh")}, nil, ""},
		{"quota", &kmclient.Answer{AnsType: 6, RestrictionState: quota}, []string{en.T("bridge.quota_exceeded")}, ""},
		{"transfer", &kmclient.Answer{AnsType: kmclient.AnsTypeTransferToHuman, MsgType: "plain", AnsContent: kmclient.StringContent("To a human.")},
			[]string{"To a human.", en.T("bridge.escalating")}, bridge.ReasonKMTransfer},
		{"switch staff 2", &kmclient.Answer{AnsType: 1, SwitchStaffType: 2},
			[]string{en.T("bridge.escalating")}, bridge.ReasonSwitchStaff},
		{"empty", &kmclient.Answer{AnsType: 1}, []string{en.T("bridge.no_answer")}, ""},
		{"malformed", &kmclient.Answer{AnsType: 1, MsgType: "selective_list", AnsContent: kmclient.NewAnsContent([]byte(`{"optionList":5}`))},
			[]string{en.T("bridge.km_malformed")}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			km := newFakeKM()
			km.answer = func(q string) *kmclient.Answer {
				if q == "marker" {
					return nil
				}
				a := *tc.ans
				return &a
			}
			esc := &recEscalator{}
			e := newEnv(t, km, envOpt{escalator: esc})
			mustHandle(t, e.core, msg(annDM, ann, "q"))
			mustHandle(t, e.core, msg(annDM, ann, "marker")) // proves "q" is done
			got := e.rec.WaitSent(t, annDM, 2+len(tc.want), wait)
			texts := bridgetest.Texts(got[1 : len(got)-1])
			if strings.Join(texts, "|") != strings.Join(tc.want, "|") {
				t.Errorf("sent %q, want %q", texts, tc.want)
			}
			gotEsc := esc.Got()
			switch {
			case tc.escalated == "" && len(gotEsc) > 0:
				t.Errorf("escalated: %+v", gotEsc)
			case tc.escalated != "":
				if len(gotEsc) != 1 || gotEsc[0].Reason != tc.escalated || gotEsc[0].SessionID == 0 {
					t.Fatalf("escalations = %+v, want one with reason %s", gotEsc, tc.escalated)
				}
				if tr := gotEsc[0].Transcript; len(tr) == 0 || tr[len(tr)-1].Role == "" {
					t.Errorf("transcript = %+v", tr)
				}
				if n := len(km.Calls("switch")); n != 1 {
					t.Errorf("switchStaff calls = %d, want 1", n)
				}
			}
		})
	}
}

func TestHumanWithoutAgents(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "human"})
	got := e.rec.WaitSent(t, annDM, 1, wait)
	if got[0].Text() != en.T("bridge.no_agents") {
		t.Errorf("got %q", got[0].Text())
	}
	if n := len(km.Calls("switch")); n != 0 {
		t.Errorf("switchStaff called %d times without an escalation", n)
	}
}

func TestKMTimeoutApologyInTime(t *testing.T) {
	km := newFakeKM()
	km.block = func(ctx context.Context, op, q string) error {
		if q == "slow" {
			<-ctx.Done()
			return ctx.Err()
		}
		return nil
	}
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.KMTimeout = 100 * time.Millisecond }})
	mustHandle(t, e.core, msg(annDM, ann, "fast"))
	e.rec.WaitSent(t, annDM, 2, wait)
	start := time.Now()
	mustHandle(t, e.core, msg(annDM, ann, "slow"))
	// A slow conversation does not hold another one.
	mustHandle(t, e.core, msg(bobDM, bob, "quick"))
	e.rec.WaitSent(t, bobDM, 2, wait)
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("apology after %s", d)
	}
	if got[2].Text() != en.T("bridge.km_timeout") {
		t.Errorf("got %q, want the timeout apology", got[2].Text())
	}
	mustHandle(t, e.core, msg(annDM, ann, "fast again"))
	got = e.rec.WaitSent(t, annDM, 4, wait)
	if got[3].Text() != "A: fast again" {
		t.Errorf("after the timeout: %q", got[3].Text())
	}
}

func TestJapaneseApology(t *testing.T) {
	km := newFakeKM()
	km.block = func(ctx context.Context, op, q string) error {
		return &kmclient.APIError{Endpoint: "POST /v1/chat", HTTPStatus: 502, Message: "Bad Gateway"}
	}
	e := newEnv(t, km, envOpt{})
	u := ann
	u.Locale = "ja-JP"
	mustHandle(t, e.core, msg(annDM, u, "こんにちは"))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	cat, _ := i18n.New("en", nil)
	want := cat.Printer("ja").T("bridge.km_unavailable")
	if got[1].Text() != want || want == en.T("bridge.km_unavailable") {
		t.Errorf("got %q, want the Japanese apology %q", got[1].Text(), want)
	}
}

// clickable returns the token of the button labelled label in conversation k.
func clickable(t *testing.T, rec *bridgetest.Recorder, k bridge.ConvKey, label string) string {
	t.Helper()
	b, ok := bridgetest.Button(rec.SentTo(k), label)
	if !ok {
		var labels []string
		for _, s := range rec.SentTo(k) {
			for _, b := range bridgetest.Buttons(s.Msg) {
				labels = append(labels, b.Label)
			}
		}
		t.Fatalf("no button %q in %q", label, labels)
	}
	if n := len(b.Token); n != 22 {
		t.Errorf("token %q has %d characters, want 22", b.Token, n)
	}
	return b.Token
}

func suggestAnswer(q string) *kmclient.Answer {
	if q != "suggest" {
		return nil
	}
	return &kmclient.Answer{AnsType: 1, MsgType: "plain", AnsContent: kmclient.StringContent("See also:"),
		EnableAppraise:      true,
		SuggestQuestionList: []kmclient.Question{{ID: 77, Content: "Opening hours?"}},
	}
}

func TestClicks(t *testing.T) {
	km := newFakeKM()
	km.answer = suggestAnswer
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "suggest"))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, e.rec, annDM, "Opening hours?")

	// Bob clicks Ann's button in the same (shared) conversation: refused.
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: bob, Token: tok})
	// Unknown token.
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: "AAAAAAAAAAAAAAAAAAAAAA"})
	// Ann clicks it.
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok, Ref: got[1].Ref})
	got = e.rec.WaitSent(t, annDM, 5, wait)
	texts := bridgetest.Texts(got[2:5])
	want := []string{en.T("bridge.foreign_click"), en.T("bridge.expired_button"), "A: Opening hours?"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("replies %q, want %q", texts, want)
	}
	hits := km.Calls("hit")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d, want 1 (refused clicks must not reach KM)", len(hits))
	}
	req := hits[0].Req.(kmclient.HitRequest)
	if req.QueryType != kmclient.QuerySuggested || req.QuestionID != 77 || req.LogID != 5001 || req.QuestionContent != "Opening hours?" {
		t.Errorf("hit request = %+v", req)
	}
	res := e.rec.WaitClicks(t, 3, wait)
	statuses := []bridge.ClickStatus{res[0].Status, res[1].Status, res[2].Status}
	if fmt.Sprint(statuses) != fmt.Sprint([]bridge.ClickStatus{bridge.ClickForeign, bridge.ClickExpired, bridge.ClickDone}) {
		t.Errorf("click statuses = %v", statuses)
	}
	if res[2].Action.Label != "Opening hours?" || res[2].Click.Ref != got[1].Ref {
		t.Errorf("click result = %+v", res[2])
	}
}

func TestForeignConversationClick(t *testing.T) {
	km := newFakeKM()
	km.answer = suggestAnswer
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "suggest"))
	e.rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, e.rec, annDM, "Opening hours?")
	// The same user id, but the click arrives from another conversation.
	other := bridge.DMKey("test", "", "elsewhere", ann.ID)
	mustHandle(t, e.core, bridge.Click{Key: other, User: ann, Token: tok})
	got := e.rec.WaitSent(t, other, 1, wait)
	if got[0].Text() != en.T("bridge.foreign_click") || len(km.Calls("hit")) != 0 {
		t.Errorf("got %q, hits %d", got[0].Text(), len(km.Calls("hit")))
	}
}

func TestRateOnce(t *testing.T) {
	km := newFakeKM()
	km.answer = suggestAnswer
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "suggest"))
	e.rec.WaitSent(t, annDM, 2, wait)
	up := clickable(t, e.rec, annDM, en.T("formatting.rate_up"))
	down := clickable(t, e.rec, annDM, en.T("formatting.rate_down"))
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: up})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: down})
	got := e.rec.WaitSent(t, annDM, 4, wait)
	if got[2].Text() != en.T("bridge.rated_thanks") || got[3].Text() != en.T("bridge.already_rated") {
		t.Errorf("replies %q", bridgetest.Texts(got[2:]))
	}
	calls := km.Calls("survey_q")
	if len(calls) != 1 {
		t.Fatalf("surveyQuestion calls = %d, want 1", len(calls))
	}
	if r := calls[0].Req.(kmclient.SurveyQuestionRequest); r.QuestionSurveyOptionID != 1 || r.LogID != 5001 {
		t.Errorf("surveyQuestion = %+v", r)
	}
	res := e.rec.WaitClicks(t, 2, wait)
	if res[0].Status != bridge.ClickDone || res[1].Status != bridge.ClickAlreadyRated {
		t.Errorf("statuses %s %s", res[0].Status, res[1].Status)
	}
}

func TestRateAlreadyEvaluatedByKM(t *testing.T) {
	km := newFakeKM()
	km.answer = suggestAnswer
	km.surveyErr = &kmclient.APIError{Endpoint: "POST /v1/surveyQuestion", HTTPStatus: 200, Code: 400, Message: "This reply has been evaluated!"}
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "suggest"))
	e.rec.WaitSent(t, annDM, 2, wait)
	up := clickable(t, e.rec, annDM, en.T("formatting.rate_up"))
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: up})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: up})
	got := e.rec.WaitSent(t, annDM, 4, wait)
	if got[2].Text() != en.T("bridge.already_rated") || got[3].Text() != en.T("bridge.already_rated") {
		t.Errorf("replies %q", bridgetest.Texts(got[2:]))
	}
	if n := len(km.Calls("survey_q")); n != 1 {
		t.Errorf("surveyQuestion calls = %d, want 1", n)
	}
}

func TestCommands(t *testing.T) {
	km := newFakeKM()
	km.cats = []kmclient.QuestionCategory{{ID: 1, Name: "Billing", QuestionList: []kmclient.Question{{ID: 11, Content: "How do I pay?"}}}}
	km.hot = []kmclient.Question{{ID: 21, Content: "Where is my order?"}}
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.HotDays = 7; c.HotCount = 3 }})
	for _, name := range []string{"help", "faq", "faq", "hot", "hot", "nonsense"} {
		mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: name})
	}
	got := e.rec.WaitSent(t, annDM, 6, wait)
	if !strings.Contains(got[0].Text(), "/faq") {
		t.Errorf("help = %q", got[0].Text())
	}
	if !strings.Contains(got[1].Text(), "How do I pay?") || !strings.Contains(got[3].Text(), "Where is my order?") {
		t.Errorf("faq/hot = %q / %q", got[1].Text(), got[3].Text())
	}
	if !strings.Contains(got[5].Text(), "nonsense") {
		t.Errorf("unknown command reply = %q", got[5].Text())
	}
	if n, m := len(km.Calls("common")), len(km.Calls("hot")); n != 1 || m != 1 {
		t.Errorf("commonQuestions %d, hotQuestions %d calls: want 1 each (cached)", n, m)
	}
	if r := km.Calls("hot")[0].Req.(kmclient.HotQuestionsRequest); r.LimitDayNum != 7 || r.LimitResultNum != 3 || r.RobotID != 1 {
		t.Errorf("hotQuestions request = %+v", r)
	}
	// A hot question click is an FAQ hit (queryType 6).
	tok := clickable(t, e.rec, annDM, "Where is my order?")
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok})
	e.rec.WaitSent(t, annDM, 8, wait) // welcome + answer
	if r := km.Calls("hit")[0].Req.(kmclient.HitRequest); r.QueryType != kmclient.QueryFAQ || r.QuestionID != 21 {
		t.Errorf("hit = %+v", r)
	}
}

func TestResetAndStart(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "start", Arg: "promo-42"})
	got := e.rec.WaitSent(t, annDM, 3, wait)
	want := []string{"Welcome to the fake KM!", en.T("bridge.help", "/"), "A: promo-42"}
	if strings.Join(bridgetest.Texts(got), "|") != strings.Join(want, "|") {
		t.Errorf("start: %q, want %q", bridgetest.Texts(got), want)
	}
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "/reset"})
	got = e.rec.WaitSent(t, annDM, 5, wait)
	if got[3].Text() != en.T("bridge.reset_done") || got[4].Text() != "Welcome to the fake KM!" {
		t.Errorf("reset: %q", bridgetest.Texts(got[3:]))
	}
	mustHandle(t, e.core, msg(annDM, ann, "after"))
	e.rec.WaitSent(t, annDM, 6, wait)
	inits, chats := km.Calls("init"), km.Calls("chat")
	if len(inits) != 2 || chats[len(chats)-1].Session != inits[1].Session {
		t.Errorf("reset did not start a new session: %d inits", len(inits))
	}
}

func TestSuggest(t *testing.T) {
	km := newFakeKM()
	km.hints = []kmclient.Question{{ID: 31, Content: "Refund policy"}, {ID: 32, Content: "Refund status"}}
	e := newEnv(t, km, envOpt{})
	ctx := context.Background()
	if bs, err := e.core.Suggest(ctx, annDM, ann, "ref"); err != nil || len(bs) != 0 {
		t.Fatalf("before any session: %v, %v", bs, err)
	}
	mustHandle(t, e.core, msg(annDM, ann, "hi"))
	e.rec.WaitSent(t, annDM, 2, wait)
	bs, err := e.core.Suggest(ctx, annDM, ann, "ref")
	if err != nil || len(bs) != 2 || bs[0].Label != "Refund policy" || len(bs[0].Token) != 22 {
		t.Fatalf("Suggest = %+v, %v", bs, err)
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: bs[1].Token})
	e.rec.WaitSent(t, annDM, 3, wait)
	r := km.Calls("hit")[0].Req.(kmclient.HitRequest)
	if r.QueryType != kmclient.QuerySmartHint || r.QuestionID != 32 || r.QuestionContent != "Refund status" {
		t.Errorf("hit = %+v", r)
	}
}

func TestTypingRenewed(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.TypingInterval = 5 * time.Millisecond }})
	km.block = func(ctx context.Context, op, q string) error {
		// Hold KM until the indicator has been renewed twice.
		for e.rec.TypingCount(annDM) < 3 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		return nil
	}
	mustHandle(t, e.core, msg(annDM, ann, "hi"))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if got[1].Text() != "A: hi" {
		t.Errorf("got %q", got[1].Text())
	}
}

func TestShutdownDrainsAndRefuses(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	for i := range 5 {
		mustHandle(t, e.core, msg(annDM, ann, fmt.Sprint("m", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.core.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.rec.SentTo(annDM)); n != 6 {
		t.Errorf("after drain: %d messages, want 6", n)
	}
	if err := e.core.Handle(ctx, msg(annDM, ann, "late")); !errors.Is(err, bridge.ErrClosed) {
		t.Errorf("Handle after Shutdown = %v, want ErrClosed", err)
	}
}

func TestShutdownCutShort(t *testing.T) {
	km := newFakeKM()
	km.block = func(ctx context.Context, op, q string) error { <-ctx.Done(); return ctx.Err() }
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.KMTimeout = time.Minute }})
	mustHandle(t, e.core, msg(annDM, ann, "stuck"))
	mustHandle(t, e.core, msg(annDM, ann, "queued"))
	bridgetest.Eventually(t, wait, func() error {
		if len(km.Calls("chat")) == 0 {
			return errors.New("KM not called yet")
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.core.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want a deadline error", err)
	}
	if n := len(km.Calls("chat")); n != 1 {
		t.Errorf("chat calls = %d: the queued event should have been dropped", n)
	}
}

func TestHandleRejects(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	ctx := context.Background()
	if err := e.core.Handle(ctx, nil); err == nil {
		t.Error("nil event accepted")
	}
	if err := e.core.Handle(ctx, msg(bridge.DMKey("nowhere", "", "c", "u"), ann, "hi")); err == nil {
		t.Error("event for an unregistered platform accepted")
	}
	if err := e.core.Handle(ctx, msg(annDM, ann, "  ")); err != nil {
		t.Errorf("blank message: %v", err)
	}
}

func TestRunRunsAdapters(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.core.Run(ctx) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Run did not return after ctx ended")
	}
}

// An idle conversation costs no queue and no goroutine.
func TestIdleConversationsCostNothing(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	before := runtime.NumGoroutine()
	for i := range 200 {
		k := bridge.DMKey("test", "", fmt.Sprint("idle", i), fmt.Sprint(i))
		mustHandle(t, e.core, msg(k, bridge.UserInfo{ID: fmt.Sprint(i)}, "hi"))
	}
	bridgetest.Eventually(t, wait, func() error {
		if n := len(e.rec.Sent()); n != 400 {
			return fmt.Errorf("%d messages sent", n)
		}
		if n := e.core.LiveConversations(); n != 0 {
			return fmt.Errorf("%d conversations still have a queue", n)
		}
		if n := runtime.NumGoroutine(); n > before+2 {
			return fmt.Errorf("%d goroutines, %d before", n, before)
		}
		return nil
	})
}

// The transcript lives for SessionRetention: a user's long text must not be kept
// whole, or one chatty user holds megabytes for a month.
func TestTranscriptUserTurnBounded(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.SummaryRunes = 100 }})
	mustHandle(t, e.core, msg(annDM, ann, strings.Repeat("é", 5000)))
	e.rec.WaitSent(t, annDM, 2, wait)
	tr, _ := e.store.Transcript(context.Background(), annDM)
	if len(tr) == 0 || tr[0].Role != bridge.RoleUser {
		t.Fatalf("transcript = %+v", tr)
	}
	if n := utf8.RuneCountInString(tr[0].Text); n > 100 {
		t.Errorf("user turn kept %d runes, want ≤ 100", n)
	}
}

// scopedTyper is the recorder on a platform that shows typing in the
// conversations of one user only.
type scopedTyper struct {
	*bridgetest.Recorder
	user string
}

func (s scopedTyper) Types(to bridge.ConvKey) bool { return to.User == s.user }

// A TypingScoper that says a conversation has no indicator is never asked to
// show one there; the others still are.
func TestTypingScoped(t *testing.T) {
	rec := bridgetest.New("test")
	e := newEnv(t, newFakeKM(), envOpt{adapter: scopedTyper{rec, ann.ID}})
	e.rec = rec
	var _ bridge.TypingScoper = scopedTyper{}
	mustHandle(t, e.core, msg(annDM, ann, "hi"))
	mustHandle(t, e.core, msg(bobDM, bob, "hi"))
	e.rec.WaitSent(t, annDM, 2, wait)
	e.rec.WaitSent(t, bobDM, 2, wait)
	if n := e.rec.TypingCount(annDM); n != 1 {
		t.Errorf("typing in Ann's conversation: %d, want 1", n)
	}
	if n := e.rec.TypingCount(bobDM); n != 0 {
		t.Errorf("typing in Bob's conversation, which has no indicator: %d, want 0", n)
	}
}
