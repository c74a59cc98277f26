package discordadapter_test

// The hand-over end to end on Discord, users and agents alike: the real core
// and desk (package escalation), the KM simulator over HTTP, this adapter
// through discordgo against the fake Discord.

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const agentsChannel = "600000000000000070"

// deskWorld runs the core with the hand-over desk, agents in agentsChannel,
// and the adapter on it.
func deskWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: agentsChannel, Type: 0, GuildID: discordtest.GuildID})
	kmTr := &http.Transport{}
	t.Cleanup(kmTr.CloseIdleConnections)
	km, err := kmclient.New(kmclient.Config{BaseURL: w.e2e.KMURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: kmTr}})
	if err != nil {
		t.Fatal(err)
	}
	store, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testlog.New()
	desk, err := escalation.NewDesk(escalation.Options{
		Agents: bridge.ConvKey{Platform: "discord", Channel: agentsChannel}, Store: store, KM: km, Catalog: cat,
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, Backoff: time.Millisecond, Logger: log.With("c", "desk"),
	})
	if err != nil {
		t.Fatal(err)
	}
	core, err := bridge.New(bridge.Config{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour},
		bridge.Deps{KM: km, Store: store, Catalog: cat, Escalator: desk, Logger: log.With("c", "core")})
	if err != nil {
		t.Fatal(err)
	}
	desk.Bind(core.Outbox())
	ad := w.adapter(t, core, log.With("c", "discord"), options{opts: []discordadapter.Option{option.Catalog(cat)}})
	core.Register(ad)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ad.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer scancel()
		if err := core.Shutdown(sctx); err != nil {
			t.Errorf("core.Shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	w.fake.WaitGateway(t)
	return w
}

// waitIn waits for a message in channel showing s and returns the last one.
func (w *world) waitIn(t *testing.T, channel, s string) discordtest.Call {
	t.Helper()
	var got discordtest.Call
	waitFor(t, "“"+s+"” in "+channel, func() bool {
		for _, c := range w.fake.MessagesWith(s) {
			if c.Channel == channel {
				got = c
			}
		}
		return got.Ref != ""
	})
	return got
}

// countIn counts the messages created in channel showing s.
func (w *world) countIn(channel, s string) int {
	n := 0
	for _, c := range w.fake.MessagesWith(s) {
		if c.Channel == channel && c.Method == "POST" {
			n++
		}
	}
	return n
}

// A Discord user hands over to agents in a Discord channel: the card starts
// a thread, the user's words land in it (not at KM), an agent's reply there,
// without a mention, reaches the user with the agent's name and formatting,
// the bridge's own posts coming back over the gateway are not relayed again,
// and Claim redraws the card and tells the user; the redrawn card's next
// button works at once.
func TestHandoverDiscordToDiscord(t *testing.T) {
	w := deskWorld(t)
	dm := discordtest.DMChannel(alice)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))
	w.waitIn(t, dm, "Reset your password")
	w.fake.Dispatch("INTERACTION_CREATE", w.fake.Slash(alice, dm, "", "en-US", "human"))

	card := w.waitIn(t, agentsChannel, "User 101")
	waitFor(t, "the case thread", func() bool {
		return len(w.fake.CallsTo("POST", `/channels/`+agentsChannel+`/messages/`+card.Ref+`/threads`)) == 1
	})
	thread := card.Ref // Discord names a thread after the message it starts from

	chats := len(w.simCalls("POST /v1/chat"))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "Still locked out"))
	relayed := w.waitIn(t, thread, "Still locked out")
	if n := len(w.simCalls("POST /v1/chat")); n != chats {
		t.Errorf("KM got %d chat calls for a handed-over message", n-chats)
	}
	echo := w.fake.Post(thread, bob, relayed.Msg.Content, false) // the gateway tells the bot of its own post
	echo["author"] = map[string]any{"id": discordtest.BotID, "username": discordtest.BotName, "bot": true}
	w.fake.Dispatch("MESSAGE_CREATE", echo)

	w.fake.Dispatch("MESSAGE_CREATE", w.fake.Post(thread, bob, "Use the **new** [portal](https://portal.example.com)", false))
	got := w.waitIn(t, dm, "portal")
	if !strings.Contains(got.Msg.Content, "Nick102") || !strings.Contains(got.Msg.Content, "**new**") ||
		!strings.Contains(got.Msg.Content, "(https://portal.example.com)") {
		t.Errorf("the agent's reply reached the user as %q: name or formatting lost", got.Msg.Content)
	}

	card = w.waitIn(t, agentsChannel, "User 101")
	claim := w.fake.Press(bob, discordtest.GuildID, card, discordtest.ButtonID(t, card, "Claim"))
	w.fake.Dispatch("INTERACTION_CREATE", claim)
	w.waitIn(t, dm, "Nick102")
	waitFor(t, "the card redrawn", func() bool { return strings.Contains(w.fake.MessageText(card.Ref), "Nick102") })
	card = w.waitIn(t, agentsChannel, "User 101")
	w.fake.Dispatch("INTERACTION_CREATE", w.fake.Press(bob, discordtest.GuildID, card, discordtest.ButtonID(t, card, "Resolve")))
	waitFor(t, "the card resolved", func() bool { return strings.Contains(w.fake.MessageText(card.Ref), "Resolved") })

	if n := w.countIn(thread, "Still locked out"); n != 1 {
		t.Errorf("the user's message is in the case thread %d times", n)
	}
	if n := w.countIn(dm, "portal"); n != 1 {
		t.Errorf("the agent's reply reached the user %d times", n)
	}
}
