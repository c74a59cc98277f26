package telegramadapter_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/kmclient"
)

// sampleCategories are the sample KB's FAQ categories, in order.
var sampleCategories = []string{"Accounts & passwords", "Network & VPN", "Devices & printing", "Leave & pay", "Workplace", "Onboarding"}

// headers lists the header rows of a send's inline keyboard.
func headers(t testing.TB, c telegramtest.Call) []string {
	t.Helper()
	var out []string
	for _, row := range telegramtest.Keyboard(t, c).InlineKeyboard {
		// A retired group's "✓ choice" is a no-op row too, but no header.
		if len(row) == 1 && row[0].CallbackData != nil && *row[0].CallbackData == tgfmt.NoopData && !strings.HasPrefix(row[0].Text, "✓ ") {
			out = append(out, strings.TrimPrefix(row[0].Text, "📂 "))
		}
	}
	return out
}

// The welcome's FAQ categories share one message under header rows (it took
// one message per category: six, then the answer's related questions and its
// rating took two more). A header press is only answered; a question pressed on
// the shared keyboard is KM's FAQ hit with the welcome's ids and retires its own
// category only, even when the callback carried the keyboard from before an
// earlier retirement.
func TestWelcomeOneKeyboard(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	w.fake.Push(telegramtest.Private(alice, "How do I reset my password?"))
	w.fake.WaitSend(t, "Reset your password")

	sends := w.fake.Sends()
	first := slices.IndexFunc(sends, func(c telegramtest.Call) bool { return strings.Contains(c.Params.Get("text"), "Reset your password") })
	if first != 1 {
		t.Fatalf("the welcome took %d messages, want 1:%s", first, w.fake.Dump())
	}
	welcome := sends[0]
	if !strings.Contains(welcome.Params.Get("text"), "Example Corp helpdesk") {
		t.Fatalf("first message is not the welcome: %s", welcome.Params.Get("text"))
	}
	if got := headers(t, welcome); !slices.Equal(got, sampleCategories) {
		t.Errorf("welcome header rows = %q, want %q", got, sampleCategories)
	}
	for _, c := range sampleCategories {
		if strings.Contains(welcome.Params.Get("text"), c) {
			t.Errorf("category %q is in the welcome text, not only on its header row", c)
		}
	}
	if n := len(sends); n != 2 {
		t.Errorf("first contact took %d messages, want 2 (welcome, answer):%s", n, w.fake.Dump())
	}

	// A header press: answered (no text), nothing else. The question click that
	// follows is handled after it, so once that one is done the header's
	// effects, if any, would be visible.
	w.fake.Click(t, alice, welcome, "📂 Network & VPN")
	const vpn = "How do I connect to the VPN?"
	w.fake.Click(t, alice, welcome, vpn)
	w.fake.WaitSend(t, "GlobalProtect")
	edits := w.fake.WaitCalls(t, 1, "editMessageReplyMarkup")

	cbs := w.fake.WaitCalls(t, 2, "answerCallbackQuery")
	var header []telegramtest.Call
	for _, c := range cbs {
		if c.Params.Get("callback_query_id") == "cb"+tgfmt.NoopData {
			header = append(header, c)
		}
	}
	if len(header) != 1 || header[0].Params.Get("text") != "" || header[0].Params.Get("show_alert") == "true" {
		t.Errorf("header press answered %d times (%v), want once without text", len(header), header)
	}
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d, want 1 (the question; the header is no click)", len(hits))
	}
	sess := w.sessionOf(t)
	h := hits[0]
	if h.Int("sessionId") != sess || h.Int("questionId") != 1011 || h.Int("queryType") != kmclient.QueryFAQ ||
		h.Str("questionContent") != vpn || h.Int("logId") != w.robotLog(t, sess, "Example Corp helpdesk") {
		t.Errorf("hit = %v, want session %d, question 1011, queryType 6 and the welcome's logId", h.Body, sess)
	}
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("chat calls = %d, want 1", n)
	}
	if len(w.fake.SendsWith("expired")) != 0 {
		t.Errorf("the header press was taken for an expired button")
	}
	if len(edits) != 1 || edits[0].Int("message_id") != int64(welcome.MsgID) {
		t.Fatalf("keyboard edits = %v, want one, of the welcome", edits)
	}
	got := telegramtest.Labels(t, edits[0])
	i := slices.Index(got, "📂 Network & VPN")
	if i < 0 || i+2 >= len(got) || got[i+1] != "✓ "+vpn || got[i+2] != "📂 Devices & printing" {
		t.Errorf("retired keyboard = %q: want Network & VPN reduced to ✓ %s", got, vpn)
	}
	if !slices.Contains(got, "How do I reset my password?") || !slices.Contains(got, "How do I request leave?") {
		t.Errorf("retired keyboard = %q: the other categories must stay", got)
	}
	if !slices.Equal(headers(t, edits[0]), sampleCategories) {
		t.Errorf("retired keyboard lost header rows: %q", headers(t, edits[0]))
	}

	// A second category pressed with the keyboard from before the first
	// retirement (both pressed before Telegram showed the edit): the first
	// category stays retired.
	const reset = "How do I reset my password?"
	stale := w.fake.BotMessage(w.t, welcome)
	stale["reply_markup"] = json.RawMessage(welcome.Params.Get("reply_markup"))
	w.fake.Push(map[string]any{"callback_query": map[string]any{
		"id": "cb-stale", "from": telegramtest.Person(alice, "en"), "chat_instance": "ci", "data": telegramtest.CallbackData(t, welcome, reset),
		"message": stale,
	}})
	edits = w.fake.WaitCalls(t, 2, "editMessageReplyMarkup")
	got = telegramtest.Labels(t, edits[1])
	if !slices.Contains(got, "✓ "+vpn) || !slices.Contains(got, "✓ "+reset) || slices.Contains(got, reset) || slices.Contains(got, vpn) {
		t.Errorf("keyboard after two choices = %q, want both categories retired", got)
	}
	if hits := w.simCalls("POST /v1/hit"); len(hits) != 2 || hits[1].Int("questionId") != 1001 || hits[1].Int("queryType") != kmclient.QueryFAQ {
		t.Errorf("second hit = %v", hits)
	}

	// The faq command: one message too.
	before := len(w.fake.Sends())
	w.fake.Push(telegramtest.Private(alice, "/faq"))
	faq := w.fake.WaitSend(t, "Frequently asked questions")
	if n := len(w.fake.Sends()) - before; n != 1 || !slices.Equal(headers(t, faq), sampleCategories) {
		t.Errorf("/faq took %d messages (headers %q), want 1 with every category", n, headers(t, faq))
	}
	if strings.Contains(p.logs.String(), "could not retire") || strings.Contains(p.logs.String(), "invalid") {
		t.Errorf("retire or render trouble:\n%s", p.logs.String())
	}
}

// In a group, the first contact costs two of the group's 20 messages a minute
// (it cost eight).
func TestWelcomeInGroupTwoMessages(t *testing.T) {
	const group = -1005678
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(telegramtest.Mention(group, alice, "How do I reset my password?", nil))
	w.fake.WaitSend(t, "Reset your password") // the last message of the turn
	var inGroup int
	for _, c := range w.fake.Sends() {
		if c.Int("chat_id") == group {
			inGroup++
		}
	}
	if inGroup != 2 {
		t.Errorf("first contact in a group took %d messages, want 2:%s", inGroup, w.fake.Dump())
	}
}
