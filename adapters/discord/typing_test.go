package discordadapter

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// typingServer is a Discord REST API that answers typing with 204, as
// Discord does, once release is closed, and records whether the typing
// request's connection was cut before it answered.
type typingServer struct {
	*httptest.Server
	started  chan struct{}
	release  chan struct{}
	typings  atomic.Int64
	messages atomic.Int64
	cut      atomic.Int64 // typing requests the client gave up on
}

func newTypingServer(t *testing.T) *typingServer {
	s := &typingServer{started: make(chan struct{}, 16), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/typing"):
			s.typings.Add(1)
			s.started <- struct{}{}
			select {
			case <-s.release:
			case <-r.Context().Done():
				s.cut.Add(1)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		case strings.HasSuffix(r.URL.Path, "/messages"):
			s.messages.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"900","channel_id":"55","content":"ok"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func typingAdapter(t *testing.T, srv *typingServer) *Adapter {
	t.Helper()
	a, err := New(Config{Token: "t", ApplicationID: "1", APIURL: srv.URL + "/api/v9/"}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var dm = bridge.DMKey(Platform, "", "55", "9")

// TestTypingRequestOutlivesItsCancel: the core cancels a typing indicator
// when the answer is ready. A typing request already sent runs to its end:
// cancelling it in flight closed the pooled connection it ran on, and net/http
// puts a connection whose answer has no body (typing's 204) back in the pool
// before the canceller hears of it, so another conversation's answer could
// take the connection and fail with "context canceled" (7 answers of 30,000
// lost under load, BENCHMARKS.md).
func TestTypingRequestOutlivesItsCancel(t *testing.T) {
	srv := newTypingServer(t)
	a := typingAdapter(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Typing(ctx, dm) }()
	<-srv.started
	cancel() // the answer is ready
	select {
	case err := <-done:
		t.Fatalf("Typing returned (%v) while its request was in flight: the request was cancelled", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(srv.release)
	if err := <-done; err != nil {
		t.Errorf("Typing = %v", err)
	}
	if n := srv.cut.Load(); n != 0 {
		t.Errorf("%d typing requests were cut in flight", n)
	}
}

// TestTypingTakesOnlySpareSlots: typing goes only while the global limit has
// room to spare, never waits for a slot and takes none an answer needs.
func TestTypingTakesOnlySpareSlots(t *testing.T) {
	srv := newTypingServer(t)
	close(srv.release)
	a := typingAdapter(t, srv)
	ctx := context.Background()
	if err := a.Typing(ctx, dm); err != nil || srv.typings.Load() != 1 {
		t.Fatalf("Typing on an idle bot: %v, %d typing calls", err, srv.typings.Load())
	}
	// Answers take the global slots down to the spare: typing is skipped.
	pacer := a.out.api.pacer
	for pacer.AllowSpare(globalSpare, globalKey) {
	}
	start := time.Now()
	if err := a.Typing(ctx, dm); err != nil {
		t.Fatal(err)
	}
	if n := srv.typings.Load(); n != 1 {
		t.Errorf("typing went with no slot to spare (%d calls)", n)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("typing waited %s", d)
	}
	// The answer still has its slots.
	if !pacer.Allow(globalKey) {
		t.Error("typing took a slot the answers needed")
	}
	if _, err := a.Send(ctx, dm, formatting.Plain("ok")); err != nil || srv.messages.Load() != 1 {
		t.Errorf("Send = %v, %d messages", err, srv.messages.Load())
	}
}
