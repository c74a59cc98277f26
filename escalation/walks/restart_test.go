package walks_test

import (
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
)

// A restart in the middle of a case keeps its relay: the process stops (its
// store saved to the snapshot), a new one starts on the snapshot, and the
// user's next message lands in the same thread, the agents' reply reaches
// the user, and the card's buttons, minted before the restart, still work.
func TestWalkRestartKeepsTheRelay(t *testing.T) {
	w := newWorld(t, true)
	p1 := slackAgentsOf(t, w, options{})
	w.tgSay(hanako, "Hanako", "/human")
	card := w.slackWait(t, slackAgents, "-", "Case #1")
	w.tgSay(hanako, "Hanako", "My laptop will not boot")
	w.slackWait(t, slackAgents, card.TS, "Hanako: My laptop will not boot")
	p1.Stop()

	p2 := slackAgentsOf(t, w, options{})
	chats := w.calls(chatRoute)
	w.tgSay(hanako, "Hanako", "The screen stays black")
	w.slackWait(t, slackAgents, card.TS, "Hanako: The screen stays black")
	p2.slackEvent(t, slacktest.ChanMessage(slackAgents, dana, card.TS, "Hold the power button for *ten seconds*."))
	if got := w.tgWait(t, hanako, "Hold the power button"); !contains(got.Params.Get("text"), "Dana", "<b>ten seconds</b>") {
		t.Errorf("after the restart the agent's reply reached the user as %q", got.Params.Get("text"))
	}
	p2.slackClick(t, dana, card, en.T("escalation.button_claim"))
	w.slackCardShows(t, card, "Claimed by Dana")
	w.tgWait(t, hanako, en.T("escalation.user_claimed", "Dana"))
	if n := w.calls(chatRoute) - chats; n != 0 {
		t.Errorf("after the restart KM got %d chat calls for a handed-over user", n)
	}
	if n := w.slackCount(slackAgents, "Case #1"); n != 1 {
		t.Errorf("%d cards after the restart, want the one", n)
	}
}
