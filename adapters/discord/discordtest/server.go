// Package discordtest is a fake Discord for tests, as net/http/httptest is a
// fake network: the REST routes the bridge uses (with 429 injection) and a
// gateway WebSocket with sessions, on loopback; every message it receives is
// checked with discordfmt.Validate (a test fails on an invalid one); and
// builders of what Discord sends (messages, slash commands, button presses).
// Only tests import it.
package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

// The fake application's identity.
const (
	Token   = "MTIzNDU2.fake.token-XYZ"
	AppID   = "900000000000000001"
	BotID   = "900000000000000002"
	BotName = "kmhelp"
)

// Call is one REST request the fake received.
type Call struct {
	Method string
	Path   string // after /api/v9, without the query
	Query  string
	Body   []byte
	Status int
	// Msg is the message as it stands after the call (create or edit), for
	// calls that carry one; Ref is its id.
	Msg *discordgo.MessageSend
	Ref string
	// Channel is the channel of a message call.
	Channel string
	At      time.Time
}

// JSON decodes the body into v.
func (c Call) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(c.Body, v); err != nil {
		t.Fatalf("%s %s body: %v: %s", c.Method, c.Path, err, c.Body)
	}
}

// Text is everything a user reads in a message call: content, embed titles,
// descriptions and fields.
func (c Call) Text() string {
	if c.Msg == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(c.Msg.Content)
	for _, e := range c.Msg.Embeds {
		if e == nil {
			continue
		}
		b.WriteString("\n" + e.Title + "\n" + e.Description)
		for _, f := range e.Fields {
			if f != nil {
				b.WriteString("\n" + f.Name + "\n" + f.Value)
			}
		}
	}
	return b.String()
}

// storedMsg is a message in the fake's channels.
type storedMsg struct {
	id, channel string
	fields      map[string]json.RawMessage // content, embeds, components, allowed_mentions
	webhook     string                     // the interaction token that posted it
}

type Channel struct {
	ID      string `json:"id"`
	Type    int    `json:"type"`
	GuildID string `json:"guild_id,omitempty"`
	Parent  string `json:"parent_id,omitempty"`
	Owner   string `json:"owner_id,omitempty"`
	Name    string `json:"name,omitempty"`
}

// Limit is a 429 to serve.
type Limit struct {
	RetryAfter float64 // seconds
	Global     bool    // the global limit, not the route's
}

// gwEvent is a dispatched gateway event, kept for RESUME.
type gwEvent struct {
	seq int64
	t   string
	d   any
}

// gwSession is a gateway session: what it was sent (for replay after a
// RESUME) and its connection, nil while disconnected (events queue).
type gwSession struct {
	id      string
	shard   [2]int
	seq     int64
	log     []gwEvent
	conn    *websocket.Conn
	invalid bool          // a RESUME of it is refused (INVALID_SESSION)
	ready   chan struct{} // closed while connected
}

// Server is Discord on loopback: the REST routes the adapter uses (with
// 429 injection) and a gateway websocket with sessions (Hello, Identify,
// READY, dispatch, heartbeat ACKs, RESUME with replay, INVALID_SESSION,
// shards routed by Discord's (guild_id >> 22) % shard_count rule). Every
// Message it receives — created, edited, as a followup or an interaction
// response — is checked with discordfmt.Validate as it stands after the call.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	calls     []*Call
	lastID    int64
	msgs      map[string]*storedMsg
	originals map[string]string // interaction token → @original message id
	acked     map[string]bool   // interaction tokens answered
	ixChannel map[string]string // interaction token → channel
	channels  map[string]Channel
	limits    map[string][]Limit // "METHOD path" → 429s to serve
	fail429   []Limit            // 429s for the next message posts and edits, wherever
	served429 int                // of fail429, served
	commands  map[string][]map[string]any
	history   map[string][]map[string]any // channel → users' messages dispatched
	invalid   []string
	identify  []json.RawMessage
	resumes   int
	closeWith int  // close code for the next identify (0: READY)
	noThreads bool // thread starts are refused (Missing Permissions)
	hangHello bool // the gateway never says Hello
	hung      int  // connections left without Hello
	onCall    func(Call)

	gwMu     sync.Mutex // the gateway: sessions, writes to their connections
	sessions map[string]*gwSession
	byShard  map[int]*gwSession // the latest session of each shard
	shards   int                // shard_count of the latest identify
	conns    int                // connections that got READY or RESUMED
}

func NewServer(t testing.TB) *Server {
	f := &Server{
		t:    t,
		msgs: map[string]*storedMsg{}, originals: map[string]string{}, ixChannel: map[string]string{}, acked: map[string]bool{},
		channels: map[string]Channel{}, limits: map[string][]Limit{}, commands: map[string][]map[string]any{},
		history: map[string][]map[string]any{}, sessions: map[string]*gwSession{}, byShard: map[int]*gwSession{}, shards: 1,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", f.rest)
	mux.HandleFunc("/gw/", f.gateway)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.DropGateway()
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.invalid {
			t.Errorf("fake Discord received an invalid message: %s", s)
		}
	})
	return f
}

// APIURL is the REST base the adapter is configured with.
func (f *Server) APIURL() string { return f.srv.URL + "/api/v9/" }

// id hands out a snowflake of now, as Discord does (time-ordered). f.mu is held.
func (f *Server) id() string {
	id := (time.Now().UnixMilli() - 1420070400000) << 22
	if id <= f.lastID {
		id = f.lastID + 1
	}
	f.lastID = id
	return strconv.FormatInt(id, 10)
}

// NewID hands out a snowflake (tests use it for users' messages).
func (f *Server) NewID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id()
}

// AddChannel makes a channel known to GET /channels/{id}.
func (f *Server) AddChannel(c Channel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[c.ID] = c
}

// Limit makes the next n requests of method to path answer 429.
func (f *Server) Limit(method, path string, n int, retryAfter float64) {
	f.LimitAs(method, path, n, Limit{RetryAfter: retryAfter})
}

// LimitAs makes the next n requests of method to path answer the 429 l.
func (f *Server) LimitAs(method, path string, n int, l Limit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.limits[method+" "+path] = append(f.limits[method+" "+path], l)
	}
}

// FailPosts makes the next n requests that post or edit a message, wherever,
// answer 429 with retryAfter; served tells how many it has served so far.
func (f *Server) FailPosts(n int, retryAfter float64) (served func() int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	base := f.served429
	for range n {
		f.fail429 = append(f.fail429, Limit{RetryAfter: retryAfter})
	}
	return func() int {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.served429 - base
	}
}

// All returns a copy of every call so far.
func (f *Server) All() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Call, 0, len(f.calls))
	for _, c := range f.calls {
		out = append(out, *c)
	}
	return out
}

// CallsTo returns the calls whose "METHOD path" matches the pattern.
func (f *Server) CallsTo(method, pathRE string) []Call {
	re := regexp.MustCompile("^" + pathRE + "$")
	var out []Call
	for _, c := range f.All() {
		if c.Method == method && re.MatchString(c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// Messages returns the successful calls that created or changed a message.
func (f *Server) Messages() []Call {
	var out []Call
	for _, c := range f.All() {
		if c.Msg != nil && c.Status < 300 {
			out = append(out, c)
		}
	}
	return out
}

// Dump lists the calls (for failing tests).
func (f *Server) Dump() string {
	var b strings.Builder
	for _, c := range f.All() {
		fmt.Fprintf(&b, "%s %s → %d %s\n", c.Method, c.Path, c.Status, CutBody(c.Body))
	}
	return b.String()
}

func CutBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

var (
	reGateway   = regexp.MustCompile(`^/gateway(/bot)?$`)
	rePosting   = regexp.MustCompile(`^(POST /channels/\d+/messages|PATCH /channels/\d+/messages/\d+|POST /webhooks/\d+/[^/]+|PATCH /webhooks/\d+/[^/]+/messages/[^/]+)$`)
	reCommands  = regexp.MustCompile(`^/applications/(\d+)(/guilds/(\d+))?/commands$`)
	reChannel   = regexp.MustCompile(`^/channels/(\d+)$`)
	reMessages  = regexp.MustCompile(`^/channels/(\d+)/messages$`)
	reMessage   = regexp.MustCompile(`^/channels/(\d+)/messages/(\d+)$`)
	reThread    = regexp.MustCompile(`^/channels/(\d+)/messages/(\d+)/threads$`)
	reTyping    = regexp.MustCompile(`^/channels/(\d+)/typing$`)
	reCallback  = regexp.MustCompile(`^/interactions/(\d+)/([^/]+)/callback$`)
	reWebhook   = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)$`)
	reWebhookID = regexp.MustCompile(`^/webhooks/(\d+)/([^/]+)/messages/([^/]+)$`)
)

func (f *Server) rest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	c := &Call{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body, At: time.Now()}
	f.mu.Lock()
	f.calls = append(f.calls, c)
	status, resp, hdr := f.serve(c, r)
	c.Status = status
	hook := f.onCall
	snapshot := *c
	f.mu.Unlock()
	for k, v := range hdr {
		w.Header().Set(k, v)
	}
	if resp == nil {
		w.WriteHeader(status)
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(resp)
	}
	if hook != nil && status < 300 {
		hook(snapshot)
	}
}

// serve answers one call; f.mu is held.
func (f *Server) serve(c *Call, r *http.Request) (int, any, map[string]string) {
	key := c.Method + " " + c.Path
	if ls := f.limits[key]; len(ls) > 0 {
		f.limits[key] = ls[1:]
		return tooMany(ls[0])
	}
	if len(f.fail429) > 0 && rePosting.MatchString(key) {
		l := f.fail429[0]
		f.fail429 = f.fail429[1:]
		f.served429++
		return tooMany(l)
	}
	webhook := strings.HasPrefix(c.Path, "/webhooks/") || strings.HasPrefix(c.Path, "/interactions/")
	if !webhook && r.Header.Get("Authorization") != "Bot "+Token {
		return http.StatusUnauthorized, map[string]any{"message": "401: Unauthorized", "code": 0}, nil
	}
	okHeaders := map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "1.000"}
	switch m := c.Path; {
	case c.Method == "GET" && reGateway.MatchString(m):
		u := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/gw/"
		return 200, map[string]any{"url": u, "shards": 1}, nil
	case c.Method == "PUT" && reCommands.MatchString(m):
		var cmds []map[string]any
		if err := json.Unmarshal(c.Body, &cmds); err != nil {
			return 400, map[string]any{"message": "Invalid Form Body", "code": 50035}, nil
		}
		for _, cmd := range cmds {
			// What Discord adds to what it was given.
			cmd["id"] = f.id()
			cmd["application_id"] = AppID
			cmd["version"] = f.id()
			cmd["default_member_permissions"] = nil
			cmd["nsfw"] = false
			if _, ok := cmd["type"]; !ok {
				cmd["type"] = 1
			}
		}
		f.commands[m] = cmds
		return 200, cmds, nil
	case c.Method == "GET" && reCommands.MatchString(m):
		cmds := f.commands[m]
		if cmds == nil {
			cmds = []map[string]any{}
		}
		return 200, cmds, nil
	case c.Method == "GET" && reMessages.MatchString(m):
		ch := reMessages.FindStringSubmatch(m)[1]
		q, _ := url.ParseQuery(c.Query)
		after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
		lim, _ := strconv.Atoi(q.Get("limit"))
		var out []map[string]any
		for i := len(f.history[ch]) - 1; i >= 0; i-- { // newest first, as Discord answers
			id, _ := strconv.ParseInt(f.history[ch][i]["id"].(string), 10, 64)
			if id > after && (lim == 0 || len(out) < lim) {
				out = append(out, f.history[ch][i])
			}
		}
		if out == nil {
			out = []map[string]any{}
		}
		return 200, out, okHeaders
	case c.Method == "GET" && reChannel.MatchString(m):
		id := reChannel.FindStringSubmatch(m)[1]
		ch, ok := f.channels[id]
		if !ok {
			return 404, map[string]any{"message": "Unknown Channel", "code": 10003}, nil
		}
		return 200, ch, nil
	case c.Method == "POST" && reMessages.MatchString(m):
		ch := reMessages.FindStringSubmatch(m)[1]
		return 200, f.create(c, ch, ""), okHeaders
	case c.Method == "PATCH" && reMessage.MatchString(m):
		sm := reMessage.FindStringSubmatch(m)
		out, ok := f.edit(c, sm[2])
		if !ok {
			return 404, map[string]any{"message": "Unknown Message", "code": 10008}, nil
		}
		return 200, out, okHeaders
	case c.Method == "POST" && reTyping.MatchString(m):
		return 204, nil, okHeaders
	case c.Method == "POST" && reThread.MatchString(m):
		if f.noThreads {
			return 403, map[string]any{"message": "Missing Permissions", "code": 50013}, nil
		}
		sm := reThread.FindStringSubmatch(m)
		parent, msg := sm[1], sm[2]
		if _, dup := f.channels[msg]; dup {
			return 400, map[string]any{"message": "A thread has already been created for this message", "code": 160004}, nil
		}
		var req struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(c.Body, &req)
		th := Channel{ID: msg, Type: 11, GuildID: f.channels[parent].GuildID, Parent: parent, Owner: BotID, Name: req.Name}
		f.channels[msg] = th
		go f.Dispatch("THREAD_CREATE", map[string]any{"id": th.ID, "type": th.Type, "guild_id": th.GuildID,
			"parent_id": th.Parent, "owner_id": th.Owner, "name": th.Name}) // as Discord announces it
		return 201, th, nil
	case c.Method == "POST" && reCallback.MatchString(m):
		return f.callback(c, reCallback.FindStringSubmatch(m)[2])
	case c.Method == "PATCH" && reWebhookID.MatchString(m):
		sm := reWebhookID.FindStringSubmatch(m)
		id := sm[3]
		if id == "@original" {
			id = f.originals[sm[2]]
		}
		sent, ok := f.msgs[id]
		if !ok || sent.webhook != sm[2] {
			return 404, map[string]any{"message": "Unknown Message", "code": 10008}, nil
		}
		out, _ := f.edit(c, id)
		return 200, out, nil
	case c.Method == "DELETE" && reWebhookID.MatchString(m):
		sm := reWebhookID.FindStringSubmatch(m)
		id := sm[3]
		if id == "@original" {
			id = f.originals[sm[2]]
		}
		if _, ok := f.msgs[id]; !ok {
			return 404, map[string]any{"message": "Unknown Message", "code": 10008}, nil
		}
		delete(f.msgs, id)
		return 204, nil, nil
	case c.Method == "POST" && reWebhook.MatchString(m):
		tok := reWebhook.FindStringSubmatch(m)[2]
		if _, ok := f.originals[tok]; !ok {
			return 404, map[string]any{"message": "Unknown Webhook", "code": 10015}, nil
		}
		return 200, f.create(c, f.ixChannel[tok], tok), nil
	}
	f.t.Errorf("fake Discord: unexpected call %s %s", c.Method, c.Path)
	return 404, map[string]any{"message": "404: Not Found", "code": 0}, nil
}

// tooMany is a 429 answer: per route, or of the global limit.
func tooMany(l Limit) (int, any, map[string]string) {
	ra := strconv.FormatFloat(l.RetryAfter, 'f', 3, 64)
	hdr := map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": ra, "X-RateLimit-Bucket": "fake", "Retry-After": ra}
	if l.Global {
		hdr = map[string]string{"X-RateLimit-Global": "true", "X-RateLimit-Scope": "global", "Retry-After": ra}
	}
	return http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": l.RetryAfter, "global": l.Global}, hdr
}

// Posts returns the bot's messages as the fake holds them now (edits
// applied), in the order they were first posted, as the conformance suite
// reads them.
func (f *Server) Posts(t testing.TB) []bridgetest.Post {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, 0, len(f.msgs))
	for id, sm := range f.msgs {
		if len(sm.fields) > 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return len(ids[i]) < len(ids[j]) || len(ids[i]) == len(ids[j]) && ids[i] < ids[j] })
	var out []bridgetest.Post
	for _, id := range ids {
		ms, err := decodeMessage(f.msgs[id].fields)
		if err != nil {
			t.Fatalf("stored message %s: %v", id, err)
		}
		p := bridgetest.Post{ID: id, Text: (Call{Msg: ms}).Text()}
		for _, b := range Buttons(Call{Msg: ms}) {
			switch {
			case b.Type == 3:
				for _, o := range b.Options {
					p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: o.Label,
						Token: discordfmt.ClickToken(b.CustomID, []string{o.Value}), Live: !b.Disabled})
				}
			case b.URL != "":
				p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: b.Label, URL: b.URL})
			default:
				tok := discordfmt.ClickToken(b.CustomID, nil)
				p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: b.Label, Token: tok, Live: !b.Disabled && tok != ""})
			}
		}
		out = append(out, p)
	}
	return out
}

// callback answers an interaction's initial response.
func (f *Server) callback(c *Call, token string) (int, any, map[string]string) {
	var resp struct {
		Type int             `json:"type"`
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(c.Body, &resp); err != nil {
		return 400, map[string]any{"message": "Invalid Form Body", "code": 50035}, nil
	}
	if f.acked[token] {
		return 400, map[string]any{"message": "Interaction has already been acknowledged.", "code": 40060}, nil
	}
	f.acked[token] = true
	switch resp.Type {
	case 4:
		f.originals[token] = f.store(c, f.ixChannel[token], token, resp.Data)
	case 5:
		// "is thinking…": an empty original response, replaced later.
		id := f.id()
		f.msgs[id] = &storedMsg{id: id, channel: f.ixChannel[token], webhook: token, fields: map[string]json.RawMessage{}}
		f.originals[token] = id
	case 6, 8, 1:
		// 6: the component's message stays the interaction's @original.
	default:
		f.t.Errorf("fake Discord: interaction response type %d", resp.Type)
	}
	return 204, nil, nil
}

// create stores a new message from the call's body and validates it.
func (f *Server) create(c *Call, channel, webhook string) map[string]any {
	id := f.store(c, channel, webhook, c.Body)
	return f.wire(f.msgs[id])
}

func (f *Server) store(c *Call, channel, webhook string, body []byte) string {
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(body, &fields); err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s %s: not a JSON object: %v", c.Method, c.Path, err))
	}
	id := f.id()
	sm := &storedMsg{id: id, channel: channel, webhook: webhook, fields: fields}
	f.msgs[id] = sm
	f.check(c, sm)
	return id
}

// edit applies a PATCH to a stored message (fields present replace the old
// ones) and validates the result.
func (f *Server) edit(c *Call, id string) (map[string]any, bool) {
	sm, ok := f.msgs[id]
	if !ok {
		return nil, false
	}
	patch := map[string]json.RawMessage{}
	if err := json.Unmarshal(c.Body, &patch); err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s %s: not a JSON object: %v", c.Method, c.Path, err))
	}
	for k, v := range patch {
		sm.fields[k] = v
	}
	f.check(c, sm)
	return f.wire(sm), true
}

// check validates a message as it now stands and records it on the call.
func (f *Server) check(c *Call, sm *storedMsg) {
	ms, err := decodeMessage(sm.fields)
	if err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s %s: %v", c.Method, c.Path, err))
		return
	}
	if err := discordfmt.Validate(ms); err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s %s: %v\n%s", c.Method, c.Path, err, CutBody(c.Body)))
	}
	c.Msg, c.Ref, c.Channel = ms, sm.id, sm.channel
}

// decodeMessage turns a message's JSON fields into the MessageSend it stands for.
func decodeMessage(fields map[string]json.RawMessage) (*discordgo.MessageSend, error) {
	ms := &discordgo.MessageSend{}
	if v, ok := fields["content"]; ok {
		if err := json.Unmarshal(v, &ms.Content); err != nil {
			return nil, fmt.Errorf("content: %w", err)
		}
	}
	if v, ok := fields["embeds"]; ok {
		if err := json.Unmarshal(v, &ms.Embeds); err != nil {
			return nil, fmt.Errorf("embeds: %w", err)
		}
	}
	if v, ok := fields["allowed_mentions"]; ok {
		if err := json.Unmarshal(v, &ms.AllowedMentions); err != nil {
			return nil, fmt.Errorf("allowed_mentions: %w", err)
		}
	}
	if v, ok := fields["flags"]; ok {
		if err := json.Unmarshal(v, &ms.Flags); err != nil {
			return nil, fmt.Errorf("flags: %w", err)
		}
		ms.Flags &^= discordgo.MessageFlagsEphemeral // allowed on responses, not part of Validate's concern
	}
	if v, ok := fields["components"]; ok {
		var raws []json.RawMessage
		if err := json.Unmarshal(v, &raws); err != nil {
			return nil, fmt.Errorf("components: %w", err)
		}
		for _, raw := range raws {
			c, err := discordgo.MessageComponentFromJSON(raw)
			if err != nil {
				return nil, fmt.Errorf("components: %w", err)
			}
			ms.Components = append(ms.Components, c)
		}
	}
	return ms, nil
}

// wire is a stored message as Discord returns it.
func (f *Server) wire(sm *storedMsg) map[string]any {
	out := map[string]any{
		"id": sm.id, "channel_id": sm.channel, "type": 0, "timestamp": time.Now().UTC().Format(time.RFC3339),
		"author": map[string]any{"id": BotID, "username": BotName, "bot": true},
	}
	for k, v := range sm.fields {
		if k == "content" || k == "embeds" || k == "components" {
			out[k] = v
		}
	}
	if sm.webhook != "" {
		out["webhook_id"] = AppID
	}
	return out
}

// Message returns a stored message as an interaction carries it.
func (f *Server) Message(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	sm, ok := f.msgs[id]
	if !ok {
		f.t.Fatalf("fake Discord: no message %s", id)
	}
	return f.wire(sm)
}

// RegisterInteraction remembers where an interaction comes from.
func (f *Server) RegisterInteraction(token, channel, msgID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ixChannel[token] = channel
	if msgID != "" {
		// A component interaction: its @original is the component's message.
		f.msgs[msgID].webhook = token
		f.originals[token] = msgID
	}
}

// Answered records an interaction response that came as the HTTP answer to
// an interaction Discord posted (as Discord would, before the webhook works).
func (f *Server) Answered(ixID, token string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &Call{Method: "HTTP-ANSWER", Path: "/interactions/" + ixID + "/" + token + "/callback", Body: body, At: time.Now()}
	f.calls = append(f.calls, c)
	c.Status, _, _ = f.callback(c, token)
}

// Gateway.

// shardOf is the shard of an event: Discord's (guild_id >> 22) % shard_count;
// events without a server (DMs) go to shard 0.
func shardOf(d any, count int) int {
	b, _ := json.Marshal(d)
	var v struct {
		GuildID string `json:"guild_id"`
	}
	_ = json.Unmarshal(b, &v)
	g, err := strconv.ParseUint(v.GuildID, 10, 64)
	if err != nil || count < 2 {
		return 0
	}
	return int((g >> 22) % uint64(count))
}

type gwOp struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func (f *Server) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	hang := f.hangHello
	if hang {
		f.hung++
	}
	f.mu.Unlock()
	if hang { // say nothing until the client goes
		_, _, _ = conn.ReadMessage()
		conn.Close()
		return
	}
	write := func(v any) error {
		f.gwMu.Lock()
		defer f.gwMu.Unlock()
		return conn.WriteJSON(v)
	}
	if err := write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 41250}}); err != nil {
		conn.Close()
		return
	}
	var first gwOp
	if err := conn.ReadJSON(&first); err != nil {
		conn.Close()
		return
	}
	if first.Op == 6 {
		var res struct {
			SessionID string `json:"session_id"`
			Seq       int64  `json:"seq"`
		}
		_ = json.Unmarshal(first.D, &res)
		f.mu.Lock()
		f.resumes++
		f.mu.Unlock()
		if f.resume(conn, res.SessionID, res.Seq) {
			f.listen(conn)
			return
		}
		// INVALID_SESSION: the client identifies anew on this connection.
		if err := write(map[string]any{"op": 9, "d": false}); err != nil || conn.ReadJSON(&first) != nil {
			conn.Close()
			return
		}
	}
	if first.Op != 2 {
		conn.Close()
		return
	}
	var id struct {
		Token string  `json:"token"`
		Shard *[2]int `json:"shard"`
	}
	_ = json.Unmarshal(first.D, &id)
	f.mu.Lock()
	f.identify = append(f.identify, first.D)
	closeWith := f.closeWith
	f.closeWith = 0
	f.mu.Unlock()
	if id.Token != "Bot "+Token {
		closeWith = 4004
	}
	if closeWith != 0 {
		f.gwMu.Lock()
		_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(closeWith, "refused"))
		f.gwMu.Unlock()
		conn.Close()
		return
	}
	shard := [2]int{0, 1}
	if id.Shard != nil {
		shard = *id.Shard
	}
	f.gwMu.Lock()
	s := &gwSession{id: "sess-" + strconv.Itoa(len(f.sessions)+1), shard: shard, ready: make(chan struct{})}
	f.sessions[s.id] = s
	f.byShard[shard[0]] = s
	f.shards = shard[1]
	s.seq++
	err = conn.WriteJSON(map[string]any{"op": 0, "t": "READY", "s": s.seq, "d": map[string]any{
		"v": 9, "session_id": s.id, "shard": shard,
		"user":        map[string]any{"id": BotID, "username": BotName, "bot": true},
		"application": map[string]any{"id": AppID}, "guilds": []any{},
	}})
	if err == nil {
		s.conn = conn
		f.conns++
		close(s.ready)
	}
	f.gwMu.Unlock()
	if err != nil {
		conn.Close()
		return
	}
	f.listen(conn)
}

// resume replays what session id was sent after seq, then RESUMED, and
// reports true; false when the session cannot be resumed.
func (f *Server) resume(conn *websocket.Conn, id string, seq int64) bool {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	s := f.sessions[id]
	if s == nil || s.invalid || f.byShard[s.shard[0]] != s {
		return false
	}
	for _, e := range s.log {
		if e.seq > seq {
			if conn.WriteJSON(map[string]any{"op": 0, "t": e.t, "s": e.seq, "d": e.d}) != nil {
				conn.Close()
				return true
			}
		}
	}
	s.seq++
	if conn.WriteJSON(map[string]any{"op": 0, "t": "RESUMED", "s": s.seq, "d": map[string]any{}}) != nil {
		conn.Close()
		return true
	}
	s.conn = conn
	f.conns++
	select {
	case <-s.ready:
		s.ready = make(chan struct{})
	default:
	}
	close(s.ready)
	return true
}

// listen answers heartbeats until the connection ends.
func (f *Server) listen(conn *websocket.Conn) {
	for {
		var in gwOp
		if err := conn.ReadJSON(&in); err != nil {
			f.gwMu.Lock()
			for _, s := range f.sessions {
				if s.conn == conn {
					s.conn = nil
					s.ready = make(chan struct{})
				}
			}
			f.gwMu.Unlock()
			conn.Close()
			return
		}
		if in.Op == 1 {
			f.gwMu.Lock()
			_ = conn.WriteJSON(map[string]any{"op": 11})
			f.gwMu.Unlock()
		}
	}
}

func (f *Server) ConnCount() int {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	return f.conns
}

// WaitGateway waits until shard 0 is connected.
func (f *Server) WaitGateway(t testing.TB) { f.WaitShard(t, 0) }

// WaitShard waits until a session of the shard is connected.
func (f *Server) WaitShard(t testing.TB, shard int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		f.gwMu.Lock()
		s := f.byShard[shard]
		var ready chan struct{}
		if s != nil {
			ready = s.ready
		}
		f.gwMu.Unlock()
		if ready != nil {
			select {
			case <-ready:
				f.gwMu.Lock()
				ok := s.conn != nil
				f.gwMu.Unlock()
				if ok {
					return
				}
			case <-time.After(10 * time.Millisecond):
			}
		} else {
			time.Sleep(10 * time.Millisecond)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no gateway connection of shard %d within 15s", shard)
		}
	}
}

// Dispatch sends a gateway event (op 0) to the session of its shard: on its
// connection, or queued for a RESUME while it has none. A MESSAGE_CREATE is
// kept in its channel's history too (GET /channels/{id}/messages).
func (f *Server) Dispatch(event string, d any) {
	if event == "MESSAGE_CREATE" {
		if m, ok := d.(map[string]any); ok {
			if ch, ok := m["channel_id"].(string); ok {
				f.mu.Lock()
				f.history[ch] = append(f.history[ch], m)
				f.mu.Unlock()
			}
		}
	}
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	s := f.byShard[shardOf(d, f.shards)]
	if s == nil {
		f.t.Logf("fake Discord: %s dispatched before any session", event)
		return
	}
	s.seq++
	s.log = append(s.log, gwEvent{seq: s.seq, t: event, d: d})
	if s.conn == nil {
		return // queued: replayed on RESUME
	}
	if err := s.conn.WriteJSON(map[string]any{"op": 0, "t": event, "s": s.seq, "d": d}); err != nil {
		f.t.Logf("fake Discord: dispatch %s: %v", event, err)
	}
}

// DispatchThenDrop writes the events and cuts the connection right after,
// before the client can have read them all (as a network failure would in the
// middle of a stream): what it did not read is replayed on RESUME.
func (f *Server) DispatchThenDrop(event string, ds ...any) {
	for _, d := range ds {
		f.Dispatch(event, d)
	}
	f.DropGateway()
}

// DropGateway cuts every gateway connection (as a network failure would);
// the sessions stay, for RESUME, and what is dispatched from now on queues
// until then.
func (f *Server) DropGateway() {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	for _, s := range f.sessions {
		if s.conn != nil {
			s.conn.Close()
			s.conn = nil
			s.ready = make(chan struct{})
		}
	}
}

// InvalidateSessions makes every session impossible to resume: a RESUME gets
// INVALID_SESSION, and the client must identify anew (a new session, no
// replay).
func (f *Server) InvalidateSessions() {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	for _, s := range f.sessions {
		s.invalid = true
	}
}

// Identifies returns the Identify payloads received.
func (f *Server) Identifies() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.identify)
}

// Resumed is how many RESUMEs the gateway received.
func (f *Server) Resumed() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resumes
}

// MessageText is the text a stored message shows now ("" when there is none).
func (f *Server) MessageText(id string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	sm, ok := f.msgs[id]
	if !ok {
		return ""
	}
	ms, err := decodeMessage(sm.fields)
	if err != nil {
		return ""
	}
	return Call{Msg: ms}.Text()
}

// Component finds the button or menu option carrying token in message msg:
// its channel, custom_id and, for an option, the values to send.
func (f *Server) Component(t testing.TB, msg, token string) (channel, customID string, values []string) {
	t.Helper()
	f.mu.Lock()
	sm, ok := f.msgs[msg]
	f.mu.Unlock()
	if !ok {
		t.Fatalf("fake Discord: no message %s", msg)
	}
	f.mu.Lock()
	ms, err := decodeMessage(sm.fields)
	f.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range Buttons(Call{Msg: ms}) {
		if b.Type == 3 {
			for _, o := range b.Options {
				if discordfmt.ClickToken(b.CustomID, []string{o.Value}) == token {
					return sm.channel, b.CustomID, []string{o.Value}
				}
			}
			continue
		}
		if b.URL == "" && discordfmt.ClickToken(b.CustomID, nil) == token {
			return sm.channel, b.CustomID, nil
		}
	}
	t.Fatalf("no component carries %s in message %s", token, msg)
	return "", "", nil
}

// OnCall has fn called after each successful REST call (benchmarks).
func (f *Server) OnCall(fn func(Call)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onCall = fn
}

// SetNoThreads has thread starts refused (Missing Permissions), or not.
func (f *Server) SetNoThreads(refuse bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.noThreads = refuse
}

// CloseNextIdentify has the gateway close the connection of the next
// Identify with code instead of READY.
func (f *Server) CloseNextIdentify(code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closeWith = code
}

// HangHello has the gateway never say Hello on new connections; Hung is how
// many it left so.
func (f *Server) HangHello() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hangHello = true
}

// Hung is how many gateway connections were left without Hello.
func (f *Server) Hung() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hung
}
