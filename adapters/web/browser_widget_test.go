package webadapter_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/httpserver"
)

// TestBrowserWidget puts the widget on a page of another site (localhost vs
// 127.0.0.1), opens it, sees the chat greet inside the iframe, and closes it
// from the chat's own close button.
func TestBrowserWidget(t *testing.T) {
	needChromium(t)
	// The host site.
	hostLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, hostPort, _ := net.SplitHostPort(hostLn.Addr().String())
	hostOrigin := "http://localhost:" + hostPort

	// The chat, allowing the host site to frame it.
	chatLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	chatBase := "http://" + chatLn.Addr().String() + "/"
	chat, err := webadapter.New(webadapter.Config{AllowedOrigins: []string{hostOrigin}}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(httpserver.Options{Listener: chatLn})
	chat.Routes(srv)
	host := httpserver.New(httpserver.Options{Listener: hostLn})
	host.Handle("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Shop</title><h1>Shop</h1><script src="%swidget.js" async></script>`, chatBase)
	}))
	host.Handle("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 3)
	go func() { errs <- srv.Run(ctx) }()
	go func() { errs <- host.Run(ctx) }()
	go func() { errs <- chat.Run(ctx) }()
	<-srv.Started()
	<-host.Started()
	t.Cleanup(func() {
		cancel()
		for range 3 {
			if err := <-errs; err != nil {
				t.Errorf("run: %v", err)
			}
		}
	})

	b := browser(t)
	problems := watchConsole(b, chatBase)
	if err := chromedp.Do(b, chromedp.EmulateViewport(1024, 768), chromedp.Navigate(hostOrigin+"/")); err != nil {
		t.Fatal(err)
	}
	launcher := `document.querySelector('button[aria-label="Open chat"]')`
	waitJS(t, b, "the chat button", launcher+` !== null`)
	if _, err := chromedp.Run(b, chromedp.Evaluate[chromedp.Void](launcher+`.setAttribute('data-test', 'open')`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`[data-test="open"]`))); err != nil {
		t.Fatal(err)
	}
	frame := `document.querySelector('iframe[src^="` + chatBase + `"]')`
	waitJS(t, b, "the chat iframe", frame+` !== null && `+frame+`.style.display === 'block' && `+frame+`.src.includes('embed=1')`)

	// Inside the iframe (its own target: another site).
	var fctx context.Context
	deadline := time.Now().Add(30 * time.Second)
	for fctx == nil && time.Now().Before(deadline) {
		infos, err := chromedp.Targets(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, chatBase) {
				c, cancel := chromedp.NewContext(b, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				fctx = c
			}
		}
		if fctx == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	if fctx == nil {
		t.Fatal("the chat iframe never became a target")
	}
	waitJS(t, fctx, "the welcome inside the widget",
		`document.getElementById('kmb-log').innerText.includes('Hello! How can I help you today?')`)
	waitJS(t, fctx, "the embedded close button", `!document.getElementById('kmb-close').hidden`)
	if err := chromedp.Do(fctx, chromedp.Click(chromedp.ID("kmb-close"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the widget closed", frame+`.style.display === 'none' && `+launcher+`.getAttribute('aria-expanded') === 'false'`)

	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged errors:\n%s", strings.Join(p, "\n"))
	}
}
