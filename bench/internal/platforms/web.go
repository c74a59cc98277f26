package platforms

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// webPlatform plays the web chat's browsers: one WebSocket per user, opened
// at warm-up (the chat greets a new browser) and kept; the user's words are
// "text" frames, answers are "msg" frames from the bot. There is no fake
// server: the platform is the browsers.
type webPlatform struct {
	o     Options
	calls Calls

	mu    sync.Mutex
	users []*webUser
	wg    sync.WaitGroup
}

type webUser struct {
	mu   sync.Mutex // serialises writes
	conn *websocket.Conn
}

func newWeb(o Options) (*webPlatform, error) {
	return &webPlatform{o: o, users: make([]*webUser, o.Inbox.Users())}, nil
}

func (p *webPlatform) Name() string { return "web" }

// Config turns the web chat on and trusts the load generator as a reverse
// proxy: each user's browser comes from an address of its own
// (X-Forwarded-For), as real users do, so the per-IP limits stay on without
// binding all users together.
func (p *webPlatform) Config() map[string]any {
	return map[string]any{
		"web":  map[string]any{"enabled": true},
		"http": map[string]any{"trusted_proxies": []string{"127.0.0.1"}},
	}
}

// webAddr is user u's address: one of 10.0.0.0/8.
func webAddr(u int) string { return fmt.Sprintf("10.%d.%d.%d", u>>16&255, u>>8&255, u&255) }

func (p *webPlatform) BaselineArgs() []string { return nil }

func (p *webPlatform) Ready(context.Context) error { return nil } // WarmUp retries a starting program's 503s

// WarmUp opens user u's chat, as a browser on the chat's own page does (its
// Origin is the chat's); the greeting that follows is the warm-up's answer.
func (p *webPlatform) WarmUp(ctx context.Context, u int, _ string) error {
	return retryNotReady(ctx, func() error { return p.open(ctx, u) })
}

func (p *webPlatform) open(ctx context.Context, u int) error {
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	hdr := http.Header{"Origin": {"http://" + p.o.Target}, "Accept-Language": {"en"}, "X-Forwarded-For": {webAddr(u)}}
	conn, resp, err := d.DialContext(ctx, "ws://"+p.o.Target+"/ws", hdr)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusServiceUnavailable {
			return errNotReady
		}
		if resp != nil {
			return fmt.Errorf("web: open: HTTP %d", resp.StatusCode)
		}
		return fmt.Errorf("web: open: %w", err)
	}
	p.mu.Lock()
	if old := p.users[u]; old != nil {
		old.conn.Close()
	}
	p.users[u] = &webUser{conn: conn}
	p.wg.Add(1)
	p.mu.Unlock()
	go p.read(u, conn)
	return nil
}

type webFrame struct {
	Type string `json:"type"`
	From string `json:"from"`
}

func (p *webPlatform) read(u int, conn *websocket.Conn) {
	defer p.wg.Done()
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var f webFrame
		if json.Unmarshal(b, &f) != nil {
			p.calls.Add("frame:unreadable")
			continue
		}
		name := "frame:" + f.Type
		if f.From != "" {
			name += "/" + f.From
		}
		p.calls.Add(name)
		if f.Type == "msg" && f.From == "bot" {
			p.o.Inbox.Post(u, time.Now())
		}
	}
}

type webText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Send writes a text frame on user u's socket.
func (p *webPlatform) Send(_ context.Context, u int, text string) error {
	p.mu.Lock()
	wu := p.users[u]
	p.mu.Unlock()
	if wu == nil {
		return fmt.Errorf("web: user %d has no open chat", u)
	}
	b, err := json.Marshal(webText{Type: "text", Text: text})
	if err != nil {
		return err
	}
	wu.mu.Lock()
	defer wu.mu.Unlock()
	_ = wu.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return wu.conn.WriteMessage(websocket.TextMessage, b)
}

func (p *webPlatform) Calls() map[string]int64 { return p.calls.Snapshot() }
func (p *webPlatform) Dials() int64            { return 0 }

// Close closes every user's socket and waits for the readers.
func (p *webPlatform) Close() {
	p.mu.Lock()
	for _, wu := range p.users {
		if wu != nil {
			wu.conn.Close()
		}
	}
	p.mu.Unlock()
	p.wg.Wait()
}
