package platforms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// webPlatform plays the web chat's browsers: one WebSocket per user, opened
// at warm-up and kept; the user's words are "text" frames with the page's id,
// which the chat acknowledges ("ack", or "error" with retry when it is not
// taking messages yet); answers are "msg" frames from the bot. There is no
// fake server: the platform is the browsers.
type webPlatform struct {
	o     Options
	calls Calls
	ids   atomic.Int64 // the pages' message ids

	mu    sync.Mutex
	users []*webUser
	wg    sync.WaitGroup
}

type webUser struct {
	mu   sync.Mutex // serialises writes
	conn *websocket.Conn
	acks chan webFrame // the chat's ack and error frames about this page's messages
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
// Origin is the chat's), and sends the user's first message.
func (p *webPlatform) WarmUp(ctx context.Context, u int, text string) error {
	if err := retryNotReady(ctx, func() error { return p.open(ctx, u) }); err != nil {
		return err
	}
	return retryNotReady(ctx, func() error { return p.Send(ctx, u, text) })
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
	wu := &webUser{conn: conn, acks: make(chan webFrame, 4)}
	p.users[u] = wu
	p.wg.Add(1)
	p.mu.Unlock()
	go p.read(u, wu)
	return nil
}

type webFrame struct {
	Type  string `json:"type"`
	ID    string `json:"id"`
	From  string `json:"from"`
	Text  string `json:"text"`
	Retry bool   `json:"retry"`
}

func (p *webPlatform) read(u int, wu *webUser) {
	defer p.wg.Done()
	for {
		_, b, err := wu.conn.ReadMessage()
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
		switch {
		case f.Type == "msg" && f.From == "bot":
			p.o.Inbox.Post(u, time.Now())
		case (f.Type == "ack" || f.Type == "error") && f.ID != "":
			select {
			case wu.acks <- f:
			default: // nobody waits for it any more
			}
		}
	}
}

type webText struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Send writes a text frame on user u's socket and waits for the chat to
// acknowledge it.
func (p *webPlatform) Send(ctx context.Context, u int, text string) error {
	p.mu.Lock()
	wu := p.users[u]
	p.mu.Unlock()
	if wu == nil {
		return fmt.Errorf("web: user %d has no open chat", u)
	}
	id := "m" + strconv.FormatInt(p.ids.Add(1), 10)
	b, err := json.Marshal(webText{Type: "text", ID: id, Text: text})
	if err != nil {
		return err
	}
	wu.mu.Lock()
	_ = wu.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	err = wu.conn.WriteMessage(websocket.TextMessage, b)
	wu.mu.Unlock()
	if err != nil {
		return err
	}
	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case f := <-wu.acks:
			switch {
			case f.ID != id: // a late word about an earlier message
			case f.Type == "ack":
				return nil
			case f.Retry:
				return errNotReady
			default:
				return fmt.Errorf("web: refused: %s", f.Text)
			}
		case <-t.C:
			return errors.New("web: no ack within 30s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
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
