package slackadapter

// The end-to-end test environment: the bridge as e2e boots it (the real core
// with memstore, the real kmclient speaking HTTP to the KM simulator), this
// adapter with the real slack-go client against fakeSlack, and signed requests
// posted to the adapter's routes on the shared httpserver.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
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
	slack  *slacktest.Server
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
	return bootEnv(t, w, slacktest.NewServer(t), o)
}

// bootEnv starts a bridge process in w with an adapter against fake: a
// restart when w has seen one before.
func bootEnv(t testing.TB, w *e2e.World, fake *slacktest.Server, o envOpts) *env {
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
		BotToken: slacktest.BotToken, SigningSecret: secret, APIURL: fake.URL(),
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
	e.ad, err = New(cfg, e.p.Host, option.Logger(e.p.Logger("slack")), option.HTTPClient(e.slackC))
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

type reqOpt = func(*http.Request)

func withHeader(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// post sends a signed request to one of the adapter's routes and checks it was
// answered within Slack's 3 s.
func (e *env) post(path, contentType string, body []byte, opts ...reqOpt) (int, []byte) {
	e.t.Helper()
	return e.postAt(time.Now().Unix(), secret, path, contentType, body, opts...)
}

func (e *env) postAt(ts int64, key, path, contentType string, body []byte, opts ...reqOpt) (int, []byte) {
	e.t.Helper()
	return slacktest.SignedPost(e.t, e.client, e.srv.URL, ts, key, path, contentType, body, opts...)
}

// event posts an Events API callback and expects 200.
func (e *env) event(eventID string, inner map[string]any, opts ...reqOpt) {
	e.t.Helper()
	code, body := e.post(PathEvents, "application/json", slacktest.Callback(eventID, inner), opts...)
	if code != http.StatusOK {
		e.t.Fatalf("event %s: HTTP %d %s", eventID, code, body)
	}
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
func (e *env) clickPayload(user string, m slacktest.Msg, action map[string]any) map[string]any {
	return e.slack.ClickPayload(user, m, action)
}

func selectAction(s *slack.SelectBlockElement, o *slack.OptionBlockObject) map[string]any {
	return map[string]any{"type": s.Type, "action_id": s.ActionID,
		"selected_option": map[string]any{"value": o.Value, "text": map[string]any{"type": "plain_text", "text": o.Text.Text}}}
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
func (e *env) waitPosted(channel string, n int) []slacktest.Msg {
	e.t.Helper()
	var got []slacktest.Msg
	eventually(e.t, fmt.Sprintf("%d messages in %s", n, channel), func() bool {
		got = e.slack.Posted(channel)
		return len(got) >= n
	})
	return got
}

// text is a message's visible words (fallback text and block texts).
func text(t testing.TB, m slacktest.Msg) string {
	return m.Text + "\n" + blocksText(slacktest.Blocks(t, m.Blocks))
}

// find returns the first message in ms whose text contains s.
func find(t testing.TB, ms []slacktest.Msg, s string) (slacktest.Msg, bool) {
	for _, m := range ms {
		if strings.Contains(text(t, m), s) {
			return m, true
		}
	}
	return slacktest.Msg{}, false
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
