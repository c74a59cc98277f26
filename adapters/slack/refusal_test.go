package slackadapter

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
)

// refusingOnce runs the adapter with a handler that refuses its first event as
// the core does while it shuts down, then hands events to the core.
func refusingOnce(t *testing.T, e *env) *atomic.Int32 {
	t.Helper()
	var calls atomic.Int32
	h := func(ctx context.Context, ev bridge.Event) error {
		if calls.Add(1) == 1 {
			return bridge.ErrClosed
		}
		return e.core.Handle(ctx, ev)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ad.Run(ctx, h) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "the adapter runs", func() bool { return e.ad.currentHandler() != nil })
	return &calls
}

// An event the core refuses (it is shutting down) is not acknowledged, and
// Slack's redelivery of it is answered rather than dropped as a duplicate.
func TestRefusedEventIsRedeliveredNotLost(t *testing.T) {
	e := newEnv(t, envOpts{noRun: true})
	calls := refusingOnce(t, e)
	id := newEventID()
	ev := imMessage("D1", "U1", qWifi)
	if code, body := e.post(PathEvents, "application/json", callback(id, ev)); code != http.StatusServiceUnavailable {
		t.Fatalf("refused event: HTTP %d %s, want 503 so that Slack delivers it again", code, body)
	}
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "1"))
	e.waitPosted("D1", 2)
	if n := calls.Load(); n != 2 {
		t.Errorf("handler calls = %d, want 2 (refused, then the redelivery)", n)
	}
	// Accepted once: a further redelivery is a duplicate.
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "2"))
	if n := calls.Load(); n != 2 {
		t.Errorf("handler calls = %d after a redelivery of an accepted event, want 2", n)
	}
}

// A slash command the core refuses is not acknowledged: Slack tells the user
// it failed instead of nothing happening.
func TestRefusedCommandIsNotAcknowledged(t *testing.T) {
	e := newEnv(t, envOpts{noRun: true})
	refusingOnce(t, e)
	body := []byte("command=%2Fask&text=hello&user_id=U1&channel_id=D1&trigger_id=T" + newEventID())
	if code, _ := e.post(PathCommands, "application/x-www-form-urlencoded", body); code != http.StatusServiceUnavailable {
		t.Errorf("refused command: HTTP %d, want 503", code)
	}
}
