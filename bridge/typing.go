package bridge

import (
	"context"
	"sync"
	"time"
)

// typing shows the typing indicator now and renews it every TypingInterval until
// the returned stop is called (stop waits for the renewal goroutine to end and is
// safe to call more than once). Adapters without Typer get a no-op.
func (t *turn) typing() (stop func()) {
	ty, ok := t.a.(Typer)
	if !ok {
		return func() {}
	}
	if sc, ok := ty.(TypingScoper); ok && !sc.Types(t.key) {
		return func() {}
	}
	ctx, cancel := context.WithCancel(t.ctx)
	done := make(chan struct{})
	show := func() {
		// A typing call must not outlive one interval: it is advisory.
		cctx, ccancel := context.WithTimeout(ctx, t.c.cfg.TypingInterval)
		defer ccancel()
		if err := ty.Typing(cctx, t.key); err != nil && ctx.Err() == nil {
			t.log.Debug("bridge: typing indicator failed", "err", redact(err))
		}
	}
	go func() {
		defer close(done)
		show()
		tick := time.NewTicker(t.c.cfg.TypingInterval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				show()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}
