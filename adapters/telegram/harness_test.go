package telegramadapter_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/adapters/option"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is what outlives a bridge process: Telegram (the fake Bot API), KM
// (the simulator behind real HTTP) and the store's snapshot (e2e.World).
type world struct {
	*e2e.World
	t    testing.TB
	fake *telegramtest.Server
	sim  *kmsim.Sim
}

func newWorld(t testing.TB, kb *kmsim.KB) *world {
	t.Helper()
	w := e2e.NewWorld(t, e2e.WorldOptions{KB: kb, Persist: true})
	return &world{World: w, t: t, fake: telegramtest.NewServer(t), sim: w.Sim}
}

// options tune one bridge process.
type options struct {
	tg   func(*telegramadapter.Config)
	core func(*bridge.Config)
	// wrapHost interposes on the host the adapter delivers to; kill cancels
	// the adapter's Run at once, as if the process died (e2e.Options.WrapHost).
	wrapHost func(core bridge.Host, kill func()) bridge.Host
	quiet    bool // discard logs (benchmarks)
	// km adjusts the process's kmclient (e2e.Options.KM).
	km func(*kmclient.Config)
	// escalator is the core's hand-over (e2e.Options.Escalator).
	escalator bridge.Escalator
	// replay, when set, has the core replay its inbox before the adapter
	// runs, as a start does, and the test fail unless it queued that many.
	replay int
	// booted runs once the process exists, before the adapter runs.
	booted func(t testing.TB, p *process)
}

// process is one run of the bridge: store, core (e2e.Process) and adapter.
type process struct {
	*e2e.Process
	ad   *telegramadapter.Adapter
	logs *testlog.Buffer // shown when a test fails
}

// testConfig is the adapter configuration of the tests: the fake's endpoint and
// pacing fast enough for a test (the pacer has its own unit tests).
func testConfig(w *world) telegramadapter.Config {
	return telegramadapter.Config{
		Token:           telegramtest.Token,
		APIEndpoint:     w.fake.Endpoint(),
		PerChatInterval: time.Millisecond,
		GroupPerMinute:  -1,
		GlobalPerSecond: -1,
		PollTimeout:     5 * time.Second,
	}
}

// boot starts a bridge process and waits until the adapter polls (or serves the
// webhook).
func (w *world) boot(t testing.TB, o options) *process {
	t.Helper()
	ep := w.Boot(t, e2e.Options{Config: o.core, WrapHost: o.wrapHost, Quiet: o.quiet, KM: o.km, Escalator: o.escalator})
	tc := testConfig(w)
	if o.tg != nil {
		o.tg(&tc)
	}
	ad, err := telegramadapter.New(tc, ep.Host, option.Logger(ep.Logger("telegram")))
	if err != nil {
		t.Fatal(err)
	}
	p := &process{Process: ep, ad: ad, logs: ep.Logs}
	if o.booted != nil {
		o.booted(t, p)
	}
	if o.replay > 0 {
		ep.Core.Register(ad)
		if n, err := ep.Core.Replay(context.Background()); err != nil || n != o.replay {
			t.Fatalf("Replay = %d, %v; want %d", n, err, o.replay)
		}
	}
	n := len(w.fake.CallsTo("getUpdates"))
	p.Start(t, ad)
	if tc.WebhookURL == "" {
		waitFor(t, "the first poll", func() bool { return len(w.fake.CallsTo("getUpdates")) > n })
	}
	return p
}

// stop ends the adapter, then drains the core and writes the snapshot, as a
// graceful shutdown does.
func (p *process) stop() { p.Stop() }

// messageIDOf finds the message_id the fake gave to send c.
func messageIDOf(t testing.TB, c telegramtest.Call) int {
	t.Helper()
	if c.MsgID == 0 {
		t.Fatalf("send %s has no message id", c.Method)
	}
	return c.MsgID
}

// waitFor polls cond until it holds or 15s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// simCalls returns the simulator's calls to route.
func (w *world) simCalls(route string) []kmsim.Call { return w.sim.CallsTo(route) }
