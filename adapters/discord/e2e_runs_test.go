package discord_test

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient"
)

// welcomeOf returns the messages sent before the first one containing
// answer: the welcome a first contact gets.
func (w *world) welcomeOf(t testing.TB, answer string) []apiCall {
	t.Helper()
	w.waitMessage(t, answer)
	var out []apiCall
	for _, c := range w.fake.messages() {
		if strings.Contains(c.text(), answer) {
			return out
		}
		out = append(out, c)
	}
	return out
}

// menuStates is the state of each menu of a message: "on" or "off".
func menuStates(c apiCall) []string {
	var out []string
	for _, b := range buttons(c) {
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

// A first contact's welcome (six FAQ categories, which were six messages)
// comes in at most two: the categories as menus titled by their name. A
// choice in one menu is an FAQ hit (queryType 6) with the welcome's ids, and
// retires only that menu. A second choice, from a client that has not seen
// the first retirement, retires its own menu without bringing the first one
// back; choosing again in the first menu from that stale client does nothing.
func TestWelcomeMenus(t *testing.T) {
	const vpn, reset = "How do I connect to the VPN?", "How do I reset my password?"
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.dispatch("MESSAGE_CREATE", w.dm(alice, "What is the Wi-Fi password?"))
	welcome := w.welcomeOf(t, "ExampleGuest")
	if len(welcome) == 0 || len(welcome) > 2 {
		t.Fatalf("welcome took %d messages, want 1 or 2", len(welcome))
	}
	first := welcome[0]
	if !strings.Contains(first.text(), "Example Corp helpdesk") {
		t.Fatalf("first message is not the welcome: %q", first.text())
	}
	var titles []string
	for _, b := range buttons(first) {
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
	stale := w.fake.message(first.Ref) // what a slow client still shows later

	menu, value := choice(t, first, vpn)
	ix := w.press(alice, "", first, menu, value)
	w.fake.dispatch("INTERACTION_CREATE", ix)
	w.waitMessage(t, "GlobalProtect")
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
	if got := strings.Join(menuStates(edit), " "); got != "on off on on on" {
		t.Errorf("after the VPN choice menus are %s, want only Network & VPN retired", got)
	}
	for _, b := range buttons(edit) {
		for _, o := range b.Options {
			if o.Default != (o.Label == vpn) {
				t.Errorf("option %q default = %v", o.Label, o.Default)
			}
		}
	}

	// The stale client chooses in another menu: handled, and its retirement
	// keeps the first.
	menu2, value2 := choice(t, first, reset)
	second := w.interaction(3, alice, first.Channel, "", "en-US",
		map[string]any{"custom_id": menu2, "component_type": 3, "values": []string{value2}}, stale)
	w.fake.dispatch("INTERACTION_CREATE", second)
	edit = w.retiredEdit(t, second["token"].(string))
	if got := strings.Join(menuStates(edit), " "); got != "off off on on on" {
		t.Errorf("after the second choice menus are %s, want both chosen menus retired", got)
	}
	hits = w.simCalls("POST /v1/hit")
	if len(hits) != 2 || hits[1].Int("questionId") != 1001 || hits[1].Int("queryType") != kmclient.QueryFAQ {
		t.Fatalf("hits = %+v, want the second an FAQ hit of question 1001", hits)
	}

	// The stale client chooses in the first menu again: nothing happens.
	third := w.interaction(3, alice, first.Channel, "", "en-US",
		map[string]any{"custom_id": menu, "component_type": 3, "values": []string{value}}, stale)
	w.fake.dispatch("INTERACTION_CREATE", third)
	waitFor(t, "the stale choice to be answered", func() bool {
		return len(w.fake.callsTo("POST", `/interactions/\d+/`+third["token"].(string)+`/callback`)) == 1
	})
	w.fake.dispatch("MESSAGE_CREATE", w.dm(alice, "Where is the employee handbook?"))
	w.waitMessage(t, "Employee handbook")
	if n := len(w.simCalls("POST /v1/hit")); n != 2 {
		t.Errorf("hit calls = %d after a stale choice, want 2", n)
	}
}

// A press of a button whose token expired retires every component of its
// message: none of them would work any more.
func TestExpiredButtonRetiresAll(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.dispatch("MESSAGE_CREATE", w.dm(alice, "How do I reset my password?"))
	ans := w.waitMessage(t, "Reset your password")
	ix := w.press(alice, "", ans, "expiredTokenAAAA")
	w.fake.dispatch("INTERACTION_CREATE", ix)
	edit := w.retiredEdit(t, ix["token"].(string))
	for _, b := range buttons(edit) {
		if b.URL == "" && !b.Disabled {
			t.Errorf("%q still enabled after an expired click", b.Label)
		}
		if b.Style == 3 {
			t.Errorf("%q marked as chosen", b.Label)
		}
	}
	if n := len(w.simCalls("POST /v1/hit")); n != 0 {
		t.Errorf("hit calls = %d", n)
	}
}
