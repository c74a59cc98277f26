package web_test

import (
	"context"
	"net"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/httpserver"
)

// A typed message the server refuses (here: over the rate limit) is not lost
// with the cleared composer: it comes back into the input, next to the
// notice, ready to be sent again. One that arrives stays out of the input.
func TestBrowserRefusedTextComesBack(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("browser test skipped: %s not found (apt-get install -y chromium)", chromium)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chat := web.New(web.Config{RatePerMinute: 1, RateBurst: 1}, nil, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(httpserver.Options{Listener: ln})
	chat.Routes(srv)
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	srvDone, chatDone := make(chan error, 1), make(chan error, 1)
	go func() { srvDone <- srv.Run(ctx) }()
	go func() { chatDone <- chat.Run(ctx, rec.handle) }()
	<-srv.Started()
	t.Cleanup(func() {
		cancel()
		if err := <-chatDone; err != nil {
			t.Errorf("chat.Run: %v", err)
		}
		if err := <-srvDone; err != nil {
			t.Errorf("server.Run: %v", err)
		}
	})
	base := "http://" + ln.Addr().String() + "/"

	b := browser(t)
	if err := chromedp.Do(b, chromedp.Navigate(base)); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "greeting", func(ev bridge.Event) bool { c, ok := ev.(bridge.Command); return ok && c.Name == "start" })
	waitJS(t, b, "the socket open", `!document.getElementById('kmb-send').disabled`)

	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "first question\r")); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "the first message", func(ev bridge.Event) bool { m, ok := ev.(bridge.Message); return ok && m.Text == "first question" })
	waitJS(t, b, "the first message echoed", `[...document.querySelectorAll('#kmb-log .turn.user')].some(e => e.innerText.includes('first question'))`)
	// (chromedp types the Enter's newline after the page handled the key)
	waitJS(t, b, "the composer empty after a message that arrived", `document.getElementById('kmb-input').value.trim() === ''`)

	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "second question\r")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the too-fast notice", `!document.getElementById('kmb-notice').hidden`)
	waitJS(t, b, "the refused text back in the composer", `document.getElementById('kmb-input').value === 'second question'`)
	if rec.find(func(ev bridge.Event) bool { m, ok := ev.(bridge.Message); return ok && m.Text == "second question" }) != nil {
		t.Errorf("the refused message reached the bridge")
	}
}
