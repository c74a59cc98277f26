package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// Platform is the adapter's name and the Platform of its conversations.
const Platform = "telegram"

// Core is what the adapter needs from the bridge core besides the Handler it is
// run with; *bridge.Core implements it.
type Core interface {
	// Seen records a delivery id and reports whether it was recorded before.
	Seen(ctx context.Context, platform, deliveryID string) (bool, error)
	// Suggest returns typeahead suggestions (KM smartHint) for a conversation.
	Suggest(ctx context.Context, key bridge.ConvKey, user bridge.UserInfo, query string) ([]formatting.Button, error)
}

var _ Core = (*bridge.Core)(nil)

// Deps are the adapter's collaborators.
type Deps struct {
	// Core dedupes redeliveries across restarts and answers inline queries; nil
	// dedupes in memory only and answers inline queries with no results.
	Core Core
	// Catalog holds the adapter's own words; nil prints built-in English.
	Catalog *i18n.Catalog
	// Logger; nil discards.
	Logger *slog.Logger
	// HTTPClient carries every Bot API call; nil is a client with
	// Config.HTTPTimeout. A client without a timeout is refused.
	HTTPClient *http.Client
}

// Adapter is the Telegram bot. Create it with New, mount Routes (webhook mode)
// and let the core Run it. It implements bridge.Adapter, bridge.Typer,
// bridge.Editor and bridge.ClickNotifier.
type Adapter struct {
	cfg  Config
	bot  *tgbotapi.BotAPI
	core Core
	cat  *i18n.Catalog
	log  *slog.Logger
	pace *pacer

	// Memory (bounded, TTL): reply-keyboard labels per conversation, inline
	// suggestions per user, keyboards to put back after a click and the ones
	// put back, the user's last message per group conversation, group →
	// supergroup migrations, and the delivery ids seen when there is no core.
	replyKB   *memo.Memo[string, map[string]string]
	inline    *memo.Memo[string, map[string]string]
	retiring  *memo.Memo[string, retirement]
	shown     *memo.Memo[string, rows] // keyboards set by retirements, per message
	lastMsg   *memo.Memo[string, int]
	migrated  *memo.Memo[int64, int64]
	localSeen *memo.Memo[string, struct{}]

	inlineSem chan struct{} // bounds inline queries in flight
	wg        sync.WaitGroup

	mu      sync.Mutex
	running bool
	cls     *classifier    // set once getMe answered
	h       bridge.Handler // webhook mode: set while Run runs
	hctx    context.Context
}

var (
	_ bridge.Adapter       = (*Adapter)(nil)
	_ bridge.Typer         = (*Adapter)(nil)
	_ bridge.Editor        = (*Adapter)(nil)
	_ bridge.ClickNotifier = (*Adapter)(nil)
)

// Memory lifetimes.
const (
	replyKBTTL  = 7 * 24 * time.Hour // as long as the core keeps button actions
	inlineTTL   = 15 * time.Minute   // the core's SuggestTTL
	retireTTL   = 10 * time.Minute   // a click is handled well within this
	lastMsgTTL  = 24 * time.Hour
	migratedTTL = 30 * 24 * time.Hour
	dedupeTTL   = time.Hour
	inlineSlots = 8
)

// New builds the adapter. It does no network I/O: Run talks to Telegram.
func New(cfg Config, deps Deps) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	httpc := deps.HTTPClient
	if httpc == nil {
		// Its own transport: the long poll holds one connection while answers
		// to many chats go out at once, and the default pool keeps only two
		// idle connections per host, so each burst would dial (and handshake)
		// anew.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		httpc = &http.Client{Timeout: cfg.HTTPTimeout, Transport: tr}
	}
	if httpc.Timeout <= 0 {
		return nil, errors.New("telegram: Deps.HTTPClient has no Timeout; a stuck Bot API call would hang the adapter")
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Built by hand rather than with NewBotAPI…, which calls getMe.
	bot := &tgbotapi.BotAPI{Token: cfg.Token, Client: httpc, Buffer: 100}
	bot.SetAPIEndpoint(cfg.APIEndpoint)
	n := cfg.MemoSize
	a := &Adapter{
		cfg:       cfg,
		bot:       bot,
		core:      deps.Core,
		cat:       deps.Catalog,
		log:       log,
		pace:      newPacer(cfg),
		replyKB:   memo.New[string, map[string]string](n, replyKBTTL, nil),
		inline:    memo.New[string, map[string]string](n, inlineTTL, nil),
		retiring:  memo.New[string, retirement](n, retireTTL, nil),
		shown:     memo.New[string, rows](n, retireTTL, nil),
		lastMsg:   memo.New[string, int](n, lastMsgTTL, nil),
		migrated:  memo.New[int64, int64](n, migratedTTL, nil),
		localSeen: memo.New[string, struct{}](n, dedupeTTL, nil),
		inlineSem: make(chan struct{}, inlineSlots),
	}
	if a.core == nil {
		log.Warn("telegram: no core given: redeliveries are deduped in memory only and inline queries get no results")
	}
	return a, nil
}

// Name implements bridge.Adapter.
func (a *Adapter) Name() string { return Platform }

// Webhook reports whether the adapter receives by webhook (else long polling).
func (a *Adapter) Webhook() bool { return a.cfg.WebhookURL != "" }

// Run implements bridge.Adapter: it checks the token (getMe), registers the
// commands, then receives until ctx ends: by long polling (after deleteWebhook)
// or, with a webhook URL, by setWebhook and the route mounted by Routes. It
// returns an error only when it cannot start (bad token, setWebhook refused).
func (a *Adapter) Run(ctx context.Context, h bridge.Handler) error {
	if h == nil {
		return errors.New("telegram: run: nil handler")
	}
	a.mu.Lock()
	if a.running {
		a.mu.Unlock()
		return errors.New("telegram: run: already running")
	}
	a.running = true
	a.mu.Unlock()
	defer func() {
		a.wg.Wait()
		a.mu.Lock()
		a.running, a.h, a.hctx = false, nil, nil
		a.mu.Unlock()
	}()

	me, err := a.getMe(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.mu.Lock()
	a.cls = &classifier{
		botID: me.ID, botName: me.UserName, scope: a.cfg.Scope,
		replyKey: a.replyToken, inline: a.inlineToken,
	}
	a.mu.Unlock()
	a.log.Info("telegram: connected", "bot", "@"+me.UserName, "mode", a.mode())

	if !a.Webhook() {
		if err := a.deleteWebhook(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		a.setCommands(ctx)
		a.poll(ctx, h)
		return nil
	}

	// Serve before registering: Telegram may post as soon as setWebhook returns.
	a.mu.Lock()
	a.h, a.hctx = h, ctx
	a.mu.Unlock()
	stopServing := func() {
		a.mu.Lock()
		a.h, a.hctx = nil, nil
		a.mu.Unlock()
	}
	if err := a.setWebhook(ctx); err != nil {
		stopServing()
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.setCommands(ctx)
	<-ctx.Done()
	stopServing()
	return nil
}

func (a *Adapter) mode() string {
	if a.Webhook() {
		return "webhook"
	}
	return "polling"
}

func (a *Adapter) classifier() *classifier {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cls
}

// getMe checks the token, retrying while Telegram cannot be reached.
func (a *Adapter) getMe(ctx context.Context) (*tgbotapi.User, error) {
	back := backoff{}
	for {
		cctx, cancel := context.WithTimeout(ctx, a.cfg.HTTPTimeout)
		resp, err := a.call(cctx, "getMe", nil)
		cancel()
		if err == nil {
			var me tgbotapi.User
			if err := json.Unmarshal(resp.Result, &me); err != nil || me.ID == 0 {
				return nil, fmt.Errorf("telegram: getMe: malformed answer: %v", err)
			}
			return &me, nil
		}
		if fatalAuth(err) {
			return nil, fmt.Errorf("telegram: the bot token was refused (check telegram.token with @BotFather): %w", err)
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		d := back.next(err)
		a.log.Warn("telegram: getMe failed; retrying", "err", err, "in", d)
		if sleepCtx(ctx, d) != nil {
			return nil, ctx.Err()
		}
	}
}

func (a *Adapter) deleteWebhook(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, a.cfg.HTTPTimeout)
	defer cancel()
	// Pending updates stay: they are answered by the poll that follows.
	if _, err := a.do(cctx, nil, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); err != nil {
		return fmt.Errorf("telegram: cannot switch to long polling: %w", err)
	}
	return nil
}

func (a *Adapter) setWebhook(ctx context.Context) error {
	p := tgbotapi.Params{
		"url":                  a.cfg.WebhookURL,
		"secret_token":         a.cfg.WebhookSecret,
		"allowed_updates":      allowedUpdates,
		"drop_pending_updates": "false",
	}
	cctx, cancel := context.WithTimeout(ctx, a.cfg.HTTPTimeout)
	defer cancel()
	if _, err := a.do(cctx, nil, "setWebhook", p); err != nil {
		return fmt.Errorf("telegram: setWebhook %s: %w", a.cfg.WebhookURL, err)
	}
	return nil
}

// allowedUpdates are the update types the bot asks for.
const allowedUpdates = `["message","callback_query","inline_query"]`

// printer returns the catalogue in a Telegram language_code.
func (a *Adapter) printer(locale string) i18n.Printer { return a.cat.Printer(locale) }

// backoff grows a wait from 1s to 30s, or takes a 429's retry_after.
type backoff struct{ n int }

func (b *backoff) next(err error) time.Duration {
	if d, ok := retryAfter(err); ok {
		return d
	}
	d := time.Second << min(b.n, 5)
	b.n++
	return min(d, 30*time.Second)
}

func (b *backoff) reset() { b.n = 0 }
