// Package slacktest is a fake Slack for tests, as net/http/httptest is a fake
// network: the Web API (and the Socket Mode WebSocket) on loopback, which
// records every call, keeps the messages it was sent, checks every payload
// with slackfmt.Validate (a test fails on an invalid one), and can answer 429
// with Retry-After; and builders of what Slack sends an app (signed events,
// interactivity payloads). Only tests import it.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting/slackfmt"
)

// The fake app's credentials and identity.
const (
	BotToken = "xoxb-test-bot-token"
	AppToken = "xapp-test-app-token"
	BotUser  = "UBOT"
	BotID    = "BBOT"
	TeamID   = "T1"
	// SearchActionID is the block_id of the Home tab's search block, which
	// is not a message block (slackadapter's searchActionID; its tests check
	// the two agree).
	SearchActionID = "kb_search"
)

// WaitAck's bound.
const ackWait = 20 * time.Second

// Call is one request the fake received.
type Call struct {
	Method string
	Form   url.Values     // form-encoded calls
	JSON   map[string]any // JSON calls (views.publish, response_url)
	Status int
	At     time.Time
}

// Msg is a message the fake holds.
type Msg struct {
	Channel, TS, Thread, Text, User string
	Blocks                          json.RawMessage
	Ephemeral                       bool
}

// Server is the fake Slack; NewServer starts one for a test.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	calls    []Call
	msgs     map[string]*Msg // channel|ts
	order    []string        // channel|ts in posting order
	seq      int
	limits   map[string][]int // method → Retry-After seconds of the next 429s
	posts429 []int            // Retry-After seconds of the next 429s to any post or update
	served   int              // 429s answered so far
	invalid  []string
	users    map[string]slack.User
	hooks    []map[string]any
	acks     []SocketAck
	ackc     chan SocketAck
	sockets  []*websocket.Conn
	sockMu   sync.Mutex // serialises writes to the sockets
	sockDone chan struct{}
	sockWG   sync.WaitGroup
	postedC  chan string // channel of each message posted, for benchmarks
}

// SocketAck is a Socket Mode envelope's acknowledgement.
type SocketAck struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload"`
}

// NewServer starts a fake Slack on loopback until the test ends, when it
// fails the test for every payload that failed slackfmt.Validate.
func NewServer(t testing.TB) *Server {
	f := &Server{
		t: t, msgs: map[string]*Msg{}, limits: map[string][]int{},
		users: map[string]slack.User{}, ackc: make(chan SocketAck, 100), sockDone: make(chan struct{}),
		postedC: make(chan string, 1024),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", f.api)
	mux.HandleFunc("POST /hooks/{id}", f.hook)
	mux.HandleFunc("GET /socket", f.socket)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		close(f.sockDone)
		f.sockMu.Lock()
		for _, c := range f.sockets {
			c.Close()
		}
		f.sockMu.Unlock()
		f.srv.CloseClientConnections()
		f.srv.Close()
		f.sockWG.Wait()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, e := range f.invalid {
			t.Errorf("payload failed slackfmt.Validate: %s", e)
		}
	})
	return f
}

// URL is the Web API base URL for slack.OptionAPIURL.
func (f *Server) URL() string { return f.srv.URL + "/api/" }

// LimitPosts makes the next n message posts and updates (any of
// chat.postMessage, chat.postEphemeral, chat.update) answer 429 with
// Retry-After retryAfter seconds.
func (f *Server) LimitPosts(n, retryAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.posts429 = append(f.posts429, retryAfter)
	}
}

// Served429 is how many calls the fake has answered 429.
func (f *Server) Served429() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served
}

// Limit makes the next calls of method answer 429 with these Retry-After values.
func (f *Server) Limit(method string, retryAfter ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits[method] = append(f.limits[method], retryAfter...)
}

// AddUser makes a user known to users.info.
func (f *Server) AddUser(u slack.User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[u.ID] = u
}

// PostedC receives the channel of each message posted (benchmarks), when
// it is read; posts do not wait for it.
func (f *Server) PostedC() <-chan string { return f.postedC }

func (f *Server) record(c Call) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
}

// Calls returns the calls of method ("" for all) that succeeded.
func (f *Server) Calls(method string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if (method == "" || c.Method == method) && c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// AllCalls returns every call of method, including those answered 429.
func (f *Server) AllCalls(method string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Posted returns the messages posted to channel (every channel when ""), in order.
func (f *Server) Posted(channel string) []Msg {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Msg
	for _, k := range f.order {
		m := f.msgs[k]
		if channel == "" || m.Channel == channel {
			out = append(out, *m)
		}
	}
	return out
}

// Msg returns the current state of a message.
func (f *Server) Msg(channel, ts string) (Msg, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.msgs[channel+"|"+ts]
	if !ok {
		return Msg{}, false
	}
	return *m, true
}

// Hooks returns what the app posted to response_urls.
func (f *Server) Hooks() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.hooks...)
}

func (f *Server) nextTS() string {
	f.seq++
	return fmt.Sprintf("1700000000.%06d", f.seq)
}

// check validates a payload as the adapter must send it.
func (f *Server) check(method, text string, blocks json.RawMessage) {
	var bs slack.Blocks
	if len(blocks) > 0 {
		if err := json.Unmarshal(blocks, &bs); err != nil {
			f.invalid = append(f.invalid, fmt.Sprintf("%s: blocks: %v", method, err))
			return
		}
	}
	if err := slackfmt.Validate(slackfmt.Msg{Text: text, Blocks: bs.BlockSet}); err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s: %v", method, err))
	}
}

func writeOK(w http.ResponseWriter, v map[string]any) {
	v["ok"] = true
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// echoOf is the message object Slack sends back for a posted or updated
// message.
func echoOf(ts, text string, blocks json.RawMessage) map[string]any {
	m := map[string]any{"type": "message", "subtype": "bot_message", "text": text, "user": BotUser,
		"bot_id": "BBOT", "ts": ts, "team": "T1",
		"bot_profile": map[string]any{"id": "BBOT", "name": "kmbridge", "team_id": "T1", "deleted": false}}
	if json.Valid(blocks) {
		m["blocks"] = blocks
	}
	return m
}

func writeErr(w http.ResponseWriter, e string) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": e})
}

func (f *Server) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	c := Call{Method: method, At: time.Now(), Status: http.StatusOK}
	body, _ := io.ReadAll(r.Body)
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &c.JSON)
	} else {
		c.Form, _ = url.ParseQuery(string(body))
		if t := c.Form.Get("token"); t != "" {
			token = t
		}
	}
	want := BotToken
	if method == "apps.connections.open" {
		want = AppToken
	}
	if token != want {
		c.Status = http.StatusUnauthorized
		f.record(c)
		writeErr(w, "invalid_auth")
		return
	}
	f.mu.Lock()
	retry := -1
	if q := f.limits[method]; len(q) > 0 {
		retry, f.limits[method] = q[0], q[1:]
	} else if q := f.posts429; len(q) > 0 && (method == "chat.postMessage" || method == "chat.postEphemeral" || method == "chat.update") {
		retry, f.posts429 = q[0], q[1:]
	}
	if retry >= 0 {
		f.served++
		f.mu.Unlock()
		c.Status = http.StatusTooManyRequests
		f.record(c)
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	f.mu.Unlock()
	f.record(c)

	form := c.Form
	switch method {
	case "auth.test":
		writeOK(w, map[string]any{"user_id": BotUser, "bot_id": "BBOT", "team_id": "T1"})
	case "users.info":
		f.mu.Lock()
		u, ok := f.users[form.Get("user")]
		f.mu.Unlock()
		if !ok {
			u = slack.User{ID: form.Get("user"), Name: strings.ToLower(form.Get("user"))}
		}
		writeOK(w, map[string]any{"user": u})
	case "conversations.open":
		writeOK(w, map[string]any{"channel": map[string]any{"id": "D" + strings.TrimPrefix(form.Get("users"), "U")}})
	case "chat.postMessage", "chat.postEphemeral", "chat.startStream":
		f.mu.Lock()
		m := &Msg{Channel: form.Get("channel"), TS: f.nextTS(), Thread: form.Get("thread_ts"),
			Text: form.Get("text"), Blocks: json.RawMessage(form.Get("blocks")), User: form.Get("user"),
			Ephemeral: method == "chat.postEphemeral"}
		if method == "chat.startStream" {
			m.Text = form.Get("markdown_text")
		} else {
			f.check(method, m.Text, m.Blocks)
		}
		f.msgs[m.Channel+"|"+m.TS] = m
		f.order = append(f.order, m.Channel+"|"+m.TS)
		f.mu.Unlock()
		select {
		case f.postedC <- m.Channel:
		default:
		}
		if method == "chat.postEphemeral" {
			writeOK(w, map[string]any{"message_ts": m.TS})
			return
		}
		// Slack echoes the message it stored; the adapter's client reads
		// past it (echo.go).
		writeOK(w, map[string]any{"channel": m.Channel, "ts": m.TS, "message": echoOf(m.TS, m.Text, m.Blocks)})
	case "chat.update", "chat.appendStream", "chat.stopStream":
		f.mu.Lock()
		m, ok := f.msgs[form.Get("channel")+"|"+form.Get("ts")]
		if ok {
			switch method {
			case "chat.update":
				f.check(method, form.Get("text"), json.RawMessage(form.Get("blocks")))
				m.Text, m.Blocks = form.Get("text"), json.RawMessage(form.Get("blocks"))
			case "chat.appendStream":
				m.Text += form.Get("markdown_text")
			}
		}
		f.mu.Unlock()
		if !ok {
			writeErr(w, "message_not_found")
			return
		}
		writeOK(w, map[string]any{"channel": form.Get("channel"), "ts": form.Get("ts"),
			"message": echoOf(form.Get("ts"), form.Get("text"), json.RawMessage(form.Get("blocks")))})
	case "views.publish":
		f.checkView(c.JSON)
		writeOK(w, map[string]any{"view": map[string]any{"id": "V1"}})
	case "assistant.threads.setStatus", "assistant.threads.setSuggestedPrompts":
		writeOK(w, map[string]any{})
	case "apps.connections.open":
		writeOK(w, map[string]any{"url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/socket"})
	default:
		writeErr(w, "unknown_method")
	}
}

// checkView validates a Home tab: at most 100 blocks; the search select; every
// other block as a message block.
func (f *Server) checkView(req map[string]any) {
	raw, _ := json.Marshal(req["view"])
	var v struct {
		Type   string          `json:"type"`
		Blocks json.RawMessage `json:"blocks"`
	}
	_ = json.Unmarshal(raw, &v)
	var bs slack.Blocks
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := json.Unmarshal(v.Blocks, &bs); err != nil || v.Type != "home" || len(bs.BlockSet) > 100 {
		f.invalid = append(f.invalid, fmt.Sprintf("views.publish: type %q, %d blocks, %v", v.Type, len(bs.BlockSet), err))
		return
	}
	for i, b := range bs.BlockSet {
		if ab, ok := b.(*slack.ActionBlock); ok && ab.BlockID == SearchActionID {
			sel, ok := ab.Elements.ElementSet[0].(*slack.SelectBlockElement)
			if !ok || sel.Type != slack.OptTypeExternal || sel.Placeholder == nil || len(utf16.Encode([]rune(sel.Placeholder.Text))) > 150 {
				f.invalid = append(f.invalid, "views.publish: bad search block")
			}
			continue
		}
		if err := slackfmt.Validate(slackfmt.Msg{Text: "home", Blocks: []slack.Block{b}}); err != nil {
			f.invalid = append(f.invalid, fmt.Sprintf("views.publish: block %d: %v", i, err))
		}
	}
}

// hook is a response_url.
func (f *Server) hook(w http.ResponseWriter, r *http.Request) {
	var m map[string]any
	_ = json.NewDecoder(r.Body).Decode(&m)
	f.mu.Lock()
	f.hooks = append(f.hooks, m)
	if blocks, ok := m["blocks"]; ok {
		raw, _ := json.Marshal(blocks)
		text, _ := m["text"].(string)
		f.check("response_url", text, raw)
	}
	f.mu.Unlock()
	writeOK(w, map[string]any{})
}

// HookURL is a response_url served by the fake.
func (f *Server) HookURL(id string) string { return f.srv.URL + "/hooks/" + id }

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// socket is the Socket Mode WebSocket: hello, pings, envelopes pushed by the
// test, acks recorded.
func (f *Server) socket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.sockMu.Lock()
	f.sockets = append(f.sockets, conn)
	_ = conn.WriteJSON(map[string]any{"type": "hello", "num_connections": 1, "connection_info": map[string]any{"app_id": "A1"}})
	f.sockMu.Unlock()
	f.sockWG.Add(1)
	go func() { // Slack pings; slack-go reconnects without them
		defer f.sockWG.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-f.sockDone:
				return
			case <-t.C:
				f.sockMu.Lock()
				err := conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(time.Second))
				f.sockMu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	for {
		var ack SocketAck
		if err := conn.ReadJSON(&ack); err != nil {
			return
		}
		f.mu.Lock()
		f.acks = append(f.acks, ack)
		f.mu.Unlock()
		select {
		case f.ackc <- ack:
		default:
		}
	}
}

// Push sends an envelope on every open socket; it reports whether one was open.
func (f *Server) Push(env map[string]any) bool {
	f.sockMu.Lock()
	defer f.sockMu.Unlock()
	sent := false
	for _, c := range f.sockets {
		if c.WriteJSON(env) == nil {
			sent = true
		}
	}
	return sent
}

// SocketCount is how many Socket Mode connections were opened.
func (f *Server) SocketCount() int {
	f.sockMu.Lock()
	defer f.sockMu.Unlock()
	return len(f.sockets)
}

// WaitAck waits for the ack of an envelope.
func (f *Server) WaitAck(t testing.TB, id string) SocketAck {
	t.Helper()
	a, ok := f.AckWithin(id, ackWait)
	if !ok {
		t.Fatalf("no ack for envelope %s", id)
	}
	return a
}

// AckWithin waits up to d for the ack of an envelope.
func (f *Server) AckWithin(id string, d time.Duration) (SocketAck, bool) {
	deadline := time.After(d)
	for {
		f.mu.Lock()
		for _, a := range f.acks {
			if a.EnvelopeID == id {
				f.mu.Unlock()
				return a, true
			}
		}
		f.mu.Unlock()
		select {
		case <-f.ackc:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			return SocketAck{}, false
		}
	}
}
