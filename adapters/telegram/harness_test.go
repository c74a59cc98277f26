package telegramadapter_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"go.uber.org/goleak"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is what outlives a bridge process: Telegram (the fake Bot API), KM
// (the simulator behind real HTTP) and the store's snapshot (e2e.World).
type world struct {
	*e2e.World
	t    testing.TB
	fake *fakeAPI
	sim  *kmsim.Sim
}

func newWorld(t testing.TB, kb *kmsim.KB) *world {
	t.Helper()
	w := e2e.NewWorld(t, e2e.WorldOptions{KB: kb, Persist: true})
	return &world{World: w, t: t, fake: newFakeAPI(t), sim: w.Sim}
}

// options tune one bridge process.
type options struct {
	tg   func(*telegramadapter.Config)
	core func(*bridge.Config)
	// wrapHost interposes on the host the adapter delivers to; kill cancels
	// the adapter's Run at once, as if the process died (e2e.Options.WrapHost).
	wrapHost func(core bridge.Host, kill func()) bridge.Host
	quiet    bool // discard logs (benchmarks)
	// km adjusts the process's kmclient (e2e.Options.KM).
	km func(*kmclient.Config)
	// escalator is the core's hand-over (e2e.Options.Escalator).
	escalator bridge.Escalator
	// replay, when set, has the core replay its inbox before the adapter
	// runs, as a start does, and the test fail unless it queued that many.
	replay int
	// booted runs once the process exists, before the adapter runs.
	booted func(t testing.TB, p *process)
}

// process is one run of the bridge: store, core (e2e.Process) and adapter.
type process struct {
	*e2e.Process
	ad   *telegramadapter.Adapter
	logs *testlog.Buffer // shown when a test fails
}

// testConfig is the adapter configuration of the tests: the fake's endpoint and
// pacing fast enough for a test (the pacer has its own unit tests).
func testConfig(w *world) telegramadapter.Config {
	return telegramadapter.Config{
		Token:           fakeToken,
		APIEndpoint:     w.fake.endpoint(),
		PerChatInterval: time.Millisecond,
		GroupPerMinute:  -1,
		GlobalPerSecond: -1,
		PollTimeout:     5 * time.Second,
	}
}

// boot starts a bridge process and waits until the adapter polls (or serves the
// webhook).
func (w *world) boot(t testing.TB, o options) *process {
	t.Helper()
	ep := w.Boot(t, e2e.Options{Config: o.core, WrapHost: o.wrapHost, Quiet: o.quiet, KM: o.km, Escalator: o.escalator})
	tc := testConfig(w)
	if o.tg != nil {
		o.tg(&tc)
	}
	ad, err := telegramadapter.New(tc, ep.Host, telegramadapter.WithLogger(ep.Logger("telegram")))
	if err != nil {
		t.Fatal(err)
	}
	p := &process{Process: ep, ad: ad, logs: ep.Logs}
	if o.booted != nil {
		o.booted(t, p)
	}
	if o.replay > 0 {
		ep.Core.Register(ad)
		if n, err := ep.Core.Replay(context.Background()); err != nil || n != o.replay {
			t.Fatalf("Replay = %d, %v; want %d", n, err, o.replay)
		}
	}
	n := len(w.fake.callsTo("getUpdates"))
	p.Start(t, ad)
	if tc.WebhookURL == "" {
		waitFor(t, "the first poll", func() bool { return len(w.fake.callsTo("getUpdates")) > n })
	}
	return p
}

// stop ends the adapter, then drains the core and writes the snapshot, as a
// graceful shutdown does.
func (p *process) stop() { p.Stop() }

// Update builders: the JSON Telegram sends.

func person(id int64, lang string) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": "User", "last_name": strings.Repeat("x", int(id%3)), "language_code": lang}
}

func privateChat(id int64) map[string]any {
	return map[string]any{"id": id, "type": "private", "first_name": "User"}
}

func groupChat(id int64) map[string]any {
	return map[string]any{"id": id, "type": "supergroup", "title": "Helpdesk"}
}

var nextMsgID = struct {
	sync.Mutex
	n int
}{n: 100}

func msgID() int {
	nextMsgID.Lock()
	defer nextMsgID.Unlock()
	nextMsgID.n++
	return nextMsgID.n
}

// message builds a message update; extra fields are merged into the message.
func message(chat, from map[string]any, text string, extra map[string]any) map[string]any {
	m := map[string]any{"message_id": msgID(), "date": time.Now().Unix(), "chat": chat, "from": from}
	if text != "" {
		m["text"] = text
	}
	for k, v := range extra {
		m[k] = v
	}
	return map[string]any{"message": m}
}

// private is a text message from user in their private chat with the bot.
func private(user int64, text string) map[string]any {
	return message(privateChat(user), person(user, "en"), text, commandEntity(text))
}

// commandEntity marks a leading /command as Telegram does.
func commandEntity(text string) map[string]any {
	if !strings.HasPrefix(text, "/") {
		return nil
	}
	n := len(text)
	if i := strings.IndexByte(text, ' '); i >= 0 {
		n = i
	}
	return map[string]any{"entities": []map[string]any{{"type": "bot_command", "offset": 0, "length": n}}}
}

// mention is "@kmhelp_bot text" in a group, with the mention entity.
func mention(chat int64, user int64, text string, extra map[string]any) map[string]any {
	full := "@" + botName + " " + text
	e := map[string]any{"entities": []map[string]any{{"type": "mention", "offset": 0, "length": len(botName) + 1}}}
	for k, v := range extra {
		e[k] = v
	}
	return message(groupChat(chat), person(user, "en"), full, e)
}

// botMessage is a message of the bot as a callback or reply carries it.
func (w *world) botMessage(c apiCall) map[string]any {
	chat := c.Int("chat_id")
	id := messageIDOf(w.t, c)
	m := map[string]any{"message_id": id, "date": time.Now().Unix(),
		"from": map[string]any{"id": botID, "is_bot": true, "first_name": "Helpdesk", "username": botName}}
	if chat < 0 {
		m["chat"] = groupChat(chat)
	} else {
		m["chat"] = privateChat(chat)
	}
	if t := c.Params.Get("message_thread_id"); t != "" {
		m["message_thread_id"], m["is_topic_message"] = json.Number(t), true
	}
	if rm := c.Params.Get("reply_markup"); strings.Contains(rm, "inline_keyboard") {
		m["reply_markup"] = json.RawMessage(rm)
	}
	if s, ok := w.fake.message(chat, id); ok {
		m["text"] = s.text
		if strings.Contains(s.markup, "inline_keyboard") {
			m["reply_markup"] = json.RawMessage(s.markup)
		}
	}
	return m
}

// click presses the button labelled label on the bot's message c.
func (w *world) click(t testing.TB, user int64, c apiCall, label string) int {
	t.Helper()
	data := callbackData(t, c, label)
	return w.fake.push(map[string]any{"callback_query": map[string]any{
		"id": "cb" + data, "from": person(user, "en"), "chat_instance": "ci", "data": data,
		"message": w.botMessage(c),
	}})
}

// keyboard decodes the inline keyboard a send carried.
func keyboard(t testing.TB, c apiCall) tgbotapi.InlineKeyboardMarkup {
	t.Helper()
	var kb tgbotapi.InlineKeyboardMarkup
	if rm := c.Params.Get("reply_markup"); rm != "" {
		if err := json.Unmarshal([]byte(rm), &kb); err != nil {
			t.Fatalf("reply_markup: %v", err)
		}
	}
	return kb
}

func callbackData(t testing.TB, c apiCall, label string) string {
	t.Helper()
	for _, row := range keyboard(t, c).InlineKeyboard {
		for _, b := range row {
			if b.Text == label && b.CallbackData != nil {
				return *b.CallbackData
			}
		}
	}
	t.Fatalf("no button %q on %s", label, c.Params.Get("reply_markup"))
	return ""
}

func labels(t testing.TB, c apiCall) []string {
	var out []string
	for _, row := range keyboard(t, c).InlineKeyboard {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// messageIDOf finds the message_id the fake gave to send c.
func messageIDOf(t testing.TB, c apiCall) int {
	t.Helper()
	if c.MsgID == 0 {
		t.Fatalf("send %s has no message id", c.Method)
	}
	return c.MsgID
}

// waitFor polls cond until it holds or 15s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// simCalls returns the simulator's calls to route.
func (w *world) simCalls(route string) []kmsim.Call { return w.sim.CallsTo(route) }

// sendsWith returns the successful sends whose text or caption contains s.
func (w *world) sendsWith(s string) []apiCall {
	var out []apiCall
	for _, c := range w.fake.sends() {
		if strings.Contains(c.Params.Get("text"), s) || strings.Contains(c.Params.Get("caption"), s) {
			out = append(out, c)
		}
	}
	return out
}

// waitSend waits for a successful send containing s.
func (w *world) waitSend(t testing.TB, s string) apiCall {
	t.Helper()
	var got apiCall
	waitFor(t, "a message containing "+s, func() bool {
		if cs := w.sendsWith(s); len(cs) > 0 {
			got = cs[len(cs)-1]
			return true
		}
		return false
	})
	return got
}
