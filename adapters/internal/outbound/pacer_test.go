package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/adapters/internal/outbound/outboundtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	chanA  = outbound.Key{Class: "chan", ID: "A"}
	chanB  = outbound.Key{Class: "chan", ID: "B"}
	group  = outbound.Key{Class: "group", ID: "-100"}
	global = outbound.Key{Class: "global"}
	route  = outbound.Key{Class: "route", ID: "POST /channels/1/messages"}
)

// step is one thing done to a pacer in a table test: an advance of the clock,
// a block, or a reservation whose wait is checked.
type step struct {
	advance time.Duration
	block   outbound.Key
	blockD  time.Duration
	keys    []outbound.Key
	want    time.Duration // the reservation's wait
}

func wait(want time.Duration, keys ...outbound.Key) step { return step{keys: keys, want: want} }

// reserved runs p.Wait and returns how long it slept: the fake clock moves
// on by that much, so the steps of a table are calls made one after the
// other, each once the one before has gone.
func reserved(t *testing.T, p *outbound.Pacer, c *outboundtest.Clock, keys ...outbound.Key) time.Duration {
	t.Helper()
	before := c.Now()
	if err := p.Wait(context.Background(), keys...); err != nil {
		t.Fatalf("Wait(%v) = %v", keys, err)
	}
	return c.Now().Sub(before)
}

func TestPacerLimits(t *testing.T) {
	slack := map[string]outbound.Limit{"chan": {Every: time.Second, Burst: 3}}
	telegram := map[string]outbound.Limit{
		"chan":   {Every: time.Second, Burst: 2},
		"group":  outbound.Per(20, time.Minute),
		"global": outbound.Per(30, time.Second),
	}
	tests := []struct {
		name   string
		limits map[string]outbound.Limit
		steps  []step
	}{
		{"slack: one a second per channel after a burst of three", slack, []step{
			wait(0, chanA), wait(0, chanA), wait(0, chanA), wait(time.Second, chanA), wait(time.Second, chanA),
			wait(0, chanB),
		}},
		{"an idle key has its burst back", slack, []step{
			wait(0, chanA), wait(0, chanA), wait(0, chanA), wait(time.Second, chanA),
			{advance: 10 * time.Second}, wait(0, chanA), wait(0, chanA), wait(0, chanA), wait(time.Second, chanA),
		}},
		{"a block holds the key, then its burst", slack, []step{
			{block: chanA, blockD: 5 * time.Second},
			wait(5*time.Second, chanA), wait(0, chanA), wait(0, chanA), wait(time.Second, chanA),
			wait(0, chanB),
		}},
		{"an earlier block changes nothing", slack, []step{
			{block: chanA, blockD: 5 * time.Second}, {block: chanA, blockD: time.Second},
			wait(5*time.Second, chanA),
		}},
		{"telegram: twenty a minute per group", map[string]outbound.Limit{"group": outbound.Per(20, time.Minute)}, append(
			repeat(20, wait(0, group)), wait(3*time.Second, group), wait(3*time.Second, group))},
		{"telegram: thirty a second in all", map[string]outbound.Limit{"global": outbound.Per(30, time.Second)}, append(
			repeat(30, wait(0, global)), wait(time.Second/30, global))},
		{"the strictest key of a call rules, and every key is booked", telegram, []step{
			wait(0, chanA, group, global), wait(0, chanA, group, global), wait(time.Second, chanA, group, global),
			wait(0, chanB, group, global), // its own chat is free; the group has room
		}},
		{"keys are waited for in turn", telegram, []step{
			{block: chanA, blockD: 5 * time.Second}, {block: global, blockD: 7 * time.Second},
			wait(7*time.Second, chanA, global), // 5s for the chat, then 2s more for the global limit
		}},
		{"a class without a limit is held back only by blocks", slack, []step{
			wait(0, route), wait(0, route), wait(0, route), wait(0, route),
			{block: route, blockD: 2 * time.Second}, wait(2*time.Second, route),
		}},
		{"a key named twice is booked once", slack, []step{
			wait(0, chanA, chanA, chanA), wait(0, chanA), wait(0, chanA), wait(time.Second, chanA),
		}},
		{"no keys: no wait", slack, []step{wait(0), wait(0, outbound.Key{})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := outboundtest.NewClock(time.Unix(1000, 0))
			p := outbound.NewPacer(tc.limits, c)
			for i, s := range tc.steps {
				switch {
				case s.advance != 0:
					c.Advance(s.advance)
				case s.block != (outbound.Key{}):
					p.BlockUntil(s.block, c.Now().Add(s.blockD))
				default:
					if got := reserved(t, p, c, s.keys...); got != s.want {
						t.Errorf("step %d (%v): waits %s, want %s", i, s.keys, got, s.want)
					}
				}
			}
		})
	}
}

func repeat(n int, s step) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestPacerBlocked(t *testing.T) {
	c := outboundtest.NewClock(time.Unix(1000, 0))
	p := outbound.NewPacer(nil, c)
	p.BlockUntil(chanA, c.Now().Add(5*time.Second))
	if !p.Blocked(chanA) || p.Blocked(chanB) {
		t.Errorf("Blocked(A)=%v Blocked(B)=%v, want true false", p.Blocked(chanA), p.Blocked(chanB))
	}
	c.Advance(5 * time.Second)
	if p.Blocked(chanA) {
		t.Error("still blocked once the block has passed")
	}
	p.BlockUntil(outbound.Key{}, c.Now().Add(time.Hour)) // the zero Key is no key
	if p.Blocked(outbound.Key{}) {
		t.Error("the zero Key was blocked")
	}
}

func TestPacerAllow(t *testing.T) {
	c := outboundtest.NewClock(time.Unix(1000, 0))
	// The web chat: 2 messages a minute per user, a burst of 2.
	p := outbound.NewPacer(map[string]outbound.Limit{"user": {Every: 30 * time.Second, Burst: 2}}, c)
	u := outbound.Key{Class: "user", ID: "sid1"}
	got := []bool{p.Allow(u), p.Allow(u), p.Allow(u)}
	c.Advance(30 * time.Second)
	got = append(got, p.Allow(u), p.Allow(u))
	want := []bool{true, true, false, true, false}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Allow = %v, want %v (a refusal books nothing)", got, want)
	}
	if !p.Allow(outbound.Key{Class: "user", ID: "sid2"}) {
		t.Error("another user was refused")
	}
}

// A wait that would end after ctx's deadline is refused at once, books
// nothing, and says so in an error that is also a deadline error.
func TestPacerWaitPastDeadline(t *testing.T) {
	c := outboundtest.NewClock(time.Now())
	p := outbound.NewPacer(nil, c)
	p.BlockUntil(chanA, c.Now().Add(30*time.Second))
	ctx, cancel := context.WithDeadline(context.Background(), c.Now().Add(2*time.Second))
	defer cancel()
	err := p.Wait(ctx, chanA, chanB)
	var oe *outbound.Error
	if !errors.Is(err, outbound.ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &oe) {
		t.Fatalf("Wait = %v, want an *Error wrapping ErrDeadline", err)
	}
	if oe.Wait != 30*time.Second || oe.Left != 2*time.Second {
		t.Errorf("Wait, Left = %s, %s; want 30s, 2s", oe.Wait, oe.Left)
	}
	if len(c.Slept()) != 0 {
		t.Errorf("slept %v", c.Slept())
	}
	if got := reserved(t, p, c, chanB); got != 0 {
		t.Errorf("the refused wait booked chanB: the next waits %s", got)
	}
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if err := p.Wait(cctx, chanB); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on an ended context = %v", err)
	}
}

// A call waiting out its channel's long block does not book the global limit
// ahead of time: other channels' calls are not held back by it.
func TestSharedKeyNotBookedAhead(t *testing.T) {
	p := outbound.NewPacer(map[string]outbound.Limit{"global": outbound.Per(30, time.Second)}, nil)
	p.BlockUntil(chanA, time.Now().Add(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx, chanA, global) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("the blocked call's Wait = %v, want cancelled", err)
		}
	}()
	time.Sleep(10 * time.Millisecond) // let it reserve chanA and sleep
	for i := range 30 {
		start := time.Now()
		if err := p.Wait(context.Background(), chanB, global); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 500*time.Millisecond {
			t.Fatalf("call %d on another channel waited %s", i+1, d)
		}
	}
}

// Idle keys are forgotten once many are known; busy ones are kept.
func TestPacerForgetsIdleKeys(t *testing.T) {
	c := outboundtest.NewClock(time.Unix(1000, 0))
	p := outbound.NewPacer(map[string]outbound.Limit{"chan": {Every: time.Second, Burst: 1}}, c)
	ctx := context.Background()
	p.BlockUntil(chanA, c.Now().Add(10*time.Hour))
	for i := range 5000 {
		if err := p.Wait(ctx, outbound.Key{Class: "chan", ID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		c.Advance(time.Second)
	}
	if n := p.Known(); n >= 5000 {
		t.Errorf("%d keys known after 5000 mostly idle ones", n)
	}
	if !p.Blocked(chanA) {
		t.Error("a blocked key was forgotten")
	}
}

// The lane is first come, first served; a caller whose ctx ends leaves the
// queue, and the others keep their order.
func TestLaneOrder(t *testing.T) {
	p := outbound.NewPacer(nil, outboundtest.NewClock(time.Unix(1000, 0)))
	ctx := context.Background()
	release, err := p.Lane(ctx, chanA)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		order []int
		wg    sync.WaitGroup
	)
	cancels := map[int]context.CancelFunc{}
	errs := make([]error, 6)
	for i := range 6 {
		cctx, cancel := context.WithCancel(ctx)
		cancels[i] = cancel
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := p.Lane(cctx, chanA)
			errs[i] = err
			if err != nil {
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			rel()
			rel() // a second call does nothing
		}()
		waitUntil(t, func() bool { return p.Waiting(chanA) == i+1 })
	}
	cancels[2]()
	cancels[4]()
	waitUntil(t, func() bool { return p.Waiting(chanA) == 4 })
	if other, err := p.Lane(ctx, chanB); err != nil {
		t.Fatalf("another lane: %v", err)
	} else {
		other()
	}
	release()
	wg.Wait()
	for _, c := range cancels {
		c()
	}
	if fmt.Sprint(order) != "[0 1 3 5]" {
		t.Errorf("order = %v, want [0 1 3 5]", order)
	}
	if !errors.Is(errs[2], context.Canceled) || !errors.Is(errs[4], context.Canceled) {
		t.Errorf("cancelled callers got %v, %v", errs[2], errs[4])
	}
	if p.Waiting(chanA) != -1 {
		t.Error("the lane is still held")
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(time.Millisecond)
	}
}
