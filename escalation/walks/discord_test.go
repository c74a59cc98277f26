package walks_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
)

// The Discord agents of the walks: discordtest names them by their last
// three digits (the member's nick is "Nick" and those digits).
const (
	agentLee = "100000000000000201" // Nick201
	agentMo  = "100000000000000202" // Nick202
)

// dcCase1 is "Case #1" in Discord markdown, where a # could start a heading.
const dcCase1 = `Case \#1`

// userSide is the user of a walk on their own platform.
type userSide interface {
	// name is the user's name as the agents see it; rater as the thread
	// names them when they rate.
	name() string
	rater() string
	// say is a message the user writes.
	say(t *testing.T, text string)
	// human is the user asking for a person (/human).
	human(t *testing.T)
	// wait waits for the bot's message showing s (as the platform received
	// it) and returns that text.
	wait(t *testing.T, s string) string
	// count counts the bot's messages to the user showing s.
	count(s string) int
	// click clicks the button labelled label on the bot's latest message
	// showing s.
	click(t *testing.T, s, label string)
	// secrets are what must never reach the agents' platform (a web
	// cookie).
	secrets() []string
}

// tgUser is a Telegram user in a private chat with the bot.
type tgUser struct {
	w    *world
	id   int64
	nick string
}

func (u tgUser) name() string                  { return u.nick }
func (u tgUser) rater() string                 { return u.nick }
func (u tgUser) say(t *testing.T, text string) { u.w.tgSay(u.id, u.nick, text) }
func (u tgUser) human(t *testing.T)            { u.w.tgSay(u.id, u.nick, "/human") }
func (u tgUser) count(s string) int            { return u.w.tgCount(u.id, s) }
func (u tgUser) secrets() []string             { return nil }
func (u tgUser) wait(t *testing.T, s string) string {
	t.Helper()
	return u.w.tgWait(t, u.id, s).Params.Get("text")
}
func (u tgUser) click(t *testing.T, s, label string) {
	t.Helper()
	u.w.tgClick(t, u.id, u.nick, u.w.tgWait(t, u.id, s), label)
}

// dcCard waits for the latest state of the bot's message showing s in
// channel: what an agent clicks on.
func (w *world) dcLatest(t *testing.T, channel, s string) discordtest.Call {
	t.Helper()
	return w.dcWait(t, channel, s)
}

// dcPress is an agent's click on the button labelled label of message m.
func (w *world) dcPress(t *testing.T, agent string, m discordtest.Call, label string) {
	t.Helper()
	w.dc.Dispatch("INTERACTION_CREATE", w.dc.Press(agent, discordtest.GuildID, m, discordtest.ButtonID(t, m, label)))
}

// dcSay is an agent's message in channel (a thread), without a mention.
func (w *world) dcSay(agent, channel, text string) {
	w.dc.Dispatch("MESSAGE_CREATE", w.dc.Post(channel, agent, text, false))
}

// discordWalk is the walk with agents in Discord: the card starts a thread,
// the relay both ways (Discord markdown → the user's platform), notes,
// echoes, the suggestion and its button, Claim, Resolve, the rating, KM
// again, Save as FAQ. check tells whether the user got the agent's
// formatting.
func discordWalk(t *testing.T, w *world, u userSide, formatted func(text string) bool) {
	u.say(t, "I lost my password for the portal")
	u.wait(t, "Reset your password")
	u.human(t)
	u.wait(t, en.T("bridge.escalating"))

	// The card, and the thread started from it (Discord names a thread after
	// the message it starts from).
	card := w.dcWait(t, discordAgents, dcCase1)
	eventually(t, "the case's thread", func() bool {
		return len(w.dc.CallsTo("POST", `/channels/`+discordAgents+`/messages/`+card.Ref+`/threads`)) == 1
	})
	thread := card.Ref
	if txt := card.Text(); !contains(txt, u.name()) {
		t.Errorf("the card does not say who the user is:\n%s", txt)
	}
	w.dcWait(t, thread, "I lost my password for the portal") // the conversation so far, the card's second part

	// The user's message in the thread, KM not asked; mentions never ping.
	chats := w.calls(chatRoute)
	u.say(t, "I am still locked out, the reset code never arrives @everyone")
	relayed := w.dcWait(t, thread, "still locked out")
	sugg := w.dcWait(t, thread, en.T("escalation.suggestion"))
	if n := w.calls(chatRoute) - chats; n != 0 {
		t.Errorf("KM got %d chat calls for a handed-over message", n)
	}
	for _, m := range []discordtest.Call{card, relayed, sugg} {
		var am struct {
			AllowedMentions *struct {
				Parse []string `json:"parse"`
			} `json:"allowed_mentions"`
		}
		_ = json.Unmarshal(m.Body, &am)
		if am.AllowedMentions == nil || len(am.AllowedMentions.Parse) != 0 {
			t.Errorf("a message to the agents may ping: %s", m.Body)
		}
	}
	echo := w.dc.Post(thread, agentLee, relayed.Msg.Content, false) // the gateway tells the bot of its own post
	echo["author"] = map[string]any{"id": discordtest.BotID, "username": discordtest.BotName, "bot": true}
	w.dc.Dispatch("MESSAGE_CREATE", echo)

	// An agent's reply: name and formatting reach the user; a note does not.
	w.dcSay(agentLee, thread, "// she has tried twice already")
	w.dcSay(agentLee, thread, "Check your **spam folder**, or use [the SMS option](https://id.example.com/sms)")
	if got := u.wait(t, "spam folder"); !strings.Contains(got, "Nick201") || !formatted(got) {
		t.Errorf("the agent's reply reached the user as %q: name or formatting lost", got)
	}
	quiet()
	if n := u.count("tried twice"); n != 0 {
		t.Errorf("the internal note reached the user %d times", n)
	}
	if n := u.count("still locked out"); n != 0 {
		t.Errorf("the bridge's own post was relayed back to the user %d times", n)
	}
	if n := w.dcCount(thread, "still locked out"); n != 1 {
		t.Errorf("the user's message is in the thread %d times", n)
	}

	// Send this answer; Claim; Resolve.
	w.dcPress(t, agentMo, sugg, en.T("escalation.button_send_answer"))
	u.wait(t, "id.example.com/reset")
	w.dcWait(t, thread, en.T("escalation.answer_sent", "Nick202"))
	w.dcPress(t, agentLee, w.dcLatest(t, discordAgents, dcCase1), en.T("escalation.button_claim"))
	u.wait(t, en.T("escalation.user_claimed", "Nick201"))
	eventually(t, "the card claimed", func() bool { return strings.Contains(w.dc.MessageText(card.Ref), "Claimed by Nick201") })
	w.dcPress(t, agentLee, w.dcLatest(t, discordAgents, "Claimed by Nick201"), en.T("escalation.button_resolve"))
	eventually(t, "the card resolved", func() bool { return strings.Contains(w.dc.MessageText(card.Ref), "Resolved by Nick201") })

	// The rating reaches KM and the thread; KM answers again.
	u.click(t, en.T("escalation.rate_prompt"), en.T("escalation.rate_neutral"))
	w.dcWait(t, thread, en.T("escalation.rated", u.rater(), en.T("escalation.rate_neutral")))
	if s := w.Sim.CallsTo(surveyRoute); len(s) != 1 || s[0].Int("sessionSurveyOptionId") != kmclient.SessionNeutral || s[0].Code != 200 {
		t.Errorf("KM's surveySession calls: %+v", s)
	}
	chats = w.calls(chatRoute)
	u.say(t, "What is the Wi-Fi password?")
	u.wait(t, "ExampleGuest")
	if n := w.calls(chatRoute) - chats; n != 1 {
		t.Errorf("KM was asked %d times for the question after the case, want 1", n)
	}

	// Save as FAQ.
	w.dcPress(t, agentLee, w.dcLatest(t, discordAgents, "Resolved by Nick201"), en.T("escalation.button_save_faq"))
	w.dcWait(t, thread, "📚")
	if qs := w.Sim.CallsTo(questionsRoute); len(qs) != 1 || qs[0].Code != 200 || qs[0].Str("content") != "I lost my password for the portal" {
		t.Errorf("POST /v1/questions: %+v", qs)
	}
	w.noSecrets(t, u.secrets()...)
}

// A Telegram user with Discord agents: Discord markdown → Telegram HTML.
func TestWalkTelegramUserDiscordAgents(t *testing.T) {
	w := newWorld(t, false)
	w.boot(t, options{agents: bridge.ConvKey{Platform: "discord", Channel: discordAgents}, discord: true, telegram: true})
	discordWalk(t, w, tgUser{w: w, id: hanako, nick: "Hanako"}, func(html string) bool {
		return contains(html, "<b>spam folder</b>", `<a href="https://id.example.com/sms">the SMS option</a>`)
	})
}
