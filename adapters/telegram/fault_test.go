package telegramadapter_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/kmclient"
)

// kill -9 between the acknowledgement and the answer, through telegram-bot-api
// and the fake Bot API: the first process accepts an update (its KM hangs, so
// it answers nothing) and dies; what it leaves on disk is all the next process
// has. The user gets exactly one answer: from the inbox when Telegram had the
// update confirmed, and still one when Telegram delivers it again because the
// confirmation never arrived.
func TestFaultKill9Telegram(t *testing.T) {
	for _, tc := range []struct {
		name      string
		confirmed bool // the confirmation reached Telegram before the death
	}{
		{"confirmed", true},
		{"confirmation lost, redelivered", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const q = "What is the Wi-Fi password?"
			w := newWorld(t, nil)
			dying := newDyingProcess(t, w)
			var p1 atomic.Pointer[process]
			crashed := make(chan string, 1)
			die := func() {
				p := p1.Load()
				dying.dead.Store(true) // nothing it sends from here reaches Telegram
				if !tc.confirmed {
					// The store's periodic snapshot ran after the claim: the
					// delivery id is on disk (memstore keeps dedupe ids only in
					// its snapshot; the inbox journal has the event at once).
					if err := p.Store.Snapshot(context.Background()); err != nil {
						t.Error(err)
					}
				}
				crashed <- crashCopy(t, w.StorePath)
				p.Kill()
			}
			opts := dying.options()
			if !tc.confirmed {
				opts.wrapHost = func(core bridge.Host, kill func()) bridge.Host {
					return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
						err := core.Deliver(ctx, d)
						if err == nil {
							die() // accepted; dead before the confirmation leaves
						}
						return err
					})
				}
			}
			p1.Store(w.boot(t, opts))
			id := w.fake.Push(telegramtest.Private(alice, q))
			if tc.confirmed {
				waitFor(t, "the update to be confirmed", func() bool { ok, _ := w.fake.Acked(id); return ok })
				die()
			}
			state := <-crashed
			pending := w.fake.Pending()
			if tc.confirmed != (len(pending) == 0) {
				t.Fatalf("pending updates at the death = %v", pending)
			}

			// The next process, on what the first left on disk.
			next := &world{World: &e2e.World{Sim: w.sim, KMURL: w.KMURL, StorePath: state}, t: t, fake: w.fake, sim: w.sim}
			p2 := next.boot(t, options{replay: 1})
			w.fake.WaitSend(t, "ExampleGuest")
			waitFor(t, "every update to be confirmed", func() bool { return len(w.fake.Pending()) == 0 })
			p2.stop()
			if !tc.confirmed && !strings.Contains(p2.logs.String(), "redelivered update skipped") {
				t.Errorf("the redelivery was not taken for a duplicate:\n%s", p2.logs.String())
			}
			w.answeredOnce(t, q, "ExampleGuest")
			if n := len(w.fake.SendsWith("Sorry")); n != 0 {
				t.Errorf("%d apologies, want none", n)
			}
		})
	}
}

// dyingProcess is the first process of a kill -9 test: its KM hangs (so it
// answers nothing) and its Bot API calls pass through a proxy that stops
// passing them when it dies.
type dyingProcess struct {
	dead    atomic.Bool
	proxy   *httptest.Server
	km      *httptest.Server
	release chan struct{}
}

func newDyingProcess(t *testing.T, w *world) *dyingProcess {
	d := &dyingProcess{release: make(chan struct{})}
	target, err := url.Parse(w.fake.URL())
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	d.proxy = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if d.dead.Load() {
			// A dead process's requests never arrive.
			if hj, ok := rw.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			http.Error(rw, "dead", http.StatusBadGateway)
			return
		}
		rp.ServeHTTP(rw, r)
	}))
	d.km = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-d.release:
		case <-r.Context().Done():
		}
		http.Error(rw, "gone", http.StatusServiceUnavailable)
	}))
	t.Cleanup(d.km.Close)
	t.Cleanup(d.proxy.Close)
	return d
}

// options boot the dying process: KM is the hanging server, Telegram the proxy.
// Its leftovers are released before it is stopped at the end of the test.
func (d *dyingProcess) options() options {
	return options{
		km: func(c *kmclient.Config) { c.BaseURL, c.MaxRetries = d.km.URL+"/api", -1 },
		tg: func(c *telegramadapter.Config) { c.APIEndpoint = d.proxy.URL + "/bot%s/%s" },
		booted: func(t testing.TB, _ *process) {
			t.Cleanup(func() { close(d.release) }) // before the process's Stop
		},
	}
}

// crashCopy copies the store's files as a killed process leaves them: the
// snapshot and the inbox journal next to it.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	for _, suffix := range []string{"", ".inbox"} {
		b, err := os.ReadFile(path + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}
