package discordadapter

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Platform is the adapter's name and the Platform of its conversations.
const Platform = "discord"

// Option configures New; see package adapters/option (Logger, Catalog,
// HTTPClient, Clock).
type Option = option.Option

// options are New's choices, after option.Apply's defaults.
type options struct {
	log   *slog.Logger
	cat   *i18n.Catalog
	http  *http.Client
	clock func() time.Time
}

// base is what every part of the adapter shares: its configuration, logger,
// catalogue and clock.
type base struct {
	cfg Config
	log *slog.Logger
	cat *i18n.Catalog
	now func() time.Time
}

// printer is the catalogue in a Discord locale ("ja", "zh-CN", "en-US").
func (b *base) printer(locale string) i18n.Printer { return b.cat.Printer(locale) }

// Adapter is the Discord bot. Create it with New, mount its routes (HTTP
// interactions) and let the core run it. It implements bridge.Adapter,
// bridge.Typer, bridge.Editor, bridge.Retirer, bridge.ThreadStarter and
// bridge.RouteMounter. Its parts each do one job: the gateway connection,
// the REST calls, what the bot knows of channels and threads, receiving,
// sending, and retiring clicked components.
type Adapter struct {
	*base
	life   *lifecycle
	gw     *gateway
	api    *rest
	chans  *channels
	in     *receiver
	out    *sender
	clicks *clicker
	pubKey ed25519.PublicKey
}

var (
	_ bridge.Adapter       = (*Adapter)(nil)
	_ bridge.Typer         = (*Adapter)(nil)
	_ bridge.Editor        = (*Adapter)(nil)
	_ bridge.Retirer       = (*Adapter)(nil)
	_ bridge.ThreadStarter = (*Adapter)(nil)
	_ bridge.RouteMounter  = (*Adapter)(nil)
)

// Memory lifetimes.
const (
	chanTTL     = time.Hour          // a looked-up channel
	startTTL    = 7 * 24 * time.Hour // a thread to start (or started) from a message: as long as its buttons live
	sentTTL     = 7 * 24 * time.Hour // a sent message: its conversation, button groups and components
	clickTTL    = 14 * time.Minute   // a click's interaction: Discord accepts its webhook for 15
	inflightTTL = time.Minute        // the longest a click is held (the guard against double clicks)
	localeTTL   = 30 * 24 * time.Hour
	activeTTL   = 30 * time.Minute // a channel with recent messages: read again after a new session
	webhookTTL  = 14 * time.Minute // Discord accepts an interaction's webhook for 15
)

// maxRecent bounds the channels remembered for catching up.
const maxRecent = 1000

// New builds the adapter on host. It does no network I/O: Run connects to
// Discord. Every inbound event goes to host.Deliver.
func New(cfg Config, host bridge.Host, opts ...Option) (*Adapter, error) {
	if host == nil {
		return nil, errors.New("discord: new: nil host")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	chosen, err := option.Apply(opts)
	if err != nil {
		return nil, fmt.Errorf("discord: new: %w", err)
	}
	o := options{log: chosen.Logger, cat: chosen.Catalog, http: chosen.HTTPClient, clock: chosen.Clock}
	b := &base{cfg: cfg, log: o.log, cat: o.cat, now: o.clock}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if b.now == nil {
		b.now = time.Now
	}
	if b.cat == nil {
		c, err := i18n.New("", nil)
		if err != nil {
			return nil, fmt.Errorf("discord: catalog: %w", err)
		}
		b.cat = c
	}
	n := cfg.MemoSize
	life := newLifecycle()
	global := &globalLimit{}
	gw := newGateway(b, httpClient(cfg, o.http, chosen.IdleConns, global))
	api := newRest(gw.s, global, cfg, b.log)
	chans := &channels{base: b, api: api, state: gw.s.State, bot: gw.botUserID,
		info:   memo.New[string, chanInfo](n, chanTTL, b.now),
		starts: memo.New[string, *threadStart](n, startTTL, b.now),
	}
	out := &sender{base: b, api: api, chans: chans, life: life,
		pending: memo.New[string, *pendingIx](n, cfg.InteractionWindow, b.now),
		hooked:  memo.New[string, hookedMsg](n, webhookTTL, b.now),
		sent:    memo.New[string, *sentMsg](n, sentTTL, b.now),
	}
	clicks := &clicker{base: b, api: api, out: out,
		byToken: memo.New[string, *clickCtx](n, clickTTL, b.now),
		retired: memo.New[string, struct{}](n, sentTTL, b.now),
	}
	in := &receiver{base: b, host: host, life: life, gw: gw, chans: chans, out: out, clicks: clicks,
		guilds: set(cfg.GuildIDs), configured: set(cfg.Channels),
		locales: memo.New[string, string](n, localeTTL, b.now),
		active:  newRecent(min(n, maxRecent)),
	}
	a := &Adapter{base: b, life: life, gw: gw, api: api, chans: chans, in: in, out: out, clicks: clicks}
	if cfg.PublicKey != "" {
		k, _ := hex.DecodeString(strings.TrimSpace(cfg.PublicKey)) // checked by Validate
		a.pubKey = ed25519.PublicKey(k)
	}
	gw.s.AddHandler(gw.onReady)
	gw.s.AddHandler(gw.onDisconnect)
	gw.s.AddHandler(gw.onResumed)
	gw.s.AddHandler(in.onMessageCreate)
	gw.s.AddHandler(in.onEvent)
	gw.onNewSession = in.catchUp
	return a, nil
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[strings.TrimSpace(id)] = true
	}
	return m
}

// Name implements bridge.Adapter.
func (a *Adapter) Name() string { return Platform }

// Run implements bridge.Adapter: it connects to the gateway (and reconnects
// when the connection is lost, resuming the session, backing off while
// Discord cannot be reached), registers the application commands (shard 0),
// and delivers what arrives to the host until ctx ends. It returns an error
// only when it cannot connect at all: the token or the intents were refused,
// or the shard settings are wrong. Events go to the host given to New.
func (a *Adapter) Run(ctx context.Context) error {
	if err := a.life.start(ctx); err != nil {
		return err
	}
	a.gw.state.set(errGatewayConnecting)
	a.gw.conns.reopen()
	defer a.stop()

	if err := a.gw.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if a.cfg.ShardID == 0 {
		a.registerCommands(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.gw.disc:
			if ctx.Err() != nil {
				return nil
			}
			a.log.Warn("discord: gateway connection lost; reconnecting")
			if err := a.gw.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

// stop ends a Run. Intake stops first: the gateway is closed and HTTP
// interactions are refused; then the events being delivered finish, and the
// background work they started (interaction responses, notes) gets a short
// grace to go out before it is cancelled. Send, Edit and Typing keep working
// afterwards (the core drains its queues after the adapters stopped).
func (a *Adapter) stop() {
	a.life.closeIntake()
	a.gw.close()
	a.life.finish(stopGrace)
}

// stopGrace is how long interaction responses and notes still in flight at
// shutdown may take: an accepted interaction left unanswered shows as failed.
const stopGrace = 3 * time.Second

// Routes implements bridge.RouteMounter: POST /discord/interactions, when
// Config.PublicKey is set (otherwise interactions arrive over the gateway).
func (a *Adapter) Routes(r bridge.Router) {
	if a.pubKey == nil {
		return
	}
	r.HandleLimit("POST "+InteractionsPath, a.in.httpHandler(a.pubKey), a.cfg.MaxBodyBytes)
}

// Send implements bridge.Adapter (see sender.send). A message to a
// conversation ends the clicks held there: they have been answered (ended
// first, so a click made as soon as the message shows is taken).
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	a.clicks.answered(to)
	return a.out.send(ctx, to, m)
}

// Edit implements bridge.Editor (see sender.edit). An edit ends the clicks
// held on the message: it is redrawn for them.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	a.clicks.redrawn(ref.ID)
	return a.out.edit(ctx, ref, m)
}

// Typing implements bridge.Typer (see sender.typing).
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	return a.out.typing(ctx, to)
}

// StartThread implements bridge.ThreadStarter (see sender.startThread).
func (a *Adapter) StartThread(ctx context.Context, in bridge.ConvKey, title string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	return a.out.startThread(ctx, in, title, m)
}

// Retire implements bridge.Retirer (see clicker.retire).
func (a *Adapter) Retire(ctx context.Context, r bridge.Retirement) error {
	return a.clicks.retire(ctx, r)
}
