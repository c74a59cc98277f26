package telegramadapter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/httpserver"
)

// answeredOnce checks that KM was asked q once and the answer, showing
// answer, was sent once.
func (w *world) answeredOnce(t testing.TB, q, answer string) {
	t.Helper()
	if n := w.countChats(q); n != 1 {
		t.Errorf("KM asked %d times, want exactly once", n)
	}
	if n := len(w.fake.SendsWith(answer)); n != 1 {
		t.Errorf("answer sent %d times, want once", n)
	}
}

// countChats counts KM chat calls asking q.
func (w *world) countChats(q string) int {
	n := 0
	for _, c := range w.simCalls("POST /v1/chat") {
		if c.Str("queryContent") == q {
			n++
		}
	}
	return n
}

// The bridge dies after receiving an update but before the core accepted it:
// Telegram still has it (not confirmed), and the next process answers it once.
func TestRestartBeforeAcceptExactlyOnce(t *testing.T) {
	w := newWorld(t, nil)
	const q = "What is the Wi-Fi password?"
	received := make(chan struct{})
	p1 := w.boot(t, options{wrapHost: func(core bridge.Host, kill func()) bridge.Host {
		return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
			kill() // the process dies inside Deliver: the event never reached the queue
			close(received)
			return context.Canceled
		})
	}})
	id := w.fake.Push(telegramtest.Private(alice, q))
	<-received
	p1.stop()
	if got := w.fake.Pending(); len(got) != 1 || got[0] != id {
		t.Fatalf("pending updates after the crash = %v, want [%d]", got, id)
	}
	if n := w.countChats(q); n != 0 {
		t.Fatalf("KM asked %d times before the restart", n)
	}

	w.boot(t, options{})
	w.fake.WaitSend(t, "ExampleGuest")
	waitFor(t, "the update to be confirmed", func() bool { return len(w.fake.Pending()) == 0 })
	w.answeredOnce(t, q, "ExampleGuest")
}

// The core accepted (and answered) the update but the process died before it
// could confirm it: Telegram redelivers it after the restart and the dedupe
// (persisted in the store's snapshot) drops it.
func TestRestartAfterAcceptExactlyOnce(t *testing.T) {
	w := newWorld(t, nil)
	const q = "What is the Wi-Fi password?"
	accepted := make(chan struct{})
	p1 := w.boot(t, options{wrapHost: func(core bridge.Host, kill func()) bridge.Host {
		return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
			err := core.Deliver(ctx, d)
			w.fake.SetPollDown(true) // no confirmation gets through any more
			kill()
			close(accepted)
			return err
		})
	}})
	id := w.fake.Push(telegramtest.Private(alice, q))
	<-accepted
	p1.stop() // drains: the answer is sent; the snapshot keeps the dedupe record
	w.fake.WaitSend(t, "ExampleGuest")
	if got := w.fake.Pending(); len(got) != 1 || got[0] != id {
		t.Fatalf("pending updates after the crash = %v, want [%d]", got, id)
	}

	w.fake.SetPollDown(false)
	p2 := w.boot(t, options{})
	waitFor(t, "the redelivered update to be confirmed", func() bool { return len(w.fake.Pending()) == 0 })
	p2.stop()
	w.answeredOnce(t, q, "ExampleGuest")
	if !strings.Contains(p2.logs.String(), "redelivered update skipped") {
		t.Errorf("the second process did not skip the redelivery:\n%s", p2.logs.String())
	}
}

// A graceful stop confirms what was handled, so nothing comes again.
func TestStopConfirms(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{tg: func(c *telegramadapter.Config) { c.PollTimeout = 30 * time.Second; c.HTTPTimeout = time.Minute }})
	w.fake.Push(telegramtest.Private(alice, "What is the Wi-Fi password?"))
	w.fake.WaitSend(t, "ExampleGuest")
	start := time.Now()
	p.stop()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("stop took %s with a 30s long poll in flight", d)
	}
	if got := w.fake.Pending(); len(got) != 0 {
		t.Errorf("pending after a graceful stop = %v", got)
	}
}

// Webhook mode: setWebhook carries the secret; a request without it or with a
// wrong one is refused with 401 and nothing happens; a good one is answered 200
// and handled once even when Telegram posts it twice.
func TestWebhook(t *testing.T) {
	const secret = "s3cret-Token_0123456789"
	w := newWorld(t, nil)
	p := w.boot(t, options{tg: func(c *telegramadapter.Config) {
		c.WebhookURL = "https://bot.example.com" + telegramadapter.WebhookPath
		c.WebhookSecret = secret
		c.MaxBodyBytes = 64 << 10
	}})
	srv := httpserver.New(httpserver.Options{})
	p.ad.Routes(srv)
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	set := w.fake.WaitCalls(t, 1, "setWebhook")[0]
	if set.Params.Get("secret_token") != secret || set.Params.Get("url") != "https://bot.example.com/telegram/webhook" {
		t.Errorf("setWebhook = %v", set.Params)
	}
	if len(w.fake.CallsTo("deleteWebhook", "getUpdates")) != 0 {
		t.Errorf("webhook mode polled or deleted the webhook")
	}
	// Wait until Run serves (setCommands follows setWebhook).
	waitFor(t, "the webhook to be served", func() bool { return len(w.fake.CallsTo("setMyCommands")) == 4 })
	upd := telegramtest.Private(alice, "What is the Wi-Fi password?")
	upd["update_id"] = 1
	body, _ := json.Marshal(upd)
	post := func(secretHdr string, b []byte) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, hs.URL+telegramadapter.WebhookPath, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if secretHdr != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secretHdr)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	waitFor(t, "the handler to be ready", func() bool { return post(secret, []byte(`{"update_id":0}`)) == http.StatusOK })

	if got := post("", body); got != http.StatusUnauthorized {
		t.Errorf("no secret: %d, want 401", got)
	}
	if got := post("wrong", body); got != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", got)
	}
	if got := post(secret+"x", body); got != http.StatusUnauthorized {
		t.Errorf("longer secret: %d, want 401", got)
	}
	if n := len(w.simCalls("POST /v1/chat")) + len(w.simCalls("POST /v1/initClient")) + len(w.fake.Sends()); n != 0 {
		t.Fatalf("refused requests were processed (%d calls)", n)
	}

	if got := post(secret, body); got != http.StatusOK {
		t.Fatalf("good request: %d", got)
	}
	if got := post(secret, body); got != http.StatusOK {
		t.Fatalf("redelivery: %d", got)
	}
	w.fake.WaitSend(t, "ExampleGuest")
	if got := post(secret, []byte(`{"update_id":5,"message":{"text":"`+strings.Repeat("x", 70<<10)+`"}}`)); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", got)
	}
	if got := post(secret, []byte(`not json`)); got != http.StatusBadRequest {
		t.Errorf("not an update: %d, want 400", got)
	}
	p.stop()
	if n := w.countChats("What is the Wi-Fi password?"); n != 1 {
		t.Errorf("KM asked %d times, want once", n)
	}
	if got := post(secret, body); got != http.StatusServiceUnavailable {
		t.Errorf("after stop: %d, want 503", got)
	}
}

// A 429 holds the chat's messages: the refused one is sent again after
// retry_after, and the next one only after it, in order.
func TestRateLimitedInOrder(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.FailNext("sendMessage", 1, http.StatusTooManyRequests, 1, "Too Many Requests: retry after 1")
	w.fake.Push(telegramtest.Private(alice, "What is the Wi-Fi password?"))
	w.fake.WaitSend(t, "ExampleGuest")
	var seq []string
	for _, c := range w.fake.CallsTo("sendMessage") {
		text := c.Params.Get("text")
		switch {
		case strings.Contains(text, "Example Corp helpdesk bot"):
			text = "welcome"
		case strings.Contains(text, "ExampleGuest"):
			text = "answer"
		default:
			continue
		}
		seq = append(seq, text+" "+strconv.Itoa(c.Status))
	}
	want := "welcome 429,welcome 200,answer 200"
	if got := strings.Join(seq, ","); got != want {
		t.Errorf("sequence = %s, want %s", got, want)
	}
	// getUpdates honours retry_after too: the next poll waits for it.
	w.fake.FailNext("getUpdates", 1, http.StatusTooManyRequests, 1, "Too Many Requests: retry after 1")
	w.fake.Push(telegramtest.Private(alice, "What are the office hours?"))
	w.fake.WaitSend(t, "07:00–20:00")
	var after429 []telegramtest.Call
	waitFor(t, "a poll after the 429", func() bool {
		after429 = nil
		for _, c := range w.fake.CallsTo("getUpdates") {
			if c.Status == http.StatusTooManyRequests || len(after429) > 0 {
				after429 = append(after429, c)
			}
		}
		return len(after429) >= 2
	})
	if gap := after429[1].At.Sub(after429[0].At); gap < 900*time.Millisecond {
		t.Errorf("polled again %s after a 429 with retry_after 1", gap)
	}
}

// Pictures, places and sounds use their own methods; what the bot cannot read
// gets a polite reply in the user's language.
func TestMediaAndNonText(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(telegramtest.Private(alice, "What is the office address?"))
	venue := w.fake.WaitCalls(t, 1, "sendVenue")[0]
	if venue.Params.Get("latitude") == "" || venue.Params.Get("title") == "" {
		t.Errorf("venue = %v", venue.Params)
	}
	w.fake.Push(telegramtest.Private(alice, "Show me the office floor plan"))
	if photo := w.fake.WaitCalls(t, 1, "sendPhoto")[0]; !strings.HasPrefix(photo.Params.Get("photo"), "https://") {
		t.Errorf("photo = %v", photo.Params)
	}
	w.fake.Push(telegramtest.Private(alice, "Play the security awareness briefing"))
	if audio := w.fake.WaitCalls(t, 1, "sendAudio")[0]; !strings.HasSuffix(audio.Params.Get("audio"), ".mp3") {
		t.Errorf("audio = %v", audio.Params)
	}

	chats := len(w.simCalls("POST /v1/chat"))
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "en"), "", map[string]any{
		"sticker": map[string]any{"file_id": "s1", "file_unique_id": "u1", "width": 512, "height": 512, "is_animated": false}}))
	w.fake.WaitSend(t, "I can only read text")
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(bob), telegramtest.Person(bob, "ja"), "", map[string]any{
		"voice": map[string]any{"file_id": "v1", "file_unique_id": "u2", "duration": 3}}))
	w.fake.WaitSend(t, "テキストのメッセージしか読めません")
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "zh-hans"), "", map[string]any{
		"photo": []map[string]any{{"file_id": "p1", "file_unique_id": "u3", "width": 90, "height": 90}}}))
	w.fake.WaitSend(t, "我只能阅读文字消息")
	// A photo with a caption is a question.
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "en"), "", map[string]any{
		"photo":   []map[string]any{{"file_id": "p2", "file_unique_id": "u4", "width": 90, "height": 90}},
		"caption": "What are the office hours?"}))
	w.fake.WaitSend(t, "07:00–20:00")
	if n := len(w.simCalls("POST /v1/chat")) - chats; n != 1 {
		t.Errorf("KM asked %d times for non-text input, want only the caption", n)
	}
}

// /start with a deep-link payload asks it; the other commands reach the core.
func TestCommands(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Push(telegramtest.Private(alice, "/start reset_my_password"))
	w.fake.WaitSend(t, "Reset your password")
	if w.countChats("reset my password") != 1 {
		t.Errorf("deep link not asked: %+v", w.simCalls("POST /v1/chat"))
	}
	w.fake.WaitSend(t, "Ask me anything in your own words")
	w.fake.Push(telegramtest.Private(alice, "/hot"))
	waitFor(t, "hot questions", func() bool { return len(w.simCalls("POST /v1/chat/hotQuestions")) == 1 })
	w.fake.Push(telegramtest.Private(alice, "/reset@"+telegramtest.BotName))
	w.fake.WaitSend(t, "Starting a new conversation")
	w.fake.Push(telegramtest.Private(alice, "/human"))
	w.fake.WaitSend(t, "no human agent channel is set up")
	w.fake.Push(telegramtest.Private(bob, "/start b64-"+"V2hhdCBpcyB0aGUgV2ktRmkgcGFzc3dvcmQ_")) // "What is the Wi-Fi password?"
	w.fake.WaitSend(t, "ExampleGuest")
	w.fake.Push(telegramtest.Private(bob, "/start inline"))
	waitFor(t, "a second help", func() bool { return len(w.fake.SendsWith("Ask me anything in your own words")) == 3 })
	if n := len(w.simCalls("POST /v1/chat")); n != 2 {
		t.Errorf("chat calls = %d, want 2 (/start inline asks nothing)", n)
	}
}

// Streaming: the first text is sent, then edited as KM streams, the final edit
// carrying the buttons.
func TestStreaming(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{core: func(c *bridge.Config) {
		c.Streaming = true
		c.EditInterval = 20 * time.Millisecond
	}})
	w.sim.SetStreamDelay(15 * time.Millisecond)
	w.fake.Push(telegramtest.Private(alice, "How do I reset my password?"))
	waitFor(t, "the final edit", func() bool {
		for _, c := range w.fake.CallsTo("editMessageText") {
			if strings.Contains(c.Params.Get("reply_markup"), "inline_keyboard") && strings.Contains(c.Params.Get("text"), "Reset your password") {
				return true
			}
		}
		return false
	})
	if n := len(w.fake.CallsTo("editMessageText")); n < 2 {
		t.Errorf("%d edits, want the stream to grow the message", n)
	}
}

// Typing is shown, in the topic, and renewed while KM works.
func TestTyping(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{core: func(c *bridge.Config) { c.TypingInterval = 20 * time.Millisecond }})
	w.sim.SetLatency(150*time.Millisecond, 0)
	w.fake.Push(telegramtest.Mention(-100777, alice, "What is the Wi-Fi password?", map[string]any{"message_thread_id": 9, "is_topic_message": true}))
	w.fake.WaitSend(t, "ExampleGuest")
	typing := w.fake.CallsTo("sendChatAction")
	if len(typing) < 2 {
		t.Errorf("typing shown %d times over three slow KM calls, want renewals", len(typing))
	}
	for _, c := range typing {
		if c.Params.Get("action") != "typing" || c.Params.Get("message_thread_id") != "9" || c.Int("chat_id") != -100777 {
			t.Errorf("sendChatAction %v", c.Params)
		}
	}
}

// What Telegram would refuse is sent as plain text, never dropped: a message
// that fails Validate (a renderer bug), HTML Telegram cannot parse, a picture it
// cannot fetch. A group that became a supergroup is followed.
func TestFallbacks(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	ctx := context.Background()
	to := bridge.DMKey("telegram", "", strconv.Itoa(alice), strconv.Itoa(alice))

	if _, err := p.ad.SendRendered(ctx, to, tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: `<script>x</script> 1 < 2 & <b>bold</b>`}); err != nil {
		t.Fatal(err)
	}
	got := w.fake.Sends()
	if len(got) != 1 || got[0].Params.Get("text") != "x 1 &lt; 2 &amp; bold" {
		t.Errorf("invalid message sent as %v", got)
	}
	if !strings.Contains(p.logs.String(), "renderer bug") {
		t.Error("the invalid message was not logged")
	}

	w.fake.FailNext("sendMessage", 1, 400, 0, "Bad Request: can't parse entities: Unsupported start tag")
	if _, err := p.ad.SendRendered(ctx, to, tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: "<b>fine</b> text"}); err != nil {
		t.Fatal(err)
	}
	if last := w.fake.Sends(); last[len(last)-1].Params.Get("text") != "fine text" {
		t.Errorf("after can't parse: %v", last[len(last)-1].Params)
	}

	w.fake.FailNext("sendPhoto", 1, 400, 0, "Bad Request: wrong file identifier/HTTP URL specified")
	if _, err := p.ad.SendRendered(ctx, to, tgfmt.Msg{Method: tgfmt.MethodSendPhoto, Photo: "https://kb.example.com/x.png", Caption: "<i>Plan</i>"}); err != nil {
		t.Fatal(err)
	}
	if last := w.fake.Sends(); last[len(last)-1].Method != "sendMessage" || last[len(last)-1].Params.Get("text") != "Plan\nhttps://kb.example.com/x.png" {
		t.Errorf("refused photo sent as %v", last[len(last)-1].Params)
	}

	group := bridge.ChannelKey(bridge.ScopeUser, "telegram", "", "-55", "", strconv.Itoa(alice))
	w.fake.MigrateNext("sendMessage", -10055)
	if _, err := p.ad.Send(ctx, group, formatting.Plain("one")); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ad.Send(ctx, group, formatting.Plain("two")); err != nil {
		t.Fatal(err)
	}
	sends := w.fake.Sends()
	if a, b := sends[len(sends)-2], sends[len(sends)-1]; a.Int("chat_id") != -10055 || b.Int("chat_id") != -10055 {
		t.Errorf("after the migration: %v, %v", a.Params, b.Params)
	}
}

// Edit replaces a text with the first text of the new rendering; a reply
// keyboard (which edits cannot carry) and further parts follow as messages;
// content that starts with a picture cannot replace a text.
func TestEdit(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	ctx := context.Background()
	to := bridge.DMKey("telegram", "", strconv.Itoa(alice), strconv.Itoa(alice))
	ref, err := p.ad.Send(ctx, to, formatting.Plain("Thinking"))
	if err != nil {
		t.Fatal(err)
	}
	m := formatting.Plain("Which room?")
	m.InputHints = []formatting.Button{{Label: "Large room", Token: "tokLarge"}}
	if err := p.ad.Edit(ctx, ref, m); err != nil {
		t.Fatal(err)
	}
	edits := w.fake.CallsTo("editMessageText")
	if len(edits) != 1 || edits[0].Params.Get("text") != "Which room?" || edits[0].Params.Get("message_id") != ref.ID {
		t.Fatalf("edits = %+v", edits)
	}
	sends := w.fake.Sends()
	if last := sends[len(sends)-1]; !strings.Contains(last.Params.Get("reply_markup"), `"Large room"`) {
		t.Errorf("reply keyboard not sent after the edit: %v", last.Params)
	}
	// The same content again: "not modified" is success.
	if err := p.ad.Edit(ctx, ref, formatting.Plain("Which room?")); err != nil {
		t.Errorf("unchanged edit = %v", err)
	}
	pic := formatting.Message{Blocks: []formatting.Block{&formatting.Image{URL: "https://kb.example.com/a.png"}}}
	if err := p.ad.Edit(ctx, ref, pic); err == nil {
		t.Error("a text was edited into a picture")
	}
	// The pressed label is now a click.
	w.fake.Push(telegramtest.Private(alice, "Large room"))
	w.fake.WaitSend(t, "this button has expired") // tokLarge is no stored action
}

// A message sent in several parts is edited part by part, in place: a
// shorter rendering deletes the parts left over, a longer one sends the
// rest, and editing again touches the same messages (a streamed long answer
// or a redrawn hand-over card does not pile up copies).
func TestEditSeveralParts(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	ctx := context.Background()
	to := bridge.DMKey("telegram", "", strconv.Itoa(alice), strconv.Itoa(alice))
	long := func(word string) formatting.Message { return formatting.Plain(strings.Repeat(word+" ", 2000)) }
	ref, err := p.ad.Send(ctx, to, long("alpha"))
	if err != nil {
		t.Fatal(err)
	}
	first := w.fake.Posted()
	if len(first) < 3 {
		t.Fatalf("the long message took %d parts, want 3 or more", len(first))
	}
	if err := p.ad.Edit(ctx, ref, formatting.Plain("short now")); err != nil {
		t.Fatal(err)
	}
	now := w.fake.Posted()
	if len(now) != 1 || now[0].ID != first[0].ID || now[0].Text != "short now" {
		t.Fatalf("after a shorter edit: %+v, want the first part alone, edited", now)
	}
	if err := p.ad.Edit(ctx, ref, long("beta")); err != nil {
		t.Fatal(err)
	}
	grown := w.fake.Posted()
	if len(grown) != len(first) || grown[0].ID != first[0].ID || !strings.HasPrefix(grown[1].Text, "beta") {
		t.Fatalf("after a longer edit: %d parts, want %d with the first kept", len(grown), len(first))
	}
	sends := len(w.fake.Sends())
	if err := p.ad.Edit(ctx, ref, long("gamma")); err != nil {
		t.Fatal(err)
	}
	again := w.fake.Posted()
	if len(w.fake.Sends()) != sends || len(again) != len(grown) {
		t.Errorf("editing again sent %d messages, want none", len(w.fake.Sends())-sends)
	}
	for i, m := range again {
		if m.ID != grown[i].ID || !strings.HasPrefix(m.Text, "gamma") {
			t.Errorf("part %d = %d %q, want message %d edited", i, m.ID, m.Text[:min(20, len(m.Text))], grown[i].ID)
		}
	}
}
