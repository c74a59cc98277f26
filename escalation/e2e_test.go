package escalation_test

// End to end: the "Done means" walk through the core, the desk and the
// KM simulator over HTTP, with a users' platform and an agents' platform.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

var (
	alice = bridge.UserInfo{ID: "U-ALICE", Name: "Alice"}
	bob   = bridge.UserInfo{ID: "U-BOB", Name: "Bob"}
)

// userOn is a user's conversation on a platform, as its adapter keys it.
func userOn(platform string) (bridge.ConvKey, bridge.UserInfo) {
	switch platform {
	case "web":
		// The web chat's channel and user id are the session cookie.
		sid := "s3cr3t-web-session-cookie-value"
		return bridge.DMKey("web", "", sid, sid), bridge.UserInfo{ID: sid, Name: "Hanako", Locale: "ja"}
	case "slack":
		return bridge.DMKey("slack", "T1", "D-HANAKO", "U-HANAKO"), bridge.UserInfo{ID: "U-HANAKO", Name: "Hanako", Locale: "en"}
	case "discord":
		return bridge.DMKey("discord", "", "555", "777"), bridge.UserInfo{ID: "777", Name: "Hanako"}
	}
	return bridge.DMKey(platform, "", "5551234", "5551234"), bridge.UserInfo{ID: "5551234", Name: "Hanako", Locale: "en"}
}

// TestHandoverWalk is the walk, for users and agents on several
// platforms, the same platform included: /human → a card (transcript, case
// number, no cookie) → the user's next message in the case thread and no KM
// chat for it → an agent's reply reaches the user with the agent's name → a
// // note does not → the bridge's own posts are not relayed back → KM's
// suggestion with its button, which sends it → Claim edits the card and tells
// the user → Resolve → the rating reaches KM's surveySession and the thread →
// KM answers again → Save as FAQ creates the question in KM; Add as similar
// question shows KM's refusal of a wording that is now a question itself.
func TestHandoverWalk(t *testing.T) {
	for _, tc := range []struct{ users, agents string }{
		{"telegram", "slack"},
		{"web", "discord"},
		{"slack", "telegram"},
		{"slack", "slack"},
	} {
		t.Run(tc.users+"_to_"+tc.agents, func(t *testing.T) {
			w := newWorld(t, worldOpts{users: tc.users, agents: tc.agents})
			walk(t, w, tc.users)
		})
	}
}

func walk(t *testing.T, w *world, platform string) {
	en := w.cat.Printer("en")
	userKey, hanako := userOn(platform)
	up := w.cat.Printer(hanako.Locale)

	// The user asks KM first: the card's transcript, and the FAQ KM matched.
	w.say(t, userKey, hanako, "I lost my password for the portal")
	waitFor(t, w.users, userKey, "Reset your password")
	w.handle(t, bridge.Command{Key: userKey, User: hanako, Name: "human"})
	waitFor(t, w.users, userKey, up.T("bridge.escalating"))

	// 1. The card, as the root of the case's thread.
	th := w.thread(t, 1)
	if th.Key.Platform != w.channel.Platform || th.Key.Channel != w.channel.Channel {
		t.Fatalf("case thread %v is not in the agents' channel %v", th.Key, w.channel)
	}
	cardMsg := w.agents.SentTo(w.channel)[0]
	card := formatting.Dump(cardMsg.Msg)
	for _, want := range []string{"Case #1", "I lost my password for the portal", en.T("escalation.button_claim"), "Hanako"} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
	for _, secret := range []string{userKey.Channel, userKey.User, kmsim.SampleToken} {
		if platform == "web" && strings.Contains(card, secret) {
			t.Errorf("card shows %q (a credential):\n%s", secret, card)
		}
	}
	if strings.Contains(card, kmsim.SampleToken) {
		t.Errorf("card shows the KM token:\n%s", card)
	}
	validate(t, cardMsg.Msg)
	if th.Title == "" || !strings.Contains(th.Title, "#1") {
		t.Errorf("thread title %q", th.Title)
	}

	// 2. The user's next message lands in the thread, not at KM; KM's
	// suggestion follows it.
	chats := w.calls(chatRoute)
	w.say(t, userKey, hanako, "How do I reset my password?")
	waitFor(t, w.agents, th.Key, "Hanako: How do I reset my password?")
	sugg := waitFor(t, w.agents, th.Key, en.T("escalation.suggestion"))
	if n := w.calls(chatRoute); n != chats {
		t.Errorf("KM got %d chat calls for a handed-over message", n-chats)
	}
	if w.calls(assistRoute) == 0 {
		t.Error("KM assist was not asked")
	}
	validate(t, sugg.Msg)

	// 3. An agent's reply reaches the user with the agent's name and formatting.
	reply := bridge.Message{Key: th.Key, User: alice, ID: "agent-1", Text: "Use the portal link",
		Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "Use the "}, {Text: "portal", Marks: formatting.Bold, Link: "https://portal.example.com"}, {Text: " link"}}}}}
	w.handle(t, reply)
	got := waitFor(t, w.users, userKey, "Alice: Use the portal link")
	if d := formatting.Dump(got.Msg); !strings.Contains(d, "https://portal.example.com") {
		t.Errorf("the agent's link was lost:\n%s", d)
	}

	// 4. A // note stays in the thread; 5. the bridge's own post is not relayed
	// back. The reply after them proves they were handled (one queue).
	before := len(w.users.SentTo(userKey))
	w.say(t, th.Key, alice, "// she sounds annoyed")
	relayed := w.agents.SentTo(th.Key)[0]
	w.handle(t, bridge.Message{Key: th.Key, User: alice, ID: relayed.Ref.ID, Text: relayed.Text()})
	w.say(t, th.Key, bob, "One more thing")
	waitFor(t, w.users, userKey, "Bob: One more thing")
	if n := len(w.users.SentTo(userKey)); n != before+1 {
		t.Errorf("the user got %d messages for a note, an echo and a reply, want 1: %q", n-before, bridgetest.Texts(w.users.SentTo(userKey)[before:]))
	}

	// 6. "Send this answer" sends KM's suggestion as the clicking agent's.
	w.handle(t, bridge.Click{Key: th.Key, User: bob, Ref: sugg.Ref, Token: button(t, sugg.Msg, en.T("escalation.button_send_answer")).Token})
	waitFor(t, w.users, userKey, "Bob:\nReset your password")
	waitFor(t, w.agents, th.Key, en.T("escalation.answer_sent", "Bob"))

	// 7. Claim edits the card and tells the user.
	w.handle(t, bridge.Click{Key: w.channel, User: alice, Ref: cardMsg.Ref, Token: button(t, cardMsg.Msg, en.T("escalation.button_claim")).Token})
	claimed := waitEdit(t, w.agents, cardMsg.Ref, "Claimed by Alice")
	waitFor(t, w.users, userKey, up.T("escalation.user_claimed", "Alice"))
	// The used suggestion's button is retired; the card's never are (it is
	// redrawn, and stays the case's control).
	bridgetest.Eventually(t, wait, func() error {
		for _, r := range w.agents.Retirements() {
			if r.Ref == cardMsg.Ref {
				return errors.New("the card's buttons were retired")
			}
		}
		for _, r := range w.agents.Retirements() {
			if r.Ref == sugg.Ref && strings.Contains(r.Shown, en.T("escalation.button_send_answer")) {
				return nil
			}
		}
		return fmt.Errorf("the suggestion's button was not retired: %+v", w.agents.Retirements())
	})

	// 8. Resolve: the card says who, the user gets a rating.
	w.click(t, w.channel, alice, button(t, claimed.Msg, en.T("escalation.button_resolve")))
	resolved := waitEdit(t, w.agents, cardMsg.Ref, "Resolved by Alice")
	rating := waitFor(t, w.users, userKey, up.T("escalation.rate_prompt"))

	// 9. The rating reaches KM and the thread.
	w.click(t, userKey, hanako, button(t, rating.Msg, up.T("escalation.rate_satisfied")))
	waitFor(t, w.agents, th.Key, en.T("escalation.rated", "Hanako", en.T("escalation.rate_satisfied")))
	surveys := w.sim.CallsTo(surveyRoute)
	if len(surveys) != 1 || surveys[0].Int("sessionSurveyOptionId") != kmclient.SessionSatisfied || surveys[0].Code != 200 {
		t.Fatalf("surveySession calls: %+v", surveys)
	}
	if info, ok := w.sim.Session(surveys[0].Int("sessionId")); !ok || info.SurveyOption != kmclient.SessionSatisfied || !info.SwitchedToStaff {
		t.Errorf("KM session after the rating: %+v", info)
	}
	waitFor(t, w.users, userKey, up.T("bridge.session_rated_thanks"))

	// 10. KM answers again.
	chats = w.calls(chatRoute)
	n := len(w.users.SentTo(userKey))
	w.say(t, userKey, hanako, "What is the Wi-Fi password?")
	w.users.WaitSent(t, userKey, n+1, wait)
	bridgetest.Eventually(t, wait, func() error {
		if w.calls(chatRoute) != chats+1 {
			return errors.New("KM was not asked after the case was resolved")
		}
		return nil
	})
	// An agent writing after the end is told once that it no longer reaches the user.
	w.say(t, th.Key, alice, "are you still there?")
	waitFor(t, w.agents, th.Key, "did not go to the user")

	// 11. Save as FAQ creates the question in KM, with the agents' last answer.
	w.click(t, w.channel, alice, button(t, resolved.Msg, en.T("escalation.button_save_faq")))
	saved := waitFor(t, w.agents, th.Key, "📚")
	qs := w.sim.CallsTo(questionsRoute)
	if len(qs) != 1 || qs[0].Code != 200 || qs[0].Str("content") != "I lost my password for the portal" || qs[0].Int("categoryId") != sampleCategory {
		t.Fatalf("POST /v1/questions: %+v", qs)
	}
	faqs, _, err := w.km.SearchQuestions(context.Background(), kmclient.SearchQuestionsRequest{
		RobotID: kmsim.SampleRobotID, SearchWord: "I lost my password for the portal", SearchType: 2,
	})
	if err != nil || len(faqs) != 1 || faqs[0].Answer == nil || !strings.Contains(faqs[0].Answer.Content, "Reset your password") {
		t.Fatalf("the new FAQ in KM: %+v %v", faqs, err)
	}
	if !strings.Contains(saved.Text(), faqs[0].ID.String()) {
		t.Errorf("the thread does not show KM's new id %s: %q", faqs[0].ID, saved.Text())
	}
	// Add as similar question: the wording is a question of its own now, and
	// KM's refusal is shown as KM said it.
	w.click(t, w.channel, alice, button(t, resolved.Msg, en.T("escalation.button_add_similar")))
	waitFor(t, w.agents, th.Key, "KM refused:")
	if c := w.sim.CallsTo(similarRoute); len(c) != 1 || !strings.HasSuffix(c[0].Path, "/1001") {
		t.Errorf("similar calls: %+v", c)
	}
}
