package bridge_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// ttlStore records the lifetime of every stored button group and shared
// action, and can fail storing them.
type ttlStore struct {
	bridge.Store
	mu     sync.Mutex
	groups map[uint64]time.Duration
	shared map[bridge.SharedID]time.Duration
	fail   error
}

func (s *ttlStore) PutButtons(ctx context.Context, ring bridge.RingID, name string, g bridge.ButtonGroup, keep int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.groups[g.ID] = time.Until(g.Expires).Round(time.Minute)
	return s.Store.PutButtons(ctx, ring, name, g, keep)
}

func (s *ttlStore) PutShared(ctx context.Context, id bridge.SharedID, sa bridge.StoredAction, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.shared[id] = ttl
	return s.Store.PutShared(ctx, id, sa, ttl)
}

// ttl is the lifetime tok's action was stored with; 0 when it was not.
func (s *ttlStore) ttl(tok string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	ref, ok := bridge.ParseToken(tok)
	switch {
	case !ok:
		return 0
	case ref.Shared:
		return s.shared[ref.ID]
	}
	return s.groups[ref.Group]
}

// newTTLEnv is a core on a ttlStore, with a recorder adapter.
func newTTLEnv(t *testing.T, km bridge.KM) (*bridge.Core, *ttlStore, *bridgetest.Recorder) {
	t.Helper()
	ms, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	st := &ttlStore{Store: ms, groups: map[uint64]time.Duration{}, shared: map[bridge.SharedID]time.Duration{}}
	cfg := testConfig()
	cfg.ActionTTL, cfg.SuggestTTL = 48*time.Hour, 7*time.Minute
	core, err := bridge.New(cfg, bridge.Deps{KM: km, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	rec := bridgetest.New("test")
	core.Register(rec)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		_ = core.Shutdown(ctx)
	})
	return core, st, rec
}

func TestTokensMintedButtonIsAnOrdinaryClick(t *testing.T) {
	km := newFakeKM()
	core, st, rec := newTTLEnv(t, km)
	ctx := context.Background()

	tokens, save := core.Tokens(annDM, ann.ID)
	m := formatting.Questions("Popular", []kmclient.Question{{ID: 21, Content: "Where is my order?"}}, kmclient.QueryFAQ, formatting.Options{Tokens: tokens})
	bs := bridgetest.Buttons(m)
	if len(bs) != 1 || len(bs[0].Token) != 22 {
		t.Fatalf("buttons %+v", bs)
	}
	tok := bs[0].Token
	if _, ok, _ := st.Action(ctx, tok); ok {
		t.Fatal("action stored before save")
	}
	if err := save(ctx); err != nil {
		t.Fatal(err)
	}
	if got := st.ttl(tok); got != 48*time.Hour {
		t.Errorf("stored for %s, want Config.ActionTTL", got)
	}
	sa, ok, err := st.Action(ctx, tok)
	if !ok || err != nil || sa.Key != annDM || sa.Owner != ann.ID || sa.SessionID != 0 || sa.Action.Kind != formatting.ActHit {
		t.Fatalf("stored action %+v %v %v", sa, ok, err)
	}

	// Bob's click and a click from another conversation are refused; Ann's is an FAQ hit.
	other := bridge.DMKey("test", "", "elsewhere", ann.ID)
	mustHandle(t, core, bridge.Click{Key: annDM, User: bob, Token: tok})
	mustHandle(t, core, bridge.Click{Key: other, User: ann, Token: tok})
	mustHandle(t, core, bridge.Click{Key: annDM, User: ann, Token: tok})
	status := map[string]bridge.ClickStatus{} // two conversations: no order between them
	for _, r := range rec.WaitClicks(t, 3, wait) {
		status[r.Click.Key.String()+"/"+r.Click.User.ID] = r.Status
	}
	want := map[string]bridge.ClickStatus{
		annDM.String() + "/" + bob.ID: bridge.ClickForeign,
		other.String() + "/" + ann.ID: bridge.ClickForeign,
		annDM.String() + "/" + ann.ID: bridge.ClickDone,
	}
	for k, w := range want {
		if status[k] != w {
			t.Errorf("click %s: %s, want %s", k, status[k], w)
		}
	}
	hits := km.Calls("hit")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d", len(hits))
	}
	if r := hits[0].Req.(kmclient.HitRequest); r.QueryType != kmclient.QueryFAQ || r.QuestionID != 21 || r.QuestionContent != "Where is my order?" {
		t.Errorf("hit = %+v", r)
	}
	got := rec.WaitSent(t, annDM, 3, wait) // foreign-click notice, welcome, answer
	if got[2].Text() != "A: Where is my order?" {
		t.Errorf("replies %q", bridgetest.Texts(got))
	}
}

func TestSuggestionTokensAskTheText(t *testing.T) {
	km := newFakeKM()
	core, st, rec := newTTLEnv(t, km)
	tokens, save := core.SuggestionTokens(annDM, ann.ID)
	tok := tokens(formatting.Action{Kind: formatting.ActSendText, Text: "refund", Label: "refund"})
	if err := save(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := st.ttl(tok); got != 7*time.Minute {
		t.Errorf("stored for %s, want Config.SuggestTTL", got)
	}
	mustHandle(t, core, bridge.Click{Key: annDM, User: ann, Token: tok})
	rec.WaitSent(t, annDM, 2, wait)
	if cs := km.Calls("chat"); len(cs) != 1 || cs[0].Text != "refund" {
		t.Errorf("chat calls %+v", cs)
	}
}

func TestTokensUnsavedOrFailedSaveIsExpired(t *testing.T) {
	km := newFakeKM()
	core, st, rec := newTTLEnv(t, km)
	tokens, _ := core.Tokens(annDM, ann.ID)
	unsaved := tokens(formatting.Action{Kind: formatting.ActSendText, Text: "x"})

	tokens, save := core.Tokens(annDM, ann.ID)
	failed := tokens(formatting.Action{Kind: formatting.ActSendText, Text: "y"})
	boom := errors.New("disk full")
	st.mu.Lock()
	st.fail = boom
	st.mu.Unlock()
	if err := save(context.Background()); !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "bridge: ") {
		t.Fatalf("save = %v, want the store's error wrapped", err)
	}
	st.mu.Lock()
	st.fail = nil
	st.mu.Unlock()
	// A failed save forgets its actions: saving again stores nothing.
	if err := save(context.Background()); err != nil || st.ttl(failed) != 0 {
		t.Fatalf("second save: %v, ttl %s", err, st.ttl(failed))
	}
	mustHandle(t, core, bridge.Click{Key: annDM, User: ann, Token: unsaved})
	mustHandle(t, core, bridge.Click{Key: annDM, User: ann, Token: failed})
	res := rec.WaitClicks(t, 2, wait)
	if res[0].Status != bridge.ClickExpired || res[1].Status != bridge.ClickExpired || len(km.Calls("chat")) != 0 {
		t.Errorf("statuses %s %s, chats %d", res[0].Status, res[1].Status, len(km.Calls("chat")))
	}
}

func TestTokensConcurrentMinting(t *testing.T) {
	core, st, _ := newTTLEnv(t, newFakeKM())
	tokens, save := core.Tokens(annDM, "")
	var wg sync.WaitGroup
	toks := make([]string, 8)
	for i := range toks {
		wg.Go(func() { toks[i] = tokens(formatting.Action{Kind: formatting.ActCommand, Command: "faq"}) })
	}
	wg.Wait()
	if err := save(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tok := range toks {
		sa, ok, err := st.Action(context.Background(), tok)
		if !ok || err != nil || sa.Owner != "" || seen[tok] {
			t.Errorf("token %q: %+v %v %v (dup %v)", tok, sa, ok, err, seen[tok])
		}
		seen[tok] = true
	}
}

// flakyKM fails the list calls while fail is set.
type flakyKM struct {
	*fakeKM
	mu   sync.Mutex
	fail bool
}

func (f *flakyKM) failing() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail
}

func (f *flakyKM) CommonQuestions(ctx context.Context, req kmclient.CommonQuestionsRequest) ([]kmclient.QuestionCategory, error) {
	if f.failing() {
		f.record("common", 0, "", req)
		return nil, &kmclient.APIError{Endpoint: "POST /v1/chat/commonQuestions", HTTPStatus: 503, Message: "down"}
	}
	return f.fakeKM.CommonQuestions(ctx, req)
}

func (f *flakyKM) HotQuestions(ctx context.Context, req kmclient.HotQuestionsRequest) ([]kmclient.Question, error) {
	if f.failing() {
		f.record("hot", 0, "", req)
		return nil, &kmclient.APIError{Endpoint: "POST /v1/chat/hotQuestions", HTTPStatus: 503, Message: "down"}
	}
	return f.fakeKM.HotQuestions(ctx, req)
}

func TestListsCachedAndSharedWithCommands(t *testing.T) {
	fk := newFakeKM()
	fk.cats = []kmclient.QuestionCategory{{ID: 1, Name: "Billing", QuestionList: []kmclient.Question{{ID: 11, Content: "How do I pay?"}}}}
	fk.hot = []kmclient.Question{{ID: 21, Content: "Where is my order?"}}
	km := &flakyKM{fakeKM: fk, fail: true}
	e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.HotDays, c.HotCount = 7, 3 }})
	ctx := context.Background()

	// A failure is returned, wrapped, and not cached.
	if _, err := e.core.FAQ(ctx); err == nil || !strings.HasPrefix(err.Error(), "bridge: faq: ") {
		t.Fatalf("FAQ while KM is down: %v", err)
	}
	if _, err := e.core.Hot(ctx); err == nil || !strings.HasPrefix(err.Error(), "bridge: hot: ") {
		t.Fatalf("Hot while KM is down: %v", err)
	}
	km.mu.Lock()
	km.fail = false
	km.mu.Unlock()

	for range 2 {
		cats, err := e.core.FAQ(ctx)
		if err != nil || len(cats) != 1 || cats[0].Name != "Billing" {
			t.Fatalf("FAQ = %+v, %v", cats, err)
		}
		hot, err := e.core.Hot(ctx)
		if err != nil || len(hot) != 1 || hot[0].ID != 21 {
			t.Fatalf("Hot = %+v, %v", hot, err)
		}
	}
	// The faq and hot commands read the same cache.
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "faq"})
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "hot"})
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[0].Text(), "How do I pay?") || !strings.Contains(got[1].Text(), "Where is my order?") {
		t.Errorf("faq/hot = %q", bridgetest.Texts(got))
	}
	if n, m := len(fk.Calls("common")), len(fk.Calls("hot")); n != 2 || m != 2 {
		t.Errorf("commonQuestions %d, hotQuestions %d calls: want 2 each (one failed, one cached)", n, m)
	}
	c := fk.Calls("common")[1].Req.(kmclient.CommonQuestionsRequest)
	h := fk.Calls("hot")[1].Req.(kmclient.HotQuestionsRequest)
	if c.RobotID != 1 || c.ChannelID != 2 || c.ModelKey != "mk" || h.LimitDayNum != 7 || h.LimitResultNum != 3 || h.RobotID != 1 {
		t.Errorf("requests %+v / %+v", c, h)
	}
}

// An adapter's home screen, end to end against the simulator: the FAQ list from
// the core, its buttons minted with Tokens, a click answered by KM's hit.
func TestSimHomeScreenButtons(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	ctx := context.Background()
	cats, err := e.core.FAQ(ctx)
	if err != nil || len(cats) == 0 {
		t.Fatalf("FAQ = %+v, %v", cats, err)
	}
	if _, err := e.core.FAQ(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.sim.CallsTo("POST /v1/chat/commonQuestions")); n != 1 {
		t.Errorf("commonQuestions calls = %d, want 1", n)
	}
	tokens, save := e.core.Tokens(annDM, ann.ID)
	m := formatting.Categories("FAQ", cats, formatting.Options{Tokens: tokens})
	if err := save(ctx); err != nil {
		t.Fatal(err)
	}
	var tok string
	for _, b := range bridgetest.Buttons(m) {
		if b.Label == qPassword {
			tok = b.Token
		}
	}
	if tok == "" {
		t.Fatalf("no %q button in %+v", qPassword, bridgetest.Buttons(m))
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok})
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[1].Text(), "Reset your password") {
		t.Errorf("answer %q", bridgetest.Texts(got))
	}
	hits := e.sim.CallsTo("POST /v1/hit")
	if len(hits) != 1 || hits[0].Int("queryType") != kmclient.QueryFAQ || hits[0].Int("questionId") == 0 {
		t.Errorf("hit calls %+v", hits)
	}
}

// A hand-over case's buttons live in a ring of their case: however many
// messages with buttons the agents' channel gets, the case's card stays
// clickable; the channel's own buttons are bounded as any conversation's.
func TestCaseButtonsOutliveABusyChannel(t *testing.T) {
	core, st, _ := newTTLEnv(t, newFakeKM())
	ctx := context.Background()
	desk := bridge.ConvKey{Platform: "test", Workspace: "T1", Channel: "CDESK"}
	tokens, save := core.Mint(desk, "", bridge.LifeButton)
	claim := tokens(formatting.Action{Kind: formatting.ActCaseClaim, Case: "42", Label: "Claim"})
	robot := tokens(formatting.Action{Kind: formatting.ActCaseRobot, Case: "42", Label: "Back to the robot"})
	first := tokens(formatting.Action{Kind: formatting.ActSendText, Text: "hello"})
	if err := save(ctx); err != nil {
		t.Fatal(err)
	}
	var last string
	for i := range bridge.DefaultConfig().ButtonGroups + 20 {
		tokens, save := core.Mint(desk, "", bridge.LifeButton)
		last = tokens(formatting.Action{Kind: formatting.ActSendText, Text: strings.Repeat("x", i+1)})
		if err := save(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []string{claim, robot, last} {
		sa, ok, err := st.Action(ctx, tok)
		if err != nil || !ok || sa.Key != desk {
			t.Errorf("token %s after a busy channel: %+v %v %v", tok, sa, ok, err)
		}
	}
	if _, ok, _ := st.Action(ctx, first); ok {
		t.Error("the channel's oldest message buttons are still stored: its ring is not bounded")
	}
	if ref, _ := bridge.ParseToken(claim); ref.Ring != bridge.RingOf("case|42") || ref.Lane != bridge.LaneCase {
		t.Errorf("a case button's token names ring %x lane %d, want the case's", ref.Ring, ref.Lane)
	}
}
