package slackadapter

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

// deliveries counts what reached the core and how it answered.
type deliveries struct{ refused, accepted, duplicates atomic.Int32 }

// refusingOnce is a host that refuses its first delivery as the core does
// while it shuts down, then hands deliveries to the core.
func refusingOnce(n *deliveries) func(core bridge.Host, _ func()) bridge.Host {
	return func(core bridge.Host, _ func()) bridge.Host {
		var calls atomic.Int32
		return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
			if calls.Add(1) == 1 {
				n.refused.Add(1)
				return bridge.ErrClosed
			}
			err := core.Deliver(ctx, d)
			switch {
			case err == nil:
				n.accepted.Add(1)
			case errors.Is(err, bridge.ErrDuplicate):
				n.duplicates.Add(1)
			}
			return err
		})
	}
}

// An event the core refuses (it is shutting down) is not acknowledged, and
// Slack's redelivery of it is answered rather than dropped as a duplicate.
func TestRefusedEventIsRedeliveredNotLost(t *testing.T) {
	var n deliveries
	e := newEnv(t, envOpts{wrap: refusingOnce(&n)})
	id := slacktest.NewEventID()
	ev := slacktest.IMMessage("D1", "U1", qWifi)
	if code, body := e.post(PathEvents, "application/json", slacktest.Callback(id, ev)); code != http.StatusServiceUnavailable {
		t.Fatalf("refused event: HTTP %d %s, want 503 so that Slack delivers it again", code, body)
	}
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "1"))
	e.waitPosted("D1", 2)
	if r, a := n.refused.Load(), n.accepted.Load(); r != 1 || a != 1 {
		t.Errorf("refused %d, accepted %d, want 1 and 1 (refused, then the redelivery)", r, a)
	}
	// Accepted once: a further redelivery is a duplicate.
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "2"))
	if a, d := n.accepted.Load(), n.duplicates.Load(); a != 1 || d != 1 {
		t.Errorf("accepted %d, duplicates %d after a redelivery of an accepted event, want 1 and 1", a, d)
	}
}

// A slash command the core refuses is not acknowledged: Slack tells the user
// it failed instead of nothing happening.
func TestRefusedCommandIsNotAcknowledged(t *testing.T) {
	var n deliveries
	e := newEnv(t, envOpts{wrap: refusingOnce(&n)})
	body := []byte("command=%2Fask&text=hello&user_id=U1&channel_id=D1&trigger_id=T" + slacktest.NewEventID())
	if code, _ := e.post(PathCommands, "application/x-www-form-urlencoded", body); code != http.StatusServiceUnavailable {
		t.Errorf("refused command: HTTP %d, want 503", code)
	}
}
