package telegramadapter_test

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// lateDesk is the hand-over desk for a process whose store exists only once
// the process is booted: the core takes its Escalator first, the desk comes
// after.
type lateDesk struct {
	d atomic.Pointer[escalation.Desk]
}

var (
	_ bridge.Escalator   = (*lateDesk)(nil)
	_ bridge.Handover    = (*lateDesk)(nil)
	_ bridge.JoinChecker = (*lateDesk)(nil)
)

func (l *lateDesk) Escalate(ctx context.Context, e bridge.Escalation) error {
	return l.d.Load().Escalate(ctx, e)
}
func (l *lateDesk) Take(ctx context.Context, ev bridge.Event) bool { return l.d.Load().Take(ctx, ev) }
func (l *lateDesk) Do(ctx context.Context, c bridge.CaseClick) bridge.ClickStatus {
	return l.d.Load().Do(ctx, c)
}
func (l *lateDesk) Joined(ctx context.Context, key bridge.ConvKey) (bool, error) {
	return l.d.Load().Joined(ctx, key)
}

// The hand-over with the real desk, users and agents both on Telegram: a
// user's /human opens a case (a topic of the agents' forum, or the reply chain
// under the card in a group without topics), the user's next message is
// relayed into it (KM is not asked), an agent writing there — in the topic
// without a mention, or replying to the relay — reaches the user with the
// agent's name and formatting, and an internal note does not.
func TestHandoverToTelegramAgents(t *testing.T) {
	for _, forum := range []bool{true, false} {
		name := "reply chain"
		if forum {
			name = "forum topic"
		}
		t.Run(name, func(t *testing.T) { handoverWalk(t, forum) })
	}
}

func handoverWalk(t *testing.T, forum bool) {
	w := newWorld(t, nil)
	w.fake.SetForum(agentsChat, forum)
	late := &lateDesk{}
	w.boot(t, options{escalator: late, booted: func(t testing.TB, p *process) {
		d, err := escalation.NewDesk(escalation.Options{
			Agents: bridge.ConvKey{Platform: "telegram", Channel: strconv.Itoa(agentsChat)},
			Store:  p.Store, KM: p.KM, RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID,
			Logger: p.Logger("handover"),
		})
		if err != nil {
			t.Fatal(err)
		}
		late.d.Store(d)
		d.Bind(p.Core.Outbox())
	}})

	w.fake.Push(telegramtest.Private(alice, "/human"))
	var cardMsg telegramtest.Call
	waitFor(t, "the case's card", func() bool {
		for _, c := range w.fake.Sends() {
			if c.Int("chat_id") == agentsChat {
				cardMsg = c
				return true
			}
		}
		return false
	})
	topic := cardMsg.Params.Get("message_thread_id")
	if forum != (topic != "") || forum != (len(w.fake.CallsTo("createForumTopic")) == 1) {
		t.Fatalf("forum %v: the card went to %v", forum, cardMsg.Params)
	}

	chats := len(w.simCalls("POST /v1/chat"))
	w.fake.Push(telegramtest.Private(alice, "my VPN drops every hour"))
	relay := w.fake.WaitSend(t, "my VPN drops every hour")
	if relay.Int("chat_id") != agentsChat || relay.Params.Get("message_thread_id") != topic {
		t.Errorf("the user's message went to %v, want the case's thread", relay.Params)
	}
	if !forum && !strings.Contains(relay.Params.Get("reply_parameters"), strconv.Itoa(cardMsg.MsgID)) {
		t.Errorf("the relay does not reply to the card %d: %v", cardMsg.MsgID, relay.Params)
	}
	if n := len(w.simCalls("POST /v1/chat")) - chats; n != 0 {
		t.Errorf("KM was asked %d times while a person has the conversation", n)
	}

	const agent = 4901
	agentSays := func(text string, extra map[string]any) map[string]any {
		e := map[string]any{}
		if forum {
			e["message_thread_id"], e["is_topic_message"] = num(topic), true
		} else {
			e["reply_to_message"] = w.fake.BotMessage(w.t, relay)
		}
		for k, v := range extra {
			e[k] = v
		}
		return telegramtest.Message(telegramtest.GroupChat(agentsChat), map[string]any{"id": agent, "is_bot": false, "first_name": "Bob", "language_code": "en"}, text, e)
	}
	w.fake.Push(agentSays("// the user sounds annoyed", nil))
	w.fake.Push(agentSays("Please restart the client.", map[string]any{
		"entities": []map[string]any{{"type": "bold", "offset": 7, "length": 7}}}))
	answer := w.fake.WaitSend(t, "restart")
	if answer.Int("chat_id") != alice || !strings.Contains(answer.Params.Get("text"), "Bob") ||
		!strings.Contains(answer.Params.Get("text"), "<b>restart</b>") {
		t.Errorf("the agent's answer reached %d as %q, want alice with Bob's name and the bold kept", answer.Int("chat_id"), answer.Params.Get("text"))
	}
	if n := len(w.fake.SendsWith("annoyed")); n != 0 {
		t.Errorf("an internal note was relayed %d times", n)
	}

	// Claim: the card, in two messages (its head with the buttons, then the
	// transcript), is redrawn in place: nothing posted again, no stale
	// buttons left.
	posted := len(w.fake.Posted())
	w.fake.Click(t, agent, cardMsg, "Claim")
	waitFor(t, "the card's redraw", func() bool {
		for _, c := range w.fake.CallsTo("editMessageText") {
			if c.Int("message_id") == int64(cardMsg.MsgID) && c.Status == 200 {
				return true
			}
		}
		return false
	})
	w.fake.WaitSend(t, "You're now talking with")
	var cardParts []telegramtest.Sent
	for _, m := range w.fake.Posted() {
		if m.Chat == agentsChat && (strings.Contains(m.Text, "Case #1") || strings.Contains(m.Text, "Conversation so far")) {
			cardParts = append(cardParts, m)
		}
	}
	if len(cardParts) != 2 || cardParts[0].ID != cardMsg.MsgID || strings.Count(cardParts[0].Markup, "callback_data") == 0 {
		t.Errorf("after the claim the card is %+v, want its two messages redrawn in place", cardParts)
	}
	if n := len(w.fake.Posted()) - posted; n != 1 {
		t.Errorf("%d messages posted by the claim, want 1 (the user told)", n)
	}
}
