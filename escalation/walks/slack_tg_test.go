package walks_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
)

// The Slack user and the Telegram agents of the walk.
const (
	slackUser = "UHANAKO"
	slackDM   = "DHANAKO"
	bob       = int64(4901)
	carol     = int64(4902)
)

// tgAgentsCase is how an agent writes in a case on Telegram: in the case's
// forum topic, or replying to a message of its reply chain.
type tgAgentsCase struct {
	w     *world
	topic string            // the forum topic's id; "" in a reply chain
	reply telegramtest.Call // the bot's message agents reply to (reply chain)
}

// say is an agent's message in the case; extra fields join the message
// (entities).
func (c tgAgentsCase) say(t testing.TB, from int64, name, text string, extra map[string]any) {
	e := map[string]any{}
	if c.topic != "" {
		n, _ := strconv.Atoi(c.topic)
		e["message_thread_id"], e["is_topic_message"] = n, true
	} else {
		// The desk records a post's id once the platform has answered the
		// post; an agent replying faster than that is not a person.
		id := strconv.Itoa(c.reply.MsgID)
		eventually(t, "the desk recorded message "+id, func() bool {
			_, ok, err := c.w.backend.CaseOfMessage(ctx(), bridge.ConvKey{Platform: "telegram", Channel: itoa(tgAgents)}, id)
			return err == nil && ok
		})
		e["reply_to_message"] = c.w.tg.BotMessage(t, c.reply)
	}
	for k, v := range extra {
		e[k] = v
	}
	c.w.tg.Push(telegramtest.Message(telegramtest.GroupChat(tgAgents), tgPerson(from, name), text, e))
}

// tgClick is a person's press of the button labelled label on the bot's
// message c.
func (w *world) tgClick(t testing.TB, from int64, name string, c telegramtest.Call, label string) {
	t.Helper()
	c = w.tgNow(c)
	data := telegramtest.CallbackData(t, c, label)
	w.tg.Push(map[string]any{"callback_query": map[string]any{
		"id": "cb-" + strconv.Itoa(telegramtest.NewMessageID()), "from": tgPerson(from, name), "chat_instance": "ci", "data": data,
		"message": w.tg.BotMessage(t, c),
	}})
}

// tgNow is the bot's message sent by c with its buttons as they are now
// (edits applied): what a person clicks on.
func (w *world) tgNow(c telegramtest.Call) telegramtest.Call {
	m, ok := w.tg.Message(c.Int("chat_id"), c.MsgID)
	if !ok {
		return c
	}
	now := c
	now.Params = url.Values{}
	for k, v := range c.Params {
		now.Params[k] = v
	}
	now.Params.Set("reply_markup", m.Markup)
	return now
}

// tgCardShows waits until the card (as Telegram holds it, edits applied)
// shows s.
func (w *world) tgCardShows(t testing.TB, card telegramtest.Call, s string) {
	t.Helper()
	eventually(t, "the card showing "+s, func() bool { return strings.Contains(w.tgText(card), s) })
}

// A Slack user hands over to agents in a Telegram forum: a topic per case.
// The same walk as the Telegram user's with Slack agents, the other way:
// Telegram entities → Slack mrkdwn.
func TestWalkSlackUserTelegramForum(t *testing.T) {
	w := newWorld(t, false)
	w.tg.SetForum(tgAgents, true)
	p := w.boot(t, options{agents: bridge.ConvKey{Platform: "telegram", Channel: itoa(tgAgents)}, slack: true, telegram: true})
	w.slackUser(slackUser, "Hanako", "en-US")

	p.slackEvent(t, slacktest.IMMessage(slackDM, slackUser, "I lost my password for the portal"))
	w.slackWait(t, slackDM, "", "Reset your password")
	p.slackCommand(t, slackDM, slackUser, "human")
	w.slackWait(t, slackDM, "", en.T("bridge.escalating"))

	// The card opens a forum topic of its own.
	card := w.tgWait(t, tgAgents, "Case #1")
	topic := card.Params.Get("message_thread_id")
	topics := w.tg.CallsTo("createForumTopic")
	if topic == "" || len(topics) != 1 || !strings.Contains(topics[0].Params.Get("name"), "#1") {
		t.Fatalf("the card went to %v (topics %d), want a topic named after the case", card.Params, len(topics))
	}
	if html := w.tgText(card); !strings.Contains(html, "Hanako") || !strings.Contains(html, "Slack") {
		t.Errorf("the card does not say who and where the user is: %q", html)
	}
	cs := tgAgentsCase{w: w, topic: topic}

	// The user's next message lands in the topic; KM is not asked.
	chats := w.calls(chatRoute)
	p.slackEvent(t, slacktest.IMMessage(slackDM, slackUser, "I am still locked out, the reset code never arrives"))
	relayed := w.tgWait(t, tgAgents, "Hanako:</b> I am still locked out")
	sugg := w.tgWait(t, tgAgents, en.T("escalation.suggestion"))
	for _, m := range []telegramtest.Call{relayed, sugg} {
		if m.Params.Get("message_thread_id") != topic {
			t.Errorf("%q left the case's topic: %v", m.Params.Get("text"), m.Params)
		}
	}
	if n := w.calls(chatRoute) - chats; n != 0 {
		t.Errorf("KM got %d chat calls for a handed-over message", n)
	}

	// An agent's reply in the topic, no mention: the user gets it with the
	// agent's name and formatting. The bot's own message (were Telegram to
	// send it) and a // note are not relayed.
	bot := telegramtest.Message(telegramtest.GroupChat(tgAgents), map[string]any{"id": telegramtest.BotID, "is_bot": true, "first_name": "Helpdesk", "username": telegramtest.BotName},
		relayed.Params.Get("text"), map[string]any{"message_thread_id": mustAtoi(topic), "is_topic_message": true})
	w.tg.Push(bot)
	cs.say(t, bob, "Bob", "// she has tried twice already", nil)
	cs.say(t, bob, "Bob", "Please check your spam folder, or use the SMS option.", map[string]any{"entities": []map[string]any{
		{"type": "bold", "offset": 18, "length": 11},
		{"type": "text_link", "offset": 38, "length": 14, "url": "https://id.example.com/sms"},
	}})
	got := w.slackWait(t, slackDM, "", "spam folder")
	if txt := slacktest.Text(got); !strings.Contains(txt, "Bob") || !strings.Contains(txt, "*spam folder*") ||
		!strings.Contains(txt, "<https://id.example.com/sms|the SMS option>") {
		t.Errorf("the agent's reply reached the user as %q: name or formatting lost", txt)
	}
	quiet()
	if n := w.slackCount(slackDM, "tried twice"); n != 0 {
		t.Errorf("the internal note reached the user %d times", n)
	}
	if n := w.slackCount(slackDM, "still locked out"); n != 0 {
		t.Errorf("the bot's own message in the topic was relayed to the user %d times", n)
	}
	if n := w.tgCount(tgAgents, "I am still locked out"); n != 1 {
		t.Errorf("the user's message is in the agents' chat %d times", n)
	}

	// Send this answer, Claim, Resolve.
	w.tgClick(t, carol, "Carol", sugg, en.T("escalation.button_send_answer"))
	w.slackWait(t, slackDM, "", "id.example.com/reset|id.example.com/reset")
	w.tgWait(t, tgAgents, en.T("escalation.answer_sent", "Carol"))
	w.tgClick(t, bob, "Bob", card, en.T("escalation.button_claim"))
	w.slackWait(t, slackDM, "", en.T("escalation.user_claimed", "Bob"))
	w.tgCardShows(t, card, "Claimed by Bob")
	w.tgClick(t, bob, "Bob", card, en.T("escalation.button_resolve"))
	w.tgCardShows(t, card, "Resolved by Bob")
	rating := w.slackWait(t, slackDM, "", en.T("escalation.rate_prompt"))

	// The rating, KM's answers again, Save as FAQ.
	p.slackClick(t, slackUser, rating, en.T("escalation.rate_unsatisfied"))
	w.tgWait(t, tgAgents, en.T("escalation.rated", "Hanako", en.T("escalation.rate_unsatisfied")))
	if s := w.Sim.CallsTo(surveyRoute); len(s) != 1 || s[0].Int("sessionSurveyOptionId") != kmclient.SessionUnsatisfied {
		t.Errorf("KM's surveySession calls: %+v", s)
	}
	chats = w.calls(chatRoute)
	p.slackEvent(t, slacktest.IMMessage(slackDM, slackUser, "What is the Wi-Fi password?"))
	w.slackWait(t, slackDM, "", "ExampleGuest")
	if w.calls(chatRoute) != chats+1 {
		t.Errorf("KM was asked %d times for the question after the case, want 1", w.calls(chatRoute)-chats)
	}
	w.tgClick(t, bob, "Bob", card, en.T("escalation.button_save_faq"))
	w.tgWait(t, tgAgents, "📚")
	if qs := w.Sim.CallsTo(questionsRoute); len(qs) != 1 || qs[0].Code != 200 || qs[0].Str("content") != "I lost my password for the portal" {
		t.Errorf("POST /v1/questions: %+v", qs)
	}
	w.noSecrets(t)
}

// Agents in a Telegram group without topics: the case is the reply chain
// under the card; an agent replying to the relayed message (or to the card)
// reaches the user; Back to the robot ends the case.
func TestWalkSlackUserTelegramReplyChain(t *testing.T) {
	w := newWorld(t, false)
	p := w.boot(t, options{agents: bridge.ConvKey{Platform: "telegram", Channel: itoa(tgAgents)}, slack: true, telegram: true})
	w.slackUser(slackUser, "Hanako", "en-US")

	p.slackCommand(t, slackDM, slackUser, "human")
	card := w.tgWait(t, tgAgents, "Case #1")
	if card.Params.Get("message_thread_id") != "" || len(w.tg.CallsTo("createForumTopic")) != 0 {
		t.Fatalf("a topic in a group without topics: %v", card.Params)
	}
	p.slackEvent(t, slacktest.IMMessage(slackDM, slackUser, "My VPN drops every hour"))
	relayed := w.tgWait(t, tgAgents, "My VPN drops every hour")
	if want := `"message_id":` + strconv.Itoa(card.MsgID); !strings.Contains(relayed.Params.Get("reply_parameters"), want) {
		t.Errorf("the relay does not reply to the card %d: %v", card.MsgID, relayed.Params)
	}
	cs := tgAgentsCase{w: w, reply: relayed}
	cs.say(t, bob, "Bob", "Which client version do you run?", map[string]any{"entities": []map[string]any{{"type": "italic", "offset": 6, "length": 14}}})
	if got := slacktest.Text(w.slackWait(t, slackDM, "", "client version")); !strings.Contains(got, "Bob") || !strings.Contains(got, "_client version_") {
		t.Errorf("the agent's reply reached the user as %q", got)
	}
	// A reply to the card itself belongs to the case too.
	tgAgentsCase{w: w, reply: card}.say(t, carol, "Carol", "I'll take this one.", nil)
	w.slackWait(t, slackDM, "", "Carol")
	// Back to the robot ends the case too, and KM answers again.
	w.tgClick(t, bob, "Bob", card, en.T("escalation.button_robot"))
	w.tgCardShows(t, card, "Handed back to the robot by Bob")
	w.slackWait(t, slackDM, "", en.T("escalation.user_robot", "Bob"))
	w.slackWait(t, slackDM, "", en.T("escalation.rate_prompt"))
	chats := w.calls(chatRoute)
	p.slackEvent(t, slacktest.IMMessage(slackDM, slackUser, "What is the Wi-Fi password?"))
	w.slackWait(t, slackDM, "", "ExampleGuest")
	if n := w.calls(chatRoute) - chats; n != 1 {
		t.Errorf("KM was asked %d times after the case, want 1", n)
	}
	w.noSecrets(t)
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
