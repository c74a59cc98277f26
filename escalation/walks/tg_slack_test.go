package walks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// The Telegram user and the Slack agents of the walk.
const (
	hanako  = int64(5550001)
	dana    = "UDANA"
	ernesto = "UERNESTO"
)

// A Telegram user hands over to agents in Slack, the whole case through
// telegram-bot-api and slack-go against their fakes: /human → a card opening
// a thread in the agents' channel (with the conversation so far, and no
// secret anywhere) → the user's next message in the thread, not at KM → an
// agent's reply in the thread reaches the user with the agent's name and its
// formatting (mrkdwn bold and link → Telegram HTML) → a // note does not, nor
// do the bridge's own posts echoed back by Slack → KM's suggestion with its
// button, which sends it → Claim redraws the card and tells the user →
// Resolve → the user's rating reaches KM's surveySession and the thread → KM
// answers the next question → Save as FAQ creates the question in KM.
func TestWalkTelegramUserSlackAgents(t *testing.T) {
	w := newWorld(t, false)
	p := w.boot(t, options{agents: bridge.ConvKey{Platform: "slack", Channel: slackAgents}, slack: true, telegram: true})
	rec := newRecorder(w)
	w.slackUser(dana, "Dana", "en-US")
	w.slackUser(ernesto, "Ernesto", "en-US")

	// The user asks KM first: the card's transcript, and the FAQ KM matched.
	w.tgSay(hanako, "Hanako", "I lost my password for the portal")
	rec.user("Hanako", "I lost my password for the portal")
	rec.bot(w.tgWait(t, hanako, "Reset your password"))
	w.clock.Add(time.Minute)
	w.tgSay(hanako, "Hanako", "/human")
	rec.user("Hanako", "/human")
	rec.bot(w.tgWait(t, hanako, en.T("bridge.escalating")))

	// The card, at the top of the agents' channel: the case's thread root.
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	rec.agents(card)
	text := slacktest.Text(card)
	for _, want := range []string{"Hanako", "Telegram", "I lost my password for the portal", "Reset your password"} {
		if !strings.Contains(text, want) {
			t.Errorf("the card lacks %q:\n%s", want, text)
		}
	}
	for _, label := range []string{en.T("escalation.button_claim"), en.T("escalation.button_resolve"), en.T("escalation.button_robot")} {
		slacktest.Button(t, card, label)
	}
	p.slackEvent(t, slacktest.Echo(card)) // Slack tells the app of its own post

	// The user's next message lands in the card's thread, and KM is not asked.
	w.clock.Add(time.Minute)
	chats := w.calls(chatRoute)
	w.tgSay(hanako, "Hanako", "I am still locked out, the reset code never arrives")
	rec.user("Hanako", "I am still locked out, the reset code never arrives")
	relayed := w.slackWait(t, slackAgents, card.TS, "Hanako: I am still locked out, the reset code never arrives")
	rec.agents(relayed)
	sugg := w.slackWait(t, slackAgents, card.TS, en.T("escalation.suggestion"))
	rec.agents(sugg)
	if n := w.calls(chatRoute) - chats; n != 0 {
		t.Errorf("KM got %d chat calls for a handed-over message", n)
	}
	if w.calls(assistRoute) == 0 {
		t.Error("KM's assist was not asked")
	}
	p.slackEvent(t, slacktest.Echo(relayed)) // the bridge's own posts come back
	p.slackEvent(t, slacktest.Echo(sugg))

	// An agent's reply in the thread reaches the user: name and formatting.
	w.clock.Add(time.Minute)
	reply := "Check your *spam folder*, or use <https://id.example.com/sms|the SMS option>"
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, reply))
	rec.agentSays("Dana", reply)
	got := w.tgWait(t, hanako, "spam folder")
	rec.bot(got)
	if html := got.Params.Get("text"); !strings.Contains(html, "Dana") || !strings.Contains(html, "<b>spam folder</b>") ||
		!strings.Contains(html, `<a href="https://id.example.com/sms">the SMS option</a>`) {
		t.Errorf("the agent's reply reached the user as %q: name or formatting lost", html)
	}

	// A // note stays in the thread; the bridge's own relays are not relayed
	// back; the next reply proves both were handled (one queue per thread).
	before := w.tgCount(hanako, "")
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "// she has tried twice already"))
	rec.agentSays("Dana", "// she has tried twice already")
	p.slackEvent(t, slacktest.ChanMessage(slackAgents, ernesto, card.TS, "I can resend it from here."))
	rec.agentSays("Ernesto", "I can resend it from here.")
	rec.bot(w.tgWait(t, hanako, "I can resend it from here."))
	if n := w.tgCount(hanako, "") - before; n != 1 {
		t.Errorf("the user got %d messages for a note and a reply, want 1", n)
	}
	if n := w.tgCount(hanako, "tried twice"); n != 0 {
		t.Errorf("the internal note reached the user %d times", n)
	}
	if n := w.slackCount(slackAgents, "I am still locked out, the reset code never arrives"); n != 1 {
		t.Errorf("the user's message is in the agents' channel %d times", n)
	}

	// "Send this answer" sends KM's suggestion to the user as the agent's.
	w.clock.Add(time.Minute)
	p.slackClick(t, ernesto, sugg, en.T("escalation.button_send_answer"))
	rec.agentClicks("Ernesto", en.T("escalation.button_send_answer"))
	rec.bot(w.tgWait(t, hanako, "<b>👤 Ernesto:</b>\n\n<b>Reset your password</b>"))
	rec.agents(w.slackWait(t, slackAgents, card.TS, en.T("escalation.answer_sent", "Ernesto")))

	// Claim redraws the card and tells the user.
	w.clock.Add(time.Minute)
	p.slackClick(t, dana, card, en.T("escalation.button_claim"))
	rec.agentClicks("Dana", en.T("escalation.button_claim"))
	rec.bot(w.tgWait(t, hanako, en.T("escalation.user_claimed", "Dana")))
	card = w.slackCardShows(t, card, "Dana")
	rec.agentsEdit(card)

	// Resolve: the card says who; the user is asked for a rating.
	w.clock.Add(time.Minute)
	p.slackClick(t, dana, card, en.T("escalation.button_resolve"))
	rec.agentClicks("Dana", en.T("escalation.button_resolve"))
	card = w.slackCardShows(t, card, "Resolved")
	rec.agentsEdit(card)
	rating := w.tgWait(t, hanako, en.T("escalation.rate_prompt"))
	if !strings.Contains(rating.Params.Get("text"), en.T("escalation.user_resolved", "Dana")) {
		t.Errorf("the rating prompt does not say who resolved the case: %q", rating.Params.Get("text"))
	}
	rec.bot(rating)

	// The user's rating reaches KM's surveySession and the thread.
	w.tg.Click(t, hanako, rating, en.T("escalation.rate_satisfied"))
	rec.userClicks("Hanako", en.T("escalation.rate_satisfied"))
	rec.agents(w.slackWait(t, slackAgents, card.TS, en.T("escalation.rated", "Hanako", en.T("escalation.rate_satisfied"))))
	rec.bot(w.tgWait(t, hanako, en.T("bridge.session_rated_thanks")))
	surveys := w.Sim.CallsTo(surveyRoute)
	if len(surveys) != 1 || surveys[0].Int("sessionSurveyOptionId") != kmclient.SessionSatisfied || surveys[0].Code != 200 {
		t.Fatalf("KM's surveySession calls: %+v", surveys)
	}
	if info, ok := w.Sim.Session(surveys[0].Int("sessionId")); !ok || info.SurveyOption != kmclient.SessionSatisfied || !info.SwitchedToStaff {
		t.Errorf("KM's session after the rating: %+v", info)
	}

	// KM answers the next question.
	w.clock.Add(time.Minute)
	chats = w.calls(chatRoute)
	w.tgSay(hanako, "Hanako", "What is the Wi-Fi password?")
	rec.user("Hanako", "What is the Wi-Fi password?")
	w.waitCalls(t, chatRoute, chats+1)
	rec.bot(w.tgWait(t, hanako, "ExampleGuest"))
	if n := w.slackCount(slackAgents, "Wi-Fi"); n != 0 {
		t.Errorf("a question after the case reached the agents %d times", n)
	}

	// Save as FAQ: the question is created in KM, from the user's question
	// and the agents' last answer; the thread shows KM's new id.
	p.slackClick(t, dana, card, en.T("escalation.button_save_faq"))
	rec.agentClicks("Dana", en.T("escalation.button_save_faq"))
	saved := w.slackWait(t, slackAgents, card.TS, "📚")
	rec.agents(saved)
	qs := w.Sim.CallsTo(questionsRoute)
	if len(qs) != 1 || qs[0].Code != 200 || qs[0].Str("content") != "I lost my password for the portal" || qs[0].Int("categoryId") != sampleCategory {
		t.Fatalf("POST /v1/questions: %+v", qs)
	}
	faqs, _, err := p.KM.SearchQuestions(ctx(), kmclient.SearchQuestionsRequest{
		RobotID: kmsim.SampleRobotID, SearchWord: "I lost my password for the portal", SearchType: 2,
	})
	if err != nil || len(faqs) != 1 {
		t.Fatalf("the new FAQ in KM: %+v %v", faqs, err)
	}
	if !strings.Contains(slacktest.Text(saved), faqs[0].ID.String()) {
		t.Errorf("the thread does not show KM's new id %s: %q", faqs[0].ID, slacktest.Text(saved))
	}

	w.noSecrets(t)
	rec.write(t, "Telegram", "Slack")
}

// slackCardShows waits until the card (as Slack holds it, edits applied)
// shows s, and returns it.
func (w *world) slackCardShows(t testing.TB, card slacktest.Msg, s string) slacktest.Msg {
	t.Helper()
	var got slacktest.Msg
	eventually(t, "the card showing "+s, func() bool {
		m, ok := w.slack.Msg(card.Channel, card.TS)
		got = m
		return ok && strings.Contains(slacktest.Text(m), s)
	})
	return got
}
