package bridge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
)

// stalledSeen is a store whose Seen hangs until its context ends, like a Redis that
// stopped answering.
type stalledSeen struct{ bridge.Store }

func (stalledSeen) Seen(ctx context.Context, _ string, _ time.Duration) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}

// Adapters call Seen before acknowledging a delivery: a stalled store must make it
// fail within SeenTimeout, not hold the ack past the platform's deadline.
func TestSeenIsBoundedForAcks(t *testing.T) {
	ms, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig()
	cfg.SeenTimeout = 200 * time.Millisecond
	core, err := bridge.New(cfg, bridge.Deps{KM: newFakeKM(), Store: stalledSeen{ms}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = core.Shutdown(context.Background()) })
	start := time.Now()
	_, err = core.Seen(context.Background(), "slack", "Ev1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Seen on a stalled store: err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Seen took %s, want about the 200ms SeenTimeout", d)
	}
}
