package escalation_test

// The hand-over's test world: the real bridge core, the real kmclient and the
// KM simulator over HTTP on loopback, the Desk, and recording adapters for the
// users' platform and the agents' (one adapter when they share a platform).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const wait = 10 * time.Second

// KM routes the tests count.
const (
	chatRoute        = "POST /v1/chat"
	assistRoute      = "POST /v1/assist"
	surveyRoute      = "POST /v1/surveySession"
	questionsRoute   = "POST /v1/questions"
	similarRoute     = "POST /v1/faq/similar/:questionId"
	switchStaffRoute = "PUT /v1/sessions/:id/switchStaff"
)

// sampleCategory is the sample knowledge base's "Accounts & passwords".
const sampleCategory = 76

// clock is a test's settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// kmEnv is a simulator on loopback and a client for it.
type kmEnv struct {
	sim *kmsim.Sim
	km  *kmclient.Client
}

func newKM(t testing.TB) *kmEnv {
	t.Helper()
	sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{})
	srv := httptest.NewServer(sim)
	tr := &http.Transport{}
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
	return &kmEnv{sim: sim, km: km}
}

type worldOpts struct {
	users, agents string // platforms; equal: one adapter for both
	agentsChannel string
	agentLang     string
	store         bridge.Store // nil: a fresh memstore
	km            *kmEnv       // nil: a fresh simulator
	clock         *clock       // nil: a fresh clock
	afterUnknown  int
	unclaimed     time.Duration
	noThreads     bool // the agents' adapter cannot start threads
	agentsAdapter *bridgetest.Recorder
	usersAdapter  *bridgetest.Recorder
}

type world struct {
	*kmEnv
	core   *bridge.Core
	desk   *escalation.Desk
	cat    *i18n.Catalog
	store  bridge.Store
	clock  *clock
	users  *bridgetest.Recorder
	agents *bridgetest.Recorder
	// channel is the agents' channel.
	channel bridge.ConvKey
}

// newWorld wires the bridge as cmd/kmbridge does: desk, core, Bind.
func newWorld(t testing.TB, o worldOpts) *world {
	t.Helper()
	if o.users == "" {
		o.users = "telegram"
	}
	if o.agents == "" {
		o.agents = "slack"
	}
	if o.agentsChannel == "" {
		o.agentsChannel = "C-AGENTS"
	}
	if o.km == nil {
		o.km = newKM(t)
	}
	if o.clock == nil {
		o.clock = newClock()
	}
	if o.store == nil {
		st, err := memstore.Open(memstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		o.store = st
	}
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{kmEnv: o.km, cat: cat, store: o.store, clock: o.clock,
		channel: bridge.ConvKey{Platform: o.agents, Channel: o.agentsChannel}}
	w.users, w.agents = o.usersAdapter, o.agentsAdapter
	if w.agents == nil {
		w.agents = bridgetest.New(o.agents)
	}
	if w.users == nil {
		w.users = bridgetest.New(o.users)
	}
	if o.users == o.agents {
		w.users = w.agents
	}
	w.desk, err = escalation.NewDesk(escalation.Options{
		Agents: w.channel, Store: o.store, KM: o.km.km, Catalog: cat, Language: o.agentLang,
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID,
		UnclaimedAfter: o.unclaimed, KBCategoryID: sampleCategory, AfterUnknown: o.afterUnknown,
		Backoff: time.Millisecond, Now: o.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.core, err = bridge.New(bridge.Config{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour,
	}, bridge.Deps{KM: o.km.km, Store: o.store, Catalog: cat, Escalator: w.desk, Clock: o.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	w.desk.Bind(w.core.Outbox())
	var agents bridge.Adapter = w.agents
	if o.noThreads {
		agents = noThreads{w.agents}
	}
	w.core.Register(w.users, agents)
	t.Cleanup(w.shutdown)
	return w
}

func (w *world) shutdown() {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_ = w.core.Shutdown(ctx)
}

// noThreads is an agents' adapter that can send and edit but not start threads.
type noThreads struct{ r *bridgetest.Recorder }

func (n noThreads) Name() string                  { return n.r.Name() }
func (n noThreads) Run(ctx context.Context) error { return n.r.Run(ctx) }
func (n noThreads) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	return n.r.Send(ctx, to, m)
}
func (n noThreads) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	return n.r.Edit(ctx, ref, m)
}

func (w *world) handle(t testing.TB, ev bridge.Event) {
	t.Helper()
	if err := w.core.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

func (w *world) say(t testing.TB, key bridge.ConvKey, who bridge.UserInfo, text string) {
	t.Helper()
	w.handle(t, bridge.Message{Key: key, User: who, Text: text})
}

func (w *world) click(t testing.TB, key bridge.ConvKey, who bridge.UserInfo, b formatting.Button) {
	t.Helper()
	if b.Token == "" {
		t.Fatalf("button %q has no token", b.Label)
	}
	w.handle(t, bridge.Click{Key: key, User: who, Token: b.Token})
}

// waitFor waits until conversation k has a message whose text contains s and
// returns it.
func waitFor(t testing.TB, r *bridgetest.Recorder, k bridge.ConvKey, s string) bridgetest.Sent {
	t.Helper()
	var got bridgetest.Sent
	bridgetest.Eventually(t, wait, func() error {
		for _, m := range r.SentTo(k) {
			if strings.Contains(m.Text(), s) {
				got = m
				return nil
			}
		}
		return fmt.Errorf("%s has no message with %q: %q", k, s, bridgetest.Texts(r.SentTo(k)))
	})
	return got
}

// waitEdit waits for an edit of ref whose text contains s.
func waitEdit(t testing.TB, r *bridgetest.Recorder, ref bridge.MsgRef, s string) bridgetest.Edited {
	t.Helper()
	var got bridgetest.Edited
	bridgetest.Eventually(t, wait, func() error {
		var seen []string
		for _, e := range r.Edits() {
			if e.Ref == ref && strings.Contains(e.Text(), s) {
				got = e
				return nil
			}
			seen = append(seen, e.Text())
		}
		return fmt.Errorf("no edit of %v with %q: %q", ref, s, seen)
	})
	return got
}

// thread waits for the n-th case thread (1-based) and returns it.
func (w *world) thread(t testing.TB, n int) bridgetest.Thread {
	t.Helper()
	bridgetest.Eventually(t, wait, func() error {
		if got := len(w.agents.Threads()); got < n {
			return fmt.Errorf("%d case threads, want %d", got, n)
		}
		return nil
	})
	return w.agents.Threads()[n-1]
}

// calls counts the simulator's calls to route.
func (w *world) calls(route string) int { return len(w.sim.CallsTo(route)) }

// button finds a button by label in a message.
func button(t testing.TB, m formatting.Message, label string) formatting.Button {
	t.Helper()
	for _, b := range bridgetest.Buttons(m) {
		if b.Label == label {
			return b
		}
	}
	t.Fatalf("no button %q in\n%s", label, formatting.Dump(m))
	return formatting.Button{}
}

// quiet waits a little and fails when conversation k got more than n messages.
func quiet(t testing.TB, r *bridgetest.Recorder, k bridge.ConvKey, n int, why string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond)
	if got := r.SentTo(k); len(got) != n {
		t.Errorf("%s: %s got %d messages, want %d: %q", why, k, len(got), n, bridgetest.Texts(got))
	}
}

func errorsJoin(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.New(strings.Join(errs, "; "))
}
