package platforms

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The Slack app the bench configures (test values, not secrets).
const (
	slackBotToken = "xoxb-bench-bot-token"
	slackSecret   = "bench-signing-secret"
	slackBotUser  = "UBENCHBOT"
	slackBotID    = "BBENCHBOT"
	slackTeam     = "TBENCH"
	// slackHotChannel is the one public channel of a hot run (Options.Hot).
	slackHotChannel = "CBENCHHOT"
)

// slackPlatform plays a Slack workspace: users write in their DMs with the
// app (signed Events API callbacks to /slack/events); answers arrive as
// chat.postMessage at the fake Web API. In a hot run (Options.Hot) they all
// write in one public channel instead: user u's first contact is a top-level
// message mentioning the bot, whose ts is slackRootTS(u); the bot answers in
// its thread, and u's later messages are replies there. An answer is then
// matched to its user by its thread_ts.
type slackPlatform struct {
	o     Options
	srv   *fakeServer
	calls Calls
	seq   atomic.Int64 // event ids and message timestamps
}

func newSlack(o Options) (*slackPlatform, error) {
	p := &slackPlatform{o: o}
	srv, err := newServer()
	if err != nil {
		return nil, err
	}
	p.srv = srv
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/{method}", p.api)
	p.srv.serve(mux)
	return p, nil
}

func (p *slackPlatform) Name() string { return "slack" }

func (p *slackPlatform) Config() map[string]any {
	return map[string]any{"slack": map[string]any{
		"bot_token": slackBotToken, "signing_secret": slackSecret, "api_url": p.srv.url + "/api/",
	}}
}

func (p *slackPlatform) BaselineArgs() []string {
	return []string{"-slack-api", p.srv.url + "/api/", "-slack-token", slackBotToken, "-slack-secret", slackSecret}
}

func (p *slackPlatform) Ready(context.Context) error { return nil } // WarmUp retries the 503s of a starting program

func (p *slackPlatform) WarmUp(ctx context.Context, u int, text string) error {
	if !p.o.Hot {
		return retryNotReady(ctx, func() error { return p.Send(ctx, u, text) })
	}
	// A top-level message mentioning the bot in a channel comes as two events
	// of their own (event ids apart), for an app subscribed to both
	// message.channels and app_mention: the message, and the mention.
	root := slackRootTS(u)
	text = "<@" + slackBotUser + "> " + text
	for _, typ := range []string{"message", "app_mention"} {
		ev := slackEvent{Type: typ, Channel: slackHotChannel, User: slackUser(u), Text: text, TS: root, EventTS: root}
		if typ == "message" {
			ev.ChannelType = "channel"
		}
		if err := retryNotReady(ctx, func() error { return p.deliver(ctx, ev) }); err != nil {
			return err
		}
	}
	return nil
}

func slackUser(u int) string    { return fmt.Sprintf("U%08d", u) }
func slackChannel(u int) string { return fmt.Sprintf("D%08d", u) }

// slackUserOf returns the user whose DM channel is ch, or -1.
func slackUserOf(ch string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(ch, "D"))
	if err != nil || !strings.HasPrefix(ch, "D") {
		return -1
	}
	return n
}

// slackRootTS is the ts of user u's first message in the hot channel, the
// root of the thread the user's conversation lives in. It is set apart from
// the other messages' ts (1700000000… and 1800000000…) and says its user.
func slackRootTS(u int) string { return fmt.Sprintf("%d.%06d", 1600000000+u/1000000, u%1000000) }

// slackThreadUser returns the user whose thread has the root ts, or -1.
func slackThreadUser(ts string) int {
	sec, micro, ok := strings.Cut(ts, ".")
	s, err1 := strconv.Atoi(sec)
	m, err2 := strconv.Atoi(micro)
	if !ok || err1 != nil || err2 != nil || s < 1600000000 || s >= 1700000000 || len(micro) != 6 {
		return -1
	}
	return (s-1600000000)*1000000 + m
}

type slackCallback struct {
	Token          string      `json:"token"`
	TeamID         string      `json:"team_id"`
	APIAppID       string      `json:"api_app_id"`
	Type           string      `json:"type"`
	EventID        string      `json:"event_id"`
	EventTime      int64       `json:"event_time"`
	Event          slackEvent  `json:"event"`
	Authorizations []slackAuth `json:"authorizations"`
}

// slackEvent is a message event (a DM, a channel message or a reply in a
// thread) or an app_mention, which has no channel_type.
type slackEvent struct {
	Type         string `json:"type"`
	ChannelType  string `json:"channel_type,omitempty"`
	Channel      string `json:"channel"`
	User         string `json:"user"`
	Text         string `json:"text"`
	TS           string `json:"ts"`
	ThreadTS     string `json:"thread_ts,omitempty"`
	ParentUserID string `json:"parent_user_id,omitempty"`
	EventTS      string `json:"event_ts"`
}

type slackAuth struct {
	TeamID string `json:"team_id"`
	UserID string `json:"user_id"`
	IsBot  bool   `json:"is_bot"`
}

// Send posts a signed message event, as Slack's Events API does: a DM, or in
// a hot run a reply in the user's thread of the hot channel.
func (p *slackPlatform) Send(ctx context.Context, u int, text string) error {
	n := p.seq.Add(1)
	ts := fmt.Sprintf("%d.%06d", 1700000000+n/1000000, n%1000000)
	ev := slackEvent{Type: "message", ChannelType: "im", Channel: slackChannel(u), User: slackUser(u), Text: text, TS: ts, EventTS: ts}
	if p.o.Hot {
		ev.ChannelType, ev.Channel, ev.ThreadTS, ev.ParentUserID = "channel", slackHotChannel, slackRootTS(u), slackUser(u)
	}
	return p.deliver(ctx, ev)
}

// deliver posts ev as a signed Events API callback.
func (p *slackPlatform) deliver(ctx context.Context, ev slackEvent) error {
	n := p.seq.Add(1)
	now := time.Now()
	body, err := json.Marshal(slackCallback{
		Token: "legacy", TeamID: slackTeam, APIAppID: "ABENCH", Type: "event_callback",
		EventID: fmt.Sprintf("Ev%010d", n), EventTime: now.Unix(), Event: ev,
		Authorizations: []slackAuth{{TeamID: slackTeam, UserID: slackBotUser, IsBot: true}},
	})
	if err != nil {
		return err
	}
	stamp := strconv.FormatInt(now.Unix(), 10)
	return post(ctx, p.o.Client, "http://"+p.o.Target+"/slack/events", body, map[string]string{
		"X-Slack-Request-Timestamp": stamp,
		"X-Slack-Signature":         slackSignature(slackSecret, stamp, body),
	})
}

// slackSignature is Slack's v0 request signature.
func slackSignature(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("v0:" + timestamp + ":"))
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

func (p *slackPlatform) Calls() map[string]int64 { return p.calls.Snapshot() }
func (p *slackPlatform) Dials() int64            { return p.srv.ln.Accepted() }
func (p *slackPlatform) Close()                  { p.srv.close() }

// api is the fake Web API. It answers what kmbridge and the baseline call,
// with the shapes Slack sends (chat.postMessage echoes the message, as Slack
// does), and {"ok":true} to anything else.
func (p *slackPlatform) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	p.calls.Add(method)
	_ = r.ParseForm()
	var resp any
	switch method {
	case "chat.postMessage":
		ch, thread := r.PostForm.Get("channel"), r.PostForm.Get("thread_ts")
		u := slackUserOf(ch)
		if ch == slackHotChannel {
			u = slackThreadUser(thread)
		}
		p.o.Inbox.Post(u, time.Now())
		ts := fmt.Sprintf("%d.%06d", 1800000000+p.seq.Load()/1000000, p.seq.Add(1)%1000000)
		resp = slackPosted{OK: true, Channel: ch, TS: ts, Message: slackEcho{
			Type: "message", Subtype: "bot_message", Text: r.PostForm.Get("text"), User: slackBotUser, ThreadTS: thread,
			BotID: slackBotID, AppID: "ABENCH", TS: ts, Team: slackTeam, Blocks: rawJSON(r.PostForm.Get("blocks")),
			BotProfile: slackBotProfile{ID: slackBotID, AppID: "ABENCH", Name: "kmbridge", TeamID: slackTeam, Deleted: false},
		}}
	case "auth.test":
		resp = map[string]any{"ok": true, "url": "https://bench.slack.com/", "team": "Bench", "user": "kmbridge",
			"team_id": slackTeam, "user_id": slackBotUser, "bot_id": slackBotID}
	case "users.info":
		id := r.PostForm.Get("user")
		resp = map[string]any{"ok": true, "user": map[string]any{
			"id": id, "team_id": slackTeam, "name": strings.ToLower(id), "real_name": "User " + id,
			"tz": "Europe/London", "tz_offset": 0, "locale": "en-US", "is_bot": false,
			"profile": map[string]any{"real_name": "User " + id, "display_name": "user" + id, "email": strings.ToLower(id) + "@example.com"},
		}}
	case "conversations.open":
		resp = map[string]any{"ok": true, "channel": map[string]any{"id": "D" + strings.TrimPrefix(r.PostForm.Get("users"), "U")}}
	default:
		resp = map[string]any{"ok": true}
	}
	writeJSON(w, resp)
}

type slackPosted struct {
	OK      bool      `json:"ok"`
	Channel string    `json:"channel"`
	TS      string    `json:"ts"`
	Message slackEcho `json:"message"`
}

type slackEcho struct {
	Type       string          `json:"type"`
	Subtype    string          `json:"subtype"`
	Text       string          `json:"text"`
	User       string          `json:"user"`
	BotID      string          `json:"bot_id"`
	AppID      string          `json:"app_id"`
	TS         string          `json:"ts"`
	ThreadTS   string          `json:"thread_ts,omitempty"`
	Team       string          `json:"team"`
	Blocks     json.RawMessage `json:"blocks,omitempty"`
	BotProfile slackBotProfile `json:"bot_profile"`
}

type slackBotProfile struct {
	ID      string `json:"id"`
	AppID   string `json:"app_id"`
	Name    string `json:"name"`
	TeamID  string `json:"team_id"`
	Deleted bool   `json:"deleted"`
}

// rawJSON returns s as raw JSON when it is valid JSON, else nil.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return nil
	}
	return json.RawMessage(s)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}
