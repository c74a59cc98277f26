package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/httpx"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// platform is ConvKey.Platform of every Slack conversation.
const platform = "slack"

// Adapter is the Slack adapter. Build it with New; it is safe for concurrent
// use. Its parts each have one job: in receives (routes, Socket Mode,
// translation to events, delivery to the host), out sends (rendering,
// posting, editing, streaming, threads), clicks turns clicks into events and
// retires buttons, extras serve the App Home, its typeahead and the
// assistant threads.
type Adapter struct {
	cfg    Config
	log    *slog.Logger
	api    *api
	in     *receiver
	out    *sender
	clicks *clicks
	extras *extras
	bg     *background
}

var (
	_ bridge.Adapter         = (*Adapter)(nil)
	_ bridge.Editor          = (*Adapter)(nil)
	_ bridge.TypingScoper    = (*Adapter)(nil)
	_ bridge.Retirer         = (*Adapter)(nil)
	_ bridge.ThreadStarter   = (*Adapter)(nil)
	_ bridge.RouteMounter    = (*Adapter)(nil)
	_ bridge.CommandPrefixer = (*Adapter)(nil)
)

// Option configures New; see package adapters/option (Logger, Catalog,
// HTTPClient, Clock).
type Option = option.Option

// options are New's choices, after option.Apply's defaults.
type options struct {
	log *slog.Logger
	cat *i18n.Catalog
	hc  *http.Client
	now func() time.Time
}

// New builds the adapter on host, the bridge core. It does no network I/O.
func New(cfg Config, host bridge.Host, opts ...Option) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if host == nil {
		return nil, errors.New("slack: new: no host")
	}
	cfg = cfg.withDefaults()
	set, err := option.Apply(opts)
	if err != nil {
		return nil, fmt.Errorf("slack: new: %w", err)
	}
	o := options{log: set.Logger, cat: set.Catalog, hc: set.HTTPClient, now: set.Clock}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	if o.hc == nil {
		o.hc = httpx.Client(30*time.Second, set.IdleConns)
	}
	if o.cat == nil {
		cat, err := i18n.New("", nil)
		if err != nil {
			return nil, err
		}
		o.cat = cat
	}
	a := &Adapter{cfg: cfg, log: o.log, bg: newBackground()}
	a.api = newAPI(cfg, o.hc, o.now, o.log)
	people := &people{api: a.api, log: o.log, lookup: cfg.LookupTimeout,
		users: memo.NewLRU[string, bridge.UserInfo](10000, cfg.UserCacheTTL, o.now),
		dms:   memo.NewLRU[string, string](10000, dmTTL, o.now)}
	convs := &convs{scope: cfg.Scope, host: host, log: o.log,
		assistants: memo.NewLRU[string, struct{}](10000, threadTTL, o.now),
		replyURLs:  memo.NewLRU[string, string](2000, responseURLTTL, o.now)}
	a.out = &sender{cfg: cfg, api: a.api, log: o.log, convs: convs, bg: a.bg,
		sent: memo.NewLRU[string, sentMsg](2000, cfg.ActionTTL, o.now), streams: newStreams()}
	a.clicks = &clicks{host: host, log: o.log, people: people, convs: convs, out: a.out, held: newHeld(o.now),
		clicked: memo.NewLRU[string, clickedMsg](2000, clickTTL, o.now),
		retired: memo.NewLRU[string, struct{}](10000, cfg.ActionTTL, o.now)}
	a.extras = &extras{cfg: cfg, host: host, log: o.log, cat: o.cat, api: a.api, people: people, convs: convs,
		out: a.out, bg: a.bg, homes: memo.NewLRU[string, struct{}](10000, cfg.HomeRefresh, o.now)}
	a.in = &receiver{cfg: cfg, host: host, log: o.log, people: people, convs: convs, clicks: a.clicks, extras: a.extras,
		socket: newSocketState()}
	return a, nil
}

// Name implements bridge.Adapter.
func (a *Adapter) Name() string { return platform }

// CommandPrefix implements bridge.CommandPrefixer: commands are sub-commands of
// the slash command ("/ask faq").
func (a *Adapter) CommandPrefix() string { return a.cfg.Command + " " }

// Run implements bridge.Adapter. In Socket Mode it connects to Slack and
// receives events until ctx ends; otherwise events arrive on the HTTP routes
// (Routes) and Run only holds intake open until ctx ends. Events that arrive
// before Run, or after it returned, are refused with 503, so Slack delivers
// them again. When Run returns, background work (Home publishes, idle
// streams) is stopped. Events go to the host New was given.
func (a *Adapter) Run(ctx context.Context) error {
	a.in.running.Store(true)
	defer func() {
		// Intake stops first: from now on HTTP deliveries get 503.
		a.in.running.Store(false)
		a.Close()
	}()
	if a.cfg.SocketMode() {
		return a.in.runSocket(ctx, a.api.client, a.bg)
	}
	<-ctx.Done()
	return nil
}

// Close stops background work and waits for it. Run calls it on return; call it
// yourself when the adapter was never run. Send and Edit keep working.
func (a *Adapter) Close() {
	a.bg.close()
	a.out.streams.stopTimers()
}

// Send implements bridge.Adapter: m rendered with slackfmt (one or more Slack
// messages, each checked with slackfmt.Validate), posted in order into the
// conversation's thread, paced per channel. It returns the last message.
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	defer a.clicks.answered(to)
	return a.out.send(ctx, to, m)
}

// Edit implements bridge.Editor with chat.update: the message at ref becomes
// the first part of m's rendering; further parts are posted after it. A
// streamed message that m only extends is appended to instead.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	defer a.clicks.redrawn(ref)
	return a.out.edit(ctx, ref, m)
}

// Retire implements bridge.Retirer with slackfmt.RetireGroup.
func (a *Adapter) Retire(ctx context.Context, r bridge.Retirement) error {
	return a.clicks.retire(ctx, r)
}

// Typing implements bridge.Typer: the "thinking" status of an assistant
// thread; Slack has no typing indicator for apps elsewhere.
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	return a.extras.typing(ctx, to)
}

// Types implements bridge.TypingScoper: only assistant threads show a status.
func (a *Adapter) Types(to bridge.ConvKey) bool { return a.extras.types(to) }

// StartThread implements bridge.ThreadStarter: m posted at the top of the
// channel of in, the root of a new thread.
func (a *Adapter) StartThread(ctx context.Context, in bridge.ConvKey, _ string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	return a.out.startThread(ctx, in, m)
}

// background runs the adapter's work that outlives a request (Home
// publishes, typeahead answers in Socket Mode, idle streams' ends) until
// Close.
type background struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func newBackground() *background {
	b := &background{}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	return b
}

// run runs fn on its own goroutine under the background context bounded by
// timeout, unless closed.
func (b *background) run(timeout time.Duration, fn func(ctx context.Context)) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.wg.Add(1)
	b.mu.Unlock()
	go func() {
		defer b.wg.Done()
		ctx, cancel := context.WithTimeout(b.ctx, timeout)
		defer cancel()
		fn(ctx)
	}()
}

// close stops the work and waits for it.
func (b *background) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}
