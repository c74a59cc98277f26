package discordadapter_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// Users.
const (
	alice = "500000000000000101"
	bob   = "500000000000000102"
)

// A DM question gets KM's answer (embeds and buttons, validated by the fake)
// after the welcome; the adapter identified with the intents it needs and
// registered its commands globally.
func TestDMQuestion(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))

	ans := w.fake.WaitMessage(t, "Reset your password")
	if ans.Method != "POST" || ans.Channel != discordtest.DMChannel(alice) {
		t.Errorf("answer went by %s to channel %s, want a new message in %s", ans.Method, ans.Channel, discordtest.DMChannel(alice))
	}
	if len(discordtest.Buttons(ans)) == 0 {
		t.Errorf("answer has no buttons: %s", ans.Body)
	}
	msgs := w.fake.Messages()
	if len(msgs) < 2 || !strings.Contains(msgs[0].Text(), "Example Corp helpdesk") {
		t.Errorf("first message is not KM's welcome: %v", msgs)
	}
	if n := len(w.simCalls("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d", n)
	}
	chats := w.simCalls("POST /v1/chat")
	if len(chats) != 1 || chats[0].Str("queryContent") != "How do I reset my password?" {
		t.Fatalf("KM chat calls = %+v", chats)
	}
	if len(w.fake.CallsTo("POST", `/channels/\d+/typing`)) == 0 {
		t.Errorf("no typing indicator")
	}
	ids := w.fake.Identifies()
	var id struct {
		Intents int     `json:"intents"`
		Shard   *[2]int `json:"shard"`
	}
	if len(ids) != 1 || json.Unmarshal(ids[0], &id) != nil {
		t.Fatalf("identify = %s", ids)
	}
	want := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages | discordgo.IntentsMessageContent
	if discordgo.Intent(id.Intents) != want {
		t.Errorf("intents = %d, want %d", id.Intents, want)
	}
	cmds := w.fake.CallsTo("PUT", `/applications/\d+/commands`)
	if len(cmds) != 1 {
		t.Fatalf("global command registrations = %d", len(cmds))
	}
	var defs []struct {
		Name, Description string
		Options           []struct {
			Name         string
			Autocomplete bool
			Required     bool
		}
		Localizations map[string]string `json:"description_localizations"`
	}
	cmds[0].JSON(t, &defs)
	var names []string
	for _, d := range defs {
		names = append(names, d.Name)
		if d.Description == "" || d.Localizations["ja"] == "" || d.Localizations["zh-CN"] == "" {
			t.Errorf("/%s: description %q, localizations %v", d.Name, d.Description, d.Localizations)
		}
	}
	if strings.Join(names, " ") != "ask faq hot human reset help" {
		t.Errorf("commands = %v", names)
	}
	if len(defs[0].Options) != 1 || !defs[0].Options[0].Autocomplete || !defs[0].Options[0].Required {
		t.Errorf("/ask options = %+v", defs[0].Options)
	}
}

const general = "600000000000000001" // a text channel of the test server

// A mention in a channel is answered in a thread started from the question;
// a later message in that thread, without a mention, continues the same KM
// session; an unrelated message in the channel is ignored.
func TestMentionThreadFollowUp(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	w.boot(t, options{})
	q := w.fake.Post(general, alice, "How do I reset my password?", true)
	w.fake.Dispatch("MESSAGE_CREATE", q)

	ans := w.fake.WaitMessage(t, "Reset your password")
	thread := q["id"].(string)
	if ans.Channel != thread {
		t.Fatalf("answer in channel %s, want the thread %s", ans.Channel, thread)
	}
	starts := w.fake.CallsTo("POST", `/channels/`+general+`/messages/`+thread+`/threads`)
	if len(starts) != 1 || starts[0].Status != 201 {
		t.Fatalf("thread starts = %+v", starts)
	}
	var ts struct {
		Name string `json:"name"`
	}
	starts[0].JSON(t, &ts)
	if ts.Name != "How do I reset my password?" {
		t.Errorf("thread name = %q", ts.Name)
	}
	if first := w.fake.Messages()[0]; first.Channel != thread {
		t.Errorf("first message (welcome) in %s, want the thread", first.Channel)
	}

	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(general, bob, "just chatting", false))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(thread, bob, "What is the Wi-Fi password?", false))
	wifi := w.fake.WaitMessage(t, "ExampleGuest")
	if wifi.Channel != thread {
		t.Errorf("follow-up answered in %s, want the thread %s", wifi.Channel, thread)
	}
	if n := len(w.simCalls("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want 1 (one KM session per thread)", n)
	}
	chats := w.simCalls("POST /v1/chat")
	if len(chats) != 2 || chats[0].Int("sessionId") != chats[1].Int("sessionId") {
		t.Errorf("chat calls = %+v, want two in one session", chats)
	}
	for _, c := range chats {
		if c.Str("queryContent") == "just chatting" {
			t.Errorf("a message without mention outside the thread was asked")
		}
	}
}

// Messages of bots (and of the bot itself) and system messages are ignored;
// in a configured channel every message is a question; servers outside
// guild_ids are ignored.
func TestWhoIsAnswered(t *testing.T) {
	const helpdesk, other = "600000000000000002", "700000000000000009"
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: helpdesk, Type: 0, GuildID: discordtest.GuildID})
	w.boot(t, options{dc: func(c *discordadapter.Config) {
		c.Channels = []string{helpdesk}
		c.GuildIDs = []string{discordtest.GuildID}
	}})
	botMsg := w.fake.Post(helpdesk, alice, "How do I reset my password?", true)
	botMsg["author"] = map[string]any{"id": "500000000000000999", "username": "otherbot", "bot": true}
	own := w.fake.DM(alice, "How do I reset my password?")
	own["author"] = map[string]any{"id": discordtest.BotID, "username": discordtest.BotName, "bot": true}
	pin := w.fake.Post(helpdesk, alice, "How do I reset my password?", true)
	pin["type"] = 6 // CHANNEL_PINNED_MESSAGE
	elsewhere := w.fake.Post(general, alice, "How do I reset my password?", true)
	elsewhere["guild_id"] = other
	for _, m := range []map[string]any{botMsg, own, pin, elsewhere} {
		w.fake.Dispatch("MESSAGE_CREATE", m)
	}
	q := w.fake.Post(helpdesk, bob, "What is the Wi-Fi password?", false)
	w.fake.Dispatch("MESSAGE_CREATE", q)
	ans := w.fake.WaitMessage(t, "ExampleGuest")
	if ans.Channel != q["id"] {
		t.Errorf("configured channel answered in %s, want a thread %s", ans.Channel, q["id"])
	}
	chats := w.simCalls("POST /v1/chat")
	if len(chats) != 1 {
		t.Errorf("KM chat calls = %d, want only the configured channel's question", len(chats))
	}
	if n := len(w.fake.CallsTo("PUT", `/applications/\d+/guilds/`+discordtest.GuildID+`/commands`)); n != 1 {
		t.Errorf("guild command registrations = %d", n)
	}
	if n := len(w.fake.CallsTo("PUT", `/applications/\d+/commands`)); n != 0 {
		t.Errorf("global command registrations = %d, want none with guild_ids", n)
	}
	// A command from another server (commands registered earlier, globally)
	// gets a note only its user sees.
	ix := w.fake.Slash(alice, general, other, "en-US", "ask", "question", "How do I reset my password?")
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	var cb discordtest.Call
	waitFor(t, "the note", func() bool {
		cbs := w.fake.CallsTo("POST", `/interactions/\d+/`+ix["token"].(string)+`/callback`)
		if len(cbs) == 1 {
			cb = cbs[0]
		}
		return len(cbs) == 1
	})
	var resp struct {
		Type int `json:"type"`
		Data struct {
			Content string `json:"content"`
			Flags   int    `json:"flags"`
		} `json:"data"`
	}
	cb.JSON(t, &resp)
	if resp.Type != 4 || resp.Data.Flags != 64 || !strings.Contains(resp.Data.Content, "don't answer questions in this server") {
		t.Errorf("note = %s", cb.Body)
	}
	if cb.Msg == nil {
		t.Errorf("the note was not validated as a message")
	}
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("KM chat calls = %d after a command from another server", n)
	}
}

// The same MESSAGE_CREATE delivered twice (a gateway replay) is answered once.
func TestDuplicateMessage(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	m := w.fake.DM(alice, "What is the Wi-Fi password?")
	w.fake.Dispatch("MESSAGE_CREATE", m)
	w.fake.Dispatch("MESSAGE_CREATE", m)
	w.fake.WaitMessage(t, "ExampleGuest")
	// A later question proves the duplicate, had it been queued, was handled.
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))
	w.fake.WaitMessage(t, "Reset your password")
	if n := len(w.simCalls("POST /v1/chat")); n != 2 {
		t.Errorf("KM chat calls = %d, want 2 (the duplicate dropped)", n)
	}
	if n := len(w.fake.MessagesWith("ExampleGuest")); n != 1 {
		t.Errorf("Wi-Fi answers = %d, want 1", n)
	}
}

// When the gateway connection drops, Run reconnects (resuming the session)
// and events flow again.
func TestGatewayReconnect(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.DropGateway()
	waitFor(t, "a second gateway connection", func() bool { return w.fake.ConnCount() == 2 })
	w.fake.WaitGateway(t)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "What is the Wi-Fi password?"))
	w.fake.WaitMessage(t, "ExampleGuest")
	if n := len(w.fake.Identifies()); n != 1 {
		t.Errorf("identified %d times, want 1 (the reconnect resumes)", n)
	}
}

// Refusals that retrying cannot fix end Run with an error saying what to
// change: the MESSAGE CONTENT intent not enabled (4014), a bad token (4004).
func TestGatewayRefusals(t *testing.T) {
	for _, c := range []struct {
		code int
		want string
	}{
		{4014, "MESSAGE CONTENT intent is not enabled"},
		{4004, "refused discord.token"},
	} {
		t.Run(strconv.Itoa(c.code), func(t *testing.T) {
			w := newWorld(t, nil)
			w.fake.CloseNextIdentify(c.code)
			r := w.run(t, bridgetest.NewHost(), options{})
			select {
			case err := <-r.done:
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("Run = %v, want %q", err, c.want)
				}
				if err != nil && strings.Contains(err.Error(), discordtest.Token) {
					t.Errorf("the token is in the error: %v", err)
				}
				r.done <- nil // for the cleanup
			case <-time.After(15 * time.Second):
				t.Fatal("Run did not return")
			}
		})
	}
}

// running is an adapter run by a test itself, on a Host of its choosing.
type running struct {
	ad     *discordadapter.Adapter
	host   bridge.Host
	done   chan error
	cancel context.CancelFunc
}

// run runs an adapter on host against the fake until the test ends (or
// stop); Run's error is read from done.
func (w *world) run(t testing.TB, host bridge.Host, o options) *running {
	t.Helper()
	log, logs := testlog.New()
	r := &running{ad: w.adapter(t, host, log, o), host: host, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { r.done <- r.ad.Run(ctx) }()
	t.Cleanup(func() {
		r.stop(t)
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	return r
}

// stop cancels the run and waits for it (once).
func (r *running) stop(t testing.TB) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Errorf("Run did not return within 15s of cancel")
	}
}

// Without the permission to start threads, a mention is answered in the
// channel, the first message replying to the question; nothing is lost.
func TestNoThreadPermission(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	w.fake.SetNoThreads(true)
	w.boot(t, options{})
	q := w.fake.Post(general, alice, "What is the Wi-Fi password?", true)
	w.fake.Dispatch("MESSAGE_CREATE", q)
	ans := w.fake.WaitMessage(t, "ExampleGuest")
	if ans.Channel != general {
		t.Errorf("answered in %s, want the channel %s", ans.Channel, general)
	}
	first := w.fake.Messages()[0]
	var body struct {
		Ref *struct {
			MessageID string `json:"message_id"`
		} `json:"message_reference"`
	}
	first.JSON(t, &body)
	if body.Ref == nil || body.Ref.MessageID != q["id"] {
		t.Errorf("first message does not reply to the question: %s", first.Body)
	}
	if n := len(w.fake.CallsTo("POST", `/channels/\d+/messages/\d+/threads`)); n != 1 {
		t.Errorf("thread starts tried %d times, want once", n)
	}
}

// A picture without text in a DM is delivered with its file (Discord's CDN
// link), so a hand-over can relay it; the robot does not ask KM about it. A
// picture mentioning the bot in a channel, which would open a conversation
// of its own, gets a note that only text is read.
func TestAttachmentOnly(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	host := bridgetest.NewHost()
	w.run(t, host, options{})
	w.fake.WaitGateway(t)
	const cdn = "https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&is=2&hm=3"
	m := w.fake.DM(alice, "")
	m["attachments"] = []any{map[string]any{"id": "1", "filename": "a.png", "url": cdn, "size": 2048, "content_type": "image/png"}}
	w.fake.Dispatch("MESSAGE_CREATE", m)
	got := host.WaitDeliveries(t, 1, 15*time.Second)[0]
	msg, ok := got.Event.(bridge.Message)
	if !ok || msg.Text != "" || len(msg.Files) != 1 {
		t.Fatalf("delivered %#v, want a Message with one file and no text", got.Event)
	}
	if f := msg.Files[0]; f.URL != cdn || f.Name != "a.png" || f.MIME != "image/png" || f.Size != 2048 {
		t.Errorf("file = %+v", f)
	}
	p := w.fake.Post(general, alice, "", true)
	p["attachments"] = m["attachments"]
	w.fake.Dispatch("MESSAGE_CREATE", p)
	w.fake.WaitMessage(t, "I can only read text")
	if n := len(host.Tries()); n != 1 {
		t.Errorf("%d deliveries, want only the DM's", n)
	}
}

// Through the whole bridge, a DM holding only a picture reaches no KM call.
func TestAttachmentOnlyNotAsked(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	m := w.fake.DM(alice, "")
	m["attachments"] = []any{map[string]any{"id": "1", "filename": "a.png", "url": "https://cdn.discordapp.com/attachments/1/2/a.png"}}
	w.fake.Dispatch("MESSAGE_CREATE", m)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "What is the Wi-Fi password?"))
	w.fake.WaitMessage(t, "ExampleGuest")
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("KM asked %d times, want only the text", n)
	}
}

// Cancelling Run while the gateway handshake hangs returns at once.
func TestStopDuringHandshake(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.HangHello()
	r := w.run(t, bridgetest.NewHost(), options{})
	waitFor(t, "the silent gateway connection", func() bool {
		n := 0
		n = w.fake.Hung()
		return n > 0
	})
	start := time.Now()
	r.stop(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stop took %s", d)
	}
}

// With km.streaming, the answer is posted and then edited as KM's stream
// grows; through a slash command, the edits go through its webhook.
func TestStreamingEdits(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{core: func(c *bridge.Config) { c.Streaming = true; c.EditInterval = time.Millisecond }})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))
	w.fake.WaitMessage(t, "Was this answer helpful?")
	if n := len(w.fake.CallsTo("PATCH", `/channels/`+discordtest.DMChannel(alice)+`/messages/\d+`)); n == 0 {
		t.Errorf("no streaming edits in the DM")
	}
	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", "How do I connect to the VPN?")
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	waitFor(t, "the second rating", func() bool { return len(w.fake.MessagesWith("Was this answer helpful?")) >= 2 })
	tok := ix["token"].(string)
	if n := len(w.fake.CallsTo("PATCH", `/webhooks/\d+/`+tok+`/messages/.+`)); n < 2 {
		t.Errorf("webhook edits = %d, want the replacement and streaming edits", n)
	}
	if n := len(w.fake.CallsTo("PATCH", `/channels/.*`)); n != len(w.fake.CallsTo("PATCH", `/channels/`+discordtest.DMChannel(alice)+`/messages/\d+`)) {
		t.Errorf("unexpected channel edits")
	}
}
