package walks_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/internal/testredis"
)

// tgWebhook delivers a Telegram update to the process's webhook, as
// Telegram does, and expects it taken.
func (p *process) tgWebhook(t testing.TB, u map[string]any) {
	t.Helper()
	u["update_id"] = p.w.tg.NextUpdateID()
	body, _ := json.Marshal(u)
	req, err := http.NewRequest(http.MethodPost, p.http.URL+telegramadapter.WebhookPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", webhookSecret)
	resp, err := p.in.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Telegram webhook: HTTP %d", resp.StatusCode)
	}
}

// tgSayTo is the user's message delivered to p's webhook.
func (p *process) tgSayTo(t testing.TB, user int64, name, text string) {
	t.Helper()
	p.tgWebhook(t, telegramtest.Message(telegramtest.PrivateChat(user), tgPerson(user, name), text, telegramtest.CommandEntity(text)))
}

// tgClickAt is the user's press of a button, delivered to p's webhook.
func (p *process) tgClickAt(t testing.TB, user int64, name string, c telegramtest.Call, label string) {
	t.Helper()
	c = p.w.tgNow(c)
	p.tgWebhook(t, map[string]any{"callback_query": map[string]any{
		"id": "cb-" + itoa(int64(telegramtest.NewMessageID())), "from": tgPerson(user, name), "chat_instance": "ci",
		"data": telegramtest.CallbackData(t, c, label), "message": p.w.tg.BotMessage(t, c),
	}})
}

// Two bridge processes on one Redis, as two replicas behind a load
// balancer: whichever gets a platform's request, the case's relay works —
// the case opened on one, the user's next message relayed by the other, an
// agent's reply taken by the first, Claim on the second, the rating on the
// first — and when one stops, the other carries on.
func TestWalkTwoReplicasOnRedis(t *testing.T) {
	addr := testredis.Start(t)
	w := newWorld(t, false)
	open := func() *redisstore.Store {
		st, err := redisstore.Open(ctx(), redisstore.Options{URL: "redis://" + addr + "/0", Prefix: "walks:"})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a := slackAgentsOf(t, w, options{tgWebhook: true, store: open()})
	b := slackAgentsOf(t, w, options{tgWebhook: true, store: open()})

	a.tgSayTo(t, hanako, "Hanako", "I lost my password for the portal")
	w.tgWait(t, hanako, "Reset your password")
	a.tgSayTo(t, hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgWait(t, hanako, en.T("bridge.escalating"))

	chats := w.calls(chatRoute)
	b.tgSayTo(t, hanako, "Hanako", "I am still locked out")
	w.slackWait(t, slackAgents, card.TS, "Hanako: I am still locked out")
	sugg := w.slackWait(t, slackAgents, card.TS, en.T("escalation.suggestion"))
	if n := w.calls(chatRoute) - chats; n != 0 {
		t.Errorf("the other replica asked KM %d times for a handed-over user", n)
	}
	a.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "Check your *spam folder*."))
	w.tgWait(t, hanako, "Dana:</b> Check your <b>spam folder</b>")
	b.slackClick(t, dana, sugg, en.T("escalation.button_send_answer"))
	a.slackClick(t, dana, sugg, en.T("escalation.button_send_answer")) // once, on either replica
	w.slackWait(t, slackAgents, card.TS, en.T("escalation.answer_already_sent"))
	b.slackClick(t, dana, card, en.T("escalation.button_claim"))
	w.tgWait(t, hanako, en.T("escalation.user_claimed", "Dana"))
	card = w.slackCardShows(t, card, "Claimed by Dana")

	// One replica goes; the other keeps the case.
	a.Stop()
	b.tgSayTo(t, hanako, "Hanako", "Found it, thanks!")
	w.slackWait(t, slackAgents, card.TS, "Hanako: Found it, thanks!")
	b.slackClick(t, dana, card, en.T("escalation.button_resolve"))
	rating := w.tgWait(t, hanako, en.T("escalation.rate_prompt"))
	b.tgClickAt(t, hanako, "Hanako", rating, en.T("escalation.rate_satisfied"))
	w.slackWait(t, slackAgents, card.TS, en.T("escalation.rated", "Hanako", en.T("escalation.rate_satisfied")))
	chats = w.calls(chatRoute)
	b.tgSayTo(t, hanako, "Hanako", "What is the Wi-Fi password?")
	w.tgWait(t, hanako, "ExampleGuest")
	if n := w.calls(chatRoute) - chats; n != 1 {
		t.Errorf("KM was asked %d times after the case, want 1", n)
	}
	if n := w.tgCount(hanako, "id.example.com/reset") - 1; n != 1 {
		t.Errorf("the suggestion reached the user %d times", n)
	}
	if n := w.slackCount(slackAgents, "handed to a human"); n != 1 {
		t.Errorf("%d cards, want 1", n)
	}
	w.noSecrets(t)
}
