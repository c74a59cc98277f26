package outbound_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// manualClock is a clock whose sleepers wake only when the test moves it on
// (Advance): tests of callers that wait at the same time, step by step.
type manualClock struct {
	mu       sync.Mutex
	now      time.Time
	sleepers map[*sleeper]struct{}
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Unix(1000, 0), sleepers: map[*sleeper]struct{}{}}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if err := outbound.CanWait(ctx, c.now, d); err != nil || d <= 0 {
		c.mu.Unlock()
		return err
	}
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.sleepers[s] = struct{}{}
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.sleepers, s)
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Advance moves the clock on by d and wakes the sleepers whose time came.
func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for s := range c.sleepers {
		if !s.until.After(c.now) {
			close(s.wake)
			delete(c.sleepers, s)
		}
	}
}

func (c *manualClock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sleepers)
}

// eventually waits (in real time) until cond holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("never: %s", what)
		}
	}
}

var perSecond = map[string]outbound.Limit{"global": {Every: time.Second, Burst: 1}, "chan": {Every: time.Second, Burst: 1}}

// TestCancelledWaitGivesItsSlotBack: a caller that gives up while queued
// takes no slot: the one behind it goes in its place, and the key's next
// free slot is as if it had never asked. (Before, the slot stayed booked: a
// typing indicator cancelled when the answer was ready cost Telegram and
// Discord one of their global slots per answer.)
func TestCancelledWaitGivesItsSlotBack(t *testing.T) {
	c := newManualClock()
	p := outbound.NewPacer(perSecond, c)
	if err := p.Wait(context.Background(), global); err != nil { // t0: the slot of t0
		t.Fatal(err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2, done3 := make(chan error, 1), make(chan error, 1)
	go func() { done2 <- p.Wait(ctx2, global) }()
	eventually(t, "the second caller is first in the queue, asleep", func() bool { return p.Queued(global) == 1 && c.Sleepers() == 1 })
	go func() { done3 <- p.Wait(context.Background(), global) }()
	eventually(t, "the third caller queues behind it", func() bool { return p.Queued(global) == 2 })
	cancel2()
	if err := <-done2; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled Wait = %v", err)
	}
	eventually(t, "the third caller is first, asleep", func() bool { return p.Queued(global) == 1 && c.Sleepers() == 1 })
	c.Advance(time.Second) // t0+1s: the slot the second caller gave up
	if err := <-done3; err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second) // t0+2s
	if !p.Allow(global) {
		t.Error("at t0+2s the key is still taken: the cancelled caller's slot was kept")
	}
}

// TestQueueKeepsOrderThroughLeavers: callers queued on a key go in the order
// they asked, one per slot, those that left taking none.
func TestQueueKeepsOrderThroughLeavers(t *testing.T) {
	c := newManualClock()
	p := outbound.NewPacer(perSecond, c)
	if err := p.Wait(context.Background(), global); err != nil {
		t.Fatal(err)
	}
	const n = 6
	leavers := map[int]bool{1: true, 3: true}
	cancels := make([]context.CancelFunc, n)
	went := make(chan int, n)
	var wg sync.WaitGroup
	for i := range n {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		wg.Go(func() {
			if p.Wait(ctx, global) == nil {
				went <- i
			}
		})
		eventually(t, "the caller queued", func() bool { return p.Queued(global) == i+1 })
	}
	for i := range leavers {
		cancels[i]()
	}
	eventually(t, "the leavers left", func() bool { return p.Queued(global) == n-len(leavers) })
	var order []int
	for len(order) < n-len(leavers) {
		eventually(t, "the first is asleep", func() bool { return c.Sleepers() == 1 })
		c.Advance(time.Second)
		order = append(order, <-went)
	}
	wg.Wait()
	for _, cancel := range cancels {
		cancel()
	}
	want := []int{0, 2, 4, 5}
	if len(order) != len(want) {
		t.Fatalf("went %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("went %v, want %v", order, want)
		}
	}
}

// TestWaitGivesBackEarlierKeys: a call whose wait for a later key is cut
// short gives back the slot it took on an earlier one.
func TestWaitGivesBackEarlierKeys(t *testing.T) {
	c := newManualClock()
	p := outbound.NewPacer(perSecond, c)
	p.BlockUntil(global, c.Now().Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, chanA, global) }()
	eventually(t, "the call waits for the global key", func() bool { return p.Queued(global) == 1 && c.Sleepers() == 1 })
	if p.Allow(chanA) {
		t.Fatal("chanA is free while the call holds its slot")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v", err)
	}
	if !p.Allow(chanA) {
		t.Error("chanA's slot was not given back")
	}
}

// TestAllowSpare: an advisory call takes a slot only while the key keeps
// spare slots after it, and never from callers waiting for the key.
func TestAllowSpare(t *testing.T) {
	c := newManualClock()
	p := outbound.NewPacer(map[string]outbound.Limit{"global": outbound.Per(30, time.Second)}, c)
	for range 14 {
		if !p.Allow(global) {
			t.Fatal("Allow refused within the burst")
		}
	}
	// 16 of 30 free: one advisory call may go and leave 15.
	if !p.AllowSpare(15, global) {
		t.Error("AllowSpare(15) refused with 16 free")
	}
	if p.AllowSpare(15, global) {
		t.Error("AllowSpare(15) allowed with 15 free")
	}
	if !p.Allow(global) {
		t.Error("Allow refused with 15 free")
	}
	for p.Allow(global) {
	}
	// A caller waits for the empty bucket: nothing advisory goes before it,
	// whatever the spare asked.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, global) }()
	eventually(t, "a caller waits", func() bool { return p.Queued(global) == 1 && c.Sleepers() == 1 })
	if p.AllowSpare(0, global) {
		t.Error("AllowSpare went before a queued caller")
	}
	c.Advance(10 * time.Second) // the bucket refills
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cancel()
	if !p.AllowSpare(15, global) {
		t.Error("AllowSpare refused on a refilled bucket")
	}
}
