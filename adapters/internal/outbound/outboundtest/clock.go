// Package outboundtest has a fake outbound.Clock for tests of paced and
// retried calls: its Sleep returns at once, having moved the clock on.
package outboundtest

import (
	"context"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// Clock is an outbound.Clock that sleeps by moving its time on: a test runs
// at once and sees exactly the waits asked for (Slept). Concurrent sleepers
// each move it on by their own wait, so it suits tests that sleep one at a
// time; safe for concurrent use nonetheless.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

// NewClock returns a clock at start. Start it at time.Now() when the test
// uses context deadlines: they are wall-clock times, compared with this
// clock's.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now implements outbound.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep implements outbound.Clock: the rule of outbound.CanWait against this
// clock's time, then the time moves on by d.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := outbound.CanWait(ctx, c.now, d); err != nil || d <= 0 {
		return err
	}
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// Advance moves the clock on by d without recording a sleep.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Slept returns the waits slept so far, in order (waits of 0 are not sleeps).
func (c *Clock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}
