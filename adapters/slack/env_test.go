package slackadapter

// The end-to-end test environment: the bridge as e2e boots it (the real core
// with memstore, the real kmclient speaking HTTP to the KM simulator), this
// adapter with the real slack-go client against fakeSlack, and signed requests
// posted to the adapter's routes on the shared httpserver.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const (
	secret  = "test-signing-secret"
	waitFor = 20 * time.Second

	qPassword = "How do I reset my password?" // rich, suggestions, enableAppraise
	qWifi     = "What is the Wi-Fi password?"
)

type envOpts struct {
	kb       *kmsim.KB
	sim      kmsim.Options
	cfg      func(*Config)
	core     func(*bridge.Config)
	wrap     func(core bridge.Host, kill func()) bridge.Host // e2e.Options.WrapHost
	km       func(*kmclient.Config)                          // e2e.Options.KM
	slackRT  func(http.RoundTripper) http.RoundTripper       // wraps the adapter's transport to Slack
	noRun    bool
	noRoutes bool
	quiet    bool
}

type env struct {
	t      testing.TB
	w      *e2e.World
	p      *e2e.Process
	sim    *kmsim.Sim
	store  *memstore.Store
	core   *bridge.Core
	slack  *fakeSlack
	ad     *Adapter
	srv    *httptest.Server
	client *http.Client
	slackC *http.Client // the adapter's client to fakeSlack
}

var seq atomic.Int64

// uniq returns a process-unique number (event ids, timestamps, trigger ids).
func uniq() int64 { return seq.Add(1) }

// newEnv boots the bridge (e2e: KM simulator, kmclient, memstore, core) with
// this adapter on it, against a new fakeSlack, and runs it.
func newEnv(t testing.TB, o envOpts) *env {
	t.Helper()
	w := e2e.NewWorld(t, e2e.WorldOptions{KB: o.kb, Sim: o.sim})
	return bootEnv(t, w, newFakeSlack(t), o)
}

// bootEnv starts a bridge process in w with an adapter against fake: a
// restart when w has seen one before.
func bootEnv(t testing.TB, w *e2e.World, fake *fakeSlack, o envOpts) *env {
	t.Helper()
	e := &env{t: t, w: w, sim: w.Sim, slack: fake}
	// Registered before Boot, so they run after the process has stopped.
	slackTr := &http.Transport{MaxIdleConnsPerHost: 64}
	inTr := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(func() {
		slackTr.CloseIdleConnections()
		inTr.CloseIdleConnections()
	})
	e.p = w.Boot(t, e2e.Options{Config: o.core, WrapHost: o.wrap, KM: o.km, Quiet: o.quiet})
	e.store, e.core = e.p.Store, e.p.Core
	cfg := Config{
		BotToken: botToken, SigningSecret: secret, APIURL: fake.URL(),
		RatePerSecond: 1000, Burst: 10,
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	var rt http.RoundTripper = slackTr
	if o.slackRT != nil {
		rt = o.slackRT(rt)
	}
	e.slackC = &http.Client{Transport: rt, Timeout: 10 * time.Second}
	var err error
	e.ad, err = New(cfg, e.p.Host, WithLogger(e.p.Logger("slack")), WithHTTPClient(e.slackC))
	if err != nil {
		t.Fatal(err)
	}
	if o.noRoutes {
		e.srv = e.p.Serve(t)
	} else {
		e.srv = e.p.Serve(t, e.ad)
	}
	e.client = &http.Client{Transport: inTr, Timeout: 30 * time.Second}
	t.Cleanup(e.ad.Close)
	if o.noRun {
		return e
	}
	e.start()
	return e
}

// start runs the adapter (e2e's Start) and waits until it receives.
func (e *env) start() {
	e.t.Helper()
	e.p.Start(e.t, e.ad)
	eventually(e.t, "the adapter runs", func() bool { return e.ad.in.running.Load() })
}

// eventually polls cond until it holds, failing the test after waitFor.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sign computes Slack's v0 signature.
func sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(m, "v0:%d:", ts)
	m.Write(body)
	return "v0=" + hex.EncodeToString(m.Sum(nil))
}

type reqOpt func(*http.Request)

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// post sends a signed request to one of the adapter's routes and checks it was
// answered within Slack's 3 s.
func (e *env) post(path, contentType string, body []byte, opts ...reqOpt) (int, []byte) {
	e.t.Helper()
	return e.postAt(time.Now().Unix(), secret, path, contentType, body, opts...)
}

func (e *env) postAt(ts int64, key, path, contentType string, body []byte, opts ...reqOpt) (int, []byte) {
	e.t.Helper()
	return signedPost(e.t, e.client, e.srv.URL, ts, key, path, contentType, body, opts...)
}

// signedPost posts body to base+path signed with key at ts, as Slack does, and
// checks it was answered within Slack's 3 s.
func signedPost(t testing.TB, c *http.Client, base string, ts int64, key, path, contentType string, body []byte, opts ...reqOpt) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", sign(key, ts, body))
	for _, o := range opts {
		o(req)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("%s answered after %s, more than Slack's 3 s", path, d)
	}
	return resp.StatusCode, out
}

// event posts an Events API callback and expects 200.
func (e *env) event(eventID string, inner map[string]any, opts ...reqOpt) {
	e.t.Helper()
	code, body := e.post(PathEvents, "application/json", callback(eventID, inner), opts...)
	if code != http.StatusOK {
		e.t.Fatalf("event %s: HTTP %d %s", eventID, code, body)
	}
}

func callback(eventID string, inner map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
		"event_id": eventID, "event_time": time.Now().Unix(), "event": inner,
		"authorizations": []map[string]any{{"team_id": "T1", "user_id": botUser, "is_bot": true}},
	})
	return b
}

func newTS() string { return fmt.Sprintf("1600000000.%06d", uniq()) }

func newEventID() string { return fmt.Sprintf("Ev%08d", uniq()) }

func imMessage(channel, user, text string) map[string]any {
	ts := newTS()
	return map[string]any{"type": "message", "channel_type": "im", "channel": channel, "user": user,
		"text": text, "ts": ts, "event_ts": ts}
}

func chanMessage(channel, user, thread, text string) map[string]any {
	ts := newTS()
	m := map[string]any{"type": "message", "channel_type": "channel", "channel": channel, "user": user,
		"text": text, "ts": ts, "event_ts": ts}
	if thread != "" {
		m["thread_ts"] = thread
	}
	return m
}

func mention(channel, user, thread, text string) map[string]any {
	ts := newTS()
	m := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts, "event_ts": ts}
	if thread != "" {
		m["thread_ts"] = thread
	}
	return m
}

// form encodes one form field.
func form(k, v string) []byte { return []byte(url.Values{k: {v}}.Encode()) }

// interaction posts an interactivity payload and returns the status and body.
func (e *env) interaction(path string, payload map[string]any) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(payload)
	return e.post(path, "application/x-www-form-urlencoded", form("payload", string(b)))
}

// clickPayload is a block_actions payload for a click on message m.
func (e *env) clickPayload(user string, m fakeMsg, action map[string]any) map[string]any {
	return clickPayload(e.slack, user, m, action)
}

// clickPayload is a block_actions payload for user's click on message m as
// fake holds it.
func clickPayload(fake *fakeSlack, user string, m fakeMsg, action map[string]any) map[string]any {
	msg := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "blocks": m.Blocks}
	container := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": m.Ephemeral}
	if m.Thread != "" {
		msg["thread_ts"] = m.Thread
		container["thread_ts"] = m.Thread
	}
	action["block_id"] = "b1"
	action["action_ts"] = newTS()
	p := map[string]any{
		"type": "block_actions", "trigger_id": fmt.Sprintf("trig%d", uniq()),
		"user": map[string]any{"id": user}, "team": map[string]any{"id": "T1"},
		"container": container, "channel": map[string]any{"id": m.Channel},
		"response_url": fake.hookURL(fmt.Sprintf("r%d", uniq())),
		"actions":      []any{action},
	}
	if !m.Ephemeral {
		p["message"] = msg
	}
	return p
}

func buttonAction(b *slack.ButtonBlockElement) map[string]any {
	return map[string]any{"type": "button", "action_id": b.ActionID, "value": b.Value,
		"text": map[string]any{"type": "plain_text", "text": b.Text.Text}}
}

func selectAction(s *slack.SelectBlockElement, o *slack.OptionBlockObject) map[string]any {
	return map[string]any{"type": s.Type, "action_id": s.ActionID,
		"selected_option": map[string]any{"value": o.Value, "text": map[string]any{"type": "plain_text", "text": o.Text.Text}}}
}

// blocksOf decodes a message's blocks.
func blocksOf(t testing.TB, raw json.RawMessage) []slack.Block {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var bs slack.Blocks
	if err := json.Unmarshal(raw, &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return bs.BlockSet
}

// elements returns the interactive elements of a message.
func elements(t testing.TB, raw json.RawMessage) (buttons []*slack.ButtonBlockElement, selects []*slack.SelectBlockElement) {
	for _, b := range blocksOf(t, raw) {
		if ab, ok := b.(*slack.ActionBlock); ok && ab.Elements != nil {
			for _, el := range ab.Elements.ElementSet {
				switch el := el.(type) {
				case *slack.ButtonBlockElement:
					if el.Value != "" {
						buttons = append(buttons, el)
					}
				case *slack.SelectBlockElement:
					selects = append(selects, el)
				}
			}
		}
	}
	return buttons, selects
}

// action is the stored action behind a token.
func (e *env) action(token string) bridge.StoredAction {
	e.t.Helper()
	sa, ok, err := e.store.Action(context.Background(), token)
	if err != nil || !ok {
		e.t.Fatalf("token %q: ok=%v err=%v", token, ok, err)
	}
	return sa
}

// waitPosted waits until channel has at least n messages and returns them.
func (e *env) waitPosted(channel string, n int) []fakeMsg {
	e.t.Helper()
	var got []fakeMsg
	eventually(e.t, fmt.Sprintf("%d messages in %s", n, channel), func() bool {
		got = e.slack.Posted(channel)
		return len(got) >= n
	})
	return got
}

// text is a message's visible words (fallback text and block texts).
func text(t testing.TB, m fakeMsg) string {
	return m.Text + "\n" + blocksText(blocksOf(t, m.Blocks))
}

// find returns the first message in ms whose text contains s.
func find(t testing.TB, ms []fakeMsg, s string) (fakeMsg, bool) {
	for _, m := range ms {
		if strings.Contains(text(t, m), s) {
			return m, true
		}
	}
	return fakeMsg{}, false
}

type kmsimCall = kmsim.Call

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func bridgeUser(id string) bridge.UserInfo { return bridge.UserInfo{ID: id} }

func describe(ev bridge.Event) string {
	switch ev := ev.(type) {
	case bridge.Command:
		return "command:" + ev.Name
	case bridge.Message:
		return "message:" + ev.Text
	case bridge.Click:
		return "click:" + ev.Token
	}
	return "?"
}
