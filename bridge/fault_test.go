package bridge_test

// The fault suite's core-level part (go test -run Fault ./...): every event the
// core accepted gets exactly one answer or one apology, none twice, in order per
// conversation, through KM hanging at shutdown, kill -9 between accept and
// answer, failing store writes and replays of many conversations. kill -9 is
// simulated in process: the dead core is abandoned (no Shutdown reaches the
// files the next one reads) and a new core starts on a copy of its files taken
// at the moment of the kill, which is what the disk holds after a real one.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// apologies are the catalogue's apologies, in every language.
var apologies = func() map[string]bool {
	cat, err := i18n.New("en", nil)
	if err != nil {
		panic(err)
	}
	m := map[string]bool{}
	for _, id := range []i18n.MsgID{"bridge.km_timeout", "bridge.km_unavailable", "bridge.km_error",
		"bridge.km_malformed", "bridge.internal_error", "bridge.inbox_expired"} {
		for _, l := range []string{"en", "zh", "ja"} {
			m[cat.Printer(l).T(id)] = true
		}
	}
	return m
}()

func isApology(s string) bool { return apologies[s] }

func noApology(string) bool { return false }

// crashCopy copies the snapshot and its inbox journal, as they are now, to a
// new directory and returns the snapshot path there.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	for _, suffix := range []string{"", ".inbox"} {
		in, err := os.Open(path + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(dst + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		out.Close()
	}
	return dst
}

func openStore(t *testing.T, path string) *memstore.Store {
	t.Helper()
	st, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// gate holds fake KM calls while closed (until it opens or their context
// ends); calls pass at once while it is open. It starts closed.
type gate struct {
	mu      sync.Mutex
	ch      chan struct{} // closed while the gate is open
	entered atomic.Int64
}

func newGate() *gate { return &gate{ch: make(chan struct{})} }

func (g *gate) block(ctx context.Context, _, _ string) error {
	g.entered.Add(1)
	g.mu.Lock()
	ch := g.ch
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.ch:
	default:
		close(g.ch)
	}
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.ch:
		g.ch = make(chan struct{})
	default:
	}
}

// conv is a test conversation and the events accepted for it, in order.
type faultConv struct {
	key   bridge.ConvKey
	user  bridge.UserInfo
	wants []string // the answer text of each accepted event
}

func faultConvs(n int) []*faultConv {
	cs := make([]*faultConv, n)
	for i := range cs {
		u := bridge.UserInfo{ID: fmt.Sprint(20_000 + i)}
		cs[i] = &faultConv{key: bridge.DMKey("test", "", fmt.Sprint("c", i), u.ID), user: u}
	}
	return cs
}

// deliver hands the fake KM's question <c/m> to the core as the platform would,
// and records it as accepted when Deliver says to acknowledge.
func (c *faultConv) deliver(t *testing.T, core *bridge.Core, m int) error {
	t.Helper()
	q := fmt.Sprintf("<%s/m%d>", c.key.Channel, m)
	err := core.Deliver(context.Background(), bridge.Delivery{ID: c.key.Channel + q, Event: msg(c.key, c.user, q)})
	if err == nil {
		c.wants = append(c.wants, "A: "+q)
	}
	return err
}

// checkOnce checks ExactlyOnce for every conversation over the replies of the
// processes in turn (each recorder's messages as they were when it died).
func checkOnce(t *testing.T, cs []*faultConv, isApology func(string) bool, sent ...[]bridgetest.Sent) {
	t.Helper()
	for _, c := range cs {
		var replies []string
		for _, ss := range sent {
			for _, s := range ss {
				if s.To == c.key {
					replies = append(replies, s.Text())
				}
			}
		}
		if err := bridgetest.ExactlyOnce(replies, c.wants, isApology); err != nil {
			t.Errorf("%s: %v", c.key.Channel, err)
		}
	}
}

// waitReplies waits until every conversation has had as many replies, answers
// or apologies, as it has accepted events, across the given recorders.
func waitReplies(t *testing.T, cs []*faultConv, isApology func(string) bool, before []bridgetest.Sent, rec *bridgetest.Recorder) {
	t.Helper()
	bridgetest.Eventually(t, 60*time.Second, func() error {
		n := map[bridge.ConvKey]int{}
		for _, ss := range [][]bridgetest.Sent{before, rec.Sent()} {
			for _, s := range ss {
				if tx := s.Text(); isApology(tx) || strings.HasPrefix(tx, "A: <") {
					n[s.To]++
				}
			}
		}
		for _, c := range cs {
			if n[c.key] < len(c.wants) {
				return fmt.Errorf("%s: %d replies of %d", c.key.Channel, n[c.key], len(c.wants))
			}
		}
		return nil
	})
}

func waitInbox(t *testing.T, st *memstore.Store, n int) {
	t.Helper()
	bridgetest.Eventually(t, wait, func() error {
		if got := st.InboxLen(); got != n {
			return fmt.Errorf("inbox holds %d entries, want %d", got, n)
		}
		return nil
	})
}

// abandon stops a core that stands for a killed process as soon as the test
// ends, before its env's graceful cleanup: what it does then reaches no one.
func abandon(t *testing.T, core *bridge.Core) {
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = core.Shutdown(ctx)
	})
}

func replay(t *testing.T, core *bridge.Core, want int) {
	t.Helper()
	n, err := core.Replay(context.Background())
	if err != nil || n != want {
		t.Fatalf("Replay = %d, %v; want %d", n, err, want)
	}
}

// KM hangs past its timeout while the bridge shuts down: an event either gets
// the timeout apology before the drain ends, or stays in the inbox and is
// answered after the restart — never both, never neither. KM is the simulator
// over HTTP, hanging by latency.
func TestFaultKMHangsAtShutdown(t *testing.T) {
	questions := []struct{ q, a string }{
		{"What is the Wi-Fi password?", "ExampleGuest"},
		{"When is payday?", "last working day"},
		{"What are the office hours?", "07:00–20:00"},
	}
	for _, tc := range []struct {
		name              string
		kmTimeout, drain  time.Duration
		wantLeft, wantApo bool // at least one event left in the inbox / apologised for
	}{
		{"drain outlasts the KM timeout", 100 * time.Millisecond, 20 * time.Second, false, true},
		{"drain ends mid-call", time.Minute, 300 * time.Millisecond, true, false},
		{"some apologised, the rest left", 250 * time.Millisecond, 800 * time.Millisecond, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, km := startSim(t, kmsim.Options{})
			path := filepath.Join(t.TempDir(), "state.json")
			cfg := func(c *bridge.Config) { simConfig(c); c.KMTimeout = tc.kmTimeout }
			a := newEnv(t, km, envOpt{store: openStore(t, path), cfg: cfg})
			cs := faultConvs(4)
			sim.SetLatency(time.Hour, 0)
			for _, c := range cs {
				for m := range 4 {
					q := questions[m%len(questions)]
					d := bridge.Delivery{ID: fmt.Sprint(c.key.Channel, m), Event: msg(c.key, c.user, q.q)}
					if err := a.core.Deliver(context.Background(), d); err != nil {
						t.Fatal(err)
					}
					c.wants = append(c.wants, q.a)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), tc.drain)
			defer cancel()
			err := a.core.Shutdown(ctx)
			if tc.wantLeft != errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Shutdown = %v (want a cut-short drain: %v)", err, tc.wantLeft)
			}
			sentA := a.rec.Sent()
			apologised := 0
			for _, s := range sentA {
				if isApology(s.Text()) {
					apologised++
				}
			}

			sim.SetLatency(0, 0)
			st := openStore(t, path)
			left := st.InboxLen()
			t.Logf("%d apologies before the drain ended, %d events left in the inbox", apologised, left)
			if apologised+left != 16 || (left > 0) != tc.wantLeft || (apologised > 0) != tc.wantApo {
				t.Errorf("%d apologised + %d left, want 16 in all (left: %v, apologies: %v)", apologised, left, tc.wantLeft, tc.wantApo)
			}
			b := newEnv(t, km, envOpt{store: st, cfg: func(c *bridge.Config) { simConfig(c) }})
			replay(t, b.core, left)
			bridgetest.Eventually(t, wait, func() error {
				n := 0
				for _, s := range b.rec.Sent() {
					for _, q := range questions {
						if strings.Contains(s.Text(), q.a) {
							n++
						}
					}
				}
				if n < left {
					return fmt.Errorf("%d answers after the restart, want %d", n, left)
				}
				return nil
			})
			waitInbox(t, st, 0)
			checkOnce(t, cs, isApology, sentA, b.rec.Sent())
		})
	}
}

// kill -9 between accept and answer, memstore: what was answered before the
// kill is not answered again, what was accepted and not answered is answered
// after the restart, once, in order.
func TestFaultKill9Memstore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	kmA := newFakeKM()
	g := newGate()
	kmA.block = g.block
	stA := openStore(t, path)
	a := newEnv(t, kmA, envOpt{store: stA})
	cs := faultConvs(6)

	// Answered before the kill: KM open for the first two events.
	g.open()
	for _, c := range cs {
		for m := range 2 {
			if err := c.deliver(t, a.core, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitReplies(t, cs, noApology, nil, a.rec)
	waitInbox(t, stA, 0)

	// Accepted, not answered: KM hangs.
	g.close()
	for _, c := range cs {
		for m := 2; m < 5; m++ {
			if err := c.deliver(t, a.core, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	waitInbox(t, stA, 3*len(cs))
	sentA := a.rec.Sent() // the kill: nothing A does from here on reaches anyone
	copyPath := crashCopy(t, path)
	abandon(t, a.core)

	b := newEnv(t, newFakeKM(), envOpt{store: openStore(t, copyPath)})
	replay(t, b.core, 3*len(cs))
	waitReplies(t, cs, noApology, sentA, b.rec)
	checkOnce(t, cs, noApology, sentA, b.rec.Sent())
}

// kill -9 with events of 100 conversations in the inbox: the next start
// replays them oldest first per conversation and answers each once.
func TestFaultReplayOrder100Conversations(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	kmA := newFakeKM()
	kmA.block = newGate().block // never opens: A answers nothing
	stA := openStore(t, path)
	a := newEnv(t, kmA, envOpt{store: stA})
	cs := faultConvs(100)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() { // conversations at once, each one's events in order
			defer wg.Done()
			for m := range 5 {
				if err := c.deliver(t, a.core, m); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	copyPath := crashCopy(t, path)
	abandon(t, a.core)

	b := newEnv(t, newFakeKM(), envOpt{store: openStore(t, copyPath), cfg: func(c *bridge.Config) { c.Workers = 16 }})
	replay(t, b.core, 500)
	waitReplies(t, cs, noApology, nil, b.rec)
	checkOnce(t, cs, noApology, b.rec.Sent())
}

// Deliveries of one conversation racing each other: the inbox's order is the
// queue's, so the restarted process answers them in the order the dead one
// would have.
func TestFaultRacingDeliveriesKeepQueueOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	kmA := newFakeKM()
	g := newGate()
	kmA.block = g.block
	stA := openStore(t, path)
	a := newEnv(t, kmA, envOpt{store: stA, cfg: func(c *bridge.Config) { c.QueueSize = 100 }})
	c := faultConvs(1)[0]
	var (
		wg sync.WaitGroup
		n  atomic.Int64
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range 10 {
				q := fmt.Sprintf("<w%d/m%d>", w, m)
				if err := a.core.Deliver(context.Background(), bridge.Delivery{ID: q, Event: msg(c.key, c.user, q)}); err != nil {
					t.Error(err)
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	copyPath := crashCopy(t, path)
	// The dead process's queue order, had it lived: let it answer everything.
	g.open()
	answersA := answers(a.rec.WaitSent(t, c.key, 81, wait)) // the welcome, then 80
	b := newEnv(t, newFakeKM(), envOpt{store: openStore(t, copyPath)})
	replay(t, b.core, 80)
	answersB := answers(b.rec.WaitSent(t, c.key, 81, wait))
	if strings.Join(answersA, " ") != strings.Join(answersB, " ") {
		t.Fatalf("replayed order differs from queue order:\nqueue  %v\nreplay %v", answersA, answersB)
	}
}

func answers(ss []bridgetest.Sent) []string {
	var out []string
	for _, s := range ss {
		if tx := s.Text(); strings.HasPrefix(tx, "A: ") {
			out = append(out, tx)
		}
	}
	return out
}

// An event that waited out a restart longer than bridge.inbox_max_age gets an
// apology in the user's language instead of a stale answer; KM is not asked.
func TestFaultStaleEntryGetsApology(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	kmA := newFakeKM()
	kmA.block = newGate().block
	stA := openStore(t, path)
	a := newEnv(t, kmA, envOpt{store: stA})
	cs := faultConvs(3)
	cs[0].user.Locale = "ja"
	for _, c := range cs {
		for m := range 2 {
			if err := c.deliver(t, a.core, m); err != nil {
				t.Fatal(err)
			}
		}
	}
	copyPath := crashCopy(t, path)
	abandon(t, a.core)

	reg := prometheus.NewRegistry()
	met, err := bridge.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	kmB := newFakeKM()
	later := newFakeClock()
	later.Advance(10*time.Minute + time.Second) // A's clock is newFakeClock's
	cat, _ := i18n.New("en", nil)
	st := openStore(t, copyPath)
	b, err := bridge.New(testConfig(), bridge.Deps{KM: kmB, Store: st, Catalog: cat, Clock: later.Now, Metrics: met})
	if err != nil {
		t.Fatal(err)
	}
	rec := bridgetest.New("test")
	b.Register(rec)
	t.Cleanup(func() { _ = b.Shutdown(context.Background()) })
	replay(t, b, 6)
	waitReplies(t, cs, isApology, nil, rec)
	checkOnce(t, cs, isApology, rec.Sent())
	if got := bridgetest.Texts(rec.SentTo(cs[0].key)); got[0] != cat.Printer("ja").T("bridge.inbox_expired") {
		t.Errorf("apology to a Japanese user = %q", got[0])
	}
	if got := bridgetest.Texts(rec.SentTo(cs[1].key)); got[0] != en.T("bridge.inbox_expired") {
		t.Errorf("apology = %q", got[0])
	}
	if n := len(kmB.Calls("")); n != 0 {
		t.Errorf("%d KM calls for stale events", n)
	}
	waitInbox(t, st, 0)
	if got := counter(t, reg, "kmbridge_bridge_inbox_expired_total"); got != 6 {
		t.Errorf("inbox_expired_total = %v, want 6", got)
	}
	if got := counter(t, reg, "kmbridge_bridge_inbox_replayed_total"); got != 6 {
		t.Errorf("inbox_replayed_total = %v, want 6", got)
	}
}

// failingInbox fails InboxPut for the events fail picks: before writing
// (refused) or after (the write landed, its reply was lost).
type failingInbox struct {
	bridge.Store
	mu     sync.Mutex
	fail   func(e bridge.InboxEntry) bool
	landed bool
}

var errDisk = errors.New("disk on fire")

func (f *failingInbox) InboxPut(ctx context.Context, e bridge.InboxEntry) error {
	f.mu.Lock()
	fail, landed := f.fail != nil && f.fail(e), f.landed
	f.mu.Unlock()
	if !fail {
		return f.Store.InboxPut(ctx, e)
	}
	if landed {
		if err := f.Store.InboxPut(ctx, e); err != nil {
			return err
		}
	}
	return errDisk
}

func (f *failingInbox) setFail(fn func(e bridge.InboxEntry) bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fn
}

// Store write failures: the event is not acknowledged (Deliver's error says
// not to), its dedupe claim is released, and the platform's redelivery is
// answered once; a write whose reply was lost leaves no ghost for the next
// start.
func TestFaultStoreWriteFails(t *testing.T) {
	for _, landed := range []bool{false, true} {
		t.Run(fmt.Sprint("write landed: ", landed), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			st := &failingInbox{Store: openStore(t, path), landed: landed}
			var puts atomic.Int64
			st.setFail(func(bridge.InboxEntry) bool { return puts.Add(1)%2 == 0 })
			core, rec := newFaultCore(t, st)
			cs := faultConvs(3)
			var refused []func() error
			for _, c := range cs {
				for m := range 4 {
					if err := c.deliver(t, core, m); err != nil {
						if bridge.Ack(err) || !errors.Is(err, errDisk) {
							t.Fatalf("Deliver = %v; want a refusal wrapping the store's error", err)
						}
						refused = append(refused, func() error { return c.deliver(t, core, m) })
					}
				}
			}
			if len(refused) != 6 {
				t.Fatalf("%d refused, want 6", len(refused))
			}
			st.setFail(nil)
			for _, redeliver := range refused { // the platform delivers again
				if err := redeliver(); err != nil {
					t.Fatal(err)
				}
			}
			waitReplies(t, cs, noApology, nil, rec)
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if err := core.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			checkOnce(t, cs, noApology, rec.Sent())

			st2 := openStore(t, path)
			if n := st2.InboxLen(); n != 0 {
				t.Errorf("%d entries after a clean shutdown (ghosts of failed writes?)", n)
			}
			_ = st2.Close(ctx)
		})
	}
}

// newFaultCore is a core on any store, with a recorder adapter.
func newFaultCore(t *testing.T, st bridge.Store) (*bridge.Core, *bridgetest.Recorder) {
	t.Helper()
	core, err := bridge.New(testConfig(), bridge.Deps{KM: newFakeKM(), Store: st})
	if err != nil {
		t.Fatal(err)
	}
	rec := bridgetest.New("test")
	core.Register(rec)
	t.Cleanup(func() { _ = core.Shutdown(context.Background()) })
	return core, rec
}
