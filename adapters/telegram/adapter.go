package telegramadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/httpx"
)

// Platform is the adapter's name and the Platform of its conversations.
const Platform = "telegram"

// Adapter is the Telegram bot. Build it with New, mount its Routes and let the
// core Run it. It implements bridge.Adapter, bridge.Typer, bridge.Editor,
// bridge.Retirer, bridge.ThreadStarter and bridge.RouteMounter.
type Adapter struct {
	cfg     Config
	log     *slog.Logger
	recv    *receiver // updates in: polling, webhook, delivery to the host
	send    *sender   // messages out: send, edit, typing
	clicks  *clicks   // button presses: answers, retirement
	topics  *topics   // threads for the hand-over
	files   *files    // file links
	cat     *i18n.Catalog
	running atomic.Bool
}

var (
	_ bridge.Adapter       = (*Adapter)(nil)
	_ bridge.Typer         = (*Adapter)(nil)
	_ bridge.Editor        = (*Adapter)(nil)
	_ bridge.Retirer       = (*Adapter)(nil)
	_ bridge.ThreadStarter = (*Adapter)(nil)
	_ bridge.RouteMounter  = (*Adapter)(nil)
)

// Option configures New; see package adapters/option (Logger, Catalog,
// HTTPClient, Clock).
type Option = option.Option

// options are New's choices, after option.Apply's defaults.
type options struct {
	log   *slog.Logger
	cat   *i18n.Catalog
	httpc *http.Client
	now   func() time.Time
}

// New builds the adapter on host. It does no network I/O: Run talks to
// Telegram.
func New(cfg Config, host bridge.Host, opts ...Option) (*Adapter, error) {
	if host == nil {
		return nil, errors.New("telegram: new: nil host")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	set, err := option.Apply(opts)
	if err != nil {
		return nil, fmt.Errorf("telegram: new: %w", err)
	}
	o := options{log: set.Logger, cat: set.Catalog, httpc: set.HTTPClient, now: set.Clock}
	if o.httpc == nil {
		// Its own transport: the long poll holds one connection while answers
		// to many chats go out at once, and the default pool keeps only two
		// idle connections per host, so each burst would dial (and handshake)
		// anew.
		o.httpc = httpx.Client(cfg.HTTPTimeout, set.IdleConns)
	}
	if o.httpc.Timeout <= 0 {
		return nil, errors.New("telegram: WithHTTPClient: the client has no Timeout; a stuck Bot API call would hang the adapter")
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	api := newAPI(cfg, o.httpc, o.log)
	b := newBoard(cfg.MemoSize, o.now)
	send := newSender(api, b, o.cat, o.log, cfg.MemoSize, o.now)
	cl := &clicks{api: api, send: send, board: b, cat: o.cat, log: o.log}
	fl := newFiles(cfg, api, o.httpc, o.now, o.log)
	a := &Adapter{
		cfg: cfg, log: o.log, send: send, clicks: cl, files: fl, cat: o.cat,
		topics: newTopics(api, send, o.log, cfg.MemoSize, o.now),
		recv: &receiver{
			cfg: cfg, host: host, api: api, log: o.log, send: send, clicks: cl, files: fl,
			inline: newInline(api, host, o.cat, o.log, cfg, o.now),
			state:  newReadiness(),
		},
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
// delivers through the host New was given. It returns
// an error only when it cannot start (bad token, setWebhook refused), and
// returns once the work it started is done.
func (a *Adapter) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("telegram: run: already running")
	}
	defer a.running.Store(false)
	defer a.recv.wg.Wait()

	me, err := a.recv.start(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.log.Info("telegram: connected", "bot", "@"+me.UserName, "mode", a.mode())

	if !a.Webhook() {
		if err := a.recv.deleteWebhook(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		a.registerCommands(ctx, me.ID)
		a.recv.state.set(nil)
		a.receivePolling(ctx, me.ID)
		return nil
	}

	// Serve before registering: Telegram may post as soon as setWebhook returns.
	a.recv.serve(true)
	defer a.recv.serve(false)
	if err := a.recv.setWebhook(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.recv.state.set(nil)
	a.registerCommands(ctx, me.ID)
	<-ctx.Done()
	return nil
}

// receivePolling long-polls getUpdates until ctx ends. Under a host that
// coordinates replicas (bridge.Coordinator), one replica polls, the leader of
// PollLeadName; the others stand by and one of them polls when the leader
// dies (its lease expires) or stops. A leader that loses its lease stops
// polling at once: its getUpdates is cancelled, and the updates it had not
// confirmed (not yet accepted) are fetched again by the next leader.
func (a *Adapter) receivePolling(ctx context.Context, botID int64) {
	co, ok := a.recv.host.(bridge.Coordinator)
	if !ok {
		a.recv.poll(ctx)
		return
	}
	err := co.Lead(ctx, PollLeadName(botID), func(lctx context.Context) error {
		a.log.Info("telegram: polling for updates; the other replicas stand by")
		a.recv.poll(lctx)
		a.recv.state.set(nil) // standing by, or stopping: not a failing poll
		return nil
	})
	if err != nil && ctx.Err() == nil && !errors.Is(err, bridge.ErrClosed) {
		a.log.Error("telegram: long polling stopped", "err", err)
	}
}

// PollLeadName is the name of the leadership (bridge.Coordinator.Lead) whose
// holder long-polls for the bot botID.
func PollLeadName(botID int64) string { return "telegram:poll:" + strconv.FormatInt(botID, 10) }

// commandsOnce is how long a registration of the command menus stands for
// every replica: a rollout registers once, and a replica starting a day later
// registers again (harmless; Telegram keeps one menu).
const commandsOnce = 24 * time.Hour

// registerCommands registers the command menus, once across the replicas
// (bridge.Coordinator.Once, keyed by the menus' hash, so a changed menu is
// registered at once).
func (a *Adapter) registerCommands(ctx context.Context, botID int64) {
	ms, err := menus(a.cat)
	if err != nil {
		a.log.Error("telegram: commands not registered", "err", err)
		return
	}
	if co, ok := a.recv.host.(bridge.Coordinator); ok {
		name := "telegram:commands:" + strconv.FormatInt(botID, 10) + ":" + menusHash(ms)
		first, err := co.Once(ctx, name, commandsOnce)
		switch {
		case err != nil:
			a.log.Info("telegram: cannot tell whether another replica registered the commands; registering them", "err", err)
		case !first:
			a.log.Debug("telegram: commands already registered by a replica")
			return
		}
	}
	setCommands(ctx, a.recv.api, ms, a.log)
}

func (a *Adapter) mode() string {
	if a.Webhook() {
		return "webhook"
	}
	return "polling"
}

// Routes implements bridge.RouteMounter: POST /telegram/webhook in webhook
// mode, and GET /telegram/file/{id} when file links are on (Config.PublicURL).
func (a *Adapter) Routes(r bridge.Router) {
	if a.Webhook() {
		r.HandleLimit("POST "+WebhookPath, a.recv.webhook(), a.cfg.MaxBodyBytes)
	}
	if a.cfg.PublicURL != "" {
		r.Handle("GET "+FilePath+"{id}", a.files.handler())
	}
}

// Send implements bridge.Adapter (see sender.Send).
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	return a.send.Send(ctx, to, m)
}

// Edit implements bridge.Editor (see sender.Edit).
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	return a.send.Edit(ctx, ref, m)
}

// Typing implements bridge.Typer (see sender.Typing).
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	return a.send.Typing(ctx, to)
}

// Retire implements bridge.Retirer (see clicks.retire).
func (a *Adapter) Retire(ctx context.Context, r bridge.Retirement) error {
	return a.clicks.retire(ctx, r)
}

// StartThread implements bridge.ThreadStarter (see topics.start).
func (a *Adapter) StartThread(ctx context.Context, in bridge.ConvKey, title string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	return a.topics.start(ctx, in, title, m)
}
