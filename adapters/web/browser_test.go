package webadapter_test

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/kmbridge/kmbridge/adapters/option"
	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
)

var (
	artifacts = flag.String("artifacts", "../../artifacts", "where the browser test saves webchat.png")
	update    = flag.Bool("update", false, "also copy the screenshot to ../../docs/webchat.png (the README's)")
)

const chromium = "/usr/bin/chromium"

// stack is the whole bridge on loopback (bridgetest/e2e): the KM
// simulator, the KM client, the core with the memory store, the web adapter
// and the shared HTTP server.
type stack struct {
	url string
	cat *i18n.Catalog
}

func startStack(t *testing.T) *stack {
	t.Helper()
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	p := w.Boot(t, e2e.Options{Catalog: cat})
	chat, err := webadapter.New(webadapter.Config{}, p.Host, option.Catalog(cat), option.Logger(p.Logger("web")))
	if err != nil {
		t.Fatal(err)
	}
	p.Start(t, chat)
	srv := p.Serve(t, chat)
	return &stack{url: srv.URL + "/", cat: cat}
}

// needChromium skips a browser test without Chromium, or fails it when CI is
// set: there the browser tests must run.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set, so the browser tests must run, but %s is missing (apt-get install -y chromium)", chromium)
		}
		t.Skipf("browser test skipped: %s not found (apt-get install -y chromium)", chromium)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
}

// serveChat serves chat's routes on the shared HTTP server on loopback and
// runs it until the test ends; it returns the chat's base URL.
func serveChat(t *testing.T, chat *webadapter.Adapter) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httpserver.New(httpserver.Options{Listener: ln})
	chat.Routes(srv)
	ctx, cancel := context.WithCancel(context.Background())
	srvDone, chatDone := make(chan error, 1), make(chan error, 1)
	go func() { srvDone <- srv.Run(ctx) }()
	go func() { chatDone <- chat.Run(ctx) }()
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
	return "http://" + ln.Addr().String() + "/"
}

// waitEvent waits until host has accepted an event matching match.
func waitEvent(t *testing.T, host *bridgetest.Host, what string, match func(bridge.Event) bool) bridge.Event {
	t.Helper()
	var got bridge.Event
	bridgetest.Eventually(t, 30*time.Second, func() error {
		for _, ev := range host.Events() {
			if match(ev) {
				got = ev
				return nil
			}
		}
		return fmt.Errorf("no %s event", what)
	})
	return got
}

// browser starts headless Chromium with the flags CI uses and a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, tcancel := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { tcancel(); cancel(); acancel() })
	return ctx
}

// waitJS polls a JavaScript predicate until it is truthy.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(45*time.Second), chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		dump, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("kmb-log").innerText`))
		t.Fatalf("%s: %v\nthe chat shows:\n%s", what, err, dump)
	}
}

// botTurns counts the assistant's messages.
const botTurns = `document.querySelectorAll("#kmb-log .turn.bot").length`

// lastBotText is the text of the newest assistant message.
const lastBotText = `(() => { const b = document.querySelectorAll("#kmb-log .turn.bot"); return b.length ? b[b.length-1].innerText : ""; })()`

// watchConsole collects what the page logs as an error: exceptions, CSP
// violations, failed loads from our own server.
func watchConsole(ctx context.Context, base string) (problems func() []string) {
	var (
		mu  sync.Mutex
		out []string
	)
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if strings.Contains(m.Text, "net::ERR_") && !strings.HasPrefix(m.URL, base) {
				continue // the sample KB's pictures live on example hosts; the test is offline
			}
			if m.IsException() || m.Type == chromedp.ConsoleError || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				out = append(out, m.String())
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), out...)
	}
}

// saveScreenshot writes the viewport to the artifacts folder and, when docs is
// set, to docs/ for the README.
func saveScreenshot(t *testing.T, ctx context.Context, name string, docs bool) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{*artifacts}
	if docs {
		dirs = append(dirs, "../../docs")
	}
	for _, dir := range dirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot: %s", filepath.Join(*artifacts, name))
}

func jsString(s string) string { return fmt.Sprintf("%q", s) } // a Go-quoted string is a valid JS string here

func TestBrowserChat(t *testing.T) {
	needChromium(t)
	st := startStack(t)
	ctx := browser(t)
	p := st.cat.Printer("en")

	problems := watchConsole(ctx, st.url)

	// 1. The page greets a new browser with the welcome and FAQ buttons.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(480, 900), chromedp.Navigate(st.url)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "welcome with FAQ buttons",
		`document.querySelectorAll("#kmb-log .turn.bot button.btn").length > 0`)
	saveScreenshot(t, ctx, "webchat-welcome.png", false)

	// 2. A typed question gets its answer.
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](botTurns))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("kmb-input"), "how do I reset my password"),
		chromedp.Click(chromedp.ID("kmb-send")),
	); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the question echoed on the right",
		`[...document.querySelectorAll("#kmb-log .turn.user")].some(e => e.innerText.includes("how do I reset my password"))`)
	waitJS(t, ctx, "the password answer",
		fmt.Sprintf(`%s > %d && /password/i.test(%s)`, botTurns, n, lastBotText))

	// 3. Click a suggested question of that answer; its answer follows.
	label, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const b = document.querySelectorAll("#kmb-log .turn.bot");
		const btn = [...b[b.length-1].querySelectorAll("button.btn")].find(x => !/^[👍👎]/u.test(x.textContent));
		if (!btn) return "";
		btn.setAttribute("data-test", "suggested");
		return btn.textContent;
	})()`))
	if err != nil || label == "" {
		t.Fatalf("no suggested question under the answer (%v)", err)
	}
	n, _ = chromedp.Run(ctx, chromedp.Evaluate[int](botTurns))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-test="suggested"]`))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the suggested question's answer", fmt.Sprintf(`%s > %d`, botTurns, n))

	// 4. Rate that answer 👍 and see the thanks.
	waitJS(t, ctx, "a 👍 button on the newest answer", `(() => {
		const b = document.querySelectorAll("#kmb-log .turn.bot");
		for (let i = b.length - 1; i >= 0; i--) {
			const up = [...b[i].querySelectorAll("button.btn")].find(x => x.textContent.includes("👍"));
			if (up) { up.setAttribute("data-test", "up"); return true; }
		}
		return false;
	})()`)
	n, _ = chromedp.Run(ctx, chromedp.Evaluate[int](botTurns))
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-test="up"]`))); err != nil {
		t.Fatal(err)
	}
	thanks := p.T("bridge.rated_thanks")
	waitJS(t, ctx, "the thanks for rating",
		fmt.Sprintf(`%s > %d && document.getElementById("kmb-log").innerText.includes(%s)`, botTurns, n, jsString(thanks)))
	// The one retirement policy: the rating group gives way to the choice.
	waitJS(t, ctx, "the rating buttons retired", `document.querySelector('[data-test="up"]') === null && `+
		`[...document.querySelectorAll("#kmb-log .turn.bot .rich.context")].some(e => e.textContent.includes("✓ 👍"))`)

	// 5. Reload: the history comes back.
	before, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#kmb-log .turn").length`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the history after reload", fmt.Sprintf(
		`document.querySelectorAll("#kmb-log .turn").length >= %d && document.getElementById("kmb-log").innerText.includes(%s) && document.getElementById("kmb-status").hidden`,
		before, jsString(thanks)))
	if fits, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollHeight <= window.innerHeight`)); !fits {
		t.Error("the page itself scrolls; only the conversation should")
	}
	waitJS(t, ctx, "the retired rating after reload",
		`[...document.querySelectorAll("#kmb-log .turn.bot .rich.context")].some(e => e.textContent.includes("✓ 👍"))`)

	// The screenshot for the README.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`(() => { const l = document.getElementById("kmb-log"); l.style.scrollBehavior = "auto"; l.scrollTop = l.scrollHeight; })()`)); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(t, ctx, "webchat.png", *update)

	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged errors (CSP violations, exceptions):\n%s", strings.Join(p, "\n"))
	}
}
