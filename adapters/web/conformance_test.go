package webadapter

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

// TestConformance runs the adapter conformance suite against the chat with
// real WebSocket clients on loopback. The web chat's "platform" is the page:
// a delivery is acknowledged when the page is told (ack, or an error it need
// not resend), its posts are the conversation's history.
func TestConformance(t *testing.T) {
	bridgetest.AdapterSuite(t, &driver{})
}

// driver drives one adapter per case.
type driver struct {
	host *bridgetest.Host
	a    *Adapter
	base string

	mu   sync.Mutex
	tabs map[string]*tab // by user
}

func (d *driver) Skips() map[string]string {
	return map[string]string{
		bridgetest.CaseRateLimited: "the web chat is its own platform: nothing answers it 429",
	}
}

func (d *driver) Boot(t *testing.T, host bridge.Host) bridge.Adapter {
	d.host = host.(*bridgetest.Host)
	d.a = newAdapter(t, withRender(Config{RatePerMinute: 600, RateBurst: 100}, renderWeb), host)
	mux := http.NewServeMux()
	d.a.Routes(muxRouter{mux})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	d.base = srv.URL
	d.tabs = map[string]*tab{}
	return d.a
}

func (d *driver) Ready(t *testing.T) {
	waitFor(t, func() bool { return d.a.in.intake.Load() })
}

// tab is user's open tab, opened the first time.
func (d *driver) tab(t *testing.T, user string) *tab {
	d.mu.Lock()
	defer d.mu.Unlock()
	tb := d.tabs[user]
	if tb == nil {
		tb, _ = openTab(t, d.base, "")
		d.tabs[user] = tb
	}
	return tb
}

// inbound sends f on user's tab and reads what became of it.
func (d *driver) inbound(t *testing.T, user string, f inFrame) bridgetest.Inbound {
	tb := d.tab(t, user)
	f = tb.send(f)
	res := tb.result(f.ID)
	return bridgetest.Inbound{
		ID:    cidOfCookie(t, d.a, tb.cookie) + ":" + f.ID,
		Acked: res.Type == "ack" || !res.Retry,
		Raw:   [2]any{user, f},
	}
}

func (d *driver) UserSays(t *testing.T, user, text string) bridgetest.Inbound {
	return d.inbound(t, user, inFrame{Type: "text", Text: text})
}

func (d *driver) Redeliver(t *testing.T, in bridgetest.Inbound) bridgetest.Inbound {
	raw := in.Raw.([2]any)
	return d.inbound(t, raw[0].(string), raw[1].(inFrame))
}

func (d *driver) Click(t *testing.T, user string, ref bridge.MsgRef, token string) bridgetest.Inbound {
	return d.inbound(t, user, inFrame{Type: "click", Token: token, Ref: ref.ID})
}

func (d *driver) Unknown(t *testing.T) bridgetest.Inbound {
	return d.inbound(t, "someone", inFrame{Type: "reaction"})
}

func (d *driver) Fail429(t *testing.T, n int, retryAfter time.Duration) func() int {
	t.Fatal("skipped: no 429 on the web chat")
	return nil
}

func (d *driver) Posts(t *testing.T) []bridgetest.Post {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []bridgetest.Post
	for _, tb := range d.tabs {
		out = append(out, posts(t, d.host, keyFor(cidOfCookie(t, d.a, tb.cookie)))...)
	}
	return out
}
