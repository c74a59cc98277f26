package webadapter_test

import (
	"context"
	"errors"
	"testing"

	"github.com/chromedp/chromedp"

	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

// A typed message the server refuses (here: over the rate limit) is not lost
// with the cleared composer: it comes back into the input, next to the
// notice, ready to be sent again. One that arrives stays out of the input.
func TestBrowserRefusedTextComesBack(t *testing.T) {
	needChromium(t)
	host := bridgetest.NewHost()
	b := openChat(t, webadapter.Config{RatePerMinute: 1, RateBurst: 1}, host)

	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "first question\r")); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, host, "the first message", func(ev bridge.Event) bool { m, ok := ev.(bridge.Message); return ok && m.Text == "first question" })
	waitJS(t, b, "the first message echoed", `[...document.querySelectorAll('#kmb-log .turn.user')].some(e => e.innerText.includes('first question'))`)
	// (chromedp types the Enter's newline after the page handled the key)
	waitJS(t, b, "the composer empty after a message that arrived", `document.getElementById('kmb-input').value.trim() === ''`)

	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "second question\r")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the too-fast notice", `!document.getElementById('kmb-notice').hidden`)
	waitJS(t, b, "the refused text back in the composer", `document.getElementById('kmb-input').value.trim() === 'second question'`)
	for _, ev := range host.Events() {
		if m, ok := ev.(bridge.Message); ok && m.Text == "second question" {
			t.Errorf("the refused message reached the bridge")
		}
	}
}

// A message the server could not take for now (the core refused it: a store
// failure) is sent again by the page, with the same id, and taken once.
func TestBrowserRetriedMessageTakenOnce(t *testing.T) {
	needChromium(t)
	host := bridgetest.NewHost()
	host.FailNext(errors.New("store down"), errors.New("store down"))
	b := openChat(t, webadapter.Config{}, host)
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "are you there?\r")); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, host, "the message, after two refusals", func(ev bridge.Event) bool { m, ok := ev.(bridge.Message); return ok && m.Text == "are you there?" })
	waitJS(t, b, "the message echoed once", `[...document.querySelectorAll('#kmb-log .turn.user')].filter(e => e.innerText.includes('are you there?')).length === 1`)
	tries := host.Tries()
	if len(tries) != 3 || tries[0].ID == "" || tries[1].ID != tries[0].ID || tries[2].ID != tries[0].ID {
		t.Errorf("deliveries %+v, want three tries of one id", tries)
	}
	if n := len(host.Deliveries()); n != 1 {
		t.Errorf("%d deliveries accepted, want 1", n)
	}
}

// openChat serves a chat with cfg on host and opens it in a browser, whose
// context it returns once the page's socket is open.
func openChat(t *testing.T, cfg webadapter.Config, host *bridgetest.Host) context.Context {
	t.Helper()
	chat, err := webadapter.New(cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	base := serveChat(t, chat)
	b := browser(t)
	if err := chromedp.Do(b, chromedp.Navigate(base)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the socket open", `!document.getElementById('kmb-send').disabled`)
	return b
}
