package bridge_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// fakeKM is an in-process KM for unit tests of the core's logic (ordering,
// queues, sessions). Wire-level behaviour is tested against the simulator in
// integration_test.go.
type fakeKM struct {
	mu       sync.Mutex
	nextSess int64
	nextLog  int64
	calls    []fakeCall
	expired  map[int64]bool // sessions KM has forgotten
	// answer builds the answer to a question; nil → a plain echo.
	answer func(q string) *kmclient.Answer
	// block, when set, runs at the start of Chat/NewChat/Hit and may wait.
	block func(ctx context.Context, op, q string) error
	// surveyErr is returned by SurveyQuestion when set.
	surveyErr error
	cats      []kmclient.QuestionCategory
	hot       []kmclient.Question
	hints     []kmclient.Question
	welcome   string
}

type fakeCall struct {
	Op      string
	Session int64
	Text    string
	Req     any
}

func newFakeKM() *fakeKM {
	return &fakeKM{nextSess: 1000, nextLog: 5000, expired: map[int64]bool{}, welcome: "Welcome to the fake KM!"}
}

func (f *fakeKM) record(op string, sid int64, text string, req any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{Op: op, Session: sid, Text: text, Req: req})
}

func (f *fakeKM) Calls(op string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if op == "" || c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeKM) Expire(sid int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired[sid] = true
}

func (f *fakeKM) checkSession(sid kmclient.ID, endpoint string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.expired[int64(sid)] || int64(sid) <= 0 || int64(sid) > f.nextSess {
		return &kmclient.APIError{Endpoint: endpoint, HTTPStatus: 200, Code: 400, Message: kmclient.MsgSessionExpired}
	}
	return nil
}

func (f *fakeKM) InitClient(ctx context.Context, req kmclient.InitClientRequest) (*kmclient.InitClientResponse, error) {
	f.mu.Lock()
	f.nextSess++
	sid := f.nextSess
	f.mu.Unlock()
	f.record("init", sid, "", req)
	return &kmclient.InitClientResponse{SessionID: kmclient.ID(sid), LogID: 1, WelcomeMessage: f.welcome}, nil
}

func (f *fakeKM) ans(sid kmclient.ID, q string) *kmclient.Answer {
	f.mu.Lock()
	f.nextLog++
	logID := f.nextLog
	build := f.answer
	f.mu.Unlock()
	var a *kmclient.Answer
	if build != nil {
		a = build(q)
	}
	if a == nil {
		a = &kmclient.Answer{AnsType: 1, MsgType: "plain", AnsContent: kmclient.StringContent("A: " + q)}
	}
	a.SessionID = sid
	a.LogID = kmclient.ID(logID)
	return a
}

func (f *fakeKM) Chat(ctx context.Context, req kmclient.ChatRequest) (*kmclient.Answer, error) {
	f.record("chat", int64(req.SessionID), req.QueryContent, req)
	if f.block != nil {
		if err := f.block(ctx, "chat", req.QueryContent); err != nil {
			return nil, err
		}
	}
	if err := f.checkSession(req.SessionID, "POST /v1/chat"); err != nil {
		return nil, err
	}
	return f.ans(req.SessionID, req.QueryContent), nil
}

func (f *fakeKM) NewChat(ctx context.Context, req kmclient.NewChatRequest) (*kmclient.Answer, error) {
	f.record("newchat", int64(req.SessionID), req.QueryContent, req)
	if err := f.checkSession(req.SessionID, "POST /v2/newChat"); err != nil {
		return nil, err
	}
	return f.ans(req.SessionID, req.QueryContent), nil
}

func (f *fakeKM) NewChatStream(ctx context.Context, req kmclient.NewChatRequest) (*kmclient.Stream, error) {
	f.record("stream", int64(req.SessionID), req.QueryContent, req)
	return nil, &kmclient.APIError{Endpoint: "POST /v2/newChat", HTTPStatus: 503, Message: "no streaming in the fake"}
}

func (f *fakeKM) Hit(ctx context.Context, req kmclient.HitRequest) (*kmclient.Answer, error) {
	f.record("hit", int64(req.SessionID), req.QuestionContent, req)
	if f.block != nil {
		if err := f.block(ctx, "hit", req.QuestionContent); err != nil {
			return nil, err
		}
	}
	if err := f.checkSession(req.SessionID, "POST /v1/hit"); err != nil {
		return nil, err
	}
	return f.ans(req.SessionID, req.QuestionContent), nil
}

func (f *fakeKM) Flow(ctx context.Context, req kmclient.FlowRequest) (*kmclient.Answer, error) {
	f.record("flow", int64(req.SessionID), req.FlowContent, req)
	if err := f.checkSession(req.SessionID, "POST /v1/flow"); err != nil {
		return nil, err
	}
	return f.ans(req.SessionID, "flow "+fmt.Sprint(req.FlowID)), nil
}

func (f *fakeKM) CommonQuestions(ctx context.Context, req kmclient.CommonQuestionsRequest) ([]kmclient.QuestionCategory, error) {
	f.record("common", 0, "", req)
	return f.cats, nil
}

func (f *fakeKM) HotQuestions(ctx context.Context, req kmclient.HotQuestionsRequest) ([]kmclient.Question, error) {
	f.record("hot", 0, "", req)
	return f.hot, nil
}

func (f *fakeKM) SurveyQuestion(ctx context.Context, req kmclient.SurveyQuestionRequest) error {
	f.record("survey_q", int64(req.SessionID), "", req)
	if f.surveyErr != nil {
		return f.surveyErr
	}
	return f.checkSession(req.SessionID, "POST /v1/surveyQuestion")
}

func (f *fakeKM) SurveySession(ctx context.Context, req kmclient.SurveySessionRequest) (*kmclient.SurveySessionResult, error) {
	f.record("survey_s", int64(req.SessionID), req.SurveyContent, req)
	return &kmclient.SurveySessionResult{}, f.checkSession(req.SessionID, "POST /v1/surveySession")
}

func (f *fakeKM) SmartHint(ctx context.Context, req kmclient.SmartHintRequest) ([]kmclient.Question, error) {
	f.record("hint", int64(req.SessionID), req.Keyword, req)
	if err := f.checkSession(req.SessionID, "POST /v1/smartHint"); err != nil {
		return nil, err
	}
	return f.hints, nil
}

func (f *fakeKM) SwitchStaff(ctx context.Context, sid kmclient.ID) error {
	f.record("switch", int64(sid), "", nil)
	return nil
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a core wired to a recorder adapter named "test".
type env struct {
	core  *bridge.Core
	rec   *bridgetest.Recorder
	store *memstore.Store
	clock *fakeClock
	esc   *recEscalator
}

type recEscalator struct {
	mu  sync.Mutex
	got []bridge.Escalation
	err error
}

func (r *recEscalator) Escalate(ctx context.Context, e bridge.Escalation) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
	return r.err
}

func (r *recEscalator) Got() []bridge.Escalation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.Escalation(nil), r.got...)
}

type envOpt struct {
	cfg       func(*bridge.Config)
	escalator bridge.Escalator
	store     *memstore.Store
	adapter   bridge.Adapter
	clock     func() time.Time
}

func testConfig() bridge.Config {
	return bridge.Config{
		RobotID: 1, ChannelID: 2, ModelKey: "mk",
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour,
	}
}

func newEnv(t testing.TB, km bridge.KM, o envOpt) *env {
	t.Helper()
	cfg := testConfig()
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	st := o.store
	if st == nil {
		var err error
		st, err = memstore.Open(memstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
	}
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{rec: bridgetest.New("test"), store: st, clock: newFakeClock()}
	clock := o.clock
	if clock == nil {
		clock = e.clock.Now
	}
	deps := bridge.Deps{KM: km, Store: st, Catalog: cat, Clock: clock, Escalator: o.escalator}
	core, err := bridge.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	e.core = core
	if o.adapter != nil {
		core.Register(o.adapter)
	} else {
		core.Register(e.rec)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = core.Shutdown(ctx)
	})
	return e
}

var (
	ann   = bridge.UserInfo{ID: "1001", Name: "Ann", Email: "ann@example.com"}
	bob   = bridge.UserInfo{ID: "1002", Name: "Bob"}
	annDM = bridge.DMKey("test", "", "dm-ann", ann.ID)
	bobDM = bridge.DMKey("test", "", "dm-bob", bob.ID)
)

func msg(k bridge.ConvKey, u bridge.UserInfo, text string) bridge.Message {
	return bridge.Message{Key: k, User: u, Text: text}
}

func mustHandle(t testing.TB, c *bridge.Core, ev bridge.Event) {
	t.Helper()
	if err := c.Handle(context.Background(), ev); err != nil {
		t.Fatalf("Handle(%T): %v", ev, err)
	}
}

const wait = 10 * time.Second
