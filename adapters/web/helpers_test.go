package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// fakeBridge records the events the adapter hands over.
type fakeBridge struct {
	mu     sync.Mutex
	events []bridge.Event
	err    error
	got    chan bridge.Event
}

func newFakeBridge() *fakeBridge { return &fakeBridge{got: make(chan bridge.Event, 100)} }

func (f *fakeBridge) handle(_ context.Context, ev bridge.Event) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, ev)
	f.got <- ev
	return f.err
}

func (f *fakeBridge) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

func (f *fakeBridge) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

// next waits for the next event.
func (f *fakeBridge) next(t *testing.T) bridge.Event {
	t.Helper()
	select {
	case ev := <-f.got:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
		return nil
	}
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

type harness struct {
	a   *Adapter
	fb  *fakeBridge
	srv *httptest.Server
}

// start runs an adapter with cfg behind httptest and a fake bridge.
func start(t *testing.T, cfg Config) *harness {
	t.Helper()
	a := New(cfg, nil, nil)
	a.render = fakeRender
	fb := newFakeBridge()
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, fb.handle) }()
	waitFor(t, func() bool { h, _ := a.handler(); return h != nil })
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
		srv.Close()
	})
	return &harness{a: a, fb: fb, srv: srv}
}

func (h *harness) wsURL() string { return "ws" + strings.TrimPrefix(h.srv.URL, "http") + "/ws" }

// dial opens a socket with the given cookie (sid "" sends none) from our own origin.
func (h *harness) dial(t *testing.T, sid string, hdr http.Header) (*websocket.Conn, *http.Response) {
	t.Helper()
	if hdr == nil {
		hdr = http.Header{}
	}
	if hdr.Get("Origin") == "" {
		hdr.Set("Origin", h.srv.URL)
	}
	if sid != "" {
		hdr.Set("Cookie", cookieName+"="+sid)
	}
	c, resp, err := websocket.DefaultDialer.Dial(h.wsURL(), hdr)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { c.Close() })
	return c, resp
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

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// connected dials with a fresh cookie and consumes the history frame and the
// greeting event.
func (h *harness) connected(t *testing.T) (*websocket.Conn, string) {
	t.Helper()
	sid := newSID()
	c, _ := h.dial(t, sid, nil)
	if f := frame(t, c); f.Type != "history" {
		t.Fatalf("first frame %s, want history", f.Type)
	}
	if ev, ok := h.fb.next(t).(bridge.Command); !ok || ev.Name != "start" {
		t.Fatalf("greeting event = %#v, want Command start", ev)
	}
	return c, sid
}
