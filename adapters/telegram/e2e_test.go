package telegramadapter_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const alice, bob = 4201, 4202

// A private question gets KM's answer with its buttons, after the welcome; the
// adapter checked the token, switched to polling and registered its commands.
func TestPrivateQA(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(telegramtest.Private(alice, "How do I reset my password?"))

	ans := w.fake.WaitSend(t, "Reset your password")
	if got := ans.Params.Get("chat_id"); got != strconv.Itoa(alice) {
		t.Errorf("answer went to chat %s, want %d", got, alice)
	}
	if ans.Params.Get("message_thread_id") != "" || ans.Params.Get("reply_parameters") != "" {
		t.Errorf("a private answer carries no topic and replies to nothing: %v", ans.Params)
	}
	if got := telegramtest.Labels(t, ans); len(got) == 0 {
		t.Errorf("answer has no buttons")
	}
	sends := w.fake.Sends()
	if len(sends) < 2 || !strings.Contains(sends[0].Params.Get("text"), "Example Corp helpdesk") {
		t.Errorf("first message is not KM's welcome: %v", sends)
	}
	chats := w.simCalls("POST /v1/chat")
	if len(chats) != 1 || chats[0].Str("queryContent") != "How do I reset my password?" {
		t.Fatalf("KM chat calls = %+v", chats)
	}
	inits := w.simCalls("POST /v1/initClient")
	if len(inits) != 1 {
		t.Fatalf("initClient calls = %d", len(inits))
	}
	if len(w.fake.CallsTo("sendChatAction")) == 0 {
		t.Errorf("no typing indicator")
	}
	if n := len(w.fake.CallsTo("setMyCommands")); n != 4 {
		t.Errorf("setMyCommands called %d times, want 4 (default, en, zh, ja)", n)
	}
	calls := w.fake.CallsTo("getMe", "deleteWebhook", "getUpdates")
	if len(calls) < 3 || calls[0].Method != "getMe" || calls[1].Method != "deleteWebhook" {
		t.Errorf("start sequence = %v, want getMe, deleteWebhook, getUpdates…", methods(calls))
	}
	t.Log(w.fake.Dump())
}

func methods(cs []telegramtest.Call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Method
	}
	return out
}

// sessionOf is the KM session of the first chat call.
func (w *world) sessionOf(t testing.TB) int64 {
	t.Helper()
	chats := w.simCalls("POST /v1/chat")
	if len(chats) == 0 {
		t.Fatal("no KM chat call")
	}
	return chats[0].Int("sessionId")
}

// robotLog finds the logId of KM's answer containing text in a session.
func (w *world) robotLog(t testing.TB, session int64, text string) int64 {
	t.Helper()
	km, err := kmclient.New(kmclient.Config{BaseURL: w.KMURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken})
	if err != nil {
		t.Fatal(err)
	}
	logs, _, err := km.SessionLogs(context.Background(), kmclient.ID(session), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range logs {
		if strings.Contains(string(l.Content), text) {
			return int64(l.ID)
		}
	}
	t.Fatalf("no log containing %q in session %d: %+v", text, session, logs)
	return 0
}

// A button press is answered at once, runs KM's hit with the ids of the answer
// it came from, and leaves its group with "✓ label" instead of the buttons (the
// answer's related questions and its rating share one keyboard under header
// rows, so the rating stays: the one retirement policy); pressing a stale
// button again runs KM again but edits nothing, the "✓" marker does nothing, a
// token that is on no keyboard edits nothing, and an expired button's group
// loses its action buttons to the words saying so.
func TestButtonHitAndRetire(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	w.fake.Push(telegramtest.Private(alice, "How do I reset my password?"))
	ans := w.fake.WaitSend(t, "Reset your password")
	const mfa = "How do I set up multi-factor authentication?"

	w.fake.Click(t, alice, ans, mfa)
	w.fake.WaitSend(t, "Multi-factor authentication")
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d", len(hits))
	}
	sess := w.sessionOf(t)
	h := hits[0]
	if h.Int("sessionId") != sess || h.Int("questionId") != 1002 || h.Int("queryType") != kmclient.QuerySuggested ||
		h.Str("questionContent") != mfa || h.Int("logId") != w.robotLog(t, sess, "Reset your password") {
		t.Errorf("hit = %v, want session %d, question 1002, queryType 7 and the answer's logId", h.Body, sess)
	}
	if cbs := w.fake.WaitCalls(t, 1, "answerCallbackQuery"); cbs[0].Params.Get("callback_query_id") == "" {
		t.Errorf("answerCallbackQuery without the query id")
	}
	edits := w.fake.WaitCalls(t, 1, "editMessageReplyMarkup")
	e := edits[0]
	if e.Int("message_id") != int64(ans.MsgID) || e.Int("chat_id") != alice {
		t.Errorf("edited %v, want message %d", e.Params, ans.MsgID)
	}
	want := []string{"📂 Related questions", "✓ " + mfa, "📂 Was this answer helpful?", "👍 Helpful", "👎 Not helpful"}
	if got := telegramtest.Labels(t, e); !slices.Equal(got, want) {
		t.Errorf("retired keyboard = %q, want %q", got, want)
	}

	// The same (stale) button again: KM answers again, the keyboard is already
	// as it should be (checked below, once a later click has been handled).
	w.fake.Click(t, alice, ans, mfa)
	waitFor(t, "the second hit", func() bool { return len(w.simCalls("POST /v1/hit")) == 2 })

	// The ✓ marker is answered and does nothing else.
	retired := e
	retired.MsgID = ans.MsgID
	before := len(w.fake.CallsTo("answerCallbackQuery"))
	w.fake.Click(t, alice, retired, "✓ "+mfa)
	w.fake.WaitCalls(t, before+1, "answerCallbackQuery")

	// An unknown token that is on no keyboard: the core says so, and there is
	// no group of it to retire.
	w.fake.Push(map[string]any{"callback_query": map[string]any{
		"id": "cbx", "from": telegramtest.Person(alice, "en"), "chat_instance": "ci", "data": "AAAAAAAAAAAAAAAAAAAAAA",
		"message": w.fake.BotMessage(w.t, ans),
	}})
	w.fake.WaitSend(t, "this button has expired")

	// The rating's 👍 expires (its action is gone from the store): the core
	// says so, and the rating's group gives way to the expired words.
	ctx := context.Background()
	up := telegramtest.CallbackData(t, ans, "👍 Helpful")
	if _, ok, err := p.Store.Action(ctx, up); err != nil || !ok {
		t.Fatalf("the 👍 action is not stored: %v %v", ok, err)
	}
	ref, _ := bridge.ParseToken(up)
	g, ok, err := p.Store.Buttons(ctx, ref.Ring, ref.Lane, ref.Group)
	if err != nil || !ok {
		t.Fatalf("the 👍 group is not stored: %v %v", ok, err)
	}
	g.Expires = time.Now().Add(-time.Second)
	if err := p.Store.PutButtons(ctx, ref.Ring, g.Key.String(), g, 8); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Millisecond)
	w.fake.Click(t, alice, ans, "👍 Helpful")
	waitFor(t, "the second expiry notice", func() bool { return len(w.fake.SendsWith("this button has expired")) == 2 })
	expired := w.fake.WaitCalls(t, 2, "editMessageReplyMarkup")[1]
	got := telegramtest.Labels(t, expired)
	words := catalogue(t).Printer("en").T("bridge.retired_expired")
	if expired.Int("message_id") != int64(ans.MsgID) || !slices.Contains(got, words) ||
		slices.Contains(got, "👍 Helpful") || slices.Contains(got, "👎 Not helpful") || !slices.Contains(got, "✓ "+mfa) {
		t.Errorf("keyboard after the expired click = %q, want the rating replaced by %q and the choice kept", got, words)
	}
	// The conversation's clicks are handled in order: the stale click's turn
	// is over, and it edited nothing.
	if n := len(w.fake.CallsTo("editMessageReplyMarkup")); n != 2 {
		t.Errorf("%d keyboard edits, want 2 (the choice, the expiry)", n)
	}
	if n := len(w.simCalls("POST /v1/hit")); n != 2 {
		t.Errorf("hit calls = %d, want 2", n)
	}
	if strings.Contains(p.logs.String(), "could not retire") {
		t.Errorf("a retire failed:\n%s", p.logs.String())
	}
}

// In a group the bot answers mentions, replies to it and its commands (replying
// to the asker), one KM session per user; everything else is not for it.
func TestGroupMention(t *testing.T) {
	const group = -1001234
	w := newWorld(t, nil)
	w.boot(t, options{})

	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(alice, "en"), "hello everyone", nil))
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(alice, "en"), "/help@otherbot", telegramtest.CommandEntity("/help@otherbot")))
	q := telegramtest.Mention(group, alice, "What is the Wi-Fi password?", nil)
	w.fake.Push(q)
	ans := w.fake.WaitSend(t, "ExampleGuest")
	if ans.Int("chat_id") != group {
		t.Errorf("answer went to %v", ans.Params.Get("chat_id"))
	}
	qid := q["message"].(map[string]any)["message_id"].(int)
	if want := `{"message_id":` + strconv.Itoa(qid) + `,"allow_sending_without_reply":true}`; w.fake.SendsWith("Example Corp helpdesk")[0].Params.Get("reply_parameters") != want {
		t.Errorf("first message of the answer does not reply to the question: %v", w.fake.Sends()[0].Params)
	}
	chats := w.simCalls("POST /v1/chat")
	if len(chats) != 1 || chats[0].Str("queryContent") != "What is the Wi-Fi password?" {
		t.Fatalf("KM chat calls = %+v (the mention must be stripped, the other messages ignored)", chats)
	}

	// A reply to the bot, by another user: a second session.
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(bob, "en"), "What are the office hours?",
		map[string]any{"reply_to_message": w.fake.BotMessage(w.t, ans)}))
	w.fake.WaitSend(t, "07:00–20:00")
	if n := len(w.simCalls("POST /v1/initClient")); n != 2 {
		t.Errorf("initClient calls = %d, want one per user", n)
	}
	// Our own command, addressed.
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(bob, "en"), "/faq@"+telegramtest.BotName, telegramtest.CommandEntity("/faq@"+telegramtest.BotName)))
	waitFor(t, "the FAQ list", func() bool { return len(w.simCalls("POST /v1/chat/commonQuestions")) == 1 })
	if n := len(w.simCalls("POST /v1/chat")); n != 2 {
		t.Errorf("KM chat calls = %d, want 2", n)
	}
}

// A forum topic is its own conversation and every message for it, typing
// included, goes back to the topic; a button pressed in the topic works there.
func TestForumTopic(t *testing.T) {
	const group, topic = -1005678, 42
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(telegramtest.Mention(group, alice, "How do I reset my password?",
		map[string]any{"message_thread_id": topic, "is_topic_message": true}))
	ans := w.fake.WaitSend(t, "Reset your password")
	for _, c := range w.fake.CallsTo("sendMessage", "sendChatAction") {
		if c.Params.Get("message_thread_id") != strconv.Itoa(topic) {
			t.Errorf("%s without the topic: %v", c.Method, c.Params)
		}
	}
	w.fake.Click(t, alice, ans, "What is the Wi-Fi password?")
	wifi := w.fake.WaitSend(t, "ExampleGuest")
	if wifi.Params.Get("message_thread_id") != strconv.Itoa(topic) {
		t.Errorf("answer to the click left the topic: %v", wifi.Params)
	}
	// The general topic (no is_topic_message) is another conversation.
	w.fake.Push(telegramtest.Mention(group, alice, "What are the office hours?", map[string]any{"message_thread_id": 7}))
	hours := w.fake.WaitSend(t, "07:00–20:00")
	if hours.Params.Get("message_thread_id") != "" {
		t.Errorf("a message outside topics was sent to thread %s", hours.Params.Get("message_thread_id"))
	}
	if n := len(w.simCalls("POST /v1/initClient")); n != 2 {
		t.Errorf("initClient calls = %d, want 2 (the topic and the general chat)", n)
	}
}

// Task buttons for the input box become a reply keyboard; pressing one sends
// its label, which the adapter maps back to the button's action — in a group
// even without a mention, and only for the user who got the keyboard.
func TestReplyKeyboard(t *testing.T) {
	const group = -1009999
	const large = "Large room (12 people)"
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(telegramtest.Mention(group, alice, "Book a meeting room", nil))
	kbMsg := w.fake.WaitSend(t, "Which room do you need?")
	var withReply telegramtest.Call
	waitFor(t, "the reply keyboard", func() bool {
		for _, c := range w.fake.Sends() {
			if strings.Contains(c.Params.Get("reply_markup"), `"keyboard"`) {
				withReply = c
				return true
			}
		}
		return false
	})
	rm := withReply.Params.Get("reply_markup")
	if !strings.Contains(rm, large) || !strings.Contains(rm, `"one_time_keyboard":true`) || !strings.Contains(rm, `"selective":true`) {
		t.Errorf("reply keyboard = %s", rm)
	}
	if !slices.Contains(telegramtest.Labels(t, kbMsg), "Small room (4 people)") {
		t.Errorf("inline buttons = %v", telegramtest.Labels(t, kbMsg))
	}
	// Bob types the same words: not his keyboard, not addressed.
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(bob, "en"), large, nil))
	// Alice presses the button: a click on the task button, which KM documents as
	// its flow call (kmclient.TaskButtonClick).
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(group), telegramtest.Person(alice, "en"), large, nil))
	pressed := func(c kmsim.Call) bool { return c.Str("flowContent") == "<p>"+large+"</p>" }
	waitFor(t, "the pressed button's flow call", func() bool {
		return slices.ContainsFunc(w.simCalls("POST /v1/flow"), pressed)
	})
	n := 0
	for _, c := range w.simCalls("POST /v1/flow") {
		if pressed(c) {
			n++
		}
	}
	for _, c := range w.simCalls("POST /v1/chat") {
		if c.Str("queryContent") == large {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the button was pressed %d times, want once (alice only)", n)
	}
}

// Inline mode: "@bot words" lists KM's smart hints; the chosen result, posted in
// the private chat via the bot, is a smart-hint hit with the question's id. A
// user without a session gets no results but a button to open the chat.
func TestInlineQuery(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(map[string]any{"inline_query": map[string]any{"id": "iq1", "from": telegramtest.Person(bob, "en"), "query": "password", "offset": ""}})
	first := w.fake.WaitCalls(t, 1, "answerInlineQuery")[0]
	if first.Params.Get("results") != "[]" || !strings.Contains(first.Params.Get("button"), `"start_parameter":"inline"`) {
		t.Errorf("answer for a user without a session = %v", first.Params)
	}

	w.fake.Push(telegramtest.Private(alice, "hello"))
	w.fake.WaitSend(t, "Hello! Ask me about passwords")
	w.fake.Push(map[string]any{"inline_query": map[string]any{"id": "iq2", "from": telegramtest.Person(alice, "en"), "query": "password", "offset": ""}})
	got := w.fake.WaitCalls(t, 2, "answerInlineQuery")[1]
	var results []struct {
		ID      string `json:"id"`
		Title   string `json:"title"`
		Content struct {
			Text string `json:"message_text"`
		} `json:"input_message_content"`
	}
	if err := json.Unmarshal([]byte(got.Params.Get("results")), &results); err != nil {
		t.Fatal(err)
	}
	if got.Params.Get("is_personal") != "true" || len(results) == 0 {
		t.Fatalf("inline answer = %v", got.Params)
	}
	const reset = "How do I reset my password?"
	found := false
	for _, r := range results {
		found = found || (r.Title == reset && r.Content.Text == reset)
	}
	if !found {
		t.Fatalf("no result for %q in %+v", reset, results)
	}
	hints := w.simCalls("POST /v1/smartHint")
	if len(hints) != 1 || hints[0].Str("keyword") != "password" {
		t.Errorf("smartHint calls = %+v", hints)
	}

	// Alice picks it in her chat with the bot.
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "en"), reset,
		map[string]any{"via_bot": map[string]any{"id": telegramtest.BotID, "is_bot": true, "first_name": "Helpdesk", "username": telegramtest.BotName}}))
	w.fake.WaitSend(t, "Reset your password")
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 || hits[0].Int("queryType") != kmclient.QuerySmartHint || hits[0].Int("questionId") != 1001 {
		t.Fatalf("hit calls = %+v, want one smart-hint hit of question 1001", hits)
	}
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("chat calls = %d, want only the greeting", n)
	}
}

// longKB is the sample knowledge base with a question whose answer is far over
// Telegram's 4096 characters.
func longKB(t testing.TB) *kmsim.KB {
	t.Helper()
	var b strings.Builder
	for i := range 150 {
		fmt.Fprintf(&b, "            <p>Step %d: read this paragraph about the travel policy &amp; its <b>rules</b>, carefully.</p>\n", i+1)
	}
	q := "  - id: 99\n    name: Policies\n    questions:\n      - id: 1999\n        content: Tell me the whole travel policy\n" +
		"        answer:\n          content: |\n" + b.String() + "\nflows:"
	y := strings.Replace(string(kmsim.SampleYAML()), "\nflows:", "\n"+q, 1)
	kb, err := kmsim.LoadKB(strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// A long answer is split into valid parts (the fake checks each), in order,
// with the rating buttons on the last.
func TestLongAnswerSplit(t *testing.T) {
	w := newWorld(t, longKB(t))
	w.boot(t, options{})
	w.fake.Push(telegramtest.Private(alice, "Tell me the whole travel policy"))
	w.fake.WaitSend(t, "Was this answer helpful?")
	var parts []telegramtest.Call
	for _, c := range w.fake.Sends() {
		if strings.Contains(c.Params.Get("text"), "Step ") {
			parts = append(parts, c)
		}
	}
	if len(parts) < 3 {
		t.Fatalf("long answer in %d parts, want at least 3", len(parts))
	}
	next := 1
	for _, c := range parts {
		text := c.Params.Get("text")
		if n := utf16Len(html.UnescapeString(tagRE.ReplaceAllString(text, ""))); n > 4096 {
			t.Errorf("part of %d UTF-16 units", n)
		}
		for strings.Contains(text, fmt.Sprintf("Step %d:", next)) {
			next++
		}
	}
	if next != 151 {
		t.Errorf("steps arrived up to %d in order, want all 150", next-1)
	}
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}
