package webadapter

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
)

// welcomeTokens are the action tokens of the welcome a tab was shown.
func welcomeTokens(t *testing.T, h outFrame) []string {
	t.Helper()
	if len(h.Items) == 0 || h.Items[0].ID != greetingID {
		t.Fatalf("history %+v does not start with the welcome", h.Items)
	}
	var m webfmt.Msg
	if err := json.Unmarshal(h.Items[0].Msg, &m); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range m.Parts {
		if p.Buttons != nil {
			for _, b := range p.Buttons.Items {
				if b.Token != "" {
					out = append(out, b.Token)
				}
			}
		}
	}
	return out
}

// The welcome's buttons are shared: every new visitor is shown the same,
// stored once, and any of them may click one, which is then answered in the
// visitor's own conversation without KM's welcome (the page showed one). The
// welcome is rebuilt after its time, while the old buttons still work.
func TestWelcomeButtonsShared(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	p := w.Boot(t, e2e.Options{Catalog: catalog})
	chat, err := New(Config{}, p.Host, option.Catalog(catalog), option.Clock(clock))
	if err != nil {
		t.Fatal(err)
	}
	p.Start(t, chat)
	base := p.Serve(t, chat).URL

	_, h1 := openTab(t, base, "")
	_, actions, _, _, _ := p.Store.Len()
	first := welcomeTokens(t, h1)
	if len(first) < 5 {
		t.Fatalf("the welcome has %d buttons, want the FAQ's", len(first))
	}
	tb, h2 := openTab(t, base, "")
	if strings.Join(welcomeTokens(t, h2), ",") != strings.Join(first, ",") {
		t.Fatal("a second visitor was shown other buttons: they are minted per visitor")
	}
	if _, n, _, _, _ := p.Store.Len(); n != actions {
		t.Fatalf("%d actions stored after the second visitor, %d after the first", n, actions)
	}
	f := tb.send(inFrame{Type: "click", Token: first[0], Ref: greetingID, Label: "FAQ"})
	if res := tb.result(f.ID); res.Type != "ack" {
		t.Fatalf("the click on a shared button: %+v", res)
	}
	answer := tb.await("msg", func(f outFrame) bool { return f.From == fromBot })
	if _, res := tb.say("/help"); res.Type != "ack" { // a marker: what came before it is all
		t.Fatal(res)
	}
	for f := tb.await("msg", func(f outFrame) bool { return f.From == fromBot }); !strings.Contains(string(f.Msg), "/faq"); f = tb.await("msg", func(f outFrame) bool { return f.From == fromBot }) {
		answer.Msg = append(answer.Msg, f.Msg...)
	}
	for _, no := range []string{
		catalog.Printer("en").T("bridge.foreign_click"), catalog.Printer("en").T("bridge.expired_button"),
		"Example Corp helpdesk bot", // KM's welcome: the page has shown one
	} {
		if strings.Contains(string(answer.Msg), no) {
			t.Fatalf("the click was answered %s", answer.Msg)
		}
	}

	mu.Lock()
	now = now.Add(chat.cfg.greetingTTL() + time.Second)
	mu.Unlock()
	tb3, h3 := openTab(t, base, "")
	// Shared tokens are content-addressed: a welcome rebuilt from the same
	// lists has the same tokens, stored again.
	if renewed := welcomeTokens(t, h3); strings.Join(renewed, ",") != strings.Join(first, ",") {
		t.Fatalf("the rebuilt welcome of the same lists has other tokens: %q, was %q", renewed, first)
	}
	f = tb3.send(inFrame{Type: "click", Token: first[1], Ref: greetingID})
	if res := tb3.result(f.ID); res.Type != "ack" {
		t.Fatalf("an old shared button after the rebuild: %+v", res)
	}
	if m := tb3.await("msg", func(f outFrame) bool { return f.From == fromBot }); strings.Contains(string(m.Msg), catalog.Printer("en").T("bridge.expired_button")) {
		t.Fatal("a welcome button shown before the rebuild expired with it")
	}
}
