package platforms

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// The Discord application the bench configures (test values, not secrets).
const (
	dcToken = "MTIzNDU2.bench.token-XYZ"
	dcAppID = "900000000000000001"
	dcBotID = "900000000000000002"
	// dcUserBase + u is user u's id, dcChannelBase + u their DM channel's.
	dcUserBase    = 300000000000000000
	dcChannelBase = 800000000000000000
)

// discordPlatform plays Discord: users' DMs are MESSAGE_CREATE dispatches on
// the fake gateway's WebSocket; answers arrive as POST
// /channels/{id}/messages at the fake REST API.
type discordPlatform struct {
	o     Options
	srv   *fakeServer
	calls Calls
	ids   atomic.Int64 // snowflakes

	gwMu    sync.Mutex // serialises writes to the gateway connection
	gw      *websocket.Conn
	seq     int64
	ready   chan struct{} // closed at the first READY
	readyOK sync.Once
	conns   sync.WaitGroup
}

func newDiscord(o Options) (*discordPlatform, error) {
	p := &discordPlatform{o: o, ready: make(chan struct{})}
	srv, err := newServer()
	if err != nil {
		return nil, err
	}
	p.srv = srv
	p.ids.Store(1200000000000000000)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v9/", p.rest)
	mux.HandleFunc("GET /gw", p.gateway)
	mux.HandleFunc("GET /gw/", p.gateway) // discordgo adds a slash before the query
	p.srv.serve(mux)
	return p, nil
}

func (p *discordPlatform) Name() string { return "discord" }

func (p *discordPlatform) Config() map[string]any {
	return map[string]any{"discord": map[string]any{
		"token": dcToken, "application_id": dcAppID, "api_url": p.srv.url + "/api/v9/",
	}}
}

func (p *discordPlatform) BaselineArgs() []string {
	return []string{"-discord-api", p.srv.url + "/api/v9/", "-discord-token", dcToken}
}

// Ready waits until a gateway session is READY.
func (p *discordPlatform) Ready(ctx context.Context) error {
	select {
	case <-p.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(30 * time.Second):
		return errors.New("platforms: discord: no gateway session within 30s")
	}
}

func (p *discordPlatform) WarmUp(ctx context.Context, u int, text string) error {
	return p.Send(ctx, u, text)
}

type dcDispatch struct {
	Op int       `json:"op"`
	T  string    `json:"t"`
	S  int64     `json:"s"`
	D  dcMessage `json:"d"`
}

type dcMessage struct {
	ID          string   `json:"id"`
	ChannelID   string   `json:"channel_id"`
	Author      dcUser   `json:"author"`
	Content     string   `json:"content"`
	Type        int      `json:"type"`
	Timestamp   string   `json:"timestamp"`
	Mentions    []dcUser `json:"mentions"`
	Attachments []any    `json:"attachments"`
	Embeds      []any    `json:"embeds"`
}

type dcUser struct {
	ID            string `json:"id"`
	Username      string `json:"username"`
	GlobalName    string `json:"global_name,omitempty"`
	Discriminator string `json:"discriminator"`
	Bot           bool   `json:"bot,omitempty"`
}

func dcPerson(u int) dcUser {
	return dcUser{ID: strconv.Itoa(dcUserBase + u), Username: "user" + strconv.Itoa(u), GlobalName: "User " + strconv.Itoa(u), Discriminator: "0"}
}

// Send dispatches a DM from user u on the gateway.
func (p *discordPlatform) Send(_ context.Context, u int, text string) error {
	p.gwMu.Lock()
	defer p.gwMu.Unlock()
	if p.gw == nil {
		return errors.New("no gateway connection")
	}
	p.seq++
	b, err := json.Marshal(dcDispatch{Op: 0, T: "MESSAGE_CREATE", S: p.seq, D: dcMessage{
		ID: strconv.FormatInt(p.ids.Add(1), 10), ChannelID: strconv.Itoa(dcChannelBase + u), Author: dcPerson(u),
		Content: text, Timestamp: time.Now().UTC().Format(time.RFC3339), Mentions: []dcUser{}, Attachments: []any{}, Embeds: []any{},
	}})
	if err != nil {
		return err
	}
	_ = p.gw.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return p.gw.WriteMessage(websocket.TextMessage, b)
}

func (p *discordPlatform) Calls() map[string]int64 { return p.calls.Snapshot() }
func (p *discordPlatform) Dials() int64            { return p.srv.ln.Accepted() }

func (p *discordPlatform) Close() {
	p.gwMu.Lock()
	if p.gw != nil {
		p.gw.Close()
	}
	p.gwMu.Unlock()
	p.srv.close()
	p.conns.Wait()
}

// rest is the fake REST API: the gateway URL, command registration, channel
// lookups, typing, and message creation (answered with the message, as
// Discord does); 200 {} for anything else.
func (p *discordPlatform) rest(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/api/v9")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	name := r.Method + " " + routeName(parts)
	p.calls.Add(name)
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bot ") && parts[0] != "webhooks" && parts[0] != "interactions" {
		w.WriteHeader(http.StatusUnauthorized)
		writeJSON(w, map[string]any{"message": "401: Unauthorized", "code": 0})
		return
	}
	switch name {
	case "GET /gateway", "GET /gateway/bot":
		writeJSON(w, map[string]any{"url": "ws" + strings.TrimPrefix(p.srv.url, "http") + "/gw", "shards": 1,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
	case "PUT /applications/{id}/commands", "PUT /applications/{id}/guilds/{id}/commands":
		var cmds []map[string]any
		_ = json.NewDecoder(r.Body).Decode(&cmds)
		for _, c := range cmds {
			c["id"] = strconv.FormatInt(p.ids.Add(1), 10)
			c["application_id"] = dcAppID
		}
		writeJSON(w, cmds)
	case "GET /channels/{id}":
		u := p.userOf(parts[1])
		writeJSON(w, map[string]any{"id": parts[1], "type": 1, "recipients": []dcUser{dcPerson(u)}})
	case "POST /channels/{id}/typing":
		w.WriteHeader(http.StatusNoContent)
	case "POST /channels/{id}/messages":
		p.created(w, r, parts[1])
	default:
		writeJSON(w, map[string]any{})
	}
}

// routeName replaces the ids of a REST path with {id}: /channels/8/messages →
// channels/{id}/messages.
func routeName(parts []string) string {
	out := make([]string, len(parts))
	for i, s := range parts {
		if _, err := strconv.ParseUint(s, 10, 64); err == nil {
			s = "{id}"
		}
		out[i] = s
	}
	return "/" + strings.Join(out, "/")
}

func (p *discordPlatform) userOf(channel string) int {
	n, err := strconv.ParseInt(channel, 10, 64)
	if err != nil {
		return -1
	}
	return int(n - dcChannelBase)
}

// created answers a message creation with the message object Discord returns:
// the posted fields plus its id, channel, author and timestamp.
func (p *discordPlatform) created(w http.ResponseWriter, r *http.Request, channel string) {
	var fields map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&fields); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		writeJSON(w, map[string]any{"message": "Invalid Form Body", "code": 50035})
		return
	}
	p.o.Inbox.Post(p.userOf(channel), time.Now())
	if fields == nil {
		fields = map[string]json.RawMessage{}
	}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		fields[k] = b
	}
	set("id", strconv.FormatInt(p.ids.Add(1), 10))
	set("channel_id", channel)
	set("author", dcUser{ID: dcBotID, Username: "kmbench", Discriminator: "0", Bot: true})
	set("timestamp", time.Now().UTC().Format(time.RFC3339Nano))
	set("type", 0)
	set("tts", false)
	set("mention_everyone", false)
	set("pinned", false)
	for _, k := range []string{"mentions", "attachments", "embeds", "components"} {
		if _, ok := fields[k]; !ok {
			set(k, []any{})
		}
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", "5")
	h.Set("X-RateLimit-Remaining", "4")
	h.Set("X-RateLimit-Reset-After", "5.000")
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(time.Now().Add(5*time.Second).UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Bucket", "bench-messages-"+channel)
	writeJSON(w, fields)
}

// gateway is the fake gateway: Hello, then READY on Identify (RESUMED on
// Resume), heartbeat ACKs, and the dispatches Send writes.
func (p *discordPlatform) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	p.conns.Add(1)
	defer p.conns.Done()
	defer conn.Close()
	write := func(v any) error {
		p.gwMu.Lock()
		defer p.gwMu.Unlock()
		return conn.WriteJSON(v)
	}
	if write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 41250}}) != nil {
		return
	}
	var first struct {
		Op int `json:"op"`
	}
	if conn.ReadJSON(&first) != nil {
		return
	}
	p.gwMu.Lock()
	p.seq++
	hello := map[string]any{"op": 0, "t": "READY", "s": p.seq, "d": map[string]any{
		"v": 9, "session_id": "bench-session", "resume_gateway_url": "ws" + strings.TrimPrefix(p.srv.url, "http") + "/gw",
		"user":        dcUser{ID: dcBotID, Username: "kmbench", Discriminator: "0", Bot: true},
		"application": map[string]any{"id": dcAppID, "flags": 0}, "guilds": []any{}, "private_channels": []any{},
	}}
	if first.Op == 6 {
		hello = map[string]any{"op": 0, "t": "RESUMED", "s": p.seq, "d": map[string]any{}}
	}
	err = conn.WriteJSON(hello)
	if err == nil {
		p.gw = conn
	}
	p.gwMu.Unlock()
	if err != nil {
		return
	}
	p.readyOK.Do(func() { close(p.ready) })
	for {
		var in struct {
			Op int `json:"op"`
		}
		if conn.ReadJSON(&in) != nil {
			break
		}
		if in.Op == 1 {
			_ = write(map[string]any{"op": 11})
		}
	}
	p.gwMu.Lock()
	if p.gw == conn {
		p.gw = nil
	}
	p.gwMu.Unlock()
}
