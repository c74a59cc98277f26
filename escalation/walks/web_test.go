package walks_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
)

// webUser is a visitor of the web chat: a real WebSocket client, as a
// browser tab speaks to the chat (no browser), its frames read into a list.
type webUser struct {
	w      *world
	conn   *websocket.Conn
	cookie string
	done   chan struct{}

	mu   sync.Mutex
	msgs []webMsg // the bot's messages, in order, edits applied
}

// webMsg is a bot message as the tab holds it.
type webMsg struct {
	ID  string
	Msg webfmt.Msg
}

// text is what the visitor reads: the message's HTML (entities decoded) and
// its buttons.
func (m webMsg) text() string {
	var b strings.Builder
	b.WriteString(html.UnescapeString(m.Msg.HTML))
	for _, p := range m.Msg.Parts {
		if p.Buttons != nil {
			for _, it := range p.Buttons.Items {
				b.WriteString(" [" + it.Label + "]")
			}
		}
	}
	return b.String()
}

var webIDs atomic.Int64

// openWeb opens the chat at the process's server as a new visitor.
func (p *process) openWeb(t *testing.T) *webUser {
	t.Helper()
	base := p.http.URL
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", http.Header{"Origin": {base}})
	if err != nil {
		t.Fatalf("web chat: dial: %v", err)
	}
	u := &webUser{w: p.w, conn: conn, done: make(chan struct{})}
	for _, c := range resp.Cookies() {
		if c.Name == "kmb_sid" {
			u.cookie = c.Value
		}
	}
	if u.cookie == "" {
		t.Fatal("web chat: no session cookie")
	}
	go u.read()
	t.Cleanup(func() {
		conn.Close()
		<-u.done
	})
	return u
}

func (u *webUser) read() {
	defer close(u.done)
	for {
		_, data, err := u.conn.ReadMessage()
		if err != nil {
			return
		}
		var f struct {
			Type string          `json:"type"`
			ID   string          `json:"id"`
			From string          `json:"from"`
			Msg  json.RawMessage `json:"msg"`
		}
		if json.Unmarshal(data, &f) != nil || (f.Type != "msg" && f.Type != "edit") || len(f.Msg) == 0 {
			continue
		}
		var m webfmt.Msg
		if json.Unmarshal(f.Msg, &m) != nil {
			continue
		}
		u.mu.Lock()
		if f.Type == "edit" {
			for i := range u.msgs {
				if u.msgs[i].ID == f.ID {
					u.msgs[i].Msg = m
				}
			}
		} else {
			u.msgs = append(u.msgs, webMsg{ID: f.ID, Msg: m})
		}
		u.mu.Unlock()
	}
}

func (u *webUser) send(t *testing.T, f map[string]any) {
	t.Helper()
	f["id"] = fmt.Sprint("w", webIDs.Add(1))
	if err := u.conn.WriteJSON(f); err != nil {
		t.Fatalf("web chat: write: %v", err)
	}
}

func (u *webUser) name() string  { return en.T("escalation.no_name") }
func (u *webUser) rater() string { return en.T("escalation.the_user") }
func (u *webUser) say(t *testing.T, text string) {
	u.send(t, map[string]any{"type": "text", "text": text})
}
func (u *webUser) human(t *testing.T) { u.say(t, "/human") }
func (u *webUser) secrets() []string  { return []string{u.cookie} }

// with returns the bot's messages showing s.
func (u *webUser) with(s string) []webMsg {
	u.mu.Lock()
	defer u.mu.Unlock()
	var out []webMsg
	for _, m := range u.msgs {
		if strings.Contains(m.text(), s) {
			out = append(out, m)
		}
	}
	return out
}

func (u *webUser) count(s string) int { return len(u.with(s)) }

func (u *webUser) wait(t *testing.T, s string) string {
	t.Helper()
	var got webMsg
	eventually(t, fmt.Sprintf("%q in the web chat", s), func() bool {
		ms := u.with(s)
		if len(ms) > 0 {
			got = ms[len(ms)-1]
		}
		return len(ms) > 0
	})
	if err := webfmt.Validate(got.Msg); err != nil {
		t.Errorf("the web chat got an invalid message: %v", err)
	}
	return got.text()
}

func (u *webUser) click(t *testing.T, s, label string) {
	t.Helper()
	u.wait(t, s)
	m := u.with(s)
	last := m[len(m)-1]
	for _, p := range last.Msg.Parts {
		if p.Buttons == nil {
			continue
		}
		for _, b := range p.Buttons.Items {
			if b.Label == label && b.Token != "" {
				u.send(t, map[string]any{"type": "click", "token": b.Token, "ref": last.ID, "label": label})
				return
			}
		}
	}
	t.Fatalf("no button %q on %q", label, last.text())
}

// A web chat visitor hands over to agents in Discord: the same walk, over a
// real WebSocket; the card never shows the visitor's cookie (nor does any
// payload Discord gets); Discord markdown → the chat's HTML.
func TestWalkWebUserDiscordAgents(t *testing.T) {
	w := newWorld(t, false)
	p := w.boot(t, options{agents: bridge.ConvKey{Platform: "discord", Channel: discordAgents}, discord: true, web: true})
	u := p.openWeb(t)
	discordWalk(t, w, u, func(html string) bool {
		return contains(html, "<b>spam folder</b>", `href="https://id.example.com/sms"`, ">the SMS option</a>")
	})
}
