package outbound

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Limit is one rate limit, in the generic cell rate algorithm's terms: one
// call per Every on average, and up to Burst calls at once after a quiet
// spell. It is a token bucket of Burst tokens refilled one per Every.
type Limit struct {
	Every time.Duration // ≤ 0: no limit
	Burst int           // < 1 counts as 1
}

// Per is n calls per period, all of them allowed at once (Telegram: 20 a
// minute per group, 30 a second in all; Discord: 50 a second). n ≤ 0 is no
// limit.
func Per(n int, period time.Duration) Limit {
	if n <= 0 || period <= 0 {
		return Limit{}
	}
	return Limit{Every: period / time.Duration(n), Burst: n}
}

// Key names what a call is paced on: Class chooses the Limit (NewPacer's
// limits), ID tells keys of one class apart (a channel, a chat, a route); a
// class with a single key (the global limit) leaves ID empty. A key whose
// class has no limit is held back only by BlockUntil (a route whose limits the
// platform tells as it goes). The zero Key is no key.
type Key struct {
	Class string
	ID    string
}

// Pacer paces calls on keys. Each key is reserved under one lock, in call
// order, at the earliest time its own limit and blocks allow, so calls that
// wait on one key go in the order they asked. A call on several keys reserves
// them one after the other, each once the wait for the one before is over: a
// key shared by many (a group, the global limit) is then never booked ahead
// on behalf of a call that is still waiting out its own channel's 429, which
// would hold every other channel back. Lane holds a key for a call and its
// retries, which keeps order even through waits on shared keys. Idle keys
// are forgotten. Safe for concurrent use.
type Pacer struct {
	clock  Clock
	limits map[string]gcra

	mu      sync.Mutex
	keys    map[Key]*keyState
	sweepAt int // sweep idle keys when this many are known
	// lanes are the held lanes, each with its waiters in the order they came;
	// closing a waiter's channel hands it the lane.
	lanes map[Key][]chan struct{}
}

// gcra is a Limit ready for use: tau is how far ahead of its share a key may
// run ((Burst-1) intervals).
type gcra struct {
	every, tau time.Duration
}

// keyState is what the pacer knows of one key. Both times only move forward,
// so a key's reservations come out in the order they were made.
type keyState struct {
	tat     time.Time // GCRA: the theoretical arrival time of the next call
	blocked time.Time // nothing goes before this (a 429's Retry-After)
}

// minSweep is how many keys may be known before idle ones are swept.
const minSweep = 4096

// NewPacer returns a pacer with a Limit per key class; clock nil is WallClock.
func NewPacer(limits map[string]Limit, clock Clock) *Pacer {
	if clock == nil {
		clock = WallClock{}
	}
	p := &Pacer{clock: clock, limits: map[string]gcra{}, keys: map[Key]*keyState{}, sweepAt: minSweep, lanes: map[Key][]chan struct{}{}}
	for class, l := range limits {
		if l.Every > 0 {
			p.limits[class] = gcra{every: l.Every, tau: time.Duration(max(l.Burst, 1)-1) * l.Every}
		}
	}
	return p
}

// Clock returns the pacer's clock.
func (p *Pacer) Clock() Clock { return p.clock }

// Wait waits for a slot on each of keys in turn (the zero Key and repeats are
// skipped), reserving each when its turn comes: put the call's own key (its
// channel, chat or route) first and shared ones (a group, the global limit)
// after it. A slot that would come after ctx's deadline is not reserved: Wait
// fails at once with an *Error wrapping ErrDeadline. A wait cut short by ctx
// leaves its slot used. Calls that wait only on one key go in the order they
// asked; when order matters through waits on shared keys, hold the key's Lane
// (Pacer.Do does).
func (p *Pacer) Wait(ctx context.Context, keys ...Key) error {
	return p.wait(ctx, Key{}, keys)
}

func (p *Pacer) wait(ctx context.Context, lane Key, keys []Key) error {
	if lane != (Key{}) {
		if err := p.waitOne(ctx, lane); err != nil {
			return err
		}
	}
	for i, k := range keys {
		if k == (Key{}) || k == lane || slices.Contains(keys[:i], k) {
			continue
		}
		if err := p.waitOne(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pacer) waitOne(ctx context.Context, k Key) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	dl, hasDL := ctx.Deadline()
	p.mu.Lock()
	now := p.clock.Now()
	at := p.earliest(now, k)
	if hasDL && at.After(dl) {
		p.mu.Unlock()
		return &Error{Reason: ErrDeadline, Wait: at.Sub(now), Left: max(dl.Sub(now), 0)}
	}
	p.book(now, at, k)
	p.mu.Unlock()
	return p.clock.Sleep(ctx, at.Sub(now))
}

// Allow reserves a slot on every one of keys if all of them are free now, and
// reports whether it did: for limits that refuse rather than wait (the web
// chat's messages per user).
func (p *Pacer) Allow(keys ...Key) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	for _, k := range keys {
		if k != (Key{}) && p.earliest(now, k).After(now) {
			return false
		}
	}
	for i, k := range keys {
		if k != (Key{}) && !slices.Contains(keys[:i], k) {
			p.book(now, now, k)
		}
	}
	return true
}

// BlockUntil holds k back until t, for every caller (a 429's Retry-After, a
// route's reset). An earlier t than a block already set changes nothing.
func (p *Pacer) BlockUntil(k Key, t time.Time) {
	if k == (Key{}) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.state(k, p.clock.Now()); t.After(st.blocked) {
		st.blocked = t
	}
}

// Blocked reports whether k is held back by BlockUntil now: advisory calls
// (typing) skip such a key rather than add to its trouble.
func (p *Pacer) Blocked(k Key) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.keys[k]
	return st != nil && st.blocked.After(p.clock.Now())
}

// earliest is when a call on k may go: no earlier than now, k's block, and,
// when k's class has a limit, k's GCRA conformance time. Caller holds p.mu.
func (p *Pacer) earliest(now time.Time, k Key) time.Time {
	st := p.keys[k]
	if st == nil {
		return now // never seen, or forgotten when idle: free
	}
	at := latest(now, st.blocked)
	if g, ok := p.limits[k.Class]; ok {
		at = latest(at, st.tat.Add(-g.tau))
	}
	return at
}

// book records a call on k at at. Caller holds p.mu.
func (p *Pacer) book(now, at time.Time, k Key) {
	g, ok := p.limits[k.Class]
	if !ok {
		return // nothing to remember: only blocks hold such a key back
	}
	st := p.state(k, now)
	st.tat = latest(st.tat, at).Add(g.every)
}

// state returns k's state, adding it; when many keys are known, idle ones
// (nothing booked or blocked after now) are forgotten first: forgetting them
// changes no future reservation. Caller holds p.mu.
func (p *Pacer) state(k Key, now time.Time) *keyState {
	if st := p.keys[k]; st != nil {
		return st
	}
	if len(p.keys) >= p.sweepAt {
		for id, st := range p.keys {
			if !st.tat.After(now) && !st.blocked.After(now) {
				delete(p.keys, id)
			}
		}
		// Sweep again only once as many keys were added as survived: a
		// sweep costs one pass over the keys, so this keeps it O(1) a key.
		p.sweepAt = max(minSweep, 2*len(p.keys))
	}
	st := &keyState{}
	p.keys[k] = st
	return st
}

// known is how many keys the pacer remembers (tests).
func (p *Pacer) known() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.keys)
}

func latest(t, u time.Time) time.Time {
	if u.After(t) {
		return u
	}
	return t
}

// Lane waits until k is free, holds it, and returns the function that frees
// it (later calls of it do nothing). Callers get k in the order they asked,
// so a call that holds it through its retries keeps its place: a channel's
// messages keep their order through a 429. It returns ctx's error when ctx
// ends first. Lanes are apart from pacing: holding k delays no Wait on k.
func (p *Pacer) Lane(ctx context.Context, k Key) (release func(), err error) {
	if k == (Key{}) {
		return func() {}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var once sync.Once
	release = func() { once.Do(func() { p.release(k) }) }
	p.mu.Lock()
	queue, held := p.lanes[k]
	if !held {
		p.lanes[k] = nil
		p.mu.Unlock()
		return release, nil
	}
	turn := make(chan struct{})
	p.lanes[k] = append(queue, turn)
	p.mu.Unlock()
	select {
	case <-turn:
		return release, nil
	case <-ctx.Done():
		p.mu.Lock()
		queue := p.lanes[k]
		i := slices.Index(queue, turn)
		if i >= 0 {
			p.lanes[k] = slices.Delete(queue, i, i+1)
		}
		p.mu.Unlock()
		if i < 0 {
			release() // handed over as ctx ended: pass it on
		}
		return nil, ctx.Err()
	}
}

func (p *Pacer) release(k Key) {
	p.mu.Lock()
	defer p.mu.Unlock()
	queue, held := p.lanes[k]
	switch {
	case !held:
	case len(queue) == 0:
		delete(p.lanes, k)
	default:
		next := queue[0]
		p.lanes[k] = slices.Delete(queue, 0, 1)
		close(next)
	}
}

// waiting is how many callers wait for lane k (tests).
func (p *Pacer) waiting(k Key) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if queue, held := p.lanes[k]; held {
		return len(queue)
	}
	return -1
}
