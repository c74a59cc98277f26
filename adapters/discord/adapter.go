package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Platform is the adapter's name and the Platform of its conversations.
const Platform = "discord"

// Core is what the adapter needs from the bridge core besides the Handler it
// is run with; *bridge.Core implements it.
type Core interface {
	// Seen records a delivery id and reports whether it was recorded before.
	Seen(ctx context.Context, platform, deliveryID string) (bool, error)
	// Suggest returns typeahead suggestions (KM smartHint) for a conversation.
	Suggest(ctx context.Context, key bridge.ConvKey, user bridge.UserInfo, query string) ([]formatting.Button, error)
}

var _ Core = (*bridge.Core)(nil)

// Option adds an optional collaborator to New.
type Option func(*options)

type options struct {
	core Core
	http *http.Client
}

// WithCore gives the adapter the core's dedupe (redeliveries are recognised
// across restarts) and suggestions (/ask autocomplete). Without it, dedupe is
// in memory only and autocomplete offers nothing.
func WithCore(c Core) Option { return func(o *options) { o.core = c } }

// WithHTTPClient carries every REST call (default: a client with
// Config.HTTPTimeout). A client without a timeout gets Config.HTTPTimeout.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.http = c } }

// Adapter is the Discord bot. Create it with New, mount Routes (for HTTP
// interactions) and let the core Run it. It implements bridge.Adapter,
// bridge.Typer, bridge.Editor and bridge.ClickNotifier.
type Adapter struct {
	cfg       Config
	s         *discordgo.Session
	conns     *conns
	core      Core
	cat       *i18n.Catalog
	log       *slog.Logger
	now       func() time.Time
	pubKey    ed25519.PublicKey
	tokenText string // the bare token, scrubbed from error texts
	channels  map[string]bool
	guilds    map[string]bool
	gates     *gates

	botID atomic.Pointer[string] // from READY

	// Memory (bounded, TTL).
	chans     *memo.Memo[string, chanInfo]       // channel id → thread or not, parent, owner
	starts    *memo.Memo[string, *threadStart]   // user message id → the thread to start from it
	pending   *memo.Memo[string, *pendingIx]     // conversation → the slash command carrying its answers
	hooked    *memo.Memo[string, hookedMsg]      // message id → the interaction it was sent through
	sentKeys  *memo.Memo[string, bridge.ConvKey] // message id → its conversation
	clicks    *memo.Memo[string, *clickCtx]      // message|user → click in flight
	retired   *memo.Memo[string, struct{}]       // messages whose components were retired
	locales   *memo.Memo[string, string]         // user id → client locale (from interactions)
	localSeen *memo.Memo[string, struct{}]       // dedupe without a core, or when it fails
	// message id → the components a click's retirement last set on it
	shown *memo.Memo[string, []discordgo.MessageComponent]

	mu      sync.Mutex
	running bool
	h       bridge.Handler
	hctx    context.Context
	evWG    sync.WaitGroup // event handlers in progress
	disc    chan struct{}  // the gateway connection was lost

	bgMu     sync.Mutex
	bgClosed bool
	bgWG     sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

var (
	_ bridge.Adapter       = (*Adapter)(nil)
	_ bridge.Typer         = (*Adapter)(nil)
	_ bridge.Editor        = (*Adapter)(nil)
	_ bridge.ClickNotifier = (*Adapter)(nil)
)

// Memory lifetimes.
const (
	chanTTL    = time.Hour          // a looked-up channel
	startTTL   = 7 * 24 * time.Hour // a thread to start (or started) from a message: as long as its buttons live
	sentTTL    = 7 * 24 * time.Hour // which conversation a message belongs to
	clickTTL   = 10 * time.Minute   // a click is handled well within this
	retiredTTL = 7 * 24 * time.Hour
	shownTTL   = 10 * time.Minute // Discord's own copy, which interactions carry, is current long before
	localeTTL  = 30 * 24 * time.Hour
	dedupeTTL  = time.Hour
	webhookTTL = 14 * time.Minute // Discord accepts an interaction's webhook for 15
)

// New builds the adapter. It does no network I/O: Run connects to Discord.
// A nil catalog prints built-in English; a nil logger discards.
func New(cfg Config, catalog *i18n.Catalog, logger *slog.Logger, opts ...Option) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if catalog == nil {
		c, err := i18n.New("", nil)
		if err != nil {
			return nil, fmt.Errorf("discord: catalog: %w", err)
		}
		catalog = c
	}
	a := &Adapter{
		cfg:       cfg,
		conns:     newConns(),
		core:      o.core,
		cat:       catalog,
		log:       logger,
		now:       time.Now,
		tokenText: cfg.bareToken(),
		channels:  set(cfg.Channels),
		guilds:    set(cfg.GuildIDs),
		gates:     newGates(),
		disc:      make(chan struct{}, 1),
	}
	if cfg.PublicKey != "" {
		k, _ := hex.DecodeString(strings.TrimSpace(cfg.PublicKey)) // checked by Validate
		a.pubKey = ed25519.PublicKey(k)
	}
	n := cfg.MemoSize
	a.chans = memo.New[string, chanInfo](n, chanTTL, a.now)
	a.starts = memo.New[string, *threadStart](n, startTTL, a.now)
	a.pending = memo.New[string, *pendingIx](n, cfg.InteractionWindow, a.now)
	a.hooked = memo.New[string, hookedMsg](n, webhookTTL, a.now)
	a.sentKeys = memo.New[string, bridge.ConvKey](n, sentTTL, a.now)
	a.clicks = memo.New[string, *clickCtx](n, clickTTL, a.now)
	a.retired = memo.New[string, struct{}](n, retiredTTL, a.now)
	a.locales = memo.New[string, string](n, localeTTL, a.now)
	a.localSeen = memo.New[string, struct{}](n, dedupeTTL, a.now)
	a.shown = memo.New[string, []discordgo.MessageComponent](n, shownTTL, a.now)

	a.s = newSession(cfg, httpClient(cfg, o.http), newDialer(a.conns))
	a.s.AddHandler(a.onReady)
	a.s.AddHandler(a.onDisconnect)
	a.s.AddHandler(a.onMessageCreate)
	a.s.AddHandler(a.onEvent)
	a.bgCtx, a.bgCancel = context.WithCancel(context.Background())
	a.bgCancel() // opened by Run
	a.bgClosed = true
	if a.core == nil {
		logger.Warn("discord: no core given: redeliveries are deduped in memory only and /ask offers no suggestions")
	}
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
// when the connection is lost, backing off while Discord cannot be reached),
// registers the application commands (shard 0), and hands events to h until
// ctx ends. It returns an error only when it cannot connect at all: the token
// or the intents were refused, or the shard settings are wrong.
func (a *Adapter) Run(ctx context.Context, h bridge.Handler) error {
	if h == nil {
		return errors.New("discord: run: nil handler")
	}
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("discord: run: already running")
	}
	a.running, a.h, a.hctx = true, h, ctx
	a.mu.Unlock()
	a.bgOpen()
	a.conns.reopen()
	defer a.stop()

	if err := a.connect(ctx); err != nil {
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
		case <-a.disc:
			if ctx.Err() != nil {
				return nil
			}
			a.log.Warn("discord: gateway connection lost; reconnecting")
			if err := a.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
		}
	}
}

// stop ends a Run: the gateway is closed, the event handlers in progress and
// the background work (interaction acknowledgements, autocomplete answers)
// finish. Send, Edit and Typing keep working afterwards (the core drains its
// queues after the adapters stopped).
func (a *Adapter) stop() {
	if err := a.s.Close(); err != nil {
		a.log.Debug("discord: closing the gateway", "err", err)
	}
	a.conns.close()
	a.mu.Lock()
	a.h, a.hctx = nil, nil
	a.mu.Unlock()
	a.evWG.Wait()
	a.bgStop()
	select { // a disconnect reported by the close above is not news to the next Run
	case <-a.disc:
	default:
	}
	a.mu.Lock()
	a.running = false
	a.mu.Unlock()
}

// enter starts handling one inbound event: it returns the handler and the run
// context, or a nil handler when the adapter is not running. done must be
// called when the event has been handed over.
func (a *Adapter) enter() (bridge.Handler, context.Context, func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.h == nil {
		return nil, nil, func() {}
	}
	a.evWG.Add(1)
	return a.h, a.hctx, a.evWG.Done
}

// connect opens the gateway, retrying with a growing pause while Discord
// cannot be reached; refusals that retrying cannot fix end it.
func (a *Adapter) connect(ctx context.Context) error {
	back := time.Second
	for {
		err := a.open(ctx)
		if err == nil {
			a.log.Info("discord: connected to the gateway", "shard", a.cfg.ShardID, "shards", a.cfg.ShardCount)
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fatal := fatalOpen(err); fatal != nil {
			return fatal
		}
		a.log.Warn("discord: cannot connect to the gateway; retrying", "err", scrub(err.Error(), a.tokenText), "in", back)
		if err := sleepWithin(ctx, back); err != nil {
			return err
		}
		back = min(back*2, time.Minute)
	}
}

// open runs discordgo's Open, which takes no context: when ctx ends first, the
// connection is cut so that Open returns.
func (a *Adapter) open(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- a.s.Open() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		a.conns.abort()
		if err := <-done; err == nil {
			_ = a.s.Close()
		}
		return ctx.Err()
	}
}

// fatalOpen turns the refusals that retrying cannot fix into an error saying
// what to change; nil for the others.
func fatalOpen(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		switch ce.Code {
		case 4004:
			return fmt.Errorf("discord: the gateway refused discord.token (4004 authentication failed): reset it in Developer Portal › Bot: %w", err)
		case 4014:
			return fmt.Errorf("discord: the MESSAGE CONTENT intent is not enabled: Developer Portal › Bot › Privileged Gateway Intents (4014): %w", err)
		case 4013:
			return fmt.Errorf("discord: the gateway refused the intents (4013): %w", err)
		case 4010, 4011:
			return fmt.Errorf("discord: the gateway refused the sharding (%d): check discord.shard_id and discord.shard_count: %w", ce.Code, err)
		case 4012:
			return fmt.Errorf("discord: the gateway refused API version %s (4012): %w", discordgo.APIVersion, err)
		}
	}
	if errors.Is(err, discordgo.ErrWSShardBounds) {
		return fmt.Errorf("discord: discord.shard_id must be less than discord.shard_count: %w", err)
	}
	if st, _ := discordCode(err); st == http.StatusUnauthorized {
		return errors.New("discord: Discord refused discord.token (HTTP 401): reset it in Developer Portal › Bot")
	}
	return nil
}

func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	if r == nil || r.User == nil {
		return
	}
	id := r.User.ID
	a.botID.Store(&id)
	a.log.Info("discord: ready", "bot", r.User.Username, "guilds", len(r.Guilds))
}

func (a *Adapter) onDisconnect(_ *discordgo.Session, _ *discordgo.Disconnect) {
	select {
	case a.disc <- struct{}{}:
	default:
	}
}

// botUserID is the bot's own user id, once READY arrived.
func (a *Adapter) botUserID() string {
	if p := a.botID.Load(); p != nil {
		return *p
	}
	return ""
}

func (a *Adapter) guildAllowed(guild string) bool {
	return len(a.guilds) == 0 || a.guilds[guild]
}

// bgOpen lets background work start (Run).
func (a *Adapter) bgOpen() {
	a.bgMu.Lock()
	defer a.bgMu.Unlock()
	a.bgCtx, a.bgCancel = context.WithCancel(context.Background())
	a.bgClosed = false
}

// bgStop cancels the background work and waits for it.
func (a *Adapter) bgStop() {
	a.bgMu.Lock()
	a.bgClosed = true
	cancel := a.bgCancel
	a.bgMu.Unlock()
	cancel()
	a.bgWG.Wait()
}

// background runs fn on its own goroutine under a context bounded by timeout
// and by the adapter's run; it reports false (and runs nothing) when the
// adapter is not running.
func (a *Adapter) background(timeout time.Duration, fn func(ctx context.Context)) bool {
	a.bgMu.Lock()
	if a.bgClosed {
		a.bgMu.Unlock()
		return false
	}
	a.bgWG.Add(1)
	base := a.bgCtx
	a.bgMu.Unlock()
	go func() {
		defer a.bgWG.Done()
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		fn(ctx)
	}()
	return true
}

// printer is the catalogue in a Discord locale ("ja", "zh-CN", "en-US").
func (a *Adapter) printer(locale string) i18n.Printer { return a.cat.Printer(locale) }

// seen reports whether a delivery was handled before: through the core's store
// when there is one (it survives restarts), else in memory.
func (a *Adapter) seen(ctx context.Context, id string) bool {
	if a.core != nil {
		dup, err := a.core.Seen(ctx, Platform, id)
		if err == nil {
			return dup
		}
		a.log.Warn("discord: dedupe failed; deduping in memory", "err", err)
	}
	return !a.localSeen.Add(id, struct{}{})
}
