package webadapter

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// The welcome every history starts with: the catalogue's welcome, the FAQ
// categories as buttons and the help text. It is the same for every visitor
// of one language, so it is built once per language and shown to all: its
// buttons are shared (minted through Home for the platform alone, no owner),
// a connection costs no KM call and nothing stored, and the core sends no KM
// welcome at first contact (Adapter.Greets). It is rebuilt, with fresh
// buttons, after Config.greetingTTL; when KM could not give the FAQ, after
// greetingRetry.

// greetingRetry is how long a welcome built without KM's FAQ is shown before
// KM is asked again.
const greetingRetry = time.Minute

// greeter builds and caches the welcome per language.
type greeter struct {
	host   bridge.Host
	render func(formatting.Message) (json.RawMessage, error)
	log    *slog.Logger
	now    func() time.Time
	ttl    time.Duration

	mu    sync.Mutex
	langs map[i18n.Lang]*greeting
}

// greeting is one language's welcome; its mutex makes one build at a time.
type greeting struct {
	mu    sync.Mutex
	entry entry     // the welcome as the history's first entry
	frame []byte    // a history frame with only the welcome: a new visitor's
	until time.Time // rebuilt after this
}

// get returns the welcome in p's language.
func (g *greeter) get(ctx context.Context, p i18n.Printer) *greeting {
	g.mu.Lock()
	gr := g.langs[p.Lang()]
	if gr == nil {
		gr = &greeting{}
		g.langs[p.Lang()] = gr
	}
	g.mu.Unlock()
	gr.mu.Lock()
	defer gr.mu.Unlock()
	if now := g.now(); gr.frame == nil || !now.Before(gr.until) {
		g.build(ctx, gr, p, now)
	}
	return gr
}

func (g *greeter) build(ctx context.Context, gr *greeting, p i18n.Printer, now time.Time) {
	m := formatting.Plain(p.T("bridge.welcome"))
	ttl := g.ttl
	home, err := g.host.Home(ctx, bridge.ConvKey{Platform: Platform}, bridge.UserInfo{Locale: string(p.Lang())})
	if err != nil {
		g.log.Warn("web: the welcome goes without the FAQ for now", "err", err)
		ttl = min(ttl, greetingRetry)
	}
	m = m.Append(home.FAQ).Append(formatting.Plain(p.T("bridge.help", "/")))
	msg, err := g.render(m)
	if err != nil {
		g.log.Error("web: the welcome cannot be rendered", "err", err)
		msg, _ = json.Marshal(map[string]any{"parts": []any{}})
		ttl = min(ttl, greetingRetry)
	}
	gr.entry = entry{ID: greetingID, From: fromBot, Msg: msg}
	gr.frame = encode(outFrame{Type: "history", Items: []entry{gr.entry}})
	gr.until = now.Add(ttl)
}
