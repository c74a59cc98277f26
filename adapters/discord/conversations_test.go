package discordadapter_test

import (
	"context"
	"strings"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// bridge.channel_scope is honoured in the threads the bot starts: "thread"
// (one KM session for everyone in a thread, TestMentionThreadFollowUp),
// "user" (one per person in the thread) and "channel" (slash commands used in
// a channel share one conversation).
func TestChannelScope(t *testing.T) {
	t.Run("user", func(t *testing.T) {
		w := newWorld(t, nil)
		w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
		w.boot(t, options{dc: func(c *discordadapter.Config) { c.Scope = bridge.ScopeUser }})
		q := w.fake.Post(general, alice, questions[0].q, true)
		w.fake.Dispatch("MESSAGE_CREATE", q)
		w.fake.WaitMessage(t, questions[0].a)
		thread := q["id"].(string)
		w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(thread, bob, questions[1].q, false))
		if got := w.fake.WaitMessage(t, questions[1].a); got.Channel != thread {
			t.Errorf("bob answered in %s, want the thread %s", got.Channel, thread)
		}
		if n := len(w.simCalls("POST /v1/initClient")); n != 2 {
			t.Errorf("initClient calls = %d, want one KM session per person in the thread", n)
		}
	})
	t.Run("channel", func(t *testing.T) {
		w := newWorld(t, nil)
		w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
		w.boot(t, options{dc: func(c *discordadapter.Config) { c.Scope = bridge.ScopeChannel }})
		w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(alice, general, discordtest.GuildID, "en-US", "ask", "question", questions[0].q))
		w.fake.WaitMessage(t, questions[0].a)
		w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(bob, general, discordtest.GuildID, "en-US", "ask", "question", questions[1].q))
		w.fake.WaitMessage(t, questions[1].a)
		if n := len(w.simCalls("POST /v1/initClient")); n != 1 {
			t.Errorf("initClient calls = %d, want the channel's one KM session", n)
		}
	})
	t.Run("thread", func(t *testing.T) {
		w := newWorld(t, nil)
		w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
		w.boot(t, options{})
		w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(alice, general, discordtest.GuildID, "en-US", "ask", "question", questions[0].q))
		w.fake.WaitMessage(t, questions[0].a)
		w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(bob, general, discordtest.GuildID, "en-US", "ask", "question", questions[1].q))
		w.fake.WaitMessage(t, questions[1].a)
		if n := len(w.simCalls("POST /v1/initClient")); n != 2 {
			t.Errorf("initClient calls = %d, want one per user outside threads", n)
		}
	})
}

// A thread the bot did not start, in a channel that is not configured: once
// someone mentions the bot there, the bridge takes part (Host.Joined) and
// later messages need no mention; in another such thread nothing is taken.
func TestJoinedThreadNeedsNoMention(t *testing.T) {
	const thread, other = "600000000000000031", "600000000000000032"
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	for _, id := range []string{thread, other} {
		w.fake.AddChannel(discordtest.Channel{ID: id, Type: 11, GuildID: discordtest.GuildID, Parent: general, Owner: alice})
	}
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(other, bob, "just chatting", false))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(thread, alice, questions[0].q, true))
	if got := w.fake.WaitMessage(t, questions[0].a); got.Channel != thread {
		t.Errorf("answered in %s, want the thread", got.Channel)
	}
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(thread, bob, questions[1].q, false))
	if got := w.fake.WaitMessage(t, questions[1].a); got.Channel != thread {
		t.Errorf("follow-up answered in %s, want the thread", got.Channel)
	}
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(other, bob, questions[2].q, false))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(thread, alice, questions[3].q, false))
	w.fake.WaitMessage(t, questions[3].a)
	if n := len(w.fake.MessagesWith(questions[2].a)); n != 0 {
		t.Errorf("a thread the bridge is not in was answered")
	}
	if n := len(w.simCalls("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want the thread's one session", n)
	}
}

// StartThread (the hand-over's case card): the card is posted in the agents'
// channel and a thread is started from it; the key it returns is the one a
// person's message in that thread gets, so agents' replies there reach the
// case without a mention; sending to it lands in the thread; the card can be
// edited; the bot's own posts and webhooks there are never delivered. Without
// the permission to start threads the card stays and the key has no thread.
func TestStartThread(t *testing.T) {
	const agents = "600000000000000040"
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: agents, Type: 0, GuildID: discordtest.GuildID})
	host := bridgetest.NewHost()
	r := w.run(t, host, options{})
	w.fake.WaitGateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	in := bridge.ConvKey{Platform: "discord", Channel: agents} // as configured: no server id
	card := formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "Case 12: Alice needs help", Marks: formatting.Bold}}}}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "Claim", Token: "claim12"}, {Label: "Resolve", Token: "resolve12"}}},
	}}
	key, root, err := r.ad.StartThread(ctx, in, "Case 12 — Alice", card)
	if err != nil {
		t.Fatal(err)
	}
	want := bridge.ChannelKey(bridge.ScopeThread, "discord", discordtest.GuildID, agents, root.ID, "")
	if key != want || root.ID == "" || root.Key.Channel != agents || root.Key.Thread != "" {
		t.Fatalf("StartThread = %+v, %+v; want thread key %+v and the card in the channel", key, root, want)
	}
	starts := w.fake.CallsTo("POST", `/channels/`+agents+`/messages/`+root.ID+`/threads`)
	if len(starts) != 1 || !strings.Contains(string(starts[0].Body), `"name":"Case 12 — Alice"`) {
		t.Fatalf("thread starts = %v", starts)
	}
	if _, err := r.ad.Send(ctx, key, formatting.Plain("User: my password fails")); err != nil {
		t.Fatal(err)
	}
	if got := w.fake.WaitMessage(t, "my password fails"); got.Channel != root.ID {
		t.Errorf("a message to the case went to %s, want the thread %s", got.Channel, root.ID)
	}
	edited := card
	edited.Blocks = append([]formatting.Block{formatting.Plain("Claimed by Mia").Blocks[0]}, card.Blocks...)
	if err := r.ad.Edit(ctx, root, edited); err != nil {
		t.Fatal(err)
	}
	if got := w.fake.WaitMessage(t, "Claimed by Mia"); got.Method != "PATCH" || got.Ref != root.ID {
		t.Errorf("the card edit went by %s to %s", got.Method, got.Ref)
	}

	own := w.fake.Post(root.ID, bob, "relayed by the bridge", false)
	own["author"] = map[string]any{"id": discordtest.BotID, "username": discordtest.BotName, "bot": true}
	hook := w.fake.Post(root.ID, bob, "a webhook", false)
	hook["webhook_id"] = "900000000000000009"
	w.fake.Dispatch("MESSAGE_CREATE", own)
	w.fake.Dispatch("MESSAGE_CREATE", hook)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(root.ID, bob, "Try **resetting** it [here](https://help.example.com)", false))
	got := host.WaitDeliveries(t, 1, 15*time.Second)
	m, ok := got[0].Event.(bridge.Message)
	if !ok || m.Key != key || m.User.Name != "Nick102" || m.Text != "Try **resetting** it [here](https://help.example.com)" {
		t.Fatalf("the agent's reply was delivered as %#v, want a Message in %+v", got[0].Event, key)
	}
	if d := formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: m.Rich}}}); !strings.Contains(d, `"resetting" [bold]`) || !strings.Contains(d, "https://help.example.com") {
		t.Errorf("the reply's formatting is lost:\n%s", d)
	}
	if n := len(host.Tries()); n != 1 {
		t.Errorf("%d deliveries: the bot's own post or a webhook was delivered", n)
	}

	w.fake.SetNoThreads(true)
	key, root, err = r.ad.StartThread(ctx, in, "Case 13", card)
	if err != nil || key.Thread != "" || key.Channel != agents || root.ID == "" {
		t.Errorf("without thread permission: %+v, %+v, %v; want the card posted and no thread", key, root, err)
	}
}

// A message's text goes to KM as written (mentions as names); its Discord
// markdown is parsed into Rich, its attachments are Files with Discord's CDN
// links, and a reply names the message it replies to.
func TestMessageRichFilesReply(t *testing.T) {
	w := newWorld(t, nil)
	host := bridgetest.NewHost()
	w.run(t, host, options{})
	w.fake.WaitGateway(t)
	m := w.fake.DM(alice, "**Help** with <@500000000000000102>'s _printer_, see `err 42`")
	m["mentions"] = []any{discordtest.Person(bob)}
	m["attachments"] = []any{map[string]any{"id": "1", "filename": "scan.pdf", "url": "https://cdn.discordapp.com/attachments/1/2/scan.pdf?ex=a&is=b&hm=c", "size": 99, "content_type": "application/pdf"}}
	m["message_reference"] = map[string]any{"message_id": "1100000000000000077", "channel_id": discordtest.DMChannel(alice)}
	w.fake.Dispatch("MESSAGE_CREATE", m)
	got := host.WaitDeliveries(t, 1, 15*time.Second)[0]
	msg := got.Event.(bridge.Message)
	if msg.Text != "**Help** with @User 102's _printer_, see `err 42`" {
		t.Errorf("Text = %q", msg.Text)
	}
	d := formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: msg.Rich}}})
	for _, want := range []string{`"Help" [bold]`, `" with @User 102's "`, `"printer" [italic]`, `"err 42" [code]`} {
		if !strings.Contains(d, want) {
			t.Errorf("Rich lacks %s:\n%s", want, d)
		}
	}
	if len(msg.Files) != 1 || msg.Files[0].Name != "scan.pdf" || !strings.HasPrefix(msg.Files[0].URL, "https://cdn.discordapp.com/") {
		t.Errorf("Files = %+v", msg.Files)
	}
	if msg.ReplyTo != "1100000000000000077" || msg.ID != m["id"] || got.ID != m["id"] {
		t.Errorf("ReplyTo %q, ID %q, delivery %q", msg.ReplyTo, msg.ID, got.ID)
	}
}
