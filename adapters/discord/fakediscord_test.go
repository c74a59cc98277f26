package discord_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

// The fake application's identity.
const (
	fakeToken = "MTIzNDU2.fake.token-XYZ"
	appID     = "900000000000000001"
	botID     = "900000000000000002"
	botName   = "kmhelp"
)

// apiCall is one REST request the fake received.
type apiCall struct {
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
func (c apiCall) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(c.Body, v); err != nil {
		t.Fatalf("%s %s body: %v: %s", c.Method, c.Path, err, c.Body)
	}
}

// text is everything a user reads in a message call: content, embed titles,
// descriptions and fields.
func (c apiCall) text() string {
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

type fakeChannel struct {
	ID      string `json:"id"`
	Type    int    `json:"type"`
	GuildID string `json:"guild_id,omitempty"`
	Parent  string `json:"parent_id,omitempty"`
	Owner   string `json:"owner_id,omitempty"`
	Name    string `json:"name,omitempty"`
}

// limit is a 429 to serve.
type limit struct {
	retryAfter float64
	global     bool
}

// fakeDiscord is Discord on loopback: the REST routes the adapter uses (with
// 429 injection) and a gateway websocket (Hello, Identify, READY, dispatch,
// heartbeat ACKs). Every message it receives — created, edited, as a
// followup or an interaction response — is checked with discordfmt.Validate
// as it stands after the call.
type fakeDiscord struct {
	t   testing.TB
	srv *httptest.Server

	mu        sync.Mutex
	calls     []*apiCall
	nextID    int64
	msgs      map[string]*storedMsg
	originals map[string]string // interaction token → @original message id
	acked     map[string]bool   // interaction tokens answered
	ixChannel map[string]string // interaction token → channel
	channels  map[string]fakeChannel
	limits    map[string][]limit // "METHOD path" → 429s to serve
	invalid   []string
	identify  []json.RawMessage
	closeWith int  // close code for the next identify (0: READY)
	noThreads bool // thread starts are refused (Missing Permissions)
	hangHello bool // the gateway never says Hello
	hung      int  // connections left without Hello
	onCall    func(apiCall)

	gwMu    sync.Mutex // serialises writes to the gateway connection
	gw      *websocket.Conn
	gwReady chan struct{} // replaced on each connection; closed once READY is out
	seq     int64
	conns   int
}

func newFakeDiscord(t testing.TB) *fakeDiscord {
	f := &fakeDiscord{
		t: t, nextID: 1100000000000000000,
		msgs: map[string]*storedMsg{}, originals: map[string]string{}, ixChannel: map[string]string{}, acked: map[string]bool{},
		channels: map[string]fakeChannel{}, limits: map[string][]limit{},
		gwReady: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", f.rest)
	mux.HandleFunc("/gw/", f.gateway)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.dropGateway()
		f.srv.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, s := range f.invalid {
			t.Errorf("fake Discord received an invalid message: %s", s)
		}
	})
	return f
}

// apiURL is the REST base the adapter is configured with.
func (f *fakeDiscord) apiURL() string { return f.srv.URL + "/api/v9/" }

func (f *fakeDiscord) id() string {
	f.nextID++
	return strconv.FormatInt(f.nextID, 10)
}

// newID hands out a snowflake (tests use it for users' messages).
func (f *fakeDiscord) newID() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id()
}

// addChannel makes a channel known to GET /channels/{id}.
func (f *fakeDiscord) addChannel(c fakeChannel) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[c.ID] = c
}

// limit makes the next n requests of method to path answer 429.
func (f *fakeDiscord) limit(method, path string, n int, retryAfter float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.limits[method+" "+path] = append(f.limits[method+" "+path], limit{retryAfter: retryAfter})
	}
}

// all returns a copy of every call so far.
func (f *fakeDiscord) all() []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]apiCall, 0, len(f.calls))
	for _, c := range f.calls {
		out = append(out, *c)
	}
	return out
}

// callsTo returns the calls whose "METHOD path" matches the pattern.
func (f *fakeDiscord) callsTo(method, pathRE string) []apiCall {
	re := regexp.MustCompile("^" + pathRE + "$")
	var out []apiCall
	for _, c := range f.all() {
		if c.Method == method && re.MatchString(c.Path) {
			out = append(out, c)
		}
	}
	return out
}

// messages returns the successful calls that created or changed a message.
func (f *fakeDiscord) messages() []apiCall {
	var out []apiCall
	for _, c := range f.all() {
		if c.Msg != nil && c.Status < 300 {
			out = append(out, c)
		}
	}
	return out
}

// dump lists the calls (for failing tests).
func (f *fakeDiscord) dump() string {
	var b strings.Builder
	for _, c := range f.all() {
		fmt.Fprintf(&b, "%s %s → %d %s\n", c.Method, c.Path, c.Status, cutBody(c.Body))
	}
	return b.String()
}

func cutBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

var (
	reGateway   = regexp.MustCompile(`^/gateway(/bot)?$`)
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

func (f *fakeDiscord) rest(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	c := &apiCall{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: body, At: time.Now()}
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
func (f *fakeDiscord) serve(c *apiCall, r *http.Request) (int, any, map[string]string) {
	key := c.Method + " " + c.Path
	if ls := f.limits[key]; len(ls) > 0 {
		l := ls[0]
		f.limits[key] = ls[1:]
		ra := strconv.FormatFloat(l.retryAfter, 'f', 3, 64)
		return http.StatusTooManyRequests, map[string]any{"message": "You are being rate limited.", "retry_after": l.retryAfter, "global": l.global},
			map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": ra, "X-RateLimit-Bucket": "fake", "Retry-After": ra}
	}
	webhook := strings.HasPrefix(c.Path, "/webhooks/") || strings.HasPrefix(c.Path, "/interactions/")
	if !webhook && r.Header.Get("Authorization") != "Bot "+fakeToken {
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
			cmd["id"] = f.id()
			cmd["application_id"] = appID
		}
		return 200, cmds, nil
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
		th := fakeChannel{ID: msg, Type: 11, GuildID: f.channels[parent].GuildID, Parent: parent, Owner: botID, Name: req.Name}
		f.channels[msg] = th
		go f.dispatch("THREAD_CREATE", th) // as Discord announces it
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

// callback answers an interaction's initial response.
func (f *fakeDiscord) callback(c *apiCall, token string) (int, any, map[string]string) {
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
func (f *fakeDiscord) create(c *apiCall, channel, webhook string) map[string]any {
	id := f.store(c, channel, webhook, c.Body)
	return f.wire(f.msgs[id])
}

func (f *fakeDiscord) store(c *apiCall, channel, webhook string, body []byte) string {
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
func (f *fakeDiscord) edit(c *apiCall, id string) (map[string]any, bool) {
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
func (f *fakeDiscord) check(c *apiCall, sm *storedMsg) {
	ms, err := decodeMessage(sm.fields)
	if err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s %s: %v", c.Method, c.Path, err))
		return
	}
	if err := discordfmt.Validate(ms); err != nil {
		f.invalid = append(f.invalid, fmt.Sprintf("%s %s: %v\n%s", c.Method, c.Path, err, cutBody(c.Body)))
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
func (f *fakeDiscord) wire(sm *storedMsg) map[string]any {
	out := map[string]any{
		"id": sm.id, "channel_id": sm.channel, "type": 0, "timestamp": time.Now().UTC().Format(time.RFC3339),
		"author": map[string]any{"id": botID, "username": botName, "bot": true},
	}
	for k, v := range sm.fields {
		if k == "content" || k == "embeds" || k == "components" {
			out[k] = v
		}
	}
	if sm.webhook != "" {
		out["webhook_id"] = appID
	}
	return out
}

// message returns a stored message as an interaction carries it.
func (f *fakeDiscord) message(id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	sm, ok := f.msgs[id]
	if !ok {
		f.t.Fatalf("fake Discord: no message %s", id)
	}
	return f.wire(sm)
}

// registerInteraction remembers where an interaction comes from.
func (f *fakeDiscord) registerInteraction(token, channel, msgID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ixChannel[token] = channel
	if msgID != "" {
		// A component interaction: its @original is the component's message.
		f.msgs[msgID].webhook = token
		f.originals[token] = msgID
	}
}

// answered records an interaction response that came as the HTTP answer to
// an interaction Discord posted (as Discord would, before the webhook works).
func (f *fakeDiscord) answered(ixID, token string, body []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &apiCall{Method: "HTTP-ANSWER", Path: "/interactions/" + ixID + "/" + token + "/callback", Body: body, At: time.Now()}
	f.calls = append(f.calls, c)
	c.Status, _, _ = f.callback(c, token)
}

// set changes the fake's knobs under its lock.
func (f *fakeDiscord) set(fn func(f *fakeDiscord)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// Gateway.

func (f *fakeDiscord) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	write := func(v any) error {
		f.gwMu.Lock()
		defer f.gwMu.Unlock()
		return conn.WriteJSON(v)
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
	if err := write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 41250}}); err != nil {
		conn.Close()
		return
	}
	var first struct {
		Op int             `json:"op"`
		D  json.RawMessage `json:"d"`
	}
	if err := conn.ReadJSON(&first); err != nil {
		conn.Close()
		return
	}
	f.mu.Lock()
	closeWith := f.closeWith
	f.closeWith = 0
	f.mu.Unlock()
	switch first.Op {
	case 2:
		var id struct {
			Token   string `json:"token"`
			Intents int    `json:"intents"`
		}
		_ = json.Unmarshal(first.D, &id)
		f.mu.Lock()
		f.identify = append(f.identify, first.D)
		f.mu.Unlock()
		if id.Token != "Bot "+fakeToken {
			closeWith = 4004
		}
		if closeWith != 0 {
			f.gwMu.Lock()
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(closeWith, "refused"))
			f.gwMu.Unlock()
			conn.Close()
			return
		}
		_ = write(map[string]any{"op": 0, "t": "READY", "s": f.nextSeq(), "d": map[string]any{
			"v": 9, "session_id": "sess-" + strconv.Itoa(f.connCount()),
			"user":        map[string]any{"id": botID, "username": botName, "bot": true},
			"application": map[string]any{"id": appID}, "guilds": []any{},
		}})
	case 6:
		_ = write(map[string]any{"op": 0, "t": "RESUMED", "s": f.nextSeq(), "d": map[string]any{}})
	default:
		conn.Close()
		return
	}
	f.gwMu.Lock()
	f.gw = conn
	f.conns++
	ready := f.gwReady
	f.gwMu.Unlock()
	close(ready)
	for {
		var in struct {
			Op int `json:"op"`
		}
		if err := conn.ReadJSON(&in); err != nil {
			f.gwMu.Lock()
			if f.gw == conn {
				f.gw = nil
				f.gwReady = make(chan struct{})
			}
			f.gwMu.Unlock()
			conn.Close()
			return
		}
		if in.Op == 1 {
			_ = write(map[string]any{"op": 11})
		}
	}
}

func (f *fakeDiscord) nextSeq() int64 {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	f.seq++
	return f.seq
}

func (f *fakeDiscord) connCount() int {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	return f.conns
}

// waitGateway waits until a gateway connection is ready.
func (f *fakeDiscord) waitGateway(t testing.TB) {
	t.Helper()
	f.gwMu.Lock()
	ready := f.gwReady
	f.gwMu.Unlock()
	select {
	case <-ready:
	case <-time.After(15 * time.Second):
		t.Fatal("no gateway connection within 15s")
	}
}

// dispatch sends a gateway event (op 0) on the current connection.
func (f *fakeDiscord) dispatch(event string, d any) {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	if f.gw == nil {
		return
	}
	f.seq++
	if err := f.gw.WriteJSON(map[string]any{"op": 0, "t": event, "s": f.seq, "d": d}); err != nil {
		f.t.Logf("fake Discord: dispatch %s: %v", event, err)
	}
}

// dropGateway cuts the gateway connection (as a network failure would).
func (f *fakeDiscord) dropGateway() {
	f.gwMu.Lock()
	defer f.gwMu.Unlock()
	if f.gw != nil {
		f.gw.Close()
	}
}

// identifies returns the Identify payloads received.
func (f *fakeDiscord) identifies() []json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]json.RawMessage(nil), f.identify...)
}
