package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/httpx"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const serveUsage = `Usage: kmbridge [-config FILE] serve

Runs the bridge until SIGINT or SIGTERM, then drains conversations and saves the store.
With no configuration at all (or with km.demo: true) it runs in demo mode against the
built-in simulator and sample knowledge base. Platforms run when their credentials are
set; they then need km.base_url (see README.md).
`

func (a *app) serveCmd(ctx context.Context, args []string) int {
	if ok, code := a.noArgs("serve", serveUsage, args); !ok {
		return code
	}
	cfg, ok := a.load()
	if !ok {
		return exitConfig
	}
	log, throttle := newLogging(a.stderr, cfg)
	routeLibraryLogs(log)
	// In a container with a memory limit, 90 % of it becomes the Go runtime's
	// soft limit, so the collector works harder before the kernel would kill
	// the process (BENCHMARKS.md, "Memory limit"). GOMEMLIMIT, or
	// AUTOMEMLIMIT=off, in the environment wins; no limit changes nothing.
	if _, err := memlimit.Set(memlimit.WithProvider(memlimit.FromCgroup), memlimit.WithLogger(log)); err != nil {
		log.Warn("the container's memory limit could not be read; the Go runtime has none", "err", err)
	}
	lctx, lcancel := context.WithCancel(context.WithoutCancel(ctx))
	ldone := make(chan struct{})
	go func() { throttle.Run(lctx); close(ldone) }()
	defer func() { lcancel(); <-ldone }() // after serve: its last counts are written too
	if err := serve(ctx, cfg, log, nil); err != nil {
		log.Error("kmbridge stopped", "err", err)
		return exitFail
	}
	return exitOK
}

// kmTarget is the KM robot the bridge talks to.
type kmTarget struct {
	client    *kmclient.Client
	robotID   int64
	channelID int64
	modelKey  string
	stop      func() // stops the demo simulator; no-op otherwise
}

// connectKM builds the KM client; in demo mode it first starts the simulator with
// the sample knowledge base on a loopback port, so the client speaks real HTTP to it
// exactly as it would to Udesk.
func connectKM(cfg *config.Config, log *slog.Logger) (*kmTarget, error) {
	kc := kmclient.Config{
		BaseURL:     cfg.KM.BaseURL,
		Email:       cfg.KM.Email,
		Token:       cfg.KM.Token,
		SignVersion: cfg.KM.SignVersion,
		Timeout:     cfg.KM.Timeout.D(),
		Logger:      log,
		// As many KM calls can be in flight as conversations are answered
		// at once: one pooled connection each, none dialled twice.
		HTTPClient: httpx.Client(0, cfg.Bridge.Workers),
	}
	t := &kmTarget{robotID: cfg.KM.RobotID, channelID: cfg.KM.ChannelID, modelKey: cfg.KM.ModelKey, stop: func() {}}
	if cfg.Demo() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("demo simulator: %w", err)
		}
		sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{SessionIdleTTL: cfg.KM.SessionIdleTTL.D() * 2, Logger: log.With("component", "kmsim")})
		srv := &http.Server{Handler: sim, ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // ends with Close below
		t.stop = func() { srv.Close() }
		kc.BaseURL = "http://" + ln.Addr().String() + "/api"
		kc.Email, kc.Token, kc.SignVersion = kmsim.SampleEmail, kmsim.SampleToken, "v1"
		t.robotID, t.channelID, t.modelKey = kmsim.SampleRobotID, kmsim.SampleChannelID, kmsim.SampleModelKey
		log.Info("demo mode: answering from the built-in sample knowledge base — set km.base_url to use your Udesk robot")
	}
	c, err := kmclient.New(kc)
	if err != nil {
		t.stop()
		return nil, err
	}
	t.client = c
	return t, nil
}

// serve runs the bridge until ctx ends. ready, when not nil, receives the HTTP
// server's address once it listens (tests).
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, ready func(net.Addr)) error {
	km, err := connectKM(cfg, log)
	if err != nil {
		return err
	}
	defer km.stop()

	catalog, err := i18n.New(cfg.Bridge.Language, cfg.Messages)
	if err != nil {
		return err
	}
	store, snap, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := bridge.NewMetrics(reg)
	if err != nil {
		return err
	}
	// The hand-over desk acts on platforms through the core, which takes the
	// desk when it is built: Bind closes that loop. With no escalation.platform
	// it behaves like bridge.NoAgents.
	desk, err := newDesk(cfg, store, km, catalog, log)
	if err != nil {
		store.Close(context.WithoutCancel(ctx))
		return err
	}
	core, err := bridge.New(bridgeConfig(cfg, km), bridge.Deps{
		KM:        km.client,
		Store:     store,
		Catalog:   catalog,
		Escalator: desk,
		Logger:    log,
		Metrics:   metrics,
	})
	if err != nil {
		store.Close(context.WithoutCancel(ctx))
		return err
	}
	desk.Bind(core.Outbox())

	srv := httpserver.New(httpserver.Options{
		Addr:            cfg.HTTP.Listen,
		ShutdownTimeout: min(cfg.HTTP.ShutdownTimeout.D(), httpserver.DefaultShutdownTimeout),
		Logger:          log,
		TrustedProxies:  cfg.HTTP.Proxies(),
		Metrics:         promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		MetricsAddr:     cfg.HTTP.MetricsListen,
		// Unready while the store or KM is unreachable or a platform is not
		// connected: the load balancer sends events to replicas that can
		// answer them.
		Ready: core.Ready,
	})
	names, err := mountAdapters(cfg, core, srv, catalog, log)
	if err != nil {
		core.Shutdown(context.WithoutCancel(ctx))
		return err
	}
	if p := cfg.Escalation.Platform; p != "" && !slices.Contains(names, p) {
		log.Warn("escalation.platform is not running: hand-overs will fail until its credentials are set", "platform", p)
	}
	// What an earlier run accepted and did not answer goes first: the adapters
	// can send already, and receive nothing until Run.
	if _, err := core.Replay(ctx); err != nil {
		log.Error("some accepted messages could not be read back from the store's inbox; they stay there for the next start", "err", err)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- srv.Run(runCtx) }()
	go func() { errc <- core.Run(runCtx) }()
	// The desk's reminders stop before the core shuts down (and the store closes).
	deskDone := make(chan struct{})
	go func() {
		defer close(deskDone)
		_ = desk.Run(runCtx) // returns nil when runCtx ends
	}()
	// Once runCtx ends, snapsDone closes when no periodic snapshot is being
	// written any more; stopDesk waits for it too (see startSnapshots).
	var snapsDone <-chan struct{} = closedChan()
	if snap != nil && cfg.Store.SnapshotPath != "" {
		snapsDone = startSnapshots(runCtx, snap, snapshotInterval, log)
	}
	stopDesk := func() { cancel(); <-deskDone; <-snapsDone }
	select {
	case <-srv.Started():
		log.Info("kmbridge listening", "addr", srv.Addr().String(), "platforms", names, "web_chat", cfg.Web.On())
		if ready != nil {
			ready(srv.Addr())
		}
	case err := <-errc: // the server could not start (port taken, bad route)
		stopDesk()
		core.Shutdown(context.WithoutCancel(ctx))
		if errors.Is(err, syscall.EADDRINUSE) {
			key := "http.listen or KMBRIDGE_HTTP_LISTEN"
			if cfg.HTTP.MetricsListen != "" && strings.Contains(err.Error(), cfg.HTTP.MetricsListen) {
				key = "http.metrics_listen or KMBRIDGE_HTTP_METRICS_LISTEN"
			}
			return fmt.Errorf("%w: another program (another kmbridge?) uses it; choose a free address with %s", err, key)
		}
		return err
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc: // an adapter or the server failed for good
	}
	stopping := time.Now()
	stopDesk()
	log.Info("kmbridge shutting down")
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.HTTP.ShutdownTimeout.D())
	defer scancel()
	shutErr := core.Shutdown(sctx)
	log.Info("kmbridge stopped", "took", time.Since(stopping).Round(time.Millisecond))
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return errors.Join(runErr, shutErr)
	}
	return shutErr
}

// newDesk builds the hand-over desk from the escalation section.
func newDesk(cfg *config.Config, store bridge.Store, km *kmTarget, catalog *i18n.Catalog, log *slog.Logger) (*escalation.Desk, error) {
	e := cfg.Escalation
	lang := e.Language
	if lang == "" {
		lang = cfg.Bridge.Language
	}
	unclaimed := e.UnclaimedAfter.D()
	if unclaimed == 0 {
		unclaimed = -1 // escalation.unclaimed_after: 0 turns the reminder off
	}
	return escalation.NewDesk(escalation.Options{
		Agents:         bridge.ConvKey{Platform: e.Platform, Channel: e.Channel},
		Store:          store,
		KM:             km.client,
		Catalog:        catalog,
		Language:       lang,
		RobotID:        km.robotID,
		ChannelID:      km.channelID,
		UnclaimedAfter: unclaimed,
		NotePrefix:     e.NotePrefix,
		KBCategoryID:   e.KBCategoryID,
		KBChannelIDs:   e.KBChannelIDs,
		AfterUnknown:   e.AfterUnknown,
		Logger:         log,
	})
}

// redisPoolURL sizes go-redis's connection pool for the bridge's workers
// (each may have a store call in flight) unless the URL sets pool_size
// itself. go-redis's default, 10 per CPU, would make workers queue for a
// connection under load. The pool opens connections as they are needed.
func redisPoolURL(raw string, workers int) string {
	u, err := url.Parse(raw)
	if err != nil || workers <= 0 {
		return raw // redisstore.Open explains a bad URL
	}
	q := u.Query()
	if q.Has("pool_size") {
		return raw
	}
	q.Set("pool_size", strconv.Itoa(max(workers, 10*runtime.GOMAXPROCS(0))))
	u.RawQuery = q.Encode()
	return u.String()
}

// snapshotInterval bounds what a crash (no graceful shutdown) can lose.
const snapshotInterval = time.Minute

func closedChan() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// snapshotter is what startSnapshots needs of the memory store.
type snapshotter interface {
	Snapshot(ctx context.Context) error
}

// startSnapshots saves the store every interval so a crash loses at most a
// minute of sessions and buttons; shutdown (the store's Close) saves it once
// more. The returned channel closes once ctx has ended and no periodic snapshot
// is being written any more: serve waits for it before closing the store, so
// that the last snapshot is never written while a periodic one still is. Two
// at once doubled a shutdown's work (a store of 10,000 conversations once took
// kmbridge past the bench's 30 s after SIGTERM), and the periodic one, of
// older state, could be renamed over the final one.
func startSnapshots(ctx context.Context, store snapshotter, every time.Duration, log *slog.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		snapshotEvery(ctx, store, every, log)
	}()
	return done
}

func snapshotEvery(ctx context.Context, store snapshotter, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := store.Snapshot(ctx); err != nil && ctx.Err() == nil {
				log.Warn("periodic store snapshot failed", "err", err)
			}
		}
	}
}

// bridgeConfig maps the configuration onto the core's.
func bridgeConfig(cfg *config.Config, km *kmTarget) bridge.Config {
	return bridge.Config{
		RobotID:         km.robotID,
		ChannelID:       km.channelID,
		ModelKey:        km.modelKey,
		AccessKeyID:     cfg.KM.AccessKeyID,
		KMTimeout:       cfg.KM.Timeout.D(),
		Streaming:       cfg.KM.Streaming,
		SessionIdleTTL:  cfg.KM.SessionIdleTTL.D(),
		ActionTTL:       cfg.Bridge.ActionTTL.D(),
		Workers:         cfg.Bridge.Workers,
		QueueSize:       cfg.Bridge.QueueSize,
		ListCacheTTL:    cfg.Bridge.CacheTTL.D(),
		HotDays:         cfg.Bridge.HotDays,
		HotCount:        cfg.Bridge.HotCount,
		TranscriptTurns: cfg.Bridge.TranscriptTurns,
		ButtonGroups:    cfg.Bridge.ButtonGroups,
		InboxMaxAge:     cfg.Bridge.InboxMaxAge.D(),
		LeaseTTL:        cfg.Bridge.LeaseTTL.D(),
		ReplicaID:       cfg.Bridge.ReplicaID,
	}
}

// openStore opens the Redis store when store.redis_url is set (replicas share
// conversations; snapshot_path is not used), else the memory store; snap is the
// memory store, for periodic snapshots, or nil.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store bridge.Store, snap *memstore.Store, err error) {
	if cfg.Store.RedisURL != "" {
		octx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		rs, err := redisstore.Open(octx, redisstore.Options{URL: redisPoolURL(cfg.Store.RedisURL, cfg.Bridge.Workers)})
		if err != nil {
			return nil, nil, err
		}
		log.Info("store: redis", "prefix", redisstore.DefaultPrefix)
		return rs, nil, nil
	}
	ms, err := memstore.Open(memstore.Options{Path: cfg.Store.SnapshotPath, Logger: log})
	switch {
	case errors.Is(err, memstore.ErrCorruptSnapshot):
		// The bad file was moved aside: start empty rather than not at all.
		log.Warn("store snapshot was unreadable; starting with an empty store", "err", err)
	case err != nil:
		return nil, nil, err
	}
	return ms, ms, nil
}
