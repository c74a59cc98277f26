package discordadapter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

func TestMessageText(t *testing.T) {
	const bot = "42"
	m := &discordgo.Message{
		Content:  "<@42> hi <@!42> ask <@7> about <@8>",
		Mentions: []*discordgo.User{{ID: "42"}, {ID: "7", Username: "bob", GlobalName: "Bob B"}, {ID: "8", Username: "eve"}},
	}
	if got := messageText(m, bot); got != "hi   ask @Bob B about @eve" {
		t.Errorf("messageText = %q", got)
	}
	if !mentions(m, bot) || mentions(m, "9") || mentions(m, "") {
		t.Error("mentions wrong")
	}
}

func TestThreadName(t *testing.T) {
	a, err := New(Config{Token: "t", ApplicationID: "1"}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	u := bridge.UserInfo{ID: "5", Name: "Alice"}
	for in, want := range map[string]string{
		"How do I reset my password?\nthanks": "How do I reset my password?",
		"   spaced    words ":                 "spaced words",
		"":                                    "Question from Alice",
		strings.Repeat("long ", 40):           strings.Repeat("long ", 17) + "long…",
	} {
		if got := a.in.threadName(in, u); got != want {
			t.Errorf("threadName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := a.in.threadName("", bridge.UserInfo{ID: "5", Locale: "ja"}); got != "5 さんの質問" {
		t.Errorf("Japanese thread name = %q", got)
	}
}

func TestScrub(t *testing.T) {
	s := `Post "https://discord.com/api/v9/webhooks/123/aW50ZXJhY3Rpb24.tok-en?wait=true": EOF; ` +
		`/interactions/456/another_token/callback; Bot sekrit`
	got := scrub(s, "sekrit")
	for _, leak := range []string{"aW50ZXJhY3Rpb24", "another_token", "sekrit"} {
		if strings.Contains(got, leak) {
			t.Errorf("scrub left %q in %q", leak, got)
		}
	}
	if !strings.Contains(got, "/webhooks/123/[token]?wait=true") {
		t.Errorf("scrub = %q", got)
	}
}

// fuzzAdapter is an adapter whose REST calls fail at once (nothing listens).
func fuzzAdapter(t testing.TB, host bridge.Host) *Adapter {
	a, err := New(Config{Token: "t", ApplicationID: "1", APIURL: "http://127.0.0.1:1/api/v9/", LookupTimeout: 50 * time.Millisecond}, host)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// FuzzInteraction: any interaction body decodes to an error or to a bridge
// event (or none) without panicking, and events name a Discord conversation.
func FuzzInteraction(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","type":1}`,
		`{"id":"2","type":2,"channel_id":"5","user":{"id":"9"},"data":{"name":"ask","options":[{"name":"question","type":3,"value":"hi"}]}}`,
		`{"id":"3","type":2,"channel_id":"5","user":{"id":"9"},"data":{"name":"ask","options":[{"name":"question","type":3,"value":"kmb:hint:abc"}]}}`,
		`{"id":"4","type":3,"channel_id":"5","user":{"id":"9"},"message":{"id":"7","components":[{"type":1,"components":[{"type":2,"custom_id":"tok","label":"x"}]}]},"data":{"custom_id":"kmb:select","component_type":3,"values":["tok~2"]}}`,
		`{"id":"5","type":4,"channel_id":"5","user":{"id":"9"},"data":{"name":"ask","options":[{"name":"question","type":3,"value":"pa","focused":true}]}}`,
		`{"id":"6","type":3,"data":{"custom_id":"kmb:noop"}}`,
		`{"id":"7","type":2,"data":{"name":"faq","options":[{"name":"question","value":12}]}}`,
		`{"type":9}`, `[]`, `{"data":null,"type":3}`,
	} {
		f.Add([]byte(s))
	}
	host := bridgetest.NewHost()
	a := fuzzAdapter(f, host)
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, err := decodeInteraction(raw)
		if err != nil {
			return
		}
		if in.Type == discordgo.InteractionApplicationCommandAutocomplete {
			b, err := json.Marshal(a.in.autocomplete(context.Background(), in))
			if err != nil || !strings.HasPrefix(string(b), `{"type":8,"data":{"choices":[`) {
				t.Fatalf("autocomplete response %s, %v", b, err)
			}
			return
		}
		before := len(host.Tries())
		r := a.in.interaction(context.Background(), in)
		if !r.none {
			if _, err := json.Marshal(r.resp); err != nil {
				t.Fatalf("response does not encode: %v", err)
			}
			if r.acked != nil {
				r.acked(nil)
			}
		}
		for _, d := range host.Tries()[before:] {
			if d.ID != in.ID {
				t.Fatalf("delivery id %q, want the interaction's %q", d.ID, in.ID)
			}
			if k := d.Event.Conv(); k.Platform != Platform || (k.Channel == "" && k.Thread == "" && in.ChannelID != "") {
				t.Fatalf("event in %+v", k)
			}
		}
	})
}

// FuzzMessage: any MESSAGE_CREATE decodes and is classified without panicking.
func FuzzMessage(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","channel_id":"2","author":{"id":"3"},"content":"hi","type":0}`,
		`{"id":"1","channel_id":"2","guild_id":"4","author":{"id":"3"},"content":"<@42> hi","mentions":[{"id":"42"}],"type":0}`,
		`{"id":"1","channel_id":"2","author":{"id":"3"},"content":"","attachments":[{"id":"5"}],"type":19}`,
		`{"id":"1","channel_id":"2","author":null,"content":"x"}`,
	} {
		f.Add([]byte(s))
	}
	a := fuzzAdapter(f, bridgetest.NewHost())
	id := "42"
	a.gw.botID.Store(&id)
	f.Fuzz(func(t *testing.T, raw []byte) {
		var m discordgo.Message
		if json.Unmarshal(raw, &m) != nil {
			return
		}
		in, ok := a.in.inbound(context.Background(), &m)
		if !ok {
			return
		}
		if in.key.Platform != Platform || (in.ev == nil && in.note == "") {
			t.Fatalf("inbound = %+v", in)
		}
	})
}

// A thread the adapter started before READY told it the bot's own id (a
// hand-over card posted at start-up) is still its own: people's messages
// there are taken without a mention.
func TestThreadStartedBeforeReadyIsOurs(t *testing.T) {
	host := bridgetest.NewHost()
	a := fuzzAdapter(t, host)
	a.chans.info.Put("77", chanInfo{guild: "5", thread: true, parent: "6", mine: true})
	m := &discordgo.Message{ID: "100", ChannelID: "77", GuildID: "5", Content: "hello", Author: &discordgo.User{ID: "9"}}
	in, ok := a.in.inbound(context.Background(), m)
	if !ok || in.key != bridge.ChannelKey(bridge.ScopeThread, Platform, "5", "6", "77", "") {
		t.Fatalf("inbound = %+v, %v; want the thread's conversation", in, ok)
	}
	a.chans.info.Put("78", chanInfo{guild: "5", thread: true, parent: "6", owner: "someone"})
	m.ChannelID = "78"
	if _, ok := a.in.inbound(context.Background(), m); ok {
		t.Error("a message in someone else's thread, not joined, was taken")
	}
}
