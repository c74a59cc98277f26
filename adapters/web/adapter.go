package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// Platform is the adapter's name and the Platform of its conversations.
const Platform = "web"

// Adapter is the web chat. Create it with New, mount it with Routes, and let the
// bridge Run it. It implements bridge.Adapter, bridge.Typer and bridge.Editor.
type Adapter struct {
	cfg      Config
	cat      *i18n.Catalog
	log      *slog.Logger
	hub      *hub
	upgrader websocket.Upgrader
	origins  map[string]bool
	csp      string
	assets   map[string]asset
	// render turns a message into the page's JSON (webfmt).
	render func(formatting.Message) (json.RawMessage, error)
	// echoClicks shows a clicked button's label as the user's turn.
	echoClicks bool

	mu  sync.Mutex
	h   bridge.Handler
	ctx context.Context
}

var (
	_ bridge.Adapter = (*Adapter)(nil)
	_ bridge.Typer   = (*Adapter)(nil)
	_ bridge.Editor  = (*Adapter)(nil)
)

// New builds the web chat adapter. It does no I/O. A nil catalog prints the
// built-in English; a nil logger discards. Bad AllowedOrigins entries are logged
// and ignored (Config.Validate reports them up front).
func New(cfg Config, catalog *i18n.Catalog, logger *slog.Logger) *Adapter {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	a := &Adapter{
		cfg:        cfg,
		cat:        catalog,
		log:        logger,
		hub:        newHub(cfg, time.Now),
		render:     renderWeb,
		echoClicks: true,
	}
	a.origins = map[string]bool{}
	for _, o := range cfg.AllowedOrigins {
		norm, err := normOrigin(o)
		if err != nil {
			logger.Warn("web: allowed origin ignored", "origin", o, "err", err)
			continue
		}
		a.origins[norm] = true
	}
	a.csp = a.contentSecurityPolicy()
	a.upgrader = websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		CheckOrigin:      a.checkOrigin,
	}
	a.assets = loadAssets()
	return a
}

// Name implements bridge.Adapter.
func (a *Adapter) Name() string { return Platform }

// Run hands browser events to h until ctx ends, then closes every socket (the
// pages reconnect to whoever serves next) and returns nil.
func (a *Adapter) Run(ctx context.Context, h bridge.Handler) error {
	if h == nil {
		return errors.New("web: run: nil handler")
	}
	a.hub.reopen()
	a.mu.Lock()
	a.h, a.ctx = h, ctx
	a.mu.Unlock()

	sweep := time.NewTicker(time.Minute)
	defer sweep.Stop()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-sweep.C:
			a.hub.sweep()
		}
	}
	a.mu.Lock()
	a.h, a.ctx = nil, nil
	a.mu.Unlock()
	a.hub.closeAll()
	return nil
}

func (a *Adapter) handler() (bridge.Handler, context.Context) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.h, a.ctx
}

// Send implements bridge.Adapter: the message joins the conversation's history
// and goes to every open tab. With no tab open it waits in the history for the
// next one.
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	sid, err := sidOf(to)
	if err != nil {
		return bridge.MsgRef{}, fmt.Errorf("web: send: %w", err)
	}
	msg, err := a.render(m)
	if err != nil {
		return bridge.MsgRef{}, fmt.Errorf("web: send: render: %w", err)
	}
	id, err := a.hub.post(sid, entry{From: fromBot, Msg: msg})
	if err != nil {
		return bridge.MsgRef{}, fmt.Errorf("web: send: %w", err)
	}
	return bridge.MsgRef{Key: to, ID: id}, nil
}

// Typing implements bridge.Typer: open tabs show the indicator until the next
// message or for a few seconds.
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	sid, err := sidOf(to)
	if err != nil {
		return fmt.Errorf("web: typing: %w", err)
	}
	a.hub.broadcast(sid, encode(outFrame{Type: "typing"}))
	return nil
}

// Edit implements bridge.Editor: the message is replaced in place, in the
// history and in every open tab.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	sid, err := sidOf(ref.Key)
	if err != nil {
		return fmt.Errorf("web: edit: %w", err)
	}
	msg, err := a.render(m)
	if err != nil {
		return fmt.Errorf("web: edit: render: %w", err)
	}
	if err := a.hub.edit(sid, ref.ID, msg); err != nil {
		return fmt.Errorf("web: edit %s: %w", ref.ID, err)
	}
	return nil
}

func sidOf(k bridge.ConvKey) (string, error) {
	if k.Platform != Platform || !validSID(k.Channel) {
		return "", fmt.Errorf("not a web conversation: %s", k.String())
	}
	return k.Channel, nil
}
