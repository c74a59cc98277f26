package bridgetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

// The Host leads at once; SetLeading(false) ends the run as a lost lease does
// and Lead stands by until SetLeading(true) runs it again; Once is true once.
func TestHostCoordinator(t *testing.T) {
	h := bridgetest.NewHost()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runs := make(chan context.Context, 4)
	done := make(chan error, 1)
	go func() {
		done <- h.Lead(ctx, "telegram:poll", func(rctx context.Context) error {
			runs <- rctx
			<-rctx.Done()
			return rctx.Err()
		})
	}()
	first := <-runs
	h.SetLeading(false)
	<-first.Done()
	select {
	case <-runs:
		t.Fatal("ran again while another replica leads")
	case <-time.After(50 * time.Millisecond):
	}
	h.SetLeading(true)
	second := <-runs
	cancel()
	<-second.Done()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Lead = %v, want the run's context error", err)
	}
	if got := h.Leads(); len(got) != 1 || got[0] != "telegram:poll" {
		t.Errorf("Leads = %q", got)
	}

	for i, want := range []bool{true, false} {
		if ok, err := h.Once(context.Background(), "commands", time.Hour); ok != want || err != nil {
			t.Errorf("Once #%d = %v, %v; want %v", i+1, ok, err, want)
		}
	}
}
