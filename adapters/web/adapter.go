package webadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Platform is the adapter's name and the Platform of its conversations.
const Platform = "web"

// Adapter is the web chat. Create it with New, mount it with Routes, and let
// the bridge Run it. Each part does one job: the hub holds the open tabs, the
// history is the store's (through the host), identity turns cookies into
// conversation ids, the receiver delivers what tabs send, the sender carries
// out what the core sends, the greeter keeps the shared welcome, and pages
// serves the page, its assets and the widget.
type Adapter struct {
	cfg      Config
	log      *slog.Logger
	live     *hub
	hist     *history
	ids      *identity
	in       *receiver
	out      *sender
	greet    *greeter
	page     *pages
	upgrader websocket.Upgrader
	// Other replicas' changes to the histories (relay.go); nil watcher: one
	// process, nothing to watch.
	watcher bridge.HistoryWatcher
	relay   *relay
}

var (
	_ bridge.Adapter      = (*Adapter)(nil)
	_ bridge.Typer        = (*Adapter)(nil)
	_ bridge.Editor       = (*Adapter)(nil)
	_ bridge.Retirer      = (*Adapter)(nil)
	_ bridge.Greeter      = (*Adapter)(nil)
	_ bridge.RouteMounter = (*Adapter)(nil)
)

// Option configures New; see package adapters/option (Logger, Catalog,
// HTTPClient, Clock).
type Option = option.Option

// options are New's choices, after option.Apply's defaults.
type options struct {
	log    *slog.Logger
	cat    *i18n.Catalog
	now    func() time.Time
	render func(formatting.Message) (json.RawMessage, error)
}

// New builds the web chat on host, which must also keep histories and
// secrets (bridge.HistoryHost, bridge.SecretHost: *bridge.Core does). When
// the host also tells other replicas' changes to the histories
// (bridge.HistoryWatcher), the tabs open here show them as they happen. It
// does no I/O: the cookie secret is read from the store at the first request.
func New(cfg Config, host bridge.Host, opts ...Option) (*Adapter, error) {
	if host == nil {
		return nil, errors.New("web: new: no host")
	}
	hh, ok := host.(bridge.HistoryHost)
	if !ok {
		return nil, fmt.Errorf("web: new: the host (%T) keeps no histories (bridge.HistoryHost)", host)
	}
	sh, ok := host.(bridge.SecretHost)
	if !ok {
		return nil, fmt.Errorf("web: new: the host (%T) keeps no secrets (bridge.SecretHost)", host)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("web: new: %w", err)
	}
	cfg = cfg.withDefaults()
	set, err := option.Apply(opts)
	if err != nil {
		return nil, fmt.Errorf("web: new: %w", err)
	}
	o := options{log: set.Logger, cat: set.Catalog, now: set.Clock, render: cfg.render}
	if o.render == nil {
		o.render = renderWeb
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	a := &Adapter{
		cfg:  cfg,
		log:  o.log,
		live: newHub(cfg),
		hist: &history{host: hh, keep: cfg.HistorySize},
		ids:  &identity{secrets: sh},
		greet: &greeter{host: host, render: o.render, log: o.log, now: o.now, ttl: cfg.greetingTTL(),
			langs: map[i18n.Lang]*greeting{}},
	}
	a.page = newPages(cfg, o.cat, o.log, a.ids)
	a.in = &receiver{host: host, hist: a.hist, live: a.live, limits: newLimits(cfg, o.now), log: o.log, cfg: cfg,
		echoClicks: true, taken: memo.New[string, struct{}](takenSize, takenTTL, o.now)}
	a.out = &sender{hist: a.hist, live: a.live, render: o.render}
	a.watcher, _ = host.(bridge.HistoryWatcher)
	a.relay = newRelay(a.hist, a.live, o.log)
	a.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      func(*http.Request) bool { return true }, // serveWS has checked
		// Idle tabs hold no write buffer, and a small read buffer rather than
		// the request's 4 KB: most of a chat's sockets are idle. (A frame may
		// still be as long as readLimit.)
		WriteBufferPool: &sync.Pool{},
		ReadBufferSize:  1024,
	}
	return a, nil
}

// Name implements bridge.Adapter.
func (a *Adapter) Name() string { return Platform }

// Greets implements bridge.Greeter: every history starts with the shared
// welcome, so the core sends no KM welcome at first contact.
func (a *Adapter) Greets() bool { return true }

// Run takes what the tabs send until ctx ends, then stops intake (a frame is
// answered "send again"), closes every socket (the pages reconnect to
// whoever serves next) and returns nil. Tabs are delivered through the host.
// Meanwhile it shows the tabs here what other replicas write to their
// conversations' histories.
func (a *Adapter) Run(ctx context.Context) error {
	a.live.reopen()
	a.in.intake.Store(true)
	stopWatch := a.watch(ctx)
	<-ctx.Done()
	a.in.intake.Store(false)
	stopWatch()
	a.live.closeAll()
	return nil
}

// watch feeds the relay from the host's watcher until the returned stop.
func (a *Adapter) watch(ctx context.Context) (stop func()) {
	if a.watcher == nil {
		return func() {}
	}
	a.relay.open()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := a.watcher.WatchHistory(wctx, a.relay.push); err != nil && wctx.Err() == nil {
			a.log.Error("web: other replicas' messages will show in open tabs only after a reload", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
		a.relay.close()
	}
}

// Send implements bridge.Adapter: the message joins the conversation's
// history and goes to every open tab. With no tab open it waits in the
// history for the next one.
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	ref, err := a.out.send(ctx, to, m)
	if err != nil {
		return bridge.MsgRef{}, fmt.Errorf("web: send: %w", err)
	}
	return ref, nil
}

// Edit implements bridge.Editor: the message is replaced in place, in the
// history and in every open tab.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	if err := a.out.edit(ctx, ref, m); err != nil {
		return fmt.Errorf("web: edit %s: %w", ref.ID, err)
	}
	return nil
}

// Typing implements bridge.Typer: open tabs show the indicator until the next
// message or for a few seconds.
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	if err := a.out.typing(to); err != nil {
		return fmt.Errorf("web: typing: %w", err)
	}
	return nil
}

// Retire implements bridge.Retirer.
func (a *Adapter) Retire(ctx context.Context, r bridge.Retirement) error {
	if err := a.out.retire(ctx, r); err != nil {
		return fmt.Errorf("web: retire in %s: %w", r.Ref.ID, err)
	}
	return nil
}

// Routes implements bridge.RouteMounter: GET / (the page), GET /static/ (its
// CSS and JS), GET /widget.js, GET /ws (the socket).
func (a *Adapter) Routes(r bridge.Router) {
	r.Handle("GET /{$}", a.page.secure(http.HandlerFunc(a.page.servePage)))
	r.Handle("GET /static/{file}", a.page.secure(http.HandlerFunc(a.page.serveStatic)))
	r.Handle("GET /widget.js", a.page.secure(http.HandlerFunc(a.page.serveWidget)))
	r.Handle("GET /ws", a.page.secure(http.HandlerFunc(a.serveWS)))
}
