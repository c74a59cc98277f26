// Package e2e boots the bridge for end-to-end tests of adapters: the KM
// simulator behind real HTTP on loopback, the real kmclient, a memstore and
// the real bridge.Core with a configuration fit for tests, ready for an
// adapter built on Process.Core (the bridge.Host) to be started. The platform
// side (a fake Slack, Telegram, Discord or browser) stays the adapter's own.
//
// A World is what outlives a bridge process: KM, and the store's snapshot
// file when Persist is set. Boot starts a process in it; Stop (or the end of
// the test) stops it as a graceful shutdown does, so a second Boot in the
// same World is a restart.
//
//	w := e2e.NewWorld(t, e2e.WorldOptions{})
//	p := w.Boot(t, e2e.Options{Config: func(c *bridge.Config) { c.Streaming = true }})
//	ad, err := myadapter.New(cfg, p.Host, …) // the core, as a bridge.Host
//	…
//	p.Start(t, ad)           // Register and Run until the test ends
//	srv := p.Serve(t, ad)    // its webhooks, when it has some
package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// StopTimeout bounds each step of Process.Stop: an adapter's Run returning
// after cancel, and the core's Shutdown.
const StopTimeout = 15 * time.Second

// WorldOptions tune a World.
type WorldOptions struct {
	// KB is the simulator's knowledge base; nil is kmsim.SampleKB.
	KB *kmsim.KB
	// Sim tunes the simulator (streaming chunk delay, a fake clock, …); a zero
	// MaxCalls records up to 100000 calls, enough for long tests.
	Sim kmsim.Options
	// Persist keeps the store in a snapshot file, so a process booted after
	// another stopped finds its sessions, buttons and dedupe ids.
	Persist bool
}

// World is KM (the simulator over HTTP) and, with Persist, the store's
// snapshot file: what outlives one bridge process.
type World struct {
	// Sim is the KM simulator: script faults with its SetDown, SetLatency,
	// FailNext, ExpireNext…, read its calls with CallsTo.
	Sim *kmsim.Sim
	// KMURL is the simulator's API base URL, as kmclient.Config.BaseURL.
	KMURL string
	// StorePath is the snapshot file; "" without Persist.
	StorePath string
}

// NewWorld starts the simulator on loopback for the test's duration.
func NewWorld(t testing.TB, o WorldOptions) *World {
	t.Helper()
	kb := o.KB
	if kb == nil {
		kb = kmsim.SampleKB()
	}
	if o.Sim.MaxCalls == 0 {
		o.Sim.MaxCalls = 100_000
	}
	sim := kmsim.New(kb, o.Sim)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	w := &World{Sim: sim, KMURL: srv.URL + "/api"}
	if o.Persist {
		w.StorePath = filepath.Join(t.TempDir(), "store.json")
	}
	return w
}

// Options tune one bridge process.
type Options struct {
	// Config adjusts the core's configuration after the test defaults (see
	// TestConfig): streaming, timeouts, intervals.
	Config func(*bridge.Config)
	// Catalog is the core's message catalogue; nil is the built-in one with
	// English as the default language.
	Catalog *i18n.Catalog
	// Clock is the core's clock (session idleness, transcripts, the streaming
	// edit throttle); nil is time.Now.
	Clock func() time.Time
	// Escalator is the hand-over; nil is bridge.NoAgents.
	Escalator bridge.Escalator
	// Desk, when set, builds the hand-over as cmd/kmbridge builds its desk:
	// from the process's store and KM client, before the core exists (it
	// replaces Escalator); the core's Outbox is bound to it once the core is
	// built, and its reminders run until Stop, which ends them before the
	// core shuts down.
	Desk func(p *Process) Desk
	// Metrics, when set, receives the core's metrics.
	Metrics *bridge.Metrics
	// KM adjusts the kmclient configuration (retries, timeout, signing).
	KM func(*kmclient.Config)
	// WrapHost, when set, wraps the core as adapters get it (Process.Host):
	// a test interposes on Deliver there (bridgetest.WithDeliver), e.g. to
	// have the process die inside it: kill cancels the adapters' Run at once.
	WrapHost func(core bridge.Host, kill func()) bridge.Host
	// Quiet discards the logs (benchmarks); otherwise they are kept and
	// printed when the test fails.
	Quiet bool
	// Store, when set, is the process's store instead of a memstore: a
	// redisstore shared with other processes booted in the test (several
	// replicas: each Boot is one, with its own core and adapters). It is
	// closed by Stop, with the core. Process.Store is then nil.
	Store bridge.Store
}

// Desk is a hand-over as cmd/kmbridge runs one (*escalation.Desk): an
// Escalator bound to the core's Outbox once the core exists, with a reminder
// loop that runs until its context ends.
type Desk interface {
	bridge.Escalator
	Bind(bridge.Outbox)
	Run(ctx context.Context) error
}

// TestConfig is the core configuration processes start from: the sample
// KB's identity, KM and send timeouts short enough that a stuck test fails
// within its deadline, and typing renewed rarely (tests that count typing
// indicators set TypingInterval themselves).
func TestConfig() bridge.Config {
	return bridge.Config{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout:      5 * time.Second,
		SendTimeout:    10 * time.Second,
		TypingInterval: time.Minute,
	}
}

// Process is one run of the bridge: its kmclient, store and core, and the
// adapters started on it.
type Process struct {
	World *World
	// Core is the bridge core.
	Core *bridge.Core
	// Host is what adapters are built on: Core, or Options.WrapHost's wrap.
	Host bridge.Host
	// Store is the process's store (memstore); nil with Options.Store.
	Store *memstore.Store
	// Backend is the store the core uses: Store, or Options.Store.
	Backend bridge.Store
	// Desk is Options.Desk's hand-over, nil without one.
	Desk Desk
	// KM is the real kmclient talking to World.Sim.
	KM *kmclient.Client
	// Log is the process's logger; Logs what it wrote (empty when Quiet).
	Log  *slog.Logger
	Logs *testlog.Buffer

	t      testing.TB
	kmTr   *http.Transport
	ctx    context.Context
	cancel context.CancelFunc

	deskDone chan struct{} // closed when the desk's Run returned

	mu      sync.Mutex
	running []running
	servers []*httptest.Server
	stopped bool
}

type running struct {
	name string
	done chan error
}

// Boot starts a bridge process in w: a kmclient to the simulator, a memstore
// (on w.StorePath when the world persists), and a core, with no adapter yet.
// It is stopped when the test ends, if Stop was not called before; its logs
// are printed when the test failed.
func (w *World) Boot(t testing.TB, o Options) *Process {
	t.Helper()
	p := &Process{World: w, t: t, kmTr: &http.Transport{MaxIdleConnsPerHost: 64}}
	p.Log, p.Logs = testlog.New()
	if o.Quiet {
		p.Log = slog.New(slog.DiscardHandler)
	}
	kc := kmclient.Config{
		BaseURL: w.KMURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: p.kmTr},
		Logger:     p.Logger("kmclient"),
	}
	if o.KM != nil {
		o.KM(&kc)
	}
	var err error
	if p.KM, err = kmclient.New(kc); err != nil {
		t.Fatalf("e2e: kmclient: %v", err)
	}
	if o.Store != nil {
		p.Backend = o.Store
	} else {
		if p.Store, err = memstore.Open(memstore.Options{Path: w.StorePath}); err != nil {
			t.Fatalf("e2e: memstore: %v", err)
		}
		p.Backend = p.Store
	}
	esc := o.Escalator
	if o.Desk != nil {
		p.Desk = o.Desk(p)
		esc = p.Desk
	}
	cfg := TestConfig()
	if o.Config != nil {
		o.Config(&cfg)
	}
	cat := o.Catalog
	if cat == nil {
		if cat, err = i18n.New("en", nil); err != nil {
			t.Fatalf("e2e: catalogue: %v", err)
		}
	}
	p.Core, err = bridge.New(cfg, bridge.Deps{
		KM: p.KM, Store: p.Backend, Catalog: cat, Escalator: esc,
		Logger: p.Logger("core"), Metrics: o.Metrics, Clock: o.Clock,
	})
	if err != nil {
		_ = p.Backend.Close(context.Background())
		t.Fatalf("e2e: core: %v", err)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if p.Desk != nil {
		p.Desk.Bind(p.Core.Outbox())
		p.deskDone = make(chan struct{})
		go func() {
			defer close(p.deskDone)
			_ = p.Desk.Run(p.ctx) // nil when the process stops
		}()
	}
	p.Host = p.Core
	if o.WrapHost != nil {
		p.Host = o.WrapHost(p.Core, p.Kill)
	}
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() && !o.Quiet {
			t.Logf("logs:\n%s", p.Logs.String())
		}
	})
	return p
}

// Logger is the process's logger for one component ("slack", "core").
func (p *Process) Logger(component string) *slog.Logger { return p.Log.With("c", component) }

// Start registers each adapter with the core and runs it (Run, with the
// core's Handle as its handler) until Stop.
func (p *Process) Start(t testing.TB, ads ...bridge.Adapter) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		t.Fatal("e2e: Start after Stop")
	}
	for _, ad := range ads {
		p.Core.Register(ad)
		r := running{name: ad.Name(), done: make(chan error, 1)}
		go func() { r.done <- ad.Run(p.ctx) }()
		p.running = append(p.running, r)
	}
}

// Serve mounts the routes of every adapter that has some (bridge.RouteMounter)
// on one shared httpserver, as cmd/kmbridge does, serves it on loopback until
// Stop, and returns the server (its URL, its Client).
func (p *Process) Serve(t testing.TB, ads ...bridge.Adapter) *httptest.Server {
	t.Helper()
	hs := httpserver.New(httpserver.Options{Logger: p.Logger("http")})
	for _, ad := range ads {
		if m, ok := ad.(bridge.RouteMounter); ok {
			m.Routes(hs)
		}
	}
	srv := httptest.NewServer(hs.Handler())
	p.mu.Lock()
	p.servers = append(p.servers, srv)
	p.mu.Unlock()
	return srv
}

// Kill cancels the adapters' Run at once, as if the process died: nothing is
// drained or acknowledged any more. Stop still follows (at the latest when
// the test ends) to release what the process holds.
func (p *Process) Kill() { p.cancel() }

// Stop ends the process as a graceful shutdown does: the adapters' Run is
// cancelled and must return (without an error other than the cancellation)
// within StopTimeout, the desk's reminders end, then the core drains its queues and closes the store,
// writing the snapshot, then the HTTP servers and KM connections close.
// Failures are reported to the test; calling Stop again does nothing.
func (p *Process) Stop() {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	runs, servers := p.running, p.servers
	p.mu.Unlock()

	p.cancel()
	for _, r := range runs {
		select {
		case err := <-r.done:
			if err != nil && !errors.Is(err, context.Canceled) {
				p.t.Errorf("e2e: %s: Run = %v", r.name, err)
			}
		case <-time.After(StopTimeout):
			p.t.Errorf("e2e: %s: Run did not return within %s of cancel", r.name, StopTimeout)
		}
	}
	if p.deskDone != nil {
		<-p.deskDone
	}
	ctx, cancel := context.WithTimeout(context.Background(), StopTimeout)
	defer cancel()
	if err := p.Core.Shutdown(ctx); err != nil {
		p.t.Errorf("e2e: core.Shutdown = %v", err)
	}
	for _, s := range servers {
		s.Close()
	}
	p.kmTr.CloseIdleConnections()
}
