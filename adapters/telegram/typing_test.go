package telegramadapter

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
)

// typingBotAPI answers sendChatAction once release is closed and counts the
// requests the client cut before it answered.
type typingBotAPI struct {
	*httptest.Server
	started chan struct{}
	release chan struct{}
	calls   atomic.Int64
	cut     atomic.Int64
}

func newTypingBotAPI(t *testing.T) *typingBotAPI {
	s := &typingBotAPI{started: make(chan struct{}, 16), release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/sendChatAction") {
			http.NotFound(w, r)
			return
		}
		s.calls.Add(1)
		s.started <- struct{}{}
		select {
		case <-s.release:
		case <-r.Context().Done():
			s.cut.Add(1)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true,"result":true}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *typingBotAPI) adapter(t *testing.T) *Adapter {
	t.Helper()
	a, err := New(Config{Token: "1:secret-token-xyz", APIEndpoint: s.URL + "/bot%s/%s"}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var typingChat = bridge.DMKey("telegram", "", "42", "42")

// TestTypingRequestOutlivesItsCancel: a typing request already sent runs to
// its end when the core cancels typing (the answer is ready): cancelling it
// in flight would close its pooled connection, for the next call to dial
// anew.
func TestTypingRequestOutlivesItsCancel(t *testing.T) {
	srv := newTypingBotAPI(t)
	a := srv.adapter(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Typing(ctx, typingChat) }()
	<-srv.started
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Typing returned (%v) while its request was in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(srv.release)
	if err := <-done; err != nil {
		t.Errorf("Typing = %v", err)
	}
	if n := srv.cut.Load(); n != 0 {
		t.Errorf("%d typing requests cut in flight", n)
	}
}

// TestTypingTakesOnlySpareSlots: typing goes while the global limit (30 a
// second) has room to spare; when answers have taken all but the spare it is
// skipped at once, and the answers keep their slots. (Before, typing waited
// for a global slot and kept it when the answer cancelled it: each answer
// cost two of the 30, and Telegram sustained 16 answers a second.)
func TestTypingTakesOnlySpareSlots(t *testing.T) {
	srv := newTypingBotAPI(t)
	close(srv.release)
	a := srv.adapter(t)
	ctx := context.Background()
	if err := a.Typing(ctx, typingChat); err != nil || srv.calls.Load() != 1 {
		t.Fatalf("Typing on an idle bot: %v, %d calls", err, srv.calls.Load())
	}
	pace := a.send.api.pace
	for pace.AllowSpare(a.send.api.typingSpare, globalKey) {
	}
	start := time.Now()
	if err := a.Typing(ctx, typingChat); err != nil {
		t.Fatal(err)
	}
	if n := srv.calls.Load(); n != 1 {
		t.Errorf("typing went with no slot to spare (%d calls)", n)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("typing waited %s", d)
	}
	for i := range a.send.api.typingSpare {
		if !pace.Allow(globalKey) {
			t.Fatalf("answer %d of the spare found no slot: typing took it", i+1)
		}
	}
}
