package discordadapter_test

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is what outlives a bridge process: Discord (the fake) and KM (the
// simulator behind real HTTP, bridgetest/e2e's World).
type world struct {
	t    testing.TB
	e2e  *e2e.World
	fake *discordtest.Server
	sim  *kmsim.Sim
}

func newWorld(t testing.TB, kb *kmsim.KB) *world {
	t.Helper()
	return newWorldWith(t, e2e.WorldOptions{KB: kb})
}

func newWorldWith(t testing.TB, o e2e.WorldOptions) *world {
	t.Helper()
	ew := e2e.NewWorld(t, o)
	return &world{t: t, e2e: ew, fake: discordtest.NewServer(t), sim: ew.Sim}
}

// options tune one bridge process.
type options struct {
	dc    func(*discordadapter.Config)
	core  func(*bridge.Config)
	wrap  func(core bridge.Host, kill func()) bridge.Host
	opts  []discordadapter.Option
	quiet bool // discard logs (benchmarks)
}

// process is one run of the bridge (e2e's Process: store, core) with the
// Discord adapter started on it and its routes served.
type process struct {
	t    testing.TB
	w    *world
	p    *e2e.Process
	ad   *discordadapter.Adapter
	http *httptest.Server
}

func testConfig(w *world) discordadapter.Config {
	return discordadapter.Config{Token: discordtest.Token, ApplicationID: discordtest.AppID, APIURL: w.fake.APIURL()}
}

// commandCalls counts the reads and writes of the application commands.
func (w *world) commandCalls() int {
	return len(w.fake.CallsTo("GET", `/applications/\d+(/guilds/\d+)?/commands`)) +
		len(w.fake.CallsTo("PUT", `/applications/\d+(/guilds/\d+)?/commands`))
}

// boot starts a bridge process and waits until the adapter is connected and
// has registered its commands.
func (w *world) boot(t testing.TB, o options) *process {
	t.Helper()
	n := w.commandCalls()
	p := w.start(t, o)
	waitFor(t, "the commands to be registered", func() bool {
		if o.quiet {
			return w.commandCalls() > n
		}
		return strings.Contains(p.p.Logs.String(), `msg="discord: commands`)
	})
	w.fake.WaitGateway(t)
	return p
}

// start starts a bridge process in the world, with the adapter running.
func (w *world) start(t testing.TB, o options) *process {
	t.Helper()
	p := w.e2e.Boot(t, e2e.Options{Config: o.core, Quiet: o.quiet, WrapHost: o.wrap})
	ad := w.adapter(t, p.Host, p.Logger("discord"), o)
	p.Start(t, ad)
	srv := p.Serve(t, ad)
	t.Cleanup(func() {
		if t.Failed() && !o.quiet {
			t.Logf("calls:\n%s", w.fake.Dump())
		}
	})
	return &process{t: t, w: w, p: p, ad: ad, http: srv}
}

// adapter builds an adapter against the fake, on host.
func (w *world) adapter(t testing.TB, host bridge.Host, log *slog.Logger, o options) *discordadapter.Adapter {
	t.Helper()
	dc := testConfig(w)
	if o.dc != nil {
		o.dc(&dc)
	}
	opts := append([]discordadapter.Option{option.Logger(log)}, o.opts...)
	ad, err := discordadapter.New(dc, host, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

// stop ends the process as a graceful shutdown does.
func (p *process) stop() { p.p.Stop() }

// core is the process's bridge core.
func (p *process) core() *bridge.Core { return p.p.Core }

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
