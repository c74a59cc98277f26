package discordadapter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
)

// welcomeOf returns the messages sent before the first one containing
// answer: the welcome a first contact gets.
func (w *world) welcomeOf(t testing.TB, answer string) []discordtest.Call {
	t.Helper()
	w.fake.WaitMessage(t, answer)
	var out []discordtest.Call
	for _, c := range w.fake.Messages() {
		if strings.Contains(c.Text(), answer) {
			return out
		}
		out = append(out, c)
	}
	return out
}

// menuStates is the state of each menu of a message: "on" or "off".
func menuStates(c discordtest.Call) []string {
	var out []string
	for _, b := range discordtest.Buttons(c) {
		if b.Type != 3 {
			continue
		}
		s := "on"
		if b.Disabled {
			s = "off"
		}
		out = append(out, s)
	}
	return out
}

// shown lists what a message shows in place of retired groups: the labels of
// its disabled buttons, with "(chosen)" for a choice (green) and "(expired)"
// for an expired click (grey).
func shown(c discordtest.Call) []string {
	var out []string
	for _, b := range discordtest.Buttons(c) {
		if b.Type != 2 || b.URL != "" || !b.Disabled {
			continue
		}
		switch b.Style {
		case 3:
			out = append(out, b.Label+" (chosen)")
		default:
			out = append(out, b.Label+" (expired)")
		}
	}
	return out
}

// placeholders lists the titles of a message's live menus.
func placeholders(c discordtest.Call) string {
	var out []string
	for _, b := range discordtest.Buttons(c) {
		if b.Type == 3 && !b.Disabled {
			out = append(out, b.Placeholder)
		}
	}
	return strings.Join(out, ", ")
}

// A first contact's welcome (six FAQ categories, which were six messages)
// comes in at most two: the categories as menus titled by their name. A
// choice in one menu is an FAQ hit (queryType 6) with the welcome's ids, and
// retires only that menu: it gives way to the choice, shown, and the other
// menus stay. A second choice, from a client that has not seen the first
// retirement, retires its own menu without bringing the first one back;
// choosing again in the first menu from that stale client does nothing.
func TestWelcomeMenus(t *testing.T) {
	const vpn, reset = "How do I connect to the VPN?", "How do I reset my password?"
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "What is the Wi-Fi password?"))
	welcome := w.welcomeOf(t, "ExampleGuest")
	if len(welcome) == 0 || len(welcome) > 2 {
		t.Fatalf("welcome took %d messages, want 1 or 2", len(welcome))
	}
	first := welcome[0]
	if !strings.Contains(first.Text(), "Example Corp helpdesk") {
		t.Fatalf("first message is not the welcome: %q", first.Text())
	}
	var titles []string
	for _, b := range discordtest.Buttons(first) {
		if b.Type == 3 {
			titles = append(titles, b.Placeholder)
		}
	}
	if got := strings.Join(titles, ", "); got != "Accounts & passwords, Network & VPN, Devices & printing, Leave & pay, Workplace" {
		t.Errorf("menus titled %s", got)
	}
	if strings.Join(menuStates(first), " ") != "on on on on on" {
		t.Fatalf("welcome menus %v, want five live menus", menuStates(first))
	}
	stale := w.fake.Message(first.Ref) // what a slow client still shows later

	menu, value := discordtest.Choice(t, first, vpn)
	ix := w.fake.Press(alice, "", first, menu, value)
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	w.fake.WaitMessage(t, "GlobalProtect")
	hits := w.simCalls("POST /v1/hit")
	if len(hits) != 1 {
		t.Fatalf("hit calls = %d", len(hits))
	}
	sess := w.sessionOf(t)
	h := hits[0]
	if h.Int("queryType") != kmclient.QueryFAQ || h.Int("questionId") != 1011 || h.Str("questionContent") != vpn ||
		h.Int("sessionId") != sess || h.Int("logId") != w.robotLog(t, sess, "Example Corp helpdesk") {
		t.Errorf("hit = %v, want queryType 6, question 1011 in session %d with the welcome's logId", h.Body, sess)
	}
	edit := w.retiredEdit(t, ix["token"].(string))
	if edit.Ref != first.Ref {
		t.Fatalf("retired message %s, want the welcome %s", edit.Ref, first.Ref)
	}
	if got := placeholders(edit); got != "Accounts & passwords, Devices & printing, Leave & pay, Workplace" {
		t.Errorf("after the VPN choice the live menus are %s, want all but Network & VPN", got)
	}
	if got := strings.Join(shown(edit), "; "); got != "✓ "+vpn+" (chosen)" {
		t.Errorf("after the VPN choice the message shows %q, want the choice", got)
	}

	// The stale client chooses in another menu: handled, and its retirement
	// keeps the first.
	menu2, value2 := discordtest.Choice(t, first, reset)
	second := w.fake.Interaction(3, alice, first.Channel, "", "en-US",
		map[string]any{"custom_id": menu2, "component_type": 3, "values": []string{value2}}, stale)
	w.fake.Dispatch("INTERACTION_CREATE", second)
	edit = w.retiredEdit(t, second["token"].(string))
	if got := placeholders(edit); got != "Devices & printing, Leave & pay, Workplace" {
		t.Errorf("after the second choice the live menus are %s, want both chosen menus retired", got)
	}
	if got := strings.Join(shown(edit), "; "); got != "✓ "+reset+" (chosen); ✓ "+vpn+" (chosen)" {
		t.Errorf("after the second choice the message shows %q, want both choices", got)
	}
	hits = w.simCalls("POST /v1/hit")
	if len(hits) != 2 || hits[1].Int("questionId") != 1001 || hits[1].Int("queryType") != kmclient.QueryFAQ {
		t.Fatalf("hits = %+v, want the second an FAQ hit of question 1001", hits)
	}

	// The stale client chooses in the first menu again: nothing happens.
	third := w.fake.Interaction(3, alice, first.Channel, "", "en-US",
		map[string]any{"custom_id": menu, "component_type": 3, "values": []string{value}}, stale)
	w.fake.Dispatch("INTERACTION_CREATE", third)
	waitFor(t, "the stale choice to be answered", func() bool {
		return len(w.fake.CallsTo("POST", `/interactions/\d+/`+third["token"].(string)+`/callback`)) == 1
	})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "Where is the employee handbook?"))
	w.fake.WaitMessage(t, "Employee handbook")
	if n := len(w.simCalls("POST /v1/hit")); n != 2 {
		t.Errorf("hit calls = %d after a stale choice, want 2", n)
	}
}

// A press of a button whose token expired (bridge.action_ttl passed)
// retires the buttons of its group, saying they expired; the message's other
// group (the related questions) stays usable, and KM is not asked.
func TestExpiredButtonRetiresItsGroup(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{core: func(c *bridge.Config) { c.ActionTTL = time.Second }})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))
	ans := w.fake.WaitMessage(t, "Reset your password")
	time.Sleep(1100 * time.Millisecond)
	ix := w.fake.Press(alice, "", ans, discordtest.ButtonID(t, ans, "👍 Helpful"))
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	edit := w.retiredEdit(t, ix["token"].(string))
	if got := strings.Join(shown(edit), "; "); got != "⌛ These buttons have expired. (expired)" {
		t.Errorf("the expired group shows %q", got)
	}
	for _, b := range discordtest.Buttons(edit) {
		if b.Type == 2 && b.URL == "" && !b.Disabled {
			t.Errorf("%q still enabled after an expired click", b.Label)
		}
	}
	if got := strings.Join(menuStates(edit), " "); got != "on" {
		t.Errorf("the related questions are %q, want still live", got)
	}
	if n := len(w.simCalls("POST /v1/surveyQuestion")); n != 0 {
		t.Errorf("surveyQuestion calls = %d", n)
	}
}
