package bridge_test

// Integration tests: the core, the real kmclient and the KM simulator over HTTP on
// loopback.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const (
	qPassword = "How do I reset my password?" // rich, suggestions 1002/1003/1010, enableAppraise
	qVPNFlow  = "My VPN is not working"       // flow 201
)

type simEnv struct {
	*env
	sim *kmsim.Sim
	km  *kmclient.Client
}

// startSim serves a simulator on loopback and returns a client for it.
func startSim(t testing.TB, opts kmsim.Options) (*kmsim.Sim, *kmclient.Client) {
	t.Helper()
	if opts.MaxCalls == 0 {
		opts.MaxCalls = 100_000
	}
	sim := kmsim.New(kmsim.SampleKB(), opts)
	srv := httptest.NewServer(sim)
	tr := &http.Transport{MaxIdleConnsPerHost: 128}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	km, err := kmclient.New(kmclient.Config{
		BaseURL: srv.URL + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	return sim, km
}

func simConfig(c *bridge.Config) {
	c.RobotID, c.ChannelID, c.ModelKey = kmsim.SampleRobotID, kmsim.SampleChannelID, kmsim.SampleModelKey
}

func newSimEnv(t testing.TB, opts kmsim.Options, o envOpt) *simEnv {
	t.Helper()
	sim, km := startSim(t, opts)
	mod := o.cfg
	o.cfg = func(c *bridge.Config) {
		simConfig(c)
		if mod != nil {
			mod(c)
		}
	}
	return &simEnv{env: newEnv(t, km, o), sim: sim, km: km}
}

// action returns the stored action behind a token.
func (e *env) action(t testing.TB, tok string) bridge.StoredAction {
	t.Helper()
	sa, ok, err := e.store.Action(context.Background(), tok)
	if !ok || err != nil {
		t.Fatalf("token %q: %v %v", tok, ok, err)
	}
	return sa
}

// buttonOf returns the first button in conversation k, from its from-th message
// on, whose action is of kind.
func (e *env) buttonOf(t testing.TB, k bridge.ConvKey, from int, kind formatting.ActionKind) (formatting.Button, bridge.StoredAction) {
	t.Helper()
	for _, s := range e.rec.SentTo(k)[from:] {
		for _, b := range bridgetest.Buttons(s.Msg) {
			if b.Token == "" {
				continue
			}
			if sa := e.action(t, b.Token); sa.Action.Kind == kind {
				return b, sa
			}
		}
	}
	t.Fatalf("no %s button in %q", kind, bridgetest.Texts(e.rec.SentTo(k)))
	return formatting.Button{}, bridge.StoredAction{}
}

func TestSimFirstContactAndQuestion(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[0].Text(), "Example Corp helpdesk bot") {
		t.Errorf("first message is not the welcome: %q", got[0].Text())
	}
	if !strings.Contains(got[1].Text(), "Reset your password") {
		t.Errorf("answer = %q", got[1].Text())
	}
	inits := e.sim.CallsTo("POST /v1/initClient")
	if len(inits) != 1 {
		t.Fatalf("initClient calls = %d", len(inits))
	}
	in := inits[0]
	cust, _ := in.Body["customer"].(map[string]any)
	if in.Int("platform") != 5 || in.Int("robotId") != kmsim.SampleRobotID || in.Str("modelKey") != kmsim.SampleModelKey ||
		cust["customer_token"] != "test:"+ann.ID || cust["src"] != "test" || cust["nickname"] != "Ann" || cust["email"] != ann.Email || fmt.Sprint(cust["id"]) != ann.ID {
		t.Errorf("initClient body = %v", in.Body)
	}
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	got = e.rec.WaitSent(t, annDM, 3, wait)
	if !strings.Contains(got[2].Text(), "ExampleGuest") {
		t.Errorf("second answer = %q", got[2].Text())
	}
	if n := len(e.sim.CallsTo("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d after two questions", n)
	}
}

func TestSimSuggestedQuestionClick(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, e.rec, annDM, "How do I set up multi-factor authentication?")
	sa := e.action(t, tok)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok})
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if !strings.Contains(got[2].Text(), "Multi-factor authentication") {
		t.Errorf("hit answer = %q", got[2].Text())
	}
	hits := e.sim.CallsTo("POST /v1/hit")
	chats := e.sim.CallsTo("POST /v1/chat")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d", len(hits))
	}
	h := hits[0]
	if h.Int("queryType") != 7 || h.Int("questionId") != 1002 || h.Int("logId") == 0 || h.Int("logId") != sa.Action.LogID ||
		h.Int("sessionId") != chats[0].Int("sessionId") {
		t.Errorf("hit body = %v (button logId %d)", h.Body, sa.Action.LogID)
	}
}

func TestSimFlowClick(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qVPNFlow))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[1].Text(), "VPN") {
		t.Errorf("flow answer = %q", got[1].Text())
	}
	b, sa := e.buttonOf(t, annDM, 1, formatting.ActFlow)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: b.Token})
	got = e.rec.WaitSent(t, annDM, 3, wait)
	flows := e.sim.CallsTo("POST /v1/flow")
	if len(flows) != 1 {
		t.Fatalf("flow calls = %d", len(flows))
	}
	f := flows[0]
	if f.Int("flowId") != sa.Action.FlowID || f.Int("flowId") == 0 || f.Int("logId") != sa.Action.LogID || f.Int("logId") == 0 {
		t.Errorf("flow body = %v, action %+v", f.Body, sa.Action)
	}
	if got[2].Text() == "" || strings.HasPrefix(got[2].Text(), "Sorry") {
		t.Errorf("flow step = %q", got[2].Text())
	}
	// A question inside the flow is a hit of queryType 8.
	qb, qa := e.buttonOf(t, annDM, 1, formatting.ActHit)
	if qa.Action.QueryType != kmclient.QueryInFlow {
		t.Errorf("question in a flow has queryType %d", qa.Action.QueryType)
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: qb.Token})
	e.rec.WaitSent(t, annDM, 4, wait)
	if hits := e.sim.CallsTo("POST /v1/hit"); len(hits) != 1 || hits[0].Int("queryType") != 8 {
		t.Errorf("in-flow question hits = %v", hits)
	}
}

func TestSimRateTwice(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait)
	up := clickable(t, e.rec, annDM, en.T("formatting.rate_up"))
	down := clickable(t, e.rec, annDM, en.T("formatting.rate_down"))
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: up})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: down})
	got := e.rec.WaitSent(t, annDM, 4, wait)
	if got[2].Text() != en.T("bridge.rated_thanks") || got[3].Text() != en.T("bridge.already_rated") {
		t.Errorf("replies %q", bridgetest.Texts(got[2:]))
	}
	calls := e.sim.CallsTo("POST /v1/surveyQuestion")
	if len(calls) != 1 || calls[0].Code != 200 || calls[0].Int("questionSurveyOptionId") != 1 {
		t.Errorf("surveyQuestion calls = %+v", calls)
	}
}

func TestSimRefusedClicks(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, e.rec, annDM, "How do I set up multi-factor authentication?")
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: bob, Token: tok})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: "expired-or-never-issued"})
	got := e.rec.WaitSent(t, annDM, 4, wait)
	if got[2].Text() != en.T("bridge.foreign_click") || got[3].Text() != en.T("bridge.expired_button") {
		t.Errorf("replies %q", bridgetest.Texts(got[2:]))
	}
	if n := len(e.sim.CallsTo("POST /v1/hit")); n != 0 {
		t.Errorf("hit calls = %d for refused clicks", n)
	}
}

func TestSimExpiredButton(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{cfg: func(c *bridge.Config) { c.ActionTTL = 50 * time.Millisecond }})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, e.rec, annDM, "How do I set up multi-factor authentication?")
	bridgetest.Eventually(t, wait, func() error {
		if _, ok, _ := e.store.Action(context.Background(), tok); ok {
			return errors.New("action still live")
		}
		return nil
	})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok})
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if got[2].Text() != en.T("bridge.expired_button") || len(e.sim.CallsTo("POST /v1/hit")) != 0 {
		t.Errorf("reply %q, hits %d", got[2].Text(), len(e.sim.CallsTo("POST /v1/hit")))
	}
	if res := e.rec.WaitClicks(t, 1, wait); res[0].Status != bridge.ClickExpired {
		t.Errorf("status %s", res[0].Status)
	}
}

func TestSimSessionExpiryRecovered(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait)
	e.sim.ExpireAll()
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if !strings.Contains(got[2].Text(), "ExampleGuest") {
		t.Errorf("after expiry: %q", got[2].Text())
	}
	if n := len(e.sim.CallsTo("POST /v1/initClient")); n != 2 {
		t.Errorf("initClient calls = %d, want 2", n)
	}
	if n := len(e.rec.SentTo(annDM)); n != 3 {
		t.Errorf("messages %q: a second welcome?", bridgetest.Texts(e.rec.SentTo(annDM)))
	}
	chats := e.sim.CallsTo("POST /v1/chat")
	if len(chats) != 3 || chats[1].Code != 400 || chats[2].Code != 200 {
		t.Errorf("chat calls: %d (want the expired one then the retry)", len(chats))
	}
}

func TestSimKMDownAndBack(t *testing.T) {
	const timeout = 2 * time.Second
	e := newSimEnv(t, kmsim.Options{}, envOpt{cfg: func(c *bridge.Config) { c.KMTimeout = timeout }})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait)
	for _, fault := range []string{"down", "500", "html", "slow"} {
		t.Run(fault, func(t *testing.T) {
			switch fault {
			case "down":
				e.sim.SetDown(true)
			case "500":
				e.sim.SetErrorRate(1, 500, 0)
			case "html":
				e.sim.SetMalformed(1, kmsim.MalformedHTML)
			case "slow":
				e.sim.SetLatency(timeout+time.Second, 0)
			}
			n := len(e.rec.SentTo(annDM))
			start := time.Now()
			mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
			got := e.rec.WaitSent(t, annDM, n+1, wait)
			took := time.Since(start)
			want := map[string]string{"down": "bridge.km_unavailable", "500": "bridge.km_unavailable",
				"html": "bridge.km_malformed", "slow": "bridge.km_timeout"}[fault]
			if got[n].Text() != en.T(i18n.MsgID(want)) {
				t.Errorf("reply %q, want %s", got[n].Text(), want)
			}
			if took > timeout+time.Second {
				t.Errorf("apology after %s; KM timeout is %s", took, timeout)
			}
			e.sim.SetFaults(kmsim.Faults{})
			mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
			got = e.rec.WaitSent(t, annDM, n+2, wait)
			if !strings.Contains(got[n+1].Text(), "ExampleGuest") {
				t.Errorf("after KM came back: %q", got[n+1].Text())
			}
		})
	}
}

func TestSimManyConversationsInOrder(t *testing.T) {
	convs := 1000
	if testing.Short() {
		convs = 100
	}
	questions := []struct{ q, a string }{
		{"What is the Wi-Fi password?", "ExampleGuest"},
		{"When is payday?", "last working day"},
		{"What are the office hours?", "07:00–20:00"},
	}
	e := newSimEnv(t, kmsim.Options{MaxSessions: 2 * convs, MaxCalls: 10 * convs}, envOpt{cfg: func(c *bridge.Config) {
		c.Workers = 32
		c.QueueSize = len(questions)
	}})
	keys := make([]bridge.ConvKey, convs)
	var wg sync.WaitGroup
	for i := range convs {
		keys[i] = bridge.DMKey("test", "", fmt.Sprint("c", i), fmt.Sprint(10_000+i))
		u := bridge.UserInfo{ID: fmt.Sprint(10_000 + i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range questions {
				mustHandle(t, e.core, msg(keys[i], u, questions[(i+j)%len(questions)].q))
			}
		}()
	}
	wg.Wait()
	for i, k := range keys {
		// Generous: 4,000 KM round trips under -race on a busy 2-core CI machine.
		got := e.rec.WaitSent(t, k, 1+len(questions), 180*time.Second)
		for j := range questions {
			if want := questions[(i+j)%len(questions)].a; !strings.Contains(got[1+j].Text(), want) {
				t.Fatalf("conversation %d, answer %d = %q, want one containing %q", i, j, got[1+j].Text(), want)
			}
		}
	}
	// KM saw each session's questions in order too.
	bySession := map[int64][]string{}
	for _, c := range e.sim.CallsTo("POST /v1/chat") {
		bySession[c.Int("sessionId")] = append(bySession[c.Int("sessionId")], c.Str("queryContent"))
	}
	if len(bySession) != convs {
		t.Fatalf("%d sessions chatted, want %d", len(bySession), convs)
	}
	for sid, qs := range bySession {
		start := -1
		for j, q := range questions {
			if q.q == qs[0] {
				start = j
			}
		}
		for j, q := range qs {
			if want := questions[(start+j)%len(questions)].q; q != want {
				t.Fatalf("session %d: question %d = %q, want %q", sid, j, q, want)
			}
		}
	}
}

// gateKM holds chat calls until released: a KM wrapper, as the KM interface allows.
type gateKM struct {
	bridge.KM
	entered chan string
	release chan struct{}
}

func (g *gateKM) Chat(ctx context.Context, req kmclient.ChatRequest) (*kmclient.Answer, error) {
	g.entered <- req.QueryContent
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.KM.Chat(ctx, req)
}

func TestSimQueueFullBusy(t *testing.T) {
	sim, km := startSim(t, kmsim.Options{})
	g := &gateKM{KM: km, entered: make(chan string, 10), release: make(chan struct{})}
	e := newEnv(t, g, envOpt{cfg: func(c *bridge.Config) { simConfig(c); c.QueueSize = 2 }})
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	<-g.entered
	mustHandle(t, e.core, msg(annDM, ann, "When is payday?"))
	mustHandle(t, e.core, msg(annDM, ann, "What are the office hours?"))
	err := e.core.Handle(context.Background(), msg(annDM, ann, "Book a meeting room"))
	if !errors.Is(err, bridge.ErrBusy) {
		t.Fatalf("Handle = %v, want ErrBusy", err)
	}
	bridgetest.Eventually(t, wait, func() error {
		for _, s := range e.rec.SentTo(annDM) {
			if s.Text() == en.T("bridge.busy") {
				return nil
			}
		}
		return errors.New("no busy reply yet")
	})
	close(g.release)
	got := e.rec.WaitSent(t, annDM, 5, wait) // welcome, busy, three answers
	if n := len(sim.CallsTo("POST /v1/chat")); n != 3 {
		t.Errorf("chat calls = %d, want 3 (the refused one never reaches KM)", n)
	}
	if !strings.Contains(got[len(got)-1].Text(), "07:00–20:00") {
		t.Errorf("last answer = %q", got[len(got)-1].Text())
	}
}

func TestSimRestartKeepsSessionsAndButtons(t *testing.T) {
	sim, km := startSim(t, kmsim.Options{})
	path := filepath.Join(t.TempDir(), "bridge.snapshot")
	st1, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	e1 := newEnv(t, km, envOpt{store: st1, cfg: simConfig})
	mustHandle(t, e1.core, msg(annDM, ann, qPassword))
	e1.rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, e1.rec, annDM, "How do I set up multi-factor authentication?")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e1.core.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	st2, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, km, envOpt{store: st2, cfg: simConfig})
	mustHandle(t, e2.core, bridge.Click{Key: annDM, User: ann, Token: tok})
	got := e2.rec.WaitSent(t, annDM, 1, wait)
	if !strings.Contains(got[0].Text(), "Multi-factor authentication") {
		t.Errorf("old button after restart: %q", got[0].Text())
	}
	mustHandle(t, e2.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	got = e2.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[1].Text(), "ExampleGuest") {
		t.Errorf("question after restart: %q", got[1].Text())
	}
	if n := len(sim.CallsTo("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want 1: the session should survive the restart", n)
	}
	if h := sim.CallsTo("POST /v1/hit"); len(h) != 1 || h[0].Code != 200 || h[0].Int("logId") == 0 {
		t.Errorf("hit after restart = %+v", h)
	}
}

func TestSimStreamingWithEditor(t *testing.T) {
	sim, km := startSim(t, kmsim.Options{})
	sim.SetStreamDelay(time.Millisecond)
	clock := &autoClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 400 * time.Millisecond}
	rec := bridgetest.New("test")
	rec.Stamp = clock.Peek
	e := newEnv(t, km, envOpt{adapter: rec, clock: clock.Now, cfg: func(c *bridge.Config) { simConfig(c); c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	var edits []bridgetest.Edited
	bridgetest.Eventually(t, wait, func() error {
		edits = rec.Edits()
		if len(edits) == 0 || !strings.Contains(edits[len(edits)-1].Text(), "["+en.T("formatting.rate_up")+"]") {
			return fmt.Errorf("no final edit yet (%d edits)", len(edits))
		}
		return nil
	})
	sent := rec.SentTo(annDM)
	if len(sent) != 2 {
		t.Fatalf("sent %q: want the welcome and the first text", bridgetest.Texts(sent))
	}
	last := sent[1].At
	for i, ed := range edits[:len(edits)-1] {
		if gap := ed.At.Sub(last); gap < time.Second {
			t.Errorf("edit %d came %s after the previous; want ≥ 1s", i, gap)
		}
		last = ed.At
	}
	final := edits[len(edits)-1]
	if !strings.Contains(final.Text(), "Reset your password") || final.Ref != sent[1].Ref {
		t.Errorf("final edit = %q on %v", final.Text(), final.Ref)
	}
	if n := len(sim.CallsTo("POST /v2/newChat")); n != 1 {
		t.Errorf("newChat calls = %d", n)
	}
}

func TestSimSilentAnswer(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "ok"))
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[1].Text(), "ExampleGuest") {
		t.Errorf("silent answer sent something: %q", bridgetest.Texts(got))
	}
	if chats := e.sim.CallsTo("POST /v1/chat"); len(chats) != 2 {
		t.Errorf("chat calls = %d", len(chats))
	}
}

func TestSimQuotaExceeded(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	e.sim.SetQuota(1000, 1000)
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if !strings.Contains(got[1].Text(), en.T("bridge.quota_exceeded")) {
		t.Errorf("got %q, want the quota notice", bridgetest.Texts(got))
	}
}

func TestSimEscalation(t *testing.T) {
	esc := &recEscalator{}
	e := newSimEnv(t, kmsim.Options{}, envOpt{escalator: esc})
	mustHandle(t, e.core, msg(annDM, ann, "I want to report harassment")) // switchStaffType 2
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if got[2].Text() != en.T("bridge.escalating") {
		t.Errorf("got %q", bridgetest.Texts(got))
	}
	es := esc.Got()
	if len(es) != 1 || es[0].Reason != bridge.ReasonSwitchStaff || len(es[0].Transcript) < 2 || es[0].SessionID == 0 {
		t.Fatalf("escalations = %+v", es)
	}
	// switchStaff is told to KM after the user has been told: wait for it.
	bridgetest.Eventually(t, wait, func() error {
		sw := e.sim.CallsTo("PUT /v1/sessions/:id/switchStaff")
		if len(sw) != 1 || !strings.Contains(sw[0].Path, fmt.Sprint(es[0].SessionID)) {
			return fmt.Errorf("switchStaff calls = %+v", sw)
		}
		return nil
	})
	// "talk to a human" is ansType 21.
	mustHandle(t, e.core, msg(annDM, ann, "talk to a human"))
	bridgetest.Eventually(t, wait, func() error {
		if len(esc.Got()) < 2 {
			return errors.New("no second escalation")
		}
		return nil
	})
	if r := esc.Got()[1].Reason; r != bridge.ReasonKMTransfer {
		t.Errorf("reason %q", r)
	}
}

func TestSimJapanese(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{cfg: func(c *bridge.Config) { c.KMTimeout = 2 * time.Second }})
	u := ann
	u.Locale = "ja"
	cat, _ := i18n.New("en", nil)
	ja := cat.Printer("ja")
	mustHandle(t, e.core, msg(annDM, u, "パスワードを忘れました"))
	e.rec.WaitSent(t, annDM, 2, wait)
	if _, ok := bridgetest.Button(e.rec.SentTo(annDM), ja.T("formatting.rate_up")); !ok || ja.T("formatting.rate_up") == en.T("formatting.rate_up") {
		var labels []string
		for _, b := range bridgetest.Buttons(e.rec.SentTo(annDM)[1].Msg) {
			labels = append(labels, b.Label)
		}
		t.Errorf("no Japanese rating button %q in %q", ja.T("formatting.rate_up"), labels)
	}
	e.sim.SetDown(true)
	mustHandle(t, e.core, msg(annDM, u, "Wi-Fiのパスワードを教えてください"))
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if got[2].Text() != ja.T("bridge.km_unavailable") {
		t.Errorf("apology %q, want %q", got[2].Text(), ja.T("bridge.km_unavailable"))
	}
	e.sim.SetDown(false)
}

func TestSimOtherClicks(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	ctx := context.Background()

	// Paging a product list.
	mustHandle(t, e.core, msg(annDM, ann, "What laptops can I order?"))
	e.rec.WaitSent(t, annDM, 2, wait)
	pb, _ := e.buttonOf(t, annDM, 1, formatting.ActPage)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: pb.Token})
	got := e.rec.WaitSent(t, annDM, 3, wait)
	if got[2].Text() == got[1].Text() || len(e.sim.Calls()) != 2 {
		t.Errorf("page 2 = %q (KM calls %d: paging is local)", got[2].Text(), len(e.sim.Calls()))
	}

	// A custom card that sends text asks it as a question.
	mustHandle(t, e.core, msg(annDM, ann, "Show the IT service catalogue"))
	e.rec.WaitSent(t, annDM, 4, wait)
	sb, sa := e.buttonOf(t, annDM, 3, formatting.ActSendText)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: sb.Token})
	got = e.rec.WaitSent(t, annDM, 5, wait)
	chats := e.sim.CallsTo("POST /v1/chat")
	if last := chats[len(chats)-1]; last.Str("queryContent") != sa.Action.Text || !strings.Contains(got[4].Text(), "GlobalProtect") {
		t.Errorf("send-text click asked %q, got %q", last.Str("queryContent"), got[4].Text())
	}

	// "Talk to a human" offer (switchStaffType 1), with no agent channel.
	mustHandle(t, e.core, msg(annDM, ann, "My laptop was stolen"))
	e.rec.WaitSent(t, annDM, 6, wait)
	hb, _ := e.buttonOf(t, annDM, 5, formatting.ActEscalate)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: hb.Token})
	got = e.rec.WaitSent(t, annDM, 7, wait)
	if got[6].Text() != en.T("bridge.no_agents") {
		t.Errorf("escalate click: %q", got[6].Text())
	}

	// Session rating and command buttons (adapters may offer them).
	sess, _, _ := e.store.Session(ctx, annDM)
	for tok, a := range map[string]formatting.Action{
		"rate-session-token-000": {Kind: formatting.ActRateSession, Option: kmclient.SessionUnsatisfied, Text: "meh"},
		"command-token-00000000": {Kind: formatting.ActCommand, Command: "help"},
	} {
		_ = e.store.PutAction(ctx, tok, bridge.StoredAction{Action: a, Key: annDM, Owner: ann.ID, SessionID: sess.ID}, time.Hour)
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: "rate-session-token-000"})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: "command-token-00000000"})
	got = e.rec.WaitSent(t, annDM, 10, wait)
	texts := bridgetest.Texts(got[7:])
	if texts[0] != en.T("bridge.session_rated_thanks") || !strings.Contains(texts[1], "agent") || texts[2] != en.T("bridge.help", "/") {
		t.Errorf("replies %q", texts)
	}
	ss := e.sim.CallsTo("POST /v1/surveySession")
	if len(ss) != 1 || ss[0].Int("sessionSurveyOptionId") != 4 || ss[0].Str("surveyContent") != "meh" || ss[0].Int("sessionId") != sess.ID {
		t.Errorf("surveySession = %+v", ss)
	}
	tr, _ := e.store.Transcript(ctx, annDM)
	var clicks int
	for _, x := range tr {
		if x.Role == bridge.RoleClick {
			clicks++
		}
	}
	if clicks != 5 {
		t.Errorf("%d clicks in the transcript, want 5: %+v", clicks, tr)
	}
}

// A conversation keeps the buttons of its last Config.ButtonGroups messages:
// a button of an older answer gets the polite "expired" reply, and the store
// holds a bounded number of actions however long the conversation goes on.
func TestSimButtonBeyondTheBound(t *testing.T) {
	const groups = 3
	e := newSimEnv(t, kmsim.Options{}, envOpt{cfg: func(c *bridge.Config) { c.ButtonGroups = groups }})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	e.rec.WaitSent(t, annDM, 2, wait) // the welcome and the answer
	old := clickable(t, e.rec, annDM, "How do I set up multi-factor authentication?")
	var stored []int
	for i := range groups + 3 {
		mustHandle(t, e.core, msg(annDM, ann, qPassword))
		e.rec.WaitSent(t, annDM, 3+i, wait)
		_, n, _, _, _ := e.store.Len()
		stored = append(stored, n)
	}
	if stored[len(stored)-1] != stored[groups-1] {
		t.Errorf("actions stored after each answer %v: not bounded once %d answers keep buttons", stored, groups)
	}
	sent := e.rec.SentTo(annDM)
	newest, ok := bridgetest.Button(sent[len(sent)-1:], "How do I set up multi-factor authentication?")
	if !ok {
		t.Fatal("the newest answer has no suggestion")
	}
	if _, ok, _ := e.store.Action(context.Background(), newest.Token); !ok {
		t.Fatal("the newest answer's button is not stored")
	}
	n := len(sent)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: old})
	got := e.rec.WaitSent(t, annDM, n+1, wait)
	if got[n].Text() != en.T("bridge.expired_button") || len(e.sim.CallsTo("POST /v1/hit")) != 0 {
		t.Errorf("reply %q, hits %d", got[n].Text(), len(e.sim.CallsTo("POST /v1/hit")))
	}
	if res := e.rec.WaitClicks(t, 1, wait); res[0].Status != bridge.ClickExpired {
		t.Errorf("status %s", res[0].Status)
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: newest.Token})
	if res := e.rec.WaitClicks(t, 2, wait); res[1].Status != bridge.ClickDone {
		t.Errorf("the newest answer's button: status %s", res[1].Status)
	}
}
