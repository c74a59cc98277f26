package discordadapter

import (
	"context"
	"errors"
	"sync"
	"time"
)

// lifecycle is whether the adapter runs, the inbound events being delivered,
// and the background work they start (interaction responses, autocomplete
// answers, notes), so that a Run ends with nothing left behind.
type lifecycle struct {
	mu      sync.Mutex
	running bool
	intake  bool            // events are taken
	ctx     context.Context // the run's context, while it runs
	events  sync.WaitGroup  // inbound events being delivered

	bgClosed bool
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
}

func newLifecycle() *lifecycle {
	l := &lifecycle{bgClosed: true}
	l.bgCtx, l.bgCancel = context.WithCancel(context.Background())
	l.bgCancel()
	return l
}

// start marks the adapter running under ctx.
func (l *lifecycle) start(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.running {
		return errors.New("discord: run: already running")
	}
	l.running, l.intake, l.ctx = true, true, ctx
	l.bgCtx, l.bgCancel = context.WithCancel(context.Background())
	l.bgClosed = false
	return nil
}

// enter starts delivering one inbound event: it returns a context for it
// (the run's values, not its cancellation: an event that arrived is
// delivered, or refused by the core, even as the run ends) and done, to call
// once the event is delivered; ok is false when intake is closed.
func (l *lifecycle) enter() (ctx context.Context, done func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.intake {
		return nil, nil, false
	}
	l.events.Add(1)
	return context.WithoutCancel(l.ctx), l.events.Done, true
}

// closeIntake refuses events from now on.
func (l *lifecycle) closeIntake() {
	l.mu.Lock()
	l.intake = false
	l.mu.Unlock()
}

// finish waits for the events being delivered, then for the background work,
// cancelling what is left of it after grace, and marks the adapter stopped.
func (l *lifecycle) finish(grace time.Duration) {
	l.events.Wait()
	l.mu.Lock()
	l.bgClosed = true
	cancel := l.bgCancel
	l.mu.Unlock()
	done := make(chan struct{})
	go func() {
		l.bg.Wait()
		close(done)
	}()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		cancel()
		<-done
	}
	cancel()
	l.mu.Lock()
	l.running, l.ctx = false, nil
	l.mu.Unlock()
}

// background runs fn on its own goroutine under a context bounded by timeout
// and by the run; it reports false (and runs nothing) when the adapter is not
// running.
func (l *lifecycle) background(timeout time.Duration, fn func(ctx context.Context)) bool {
	l.mu.Lock()
	if l.bgClosed {
		l.mu.Unlock()
		return false
	}
	l.bg.Add(1)
	base := l.bgCtx
	l.mu.Unlock()
	go func() {
		defer l.bg.Done()
		ctx, cancel := context.WithTimeout(base, timeout)
		defer cancel()
		fn(ctx)
	}()
	return true
}
