package walks_test

// One bridge process as cmd/kmbridge runs it — the KM simulator over HTTP,
// the real kmclient, a store, the real core and the hand-over desk wired as
// serve.go wires them (bridgetest/e2e) — with real adapters on it, each
// talking through its platform's real SDK to that platform's fake.

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	slackadapter "github.com/kmbridge/kmbridge/adapters/slack"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

var update = flag.Bool("update", false, "rewrite docs/handover-transcript.md from the Telegram → Slack walk")

// wait bounds every wait for something a platform should see.
const wait = 5 * time.Second

// The platforms' secrets: none may ever reach a payload.
const (
	slackSecret   = "walk-signing-secret-9f8e7d"
	webhookSecret = "walk-telegram-webhook-secret"
)

// publicURL is http.public_url: where the world reaches the bridge.
const publicURL = "https://bridge.example.com"

// The agents' channels.
const (
	slackAgents   = "CAGENTS"
	discordAgents = "600000000000000070"
	tgAgents      = -1009000
)

// KM routes the walks count.
const (
	chatRoute      = "POST /v1/chat"
	assistRoute    = "POST /v1/assist"
	surveyRoute    = "POST /v1/surveySession"
	questionsRoute = "POST /v1/questions"
)

// sampleCategory is the sample knowledge base's "Accounts & passwords".
const sampleCategory = 76

var (
	w0Catalog = mustCatalog()
	en        = w0Catalog.Printer("en")
)

func mustCatalog() *i18n.Catalog {
	c, err := i18n.New("en", nil)
	if err != nil {
		panic(err)
	}
	return c
}

// clock is the walk's time: it moves only when the walk moves it, so the
// case's times (and the transcript) are the same on every run.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// world is what outlives a bridge process: KM, the store's snapshot, and the
// platforms (their fakes).
type world struct {
	*e2e.World
	cat   *i18n.Catalog
	clock *clock
	slack *slacktest.Server
	tg    *telegramtest.Server
	dc    *discordtest.Server
	// backend is the store of the process booted last (tests that wait for
	// the desk's links).
	backend bridge.Store
}

func newWorld(t *testing.T, persist bool) *world {
	t.Helper()
	w := &world{
		World: e2e.NewWorld(t, e2e.WorldOptions{Persist: persist}),
		cat:   mustCatalog(), clock: newClock(),
		slack: slacktest.NewServer(t), tg: telegramtest.NewServer(t), dc: discordtest.NewServer(t),
	}
	w.dc.AddChannel(discordtest.Channel{ID: discordAgents, Type: 0, GuildID: discordtest.GuildID})
	return w
}

// options choose a process's adapters and its agents' channel.
type options struct {
	agents    bridge.ConvKey // escalation.platform and escalation.channel
	slack     bool
	telegram  bool
	tgWebhook bool // Telegram by webhook (replicas), not polling
	discord   bool
	web       bool          // the web chat
	unclaimed time.Duration // escalation.unclaimed_after; 0: off
	store     bridge.Store  // nil: a memstore (e2e.Options.Store)
}

// process is one bridge process and its adapters.
type process struct {
	*e2e.Process
	w     *world
	slack *slackadapter.Adapter
	tg    *telegramadapter.Adapter
	dc    *discordadapter.Adapter
	web   *webadapter.Adapter
	http  *httptest.Server // the one HTTP server: webhooks and the web chat
	in    *http.Client     // the platforms' client to it
}

// boot starts a process in w: the desk as serve.go builds it (newDesk), then
// the adapters, mounted and run as mountAdapters and serve do.
func (w *world) boot(t *testing.T, o options) *process {
	t.Helper()
	inTr := &http.Transport{}
	t.Cleanup(inTr.CloseIdleConnections)
	ep := w.Boot(t, e2e.Options{
		Catalog: w.cat, Clock: w.clock.Now, Store: o.store,
		Desk: func(p *e2e.Process) e2e.Desk {
			unclaimed := o.unclaimed
			if unclaimed == 0 {
				unclaimed = -1 // escalation.unclaimed_after: 0 turns the reminder off
			}
			d, err := escalation.NewDesk(escalation.Options{
				Agents: o.agents, Store: p.Backend, KM: p.KM, Catalog: w.cat,
				RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID,
				UnclaimedAfter: unclaimed, KBCategoryID: sampleCategory,
				Logger: p.Logger("handover"),
				// Not configurable: a test's pace.
				Backoff: time.Millisecond, RemindEvery: 20 * time.Millisecond, Now: w.clock.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
	})
	p := &process{Process: ep, w: w, in: &http.Client{Transport: inTr, Timeout: 10 * time.Second}}
	w.backend = ep.Backend
	var ads []bridge.Adapter
	var err error
	if o.slack {
		p.slack, err = slackadapter.New(slackadapter.Config{
			BotToken: slacktest.BotToken, SigningSecret: slackSecret, APIURL: w.slack.URL(),
			RatePerSecond: 1000, Burst: 100,
		}, ep.Host, option.Catalog(w.cat), option.Logger(ep.Logger("slack")))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.slack.Close)
		ads = append(ads, p.slack)
	}
	if o.telegram || o.tgWebhook {
		tc := telegramadapter.Config{
			Token: telegramtest.Token, APIEndpoint: w.tg.Endpoint(),
			PerChatInterval: time.Millisecond, GroupPerMinute: -1, GlobalPerSecond: -1, PollTimeout: 5 * time.Second,
			PublicURL: publicURL,
		}
		if o.tgWebhook {
			tc.WebhookURL, tc.WebhookSecret = "https://bridge.example.com/telegram", webhookSecret
		}
		p.tg, err = telegramadapter.New(tc, ep.Host, option.Catalog(w.cat), option.Logger(ep.Logger("telegram")))
		if err != nil {
			t.Fatal(err)
		}
		ads = append(ads, p.tg)
	}
	if o.discord {
		p.dc, err = discordadapter.New(discordadapter.Config{
			Token: discordtest.Token, ApplicationID: discordtest.AppID, APIURL: w.dc.APIURL(),
		}, ep.Host, option.Catalog(w.cat), option.Logger(ep.Logger("discord")))
		if err != nil {
			t.Fatal(err)
		}
		ads = append(ads, p.dc)
	}
	if o.web {
		p.web, err = webadapter.New(webadapter.Config{}, ep.Host, option.Catalog(w.cat), option.Logger(ep.Logger("web")))
		if err != nil {
			t.Fatal(err)
		}
		ads = append(ads, p.web)
	}
	p.http = ep.Serve(t, ads...)
	polls, hooks := len(w.tg.CallsTo("getUpdates")), len(w.tg.CallsTo("setWebhook"))
	ep.Start(t, ads...)
	if o.telegram && !o.tgWebhook {
		eventually(t, "Telegram's first poll", func() bool { return len(w.tg.CallsTo("getUpdates")) > polls })
	}
	if o.tgWebhook {
		// The webhook answers 503 until the adapter runs (Telegram retries);
		// a test's first update must not meet that.
		eventually(t, "Telegram's webhook set", func() bool { return len(w.tg.CallsTo("setWebhook")) > hooks })
	}
	if o.discord {
		w.dc.WaitGateway(t)
	}
	return p
}

// eventually polls cond until it holds, failing the test after wait.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", wait, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// quiet lets the bridge work a moment, for a walk that checks nothing came.
func quiet() { time.Sleep(150 * time.Millisecond) }

// Slack, as Slack sends it to the process's routes.

// slackEvent posts an Events API callback, signed.
func (p *process) slackEvent(t testing.TB, inner map[string]any) {
	t.Helper()
	code, body := slacktest.SignedPost(t, p.in, p.http.URL, time.Now().Unix(), slackSecret, slackadapter.PathEvents,
		"application/json", slacktest.Callback(slacktest.NewEventID(), inner))
	if code != http.StatusOK {
		t.Fatalf("Slack event: HTTP %d %s", code, body)
	}
}

// slackCommand is `/ask text` typed by user in channel.
func (p *process) slackCommand(t testing.TB, channel, user, text string) {
	t.Helper()
	body := url.Values{
		"command": {"/ask"}, "text": {text}, "user_id": {user}, "channel_id": {channel}, "team_id": {slacktest.TeamID},
		"trigger_id": {"trig-" + slacktest.NewTS()}, "response_url": {p.w.slack.HookURL("cmd" + slacktest.NewTS())},
	}.Encode()
	code, out := slacktest.SignedPost(t, p.in, p.http.URL, time.Now().Unix(), slackSecret, slackadapter.PathCommands,
		"application/x-www-form-urlencoded", []byte(body))
	if code != http.StatusOK {
		t.Fatalf("/ask %s: HTTP %d %s", text, code, out)
	}
}

// slackClick is user's click on the button labelled label of m.
func (p *process) slackClick(t testing.TB, user string, m slacktest.Msg, label string) {
	t.Helper()
	payload, _ := json.Marshal(p.w.slack.ClickPayload(user, m, slacktest.ButtonAction(slacktest.Button(t, m, label))))
	code, out := slacktest.SignedPost(t, p.in, p.http.URL, time.Now().Unix(), slackSecret, slackadapter.PathInteractions,
		"application/x-www-form-urlencoded", []byte(url.Values{"payload": {string(payload)}}.Encode()))
	if code != http.StatusOK {
		t.Fatalf("click %q: HTTP %d %s", label, code, out)
	}
}

// slackWait waits for a message in channel (thread: in that thread, "-": at
// the top) showing s, and returns it as it stands now.
func (w *world) slackWait(t testing.TB, channel, thread, s string) slacktest.Msg {
	t.Helper()
	var got slacktest.Msg
	eventually(t, fmt.Sprintf("%q in Slack %s/%s", s, channel, thread), func() bool {
		for _, m := range w.slack.Posted(channel) {
			if (thread == "" || m.Thread == thread || thread == "-" && m.Thread == "") && strings.Contains(slacktest.Text(m), s) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

// slackCount counts the messages in channel showing s.
func (w *world) slackCount(channel, s string) int {
	n := 0
	for _, m := range w.slack.Posted(channel) {
		if strings.Contains(slacktest.Text(m), s) {
			n++
		}
	}
	return n
}

// slackUser makes a Slack user known by display name (users.info).
func (w *world) slackUser(id, name, locale string) {
	w.slack.AddUser(slack.User{ID: id, Profile: slack.UserProfile{DisplayName: name}, Locale: locale})
}

// Telegram.

// tgPerson is a Telegram user with a first name.
func tgPerson(id int64, name string) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": name, "language_code": "en"}
}

// tgSay is a message in user's private chat with the bot.
func (w *world) tgSay(user int64, name, text string) int {
	return w.tg.Push(telegramtest.Message(telegramtest.PrivateChat(user), tgPerson(user, name), text, telegramtest.CommandEntity(text)))
}

// tgTo returns the bot's messages to chat showing s.
func (w *world) tgTo(chat int64, s string) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range w.tg.SendsWith(s) {
		if c.Int("chat_id") == chat {
			out = append(out, c)
		}
	}
	return out
}

// tgWait waits for the bot's message to chat showing s and returns the latest.
func (w *world) tgWait(t testing.TB, chat int64, s string) telegramtest.Call {
	t.Helper()
	var got telegramtest.Call
	eventually(t, fmt.Sprintf("%q in Telegram chat %d", s, chat), func() bool {
		if cs := w.tgTo(chat, s); len(cs) > 0 {
			got = cs[len(cs)-1]
			return true
		}
		return false
	})
	return got
}

// tgCount counts the bot's messages to chat showing s.
func (w *world) tgCount(chat int64, s string) int { return len(w.tgTo(chat, s)) }

// tgText is what a Telegram message shows now, edits applied.
func (w *world) tgText(c telegramtest.Call) string {
	if m, ok := w.tg.Message(c.Int("chat_id"), c.MsgID); ok {
		return m.Text
	}
	return c.Params.Get("text")
}

// Discord.

// dcWait waits for a message in channel showing s and returns the latest.
func (w *world) dcWait(t testing.TB, channel, s string) discordtest.Call {
	t.Helper()
	var got discordtest.Call
	eventually(t, fmt.Sprintf("%q in Discord channel %s", s, channel), func() bool {
		for _, c := range w.dc.MessagesWith(s) {
			if c.Channel == channel {
				got = c
			}
		}
		return got.Ref != ""
	})
	return got
}

// dcCount counts the messages created in channel showing s.
func (w *world) dcCount(channel, s string) int {
	n := 0
	for _, c := range w.dc.MessagesWith(s) {
		if c.Channel == channel && c.Method == "POST" {
			n++
		}
	}
	return n
}

// Everything the platforms were sent.

// payloads is every request body the fakes received, decoded, one per line.
func (w *world) payloads() string {
	var b strings.Builder
	for _, c := range w.slack.AllCalls("") {
		for k, vs := range c.Form {
			if k == "token" {
				continue // the app's credential, where Slack expects it
			}
			for _, v := range vs {
				fmt.Fprintf(&b, "slack %s %s=%s\n", c.Method, k, v)
			}
		}
		if c.JSON != nil {
			j, _ := json.Marshal(c.JSON)
			fmt.Fprintf(&b, "slack %s %s\n", c.Method, j)
		}
	}
	for _, c := range w.tg.Calls() {
		for k, vs := range c.Params {
			if c.Method == "setWebhook" && k == "secret_token" {
				continue // given to Telegram, to be sent back with each update
			}
			for _, v := range vs {
				fmt.Fprintf(&b, "telegram %s %s=%s\n", c.Method, k, v)
			}
		}
	}
	for _, c := range w.dc.All() {
		fmt.Fprintf(&b, "discord %s %s %s\n", c.Method, c.Path, c.Body)
	}
	for _, h := range w.slack.Hooks() {
		j, _ := json.Marshal(h)
		fmt.Fprintf(&b, "slack response_url %s\n", j)
	}
	return b.String()
}

// noSecrets fails the test when a payload any platform received carries a
// secret: a token, a signing or webhook secret, or one of extra (a web-chat
// cookie).
func (w *world) noSecrets(t testing.TB, extra ...string) {
	t.Helper()
	all := w.payloads()
	secrets := append([]string{
		slacktest.BotToken, slacktest.AppToken, slackSecret, telegramtest.Token, webhookSecret,
		discordtest.Token, kmsim.SampleToken,
	}, extra...)
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if i := strings.Index(all, s); i >= 0 {
			t.Errorf("a platform was sent the secret %q: …%s…", s, all[max(0, i-200):min(len(all), i+len(s)+50)])
		}
	}
}

// calls counts the simulator's calls to route.
func (w *world) calls(route string) int { return len(w.Sim.CallsTo(route)) }

// waitCalls waits until the simulator got n calls to route.
func (w *world) waitCalls(t testing.TB, route string, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d calls to KM's %s", n, route), func() bool { return w.calls(route) >= n })
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// ctx is a test's context.
func ctx() context.Context { return context.Background() }

// contains reports whether s contains every one of subs.
func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// caseOpened waits until case id's opening is complete (its card and thread
// recorded): agents' messages sent at once after seeing the card then go
// through the desk rather than racing the opening's last store writes.
func (p *process) caseOpened(t testing.TB, id string) {
	t.Helper()
	eventually(t, "case "+id+" opened", func() bool {
		c, ok, err := p.Backend.Case(ctx(), id)
		return err == nil && ok && (c.Thread != bridge.ConvKey{} || c.Threadless)
	})
}
