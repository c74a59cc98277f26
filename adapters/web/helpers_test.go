package webadapter

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// withRender renders with fn instead of the test default, fakeRender.
func withRender(cfg Config, fn func(formatting.Message) (json.RawMessage, error)) Config {
	cfg.render = fn
	return cfg
}

// fakeRender stands in for webfmt: the message's plain text as {"text": …}.
func fakeRender(m formatting.Message) (json.RawMessage, error) {
	var sb strings.Builder
	for _, b := range m.Blocks {
		if t, ok := b.(*formatting.Text); ok {
			for _, rb := range t.Rich {
				if p, ok := rb.(*formatting.Para); ok {
					for _, s := range p.Spans {
						sb.WriteString(s.Text)
					}
				}
			}
		}
	}
	if sb.Len() == 0 {
		return nil, errors.New("fake render: nothing to render")
	}
	return json.Marshal(map[string]string{"text": sb.String()})
}

// muxRouter is a ServeMux as a bridge.Router.
type muxRouter struct{ *http.ServeMux }

func (m muxRouter) HandleLimit(p string, h http.Handler, _ int64) { m.Handle(p, h) }

// newAdapter builds an adapter on host, with fakeRender unless cfg chose.
func newAdapter(t testing.TB, cfg Config, host bridge.Host, opts ...Option) *Adapter {
	t.Helper()
	if cfg.render == nil {
		cfg.render = fakeRender
	}
	a, err := New(cfg, host, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

type harness struct {
	a    *Adapter
	host *bridgetest.Host
	srv  *httptest.Server
	seen int // deliveries next has returned
}

// start runs an adapter with cfg on a recording host behind httptest.
func start(t *testing.T, cfg Config, opts ...Option) *harness {
	t.Helper()
	host := bridgetest.NewHost()
	a := newAdapter(t, cfg, host, opts...)
	mux := http.NewServeMux()
	a.Routes(muxRouter{mux})
	srv := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, func() bool { return a.in.intake.Load() })
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		srv.Close()
	})
	return &harness{a: a, host: host, srv: srv}
}

// next waits for the next accepted delivery and returns its event.
func (h *harness) next(t *testing.T) bridge.Event {
	t.Helper()
	ds := h.host.WaitDeliveries(t, h.seen+1, 10*time.Second)
	h.seen++
	return ds[h.seen-1].Event
}

// count is how many deliveries have been accepted.
func (h *harness) count() int { return len(h.host.Deliveries()) }

func (h *harness) wsURL() string { return "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/ws" }

// dial opens a socket with the given cookie value ("" sends none) from our
// own origin.
func (h *harness) dial(t *testing.T, cookie string, hdr http.Header) (*websocket.Conn, *http.Response) {
	t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	if hdr.Get("Origin") == "" {
		hdr.Set("Origin", h.srv.URL)
	}
	if cookie != "" {
		hdr.Set("Cookie", cookieName+"="+cookie)
	}
	c, resp, err := websocket.DefaultDialer.Dial(h.wsURL(), hdr)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c, resp
}

// connected dials as a new browser and reads its history frame (the
// welcome); it returns the socket, the cookie the chat issued and the
// conversation id.
func (h *harness) connected(t *testing.T) (*websocket.Conn, string, string) {
	t.Helper()
	c, resp := h.dial(t, "", nil)
	cookie := cookieOf(resp)
	if cookie == "" {
		t.Fatal("no cookie for a new browser")
	}
	if f := frame(t, c); f.Type != "history" || len(f.Items) != 1 || f.Items[0].ID != greetingID {
		t.Fatalf("first frame %+v, want the history with the welcome alone", f)
	}
	return c, cookie, h.cid(t, cookie)
}

// cid is the conversation id of a cookie the chat issued.
func (h *harness) cid(t testing.TB, cookie string) string {
	t.Helper()
	return cidOfCookie(t, h.a, cookie)
}

func cidOfCookie(t testing.TB, a *Adapter, cookie string) string {
	t.Helper()
	r, _ := http.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", cookieName+"="+cookie)
	v, err := a.ids.visitorOf(context.Background(), r)
	if err != nil || v.cookie != nil {
		t.Fatalf("cookie %q is not one the chat issued (%v)", cookie, err)
	}
	return v.cid
}

func cookieOf(resp *http.Response) string {
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			return ck.Value
		}
	}
	return ""
}

// frame reads the next frame.
func frame(t *testing.T, c *websocket.Conn) outFrame {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var f outFrame
	if err := c.ReadJSON(&f); err != nil {
		t.Fatalf("read frame: %v", err)
	}
	return f
}

// frameOf reads frames until one of type typ, failing on any other type except
// those listed in skip.
func frameOf(t *testing.T, c *websocket.Conn, typ string, skip ...string) outFrame {
	t.Helper()
	for {
		f := frame(t, c)
		if f.Type == typ {
			return f
		}
		ok := false
		for _, s := range skip {
			ok = ok || s == f.Type
		}
		if !ok {
			t.Fatalf("got %s frame %+v, want %s", f.Type, f, typ)
		}
	}
}

func send(t *testing.T, c *websocket.Conn, v any) {
	t.Helper()
	if err := c.WriteJSON(v); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testClient is a client not on a socket: what is sent to it stays in its
// queue.
func testClient(cid string) *client {
	return &client{cid: cid, ip: "192.0.2.1", send: make(chan []byte, sendQueueSize), kick: make(chan struct{})}
}

// newCID returns a conversation id of the right shape.
func newCID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b64.EncodeToString(b)
}
