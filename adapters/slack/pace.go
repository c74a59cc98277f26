package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// pacer spaces outbound messages per channel: a rate with a small burst (GCRA),
// and after a 429 nothing more to that channel until Retry-After has passed.
// Reservations are handed out in call order, so callers of one channel go in the
// order they asked.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration // one message per interval…
	tau      time.Duration // …with (burst-1) intervals of slack
	now      func() time.Time
	chans    map[string]*paceState
}

type paceState struct {
	tat     time.Time // GCRA theoretical arrival time
	blocked time.Time // no message before this (Retry-After)
}

func newPacer(perSecond float64, burst int, now func() time.Time) *pacer {
	iv := time.Duration(float64(time.Second) / perSecond)
	if burst < 1 {
		burst = 1
	}
	return &pacer{interval: iv, tau: time.Duration(burst-1) * iv, now: now, chans: map[string]*paceState{}}
}

// reserve books the next slot of channel and returns how long to wait for it.
func (p *pacer) reserve(channel string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	st := p.state(channel, now)
	at := now
	if st.blocked.After(at) {
		at = st.blocked
	}
	if t := st.tat.Add(-p.tau); t.After(at) {
		at = t
	}
	tat := st.tat
	if at.After(tat) {
		tat = at
	}
	st.tat = tat.Add(p.interval)
	return at.Sub(now)
}

// block holds channel back for d (a 429's Retry-After).
func (p *pacer) block(channel string, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	st := p.state(channel, now)
	if until := now.Add(d); until.After(st.blocked) {
		st.blocked = until
	}
}

// state returns channel's state, forgetting idle channels when there are many.
func (p *pacer) state(channel string, now time.Time) *paceState {
	st := p.chans[channel]
	if st != nil {
		return st
	}
	if len(p.chans) >= 4096 {
		for k, s := range p.chans {
			if s.tat.Before(now) && s.blocked.Before(now) {
				delete(p.chans, k)
			}
		}
	}
	st = &paceState{}
	p.chans[channel] = st
	return st
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// call runs one Slack Web API call. With a channel the call is paced for that
// channel. A 429 waits Retry-After (holding the channel back for every caller)
// and tries again, up to Config.MaxRetries times; every retry is logged, and
// the final failure is returned, never swallowed.
func (a *Adapter) call(ctx context.Context, channel, method string, fn func(ctx context.Context) error) error {
	for attempt := 0; ; attempt++ {
		if channel != "" {
			if err := sleep(ctx, a.pace.reserve(channel)); err != nil {
				return fmt.Errorf("slack: %s: waiting for the channel's turn: %w", method, err)
			}
		}
		err := fn(ctx)
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) {
			if err != nil {
				return fmt.Errorf("slack: %s: %w", method, err)
			}
			return nil
		}
		if attempt >= a.cfg.MaxRetries {
			return fmt.Errorf("slack: %s: still rate limited after %d retries: %w", method, attempt, err)
		}
		wait := rl.RetryAfter
		if wait <= 0 {
			wait = time.Second
		}
		a.log.Warn("slack: rate limited; waiting for Retry-After", "method", method, "channel", channel, "retry_after", wait, "attempt", attempt+1)
		if channel != "" {
			a.pace.block(channel, wait)
			continue // reserve waits out the block
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("slack: %s: rate limited, gave up waiting: %w", method, err)
		}
	}
}
