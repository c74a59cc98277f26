package telegramadapter_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/option"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/formatting"
)

const agentsChat = -1009000

// card is a hand-over card as the desk sends it: text and case buttons.
func card() formatting.Message {
	return formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.ParsePlain("Case #7: Ann asks for a person")},
		&formatting.Buttons{Items: []formatting.Button{{Label: "Claim", Token: "tok-claim"}, {Label: "Resolve", Token: "tok-resolve"}}},
	}}
}

// In a forum, StartThread opens a topic named after the case and posts the
// card there; the key it returns is the one a message written in the topic
// gets (bridge.ScopeThread, User ""), so once the topic is joined, agents'
// messages there are delivered without a mention, with their formatting and
// the topic's key; the desk's messages to the key land in the topic.
func TestStartThreadForumTopic(t *testing.T) {
	w := newWorld(t, nil)
	h := newRecHost()
	p := w.boot(t, options{wrapHost: h.wrap, tg: func(c *telegramadapter.Config) { c.Scope = bridge.ScopeThread }})
	w.fake.SetForum(agentsChat, true)
	ctx := context.Background()
	in := bridge.ConvKey{Platform: "telegram", Channel: strconv.Itoa(agentsChat)}
	title := "Case #7 · " + strings.Repeat("Ann ", 40)
	key, root, err := p.ad.StartThread(ctx, in, title, card())
	if err != nil {
		t.Fatal(err)
	}
	topics := w.fake.WaitCalls(t, 1, "createForumTopic")
	name := topics[0].Params.Get("name")
	if !strings.HasPrefix(name, "Case #7 · Ann") || len([]rune(name)) > 128 {
		t.Errorf("topic name %q: want the title within 128 characters", name)
	}
	cardMsg := w.fake.WaitSend(t, "Case #7")
	topic := cardMsg.Params.Get("message_thread_id")
	if topic == "" || cardMsg.Int("chat_id") != agentsChat {
		t.Fatalf("the card went to %v, want a topic of the agents' chat", cardMsg.Params)
	}
	want := bridge.ConvKey{Platform: "telegram", Channel: strconv.Itoa(agentsChat), Thread: topic}
	if key != want || root.ID != strconv.Itoa(cardMsg.MsgID) {
		t.Errorf("StartThread = %v, %v; want %v and the card's id %d", key, root, want, cardMsg.MsgID)
	}

	// Not joined yet: an agent's message without a mention is not the bot's.
	const agent = 4901
	inTopic := map[string]any{"message_thread_id": num(topic), "is_topic_message": true}
	chatter := w.fake.Push(telegramtest.Message(telegramtest.GroupChat(agentsChat), telegramtest.Person(agent, "en"), "chatter before the case is linked", inTopic))
	waitFor(t, "the chatter to be confirmed", func() bool { ok, _ := w.fake.Acked(chatter); return ok })
	// Joined (the desk links the case's topic): delivered, with its key.
	h.join(key)
	ent := map[string]any{"message_thread_id": num(topic), "is_topic_message": true,
		"entities": []map[string]any{{"type": "bold", "offset": 0, "length": 5}}}
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(agentsChat), telegramtest.Person(agent, "en"), "Hello Ann, I can help.", ent))
	waitFor(t, "the agent's message", func() bool { return len(h.messages()) == 1 })
	m := h.messages()[0]
	if m.Key != key || m.Text != "Hello Ann, I can help." || m.User.Name == "" || m.ReplyTo != "" {
		t.Errorf("delivered %+v, want the agent's message in %v", m, key)
	}
	if len(m.Rich) != 1 || m.Rich[0].(*formatting.Para).Spans[0] != (formatting.Span{Text: "Hello", Marks: formatting.Bold}) {
		t.Errorf("rich = %s, want Hello in bold", formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: m.Rich}}}))
	}
	for _, d := range h.deliveries() {
		if mm, ok := d.Event.(bridge.Message); ok && strings.Contains(mm.Text, "chatter") {
			t.Errorf("a message in a topic that is not joined was delivered: %+v", mm)
		}
	}

	// The desk writes into the case's thread.
	if _, err := p.ad.Send(ctx, key, formatting.Plain("Ann writes: thanks")); err != nil {
		t.Fatal(err)
	}
	if s := w.fake.WaitSend(t, "Ann writes"); s.Params.Get("message_thread_id") != topic || s.Params.Get("reply_parameters") != "" {
		t.Errorf("a message to the thread left the topic, or replies to an agent: %v", s.Params)
	}
	// And edits the card through its root ref.
	if err := p.ad.Edit(ctx, root, formatting.Plain("Case #7: claimed by Bob")); err != nil {
		t.Fatal(err)
	}
	if s, ok := w.fake.Message(agentsChat, cardMsg.MsgID); !ok || !strings.Contains(s.Text, "claimed by Bob") {
		t.Errorf("the card reads %q after the edit", s.Text)
	}
}

// num is a topic id as the JSON number Telegram sends.
func num(s string) any { n, _ := strconv.Atoi(s); return n }

// Where the agents' chat is no forum, the card is posted in the chat and the
// thread is the reply chain under it: the desk's messages reply to the card,
// and an agent's reply arrives with ReplyTo set (no mention needed).
func TestStartThreadReplyChain(t *testing.T) {
	w := newWorld(t, nil)
	h := newRecHost()
	p := w.boot(t, options{wrapHost: h.wrap})
	ctx := context.Background()
	in := bridge.ConvKey{Platform: "telegram", Channel: strconv.Itoa(agentsChat)}
	key, root, err := p.ad.StartThread(ctx, in, "Case #8", card())
	if err != nil {
		t.Fatal(err)
	}
	cardMsg := w.fake.WaitSend(t, "Case #7")
	if cardMsg.Params.Get("message_thread_id") != "" || len(w.fake.CallsTo("createForumTopic")) != 0 {
		t.Errorf("the card went to a topic in a chat without topics: %v", cardMsg.Params)
	}
	id := strconv.Itoa(cardMsg.MsgID)
	if key.Thread == "" || key.Channel != strconv.Itoa(agentsChat) || root.ID != id {
		t.Errorf("StartThread = %v, %v; want a reply-chain thread under card %s", key, root, id)
	}
	if _, err := p.ad.Send(ctx, key, formatting.Plain("Ann writes: my screen is blank")); err != nil {
		t.Fatal(err)
	}
	relay := w.fake.WaitSend(t, "Ann writes")
	if want := `{"message_id":` + id + `,"allow_sending_without_reply":true}`; relay.Params.Get("reply_parameters") != want {
		t.Errorf("the relayed message replies with %q, want %q", relay.Params.Get("reply_parameters"), want)
	}
	// An agent replies to the relayed message.
	w.fake.Push(telegramtest.Message(telegramtest.GroupChat(agentsChat), telegramtest.Person(4901, "en"), "Please restart it.",
		map[string]any{"reply_to_message": w.fake.BotMessage(w.t, relay)}))
	waitFor(t, "the agent's reply", func() bool { return len(h.messages()) == 1 })
	if m := h.messages()[0]; m.ReplyTo != strconv.Itoa(relay.MsgID) || m.Text != "Please restart it." {
		t.Errorf("delivered %+v, want a reply to message %d", m, relay.MsgID)
	}
}

// A forum where the bot may not open topics: the card still goes out, as a
// reply chain.
func TestStartThreadFallsBackWithoutTopicRights(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	w.fake.SetForum(agentsChat, true)
	w.fake.FailNext("createForumTopic", 1, 400, 0, "Bad Request: not enough rights to create a topic")
	key, _, err := p.ad.StartThread(context.Background(), bridge.ConvKey{Platform: "telegram", Channel: strconv.Itoa(agentsChat)}, "Case #9", card())
	if err != nil {
		t.Fatal(err)
	}
	if c := w.fake.WaitSend(t, "Case #7"); c.Params.Get("message_thread_id") != "" || key.Thread != "r"+strconv.Itoa(c.MsgID) {
		t.Errorf("fallback: key %v, card %v", key, c.Params)
	}
}

// Files a user sends reach the core as links through the bridge, never
// Telegram's (which carry the bot token); the link serves the file, bounded,
// and refuses what the bridge did not sign. Without a public URL a file is
// named and not linked.
func TestFileLinks(t *testing.T) {
	const public = "https://bridge.example.com"
	w := newWorld(t, nil)
	h := newRecHost()
	p := w.boot(t, options{wrapHost: h.wrap, tg: func(c *telegramadapter.Config) {
		c.PublicURL, c.MaxFileBytes = public, 64<<10
	}})
	srv := p.Serve(t, p.ad)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
	w.fake.AddFile("doc1", []byte("<html><script>alert(1)</script></html>"))
	w.fake.AddFile("pic1", png)
	w.fake.AddFile("huge", bytes.Repeat([]byte("x"), 65<<10))

	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "en"), "", map[string]any{
		"caption":  "What is the Wi-Fi password?",
		"document": map[string]any{"file_id": "doc1", "file_unique_id": "u1", "file_name": "page.html", "mime_type": "text/html", "file_size": 40},
	}))
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "en"), "", map[string]any{
		"photo": []map[string]any{{"file_id": "pic1", "file_unique_id": "u2", "width": 10, "height": 10, "file_size": len(png)}},
	}))
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(alice), telegramtest.Person(alice, "en"), "", map[string]any{
		"document": map[string]any{"file_id": "huge", "file_unique_id": "u3", "file_name": "big.bin"},
	}))
	waitFor(t, "three messages with files", func() bool { return len(h.messages()) == 3 })
	w.fake.WaitSend(t, "ExampleGuest") // the caption is the question
	get := func(link string) (*http.Response, []byte) {
		t.Helper()
		path, ok := strings.CutPrefix(link, public)
		if !ok {
			t.Fatalf("link %q is not under the public URL", link)
		}
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	ms := h.messages()
	for _, m := range ms {
		if len(m.Files) != 1 || strings.Contains(m.Files[0].URL, telegramtest.Token) || strings.Contains(m.Files[0].URL, "777:") {
			t.Fatalf("files = %+v: want one link without the bot token", m.Files)
		}
	}
	doc := ms[0].Files[0]
	if doc.Name != "page.html" || doc.MIME != "text/html" || doc.Size != 40 {
		t.Errorf("document = %+v", doc)
	}
	resp, body := get(doc.URL)
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<script>") ||
		resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("document served %d %v", resp.StatusCode, resp.Header)
	}
	resp, body = get(ms[1].Files[0].URL)
	if resp.StatusCode != 200 || !bytes.Equal(body, png) || resp.Header.Get("Content-Type") != "image/png" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
		t.Errorf("picture served %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := get(ms[2].Files[0].URL); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a file over the limit: %d, want 413", resp.StatusCode)
	}
	tampered := strings.Replace(doc.URL, "/telegram/file/", "/telegram/file/A", 1)
	if resp, _ := get(tampered); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a link the bridge did not sign: %d, want 404", resp.StatusCode)
	}
	if !strings.Contains(p.logs.String(), "throttle=telegram.file") {
		t.Errorf("the forged link was not logged as throttled:\n%s", p.logs.String())
	}
	// A file-only message outside a hand-over: the robot says it reads text.
	waitFor(t, "two text-only notices", func() bool { return len(w.fake.SendsWith("I can only read text")) == 2 })

	// Without a public URL: named, not linked, and no route.
	w2 := newWorld(t, nil)
	h2 := newRecHost()
	p2 := w2.boot(t, options{wrapHost: h2.wrap})
	w2.fake.Push(telegramtest.Message(telegramtest.PrivateChat(bob), telegramtest.Person(bob, "en"), "", map[string]any{
		"document": map[string]any{"file_id": "doc1", "file_unique_id": "u1", "file_name": "page.html"},
	}))
	waitFor(t, "the message", func() bool { return len(h2.messages()) == 1 })
	if f := h2.messages()[0].Files; len(f) != 1 || f[0].URL != "" || f[0].Name != "page.html" {
		t.Errorf("files without a public URL = %+v", f)
	}
	if l := p2.ad.FileLink("doc1"); l != "" {
		t.Errorf("a link without a public URL: %q", l)
	}
}

// A link expires: the clock of the adapter moves past it.
func TestFileLinkExpires(t *testing.T) {
	w := newWorld(t, nil)
	var offset atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	ep := w.Boot(t, e2e.Options{})
	ad, err := telegramadapter.New(telegramadapter.Config{Token: telegramtest.Token, APIEndpoint: w.fake.Endpoint(),
		PublicURL: "https://b.example", FileLinkTTL: time.Hour}, ep.Host, option.Clock(clock))
	if err != nil {
		t.Fatal(err)
	}
	srv := ep.Serve(t, ad)
	w.fake.AddFile("f1", []byte("hello"))
	link := strings.TrimPrefix(ad.FileLink("f1"), "https://b.example")
	fetch := func() int {
		resp, err := srv.Client().Get(srv.URL + link)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := fetch(); got != 200 {
		t.Fatalf("a fresh link: %d", got)
	}
	offset.Store(int64(2 * time.Hour))
	if got := fetch(); got != http.StatusGone {
		t.Errorf("an expired link: %d, want 410", got)
	}
}
