package slackadapter

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
	"github.com/kmbridge/kmbridge/kmclient"
)

// platform is ConvKey.Platform of every Slack conversation.
const platform = "slack"

// Core is what the adapter needs from the bridge core; *bridge.Core implements it.
type Core interface {
	// Seen records a delivery id and reports whether it was seen before.
	Seen(ctx context.Context, platform, deliveryID string) (bool, error)
	// Suggest returns typeahead suggestions (KM smartHint) as buttons with tokens.
	Suggest(ctx context.Context, key bridge.ConvKey, user bridge.UserInfo, query string) ([]formatting.Button, error)
	// Tokens mints the tokens of the Home tab's buttons (stored by save).
	Tokens(key bridge.ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error)
	// SuggestionTokens mints the token of the typeahead's "ask" option.
	SuggestionTokens(key bridge.ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error)
	// FAQ returns the FAQ categories (cached by the core).
	FAQ(ctx context.Context) ([]kmclient.QuestionCategory, error)
	// Hot returns the hot questions (cached by the core).
	Hot(ctx context.Context) ([]kmclient.Question, error)
}

var _ Core = (*bridge.Core)(nil)

// Deps are the adapter's collaborators.
type Deps struct {
	// Core is the bridge core (required).
	Core Core
	// Store is the core's store. With it, the threads the bot answers in are
	// still recognised after a restart (by their KM session); nil: only while
	// the process runs.
	Store bridge.Store
	// Catalog holds the adapter's words; nil: built-in English.
	Catalog *i18n.Catalog
	// Logger; nil discards.
	Logger *slog.Logger
	// HTTPClient makes the calls to Slack; nil: a client with a 30 s timeout.
	HTTPClient *http.Client
	// Clock; nil is time.Now.
	Clock func() time.Time
}

// Adapter is the Slack adapter. Build it with New; it is safe for concurrent use.
type Adapter struct {
	cfg   Config
	api   *slack.Client
	http  *http.Client
	core  Core
	store bridge.Store
	cat   *i18n.Catalog
	log   *slog.Logger
	now   func() time.Time

	handler atomic.Pointer[bridge.Handler]
	botID   atomic.Pointer[string]

	pace       *pacer
	users      *memo.Memo[string, bridge.UserInfo]
	dms        *memo.Memo[string, string]       // user id → DM channel id
	threads    *memo.Memo[string, struct{}]     // channel threads we answer in
	assistants *memo.Memo[string, struct{}]     // assistant threads (channel|thread_ts)
	sent       *memo.Memo[string, slackfmt.Msg] // messages with interactive elements, by channel|ts
	clicks     *memo.Memo[string, clickCtx]     // clicks in flight, by channel|ts|user
	retired    *memo.Memo[string, struct{}]     // messages whose buttons were retired, by channel|ts
	homes      *memo.Memo[string, struct{}]     // users whose Home was published recently
	replyURLs  *memo.Memo[string, string]       // ephemeral conversation → slash command response_url
	streams    *streams

	bgMu     sync.Mutex
	bgClosed bool
	bgWG     sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

var (
	_ bridge.Adapter         = (*Adapter)(nil)
	_ bridge.Editor          = (*Adapter)(nil)
	_ bridge.Typer           = (*Adapter)(nil)
	_ bridge.ClickNotifier   = (*Adapter)(nil)
	_ bridge.CommandPrefixer = (*Adapter)(nil)
)

// New builds the adapter. It does no network I/O.
func New(cfg Config, deps Deps) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if deps.Core == nil {
		return nil, errors.New("slack: Deps.Core is required")
	}
	a := &Adapter{
		cfg: cfg, core: deps.Core, store: deps.Store, cat: deps.Catalog, log: deps.Logger, now: deps.Clock,
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.cat == nil {
		cat, err := i18n.New("", nil)
		if err != nil {
			return nil, err
		}
		a.cat = cat
	}
	hc := deps.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	opts := []slack.Option{slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(hc)}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	a.api = slack.New(cfg.BotToken, opts...)
	a.http = hc
	a.pace = newPacer(cfg.RatePerSecond, cfg.Burst, a.now)
	a.users = memo.NewLRU[string, bridge.UserInfo](10000, cfg.UserCacheTTL, a.now)
	a.dms = memo.NewLRU[string, string](10000, dmTTL, a.now)
	a.threads = memo.NewLRU[string, struct{}](50000, threadTTL, a.now)
	a.assistants = memo.NewLRU[string, struct{}](10000, threadTTL, a.now)
	a.sent = memo.NewLRU[string, slackfmt.Msg](2000, cfg.ActionTTL, a.now)
	a.clicks = memo.NewLRU[string, clickCtx](2000, clickTTL, a.now)
	a.retired = memo.NewLRU[string, struct{}](10000, cfg.ActionTTL, a.now)
	a.homes = memo.NewLRU[string, struct{}](10000, cfg.HomeRefresh, a.now)
	a.replyURLs = memo.NewLRU[string, string](2000, responseURLTTL, a.now)
	a.streams = newStreams()
	a.bgCtx, a.bgCancel = context.WithCancel(context.Background())
	return a, nil
}

// Name implements bridge.Adapter.
func (a *Adapter) Name() string { return platform }

// CommandPrefix implements bridge.CommandPrefixer: commands are sub-commands of
// the slash command ("/ask faq").
func (a *Adapter) CommandPrefix() string { return a.cfg.Command + " " }

// Run implements bridge.Adapter. In Socket Mode it connects to Slack and handles
// events until ctx ends; otherwise events arrive on the HTTP routes (Routes) and
// Run only waits for ctx. Events that arrive before Run, or after it returned,
// are refused with 503, so Slack delivers them again. When Run returns,
// background work (Home publishes, idle streams) is stopped.
func (a *Adapter) Run(ctx context.Context, h bridge.Handler) error {
	if h == nil {
		return errors.New("slack: run: nil handler")
	}
	a.handler.Store(&h)
	defer func() {
		// From now on HTTP deliveries get 503 (before any dedupe), so Slack
		// delivers them again to whoever runs next.
		a.handler.Store(nil)
		a.Close()
	}()
	if a.cfg.SocketMode() {
		return a.runSocket(ctx, h)
	}
	<-ctx.Done()
	return nil
}

// Close stops background work and waits for it. Run calls it on return; call it
// yourself when the adapter was never run. Send and Edit keep working.
func (a *Adapter) Close() {
	a.bgMu.Lock()
	a.bgClosed = true
	a.bgMu.Unlock()
	a.bgCancel()
	a.streams.stopTimers()
	a.bgWG.Wait()
}

// background runs fn on its own goroutine under the adapter's background context
// bounded by timeout, unless the adapter is closed.
func (a *Adapter) background(timeout time.Duration, fn func(ctx context.Context)) {
	a.bgMu.Lock()
	if a.bgClosed {
		a.bgMu.Unlock()
		return
	}
	a.bgWG.Add(1)
	a.bgMu.Unlock()
	go func() {
		defer a.bgWG.Done()
		ctx, cancel := context.WithTimeout(a.bgCtx, timeout)
		defer cancel()
		fn(ctx)
	}()
}

func (a *Adapter) currentHandler() bridge.Handler {
	if p := a.handler.Load(); p != nil {
		return *p
	}
	return nil
}

// printer returns the catalogue printer for a Slack locale ("ja-JP").
func (a *Adapter) printer(locale string) i18n.Printer { return a.cat.Printer(locale) }
