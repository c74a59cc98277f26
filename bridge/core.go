package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Bounds of the in-process memory of joined threads (the store is the truth).
const (
	joinedMemoSize = 50000
	joinedMemoTTL  = 24 * time.Hour
	sharedMemoSize = 20000
)

// Errors returned by Handle.
var (
	// ErrBusy: the conversation's queue is full. The user has been told to try
	// again (best effort); the event was not accepted.
	ErrBusy = errors.New("bridge: conversation busy, event refused")
	// ErrClosed: the core is shutting down and accepts no more events.
	ErrClosed = errors.New("bridge: shutting down")
)

// Deps are the core's collaborators.
type Deps struct {
	KM        KM            // required: usually a *kmclient.Client
	Store     Store         // required: e.g. *memstore.Store
	Catalog   *i18n.Catalog // nil: built-in English
	Escalator Escalator     // nil: NoAgents
	Logger    *slog.Logger  // nil: discard
	Metrics   *Metrics      // nil: no metrics
	// Clock is the time source for session idleness, transcripts and the streaming
	// edit throttle; nil is time.Now. (Timeouts and the typing ticker use real time.)
	Clock func() time.Time
}

// Core is the bridge core. Create it with New; it is safe for concurrent use.
type Core struct {
	cfg   Config
	km    KM
	store Store
	cat   *i18n.Catalog
	esc   Escalator
	log   *slog.Logger
	met   *Metrics
	now   func() time.Time
	lists *cache.Cache // FAQ and hot-question lists
	// joined are threads with events since start: a thread is joined before
	// its first answer creates the KM session that proves it after a restart.
	joined *memo.Memo[string, struct{}]
	// sharedSaved are the shared actions stored lately (mint.go): not
	// stored again for every visitor who sees them.
	sharedSaved *memo.Memo[SharedID, struct{}]

	// base is the context every event is processed under: not the adapter's
	// request context, which usually ends once the event is acknowledged.
	base       context.Context
	cancelBase context.CancelFunc

	amu      sync.RWMutex
	adapters map[string]Adapter

	mu      sync.Mutex
	convs   map[string]*conv
	closing bool
	wg      sync.WaitGroup // workers and busy replies
	sem     chan struct{}  // worker slots
	// The durable inbox (inbox.go): the last sequence number given, whether an
	// event has been taken or replayed (Replay comes first, once), and what
	// shutdown left in the inbox.
	lastSeq   uint64
	intake    bool
	replayed  bool
	left      int
	leftConvs map[string]struct{}

	// Several replicas (lease.go, sharedqueue.go): nil sh without a Shared
	// store. The keeper renews leases and sweeps orphans from its first use
	// until Shutdown; Lead calls are counted so Shutdown waits for them.
	sh         Shared
	leases     *leases
	keepCtx    context.Context
	stopKeep   context.CancelFunc
	keeperDone chan struct{} // nil until the keeper starts; guarded by mu
	leads      sync.WaitGroup
	leading    map[string]bool // Lead names this process leads or is taking; guarded by mu
	puts       atomic.Uint64   // inbox append ids

	health health // readiness (ready.go)

	shutdownOnce sync.Once
	shutdownErr  error
}

// New builds a core. It does no I/O.
func New(cfg Config, deps Deps) (*Core, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if deps.KM == nil {
		return nil, errors.New("bridge: Deps.KM is required")
	}
	if deps.Store == nil {
		return nil, errors.New("bridge: Deps.Store is required")
	}
	c := &Core{
		cfg:    cfg,
		km:     deps.KM,
		store:  deps.Store,
		cat:    deps.Catalog,
		esc:    deps.Escalator,
		log:    deps.Logger,
		met:    deps.Metrics,
		now:    deps.Clock,
		lists:  cache.New(cfg.ListCacheTTL, 0), // no janitor goroutine: two keys, read-expired
		joined: memo.NewLRU[string, struct{}](joinedMemoSize, joinedMemoTTL, deps.Clock),
		// Real time: it follows the store's expiry, not the core's clock.
		sharedSaved: memo.New[SharedID, struct{}](sharedMemoSize, sharedRefreshMax, time.Now),
		adapters:    map[string]Adapter{},
		convs:       map[string]*conv{},
		sem:         make(chan struct{}, cfg.Workers),
		leftConvs:   map[string]struct{}{},
	}
	if c.cat == nil {
		cat, err := i18n.New("", nil)
		if err != nil {
			return nil, fmt.Errorf("bridge: catalog: %w", err)
		}
		c.cat = cat
	}
	if c.esc == nil {
		c.esc = NoAgents{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	c.base, c.cancelBase = context.WithCancel(context.Background())
	if sh, ok := deps.Store.(Shared); ok {
		id := cfg.ReplicaID
		if id == "" {
			id, _ = os.Hostname()
		}
		if id == "" {
			id = "kmbridge"
		}
		c.sh = sh
		c.leases = &leases{st: sh, holder: newHolder(id), ttl: cfg.LeaseTTL, margin: cfg.LeaseTTL / 5, held: map[string]*lease{}}
		c.keepCtx, c.stopKeep = context.WithCancel(context.Background())
	}
	return c, nil
}

// Register adds adapters; the core sends to an adapter chosen by
// ConvKey.Platform == Adapter.Name(). A second adapter with the same name
// replaces the first.
func (c *Core) Register(adapters ...Adapter) {
	c.amu.Lock()
	defer c.amu.Unlock()
	for _, a := range adapters {
		if a == nil {
			continue
		}
		if _, dup := c.adapters[a.Name()]; dup {
			c.log.Warn("bridge: adapter registered twice; the last one wins", "platform", a.Name())
		}
		c.adapters[a.Name()] = a
	}
}

func (c *Core) adapter(platform string) Adapter {
	c.amu.RLock()
	defer c.amu.RUnlock()
	return c.adapters[platform]
}

// Run runs every registered adapter with Handle as its handler and returns when
// ctx ends and all of them have returned, or when all of them have failed early.
// An adapter that fails does not stop the others; its error is logged and
// returned (joined) at the end. Run does not drain queues: call Shutdown for that.
func (c *Core) Run(ctx context.Context) error {
	c.amu.RLock()
	as := make([]Adapter, 0, len(c.adapters))
	for _, a := range c.adapters {
		as = append(as, a)
	}
	c.amu.RUnlock()
	if len(as) == 0 {
		return errors.New("bridge: run: no adapters registered")
	}
	var (
		wg   sync.WaitGroup
		emu  sync.Mutex
		errs []error
	)
	for _, a := range as {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := a.Run(ctx)
			if err == nil || (ctx.Err() != nil && errors.Is(err, ctx.Err())) {
				return
			}
			c.log.Error("bridge: adapter stopped", "platform", a.Name(), "err", redact(err))
			emu.Lock()
			errs = append(errs, fmt.Errorf("bridge: adapter %s: %w", a.Name(), err))
			emu.Unlock()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Shutdown stops accepting events (Handle returns ErrClosed), lets the queued
// events finish until ctx ends, then cuts the rest short: in-flight KM calls
// are cancelled, and every event not answered stays in the durable inbox for
// Replay at the next start (logged with counts, "left in inbox"). On a Shared
// store, "queued" is what this replica's workers had listed: they then release
// their conversations' leases, so other replicas take what is left at once,
// and Lead's runs end and give up their leadership. It finally closes the
// store, which writes memstore's snapshot and journal even when ctx has
// already ended. It returns ctx's error when the drain was cut short. Calling
// it again returns the first result.
func (c *Core) Shutdown(ctx context.Context) error {
	c.shutdownOnce.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()

		done := make(chan struct{})
		go func() { c.wg.Wait(); close(done) }()
		var errs []error
		select {
		case <-done:
		case <-ctx.Done():
			errs = append(errs, fmt.Errorf("bridge: shutdown: drain cut short: %w", ctx.Err()))
			c.cancelBase()
			<-done
		}
		c.cancelBase()
		if err := c.stopShared(ctx); err != nil {
			errs = append(errs, err)
		}
		c.mu.Lock()
		left, convs := c.left, len(c.leftConvs)
		c.mu.Unlock()
		if left > 0 {
			c.log.Warn("bridge: shutdown: events left in inbox; they are handled at the next start",
				"events", left, "conversations", convs)
		}
		if err := c.store.Close(context.WithoutCancel(ctx)); err != nil {
			errs = append(errs, fmt.Errorf("bridge: shutdown: store: %w", err))
		}
		c.shutdownErr = errors.Join(errs...)
	})
	return c.shutdownErr
}

// Seen records an adapter's delivery id (namespaced by platform) for the
// configured DedupeTTL and reports whether it had been seen before: adapters use it
// to drop platform redeliveries.
func (c *Core) Seen(ctx context.Context, platform, deliveryID string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.SeenTimeout)
	defer cancel()
	seen, err := c.store.Seen(ctx, platform+":"+deliveryID, c.cfg.DedupeTTL)
	if err != nil {
		return false, fmt.Errorf("bridge: seen: %w", err)
	}
	return seen, nil
}
