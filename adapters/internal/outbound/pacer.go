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

// Pacer paces calls on keys. The callers waiting for a key queue in the
// order they asked, and each takes its slot when its turn comes, at the
// earliest time the key's limit and blocks allow: calls that wait on one key
// go in the order they asked, and a caller that gives up (its ctx ended)
// leaves the queue without taking a slot, so the callers behind it move up.
// A call on several keys waits for them one after the other, each once the
// wait for the one before is over: a key shared by many (a group, the global
// limit) is then never held on behalf of a call that is still waiting out
// its own channel's 429, which would hold every other channel back. Lane
// holds a key for a call and its retries, which keeps order even through
// waits on shared keys. Idle keys are forgotten. Safe for concurrent use.
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
	// queue holds the callers waiting for the key, in the order they came.
	// Only the first books a slot, when the key allows it: a slot is taken
	// only by a call that goes, never by one that gave up while waiting.
	queue []*waiter
}

// waiter is a caller in a key's queue.
type waiter struct {
	asked time.Time     // when it asked: its arrival, in GCRA's terms
	turn  chan struct{} // closed when it is first in the queue
}

// booking is a slot taken on a key, for giving it back (unbook).
type booking struct {
	k             Key
	before, after time.Time // the key's tat before and after
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
// skipped), taking each when its turn comes: put the call's own key (its
// channel, chat or route) first and shared ones (a group, the global limit)
// after it. A slot that would come after ctx's deadline is not waited for:
// Wait fails at once with an *Error wrapping ErrDeadline. A wait cut short by
// ctx takes no slot, and gives back the slots of the call's keys taken
// before it when nothing was booked on them since. Calls that wait only on
// one key go in the order they asked; when order matters through waits on
// shared keys, hold the key's Lane (Pacer.Do does).
func (p *Pacer) Wait(ctx context.Context, keys ...Key) error {
	return p.wait(ctx, Key{}, keys)
}

func (p *Pacer) wait(ctx context.Context, lane Key, keys []Key) error {
	var (
		buf    [4]booking
		booked = buf[:0]
	)
	take := func(k Key) error {
		b, err := p.waitOne(ctx, k)
		if err != nil {
			p.unbook(booked)
			return err
		}
		booked = append(booked, b)
		return nil
	}
	if lane != (Key{}) {
		if err := take(lane); err != nil {
			return err
		}
	}
	for i, k := range keys {
		if k == (Key{}) || k == lane || slices.Contains(keys[:i], k) {
			continue
		}
		if err := take(k); err != nil {
			return err
		}
	}
	return nil
}

// waitOne waits for k's slot: at once when nobody waits for k and k is free,
// else in k's queue.
func (p *Pacer) waitOne(ctx context.Context, k Key) (booking, error) {
	if err := ctx.Err(); err != nil {
		return booking{}, err
	}
	p.mu.Lock()
	now := p.clock.Now()
	st := p.keys[k]
	if st == nil || len(st.queue) == 0 {
		if at := p.earliest(now, k); !at.After(now) {
			b := p.book(now, now, k)
			p.mu.Unlock()
			return b, p.clock.Sleep(ctx, 0) // no wait (a fake clock sees each turn)
		}
	}
	if dl, ok := ctx.Deadline(); ok {
		if at := p.projected(now, k); at.After(dl) {
			p.mu.Unlock()
			return booking{}, &Error{Reason: ErrDeadline, Wait: at.Sub(now), Left: max(dl.Sub(now), 0)}
		}
	}
	st = p.state(k, now)
	w := &waiter{asked: now, turn: make(chan struct{})}
	st.queue = append(st.queue, w)
	first := len(st.queue) == 1
	p.mu.Unlock()
	if !first {
		select {
		case <-w.turn:
		case <-ctx.Done():
			p.leave(k, w)
			return booking{}, ctx.Err()
		}
	}
	// First in the queue: take the slot as soon as the key allows.
	for {
		p.mu.Lock()
		now := p.clock.Now()
		due := p.due(k)
		if !due.After(now) {
			// Booked at the time the slot was due (or asked for, when
			// later), not at the moment this goroutine woke: a queue
			// drains at the key's exact rate.
			b := p.book(now, latest(w.asked, due), k)
			p.leaveLocked(k, w)
			p.mu.Unlock()
			return b, nil
		}
		p.mu.Unlock()
		if err := p.clock.Sleep(ctx, due.Sub(now)); err != nil {
			p.leave(k, w)
			return booking{}, err
		}
	}
}

// leave takes w out of k's queue, handing the turn on when it was first.
func (p *Pacer) leave(k Key, w *waiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.leaveLocked(k, w)
}

func (p *Pacer) leaveLocked(k Key, w *waiter) {
	st := p.keys[k]
	if st == nil {
		return
	}
	i := slices.Index(st.queue, w)
	if i < 0 {
		return
	}
	st.queue = slices.Delete(st.queue, i, i+1)
	if i == 0 && len(st.queue) > 0 {
		close(st.queue[0].turn)
	}
	if len(st.queue) == 0 {
		st.queue = nil
	}
}

// unbook gives back the slots of bs, each when nothing was booked on its key
// since (a later booking was made on the strength of it, and stays).
func (p *Pacer) unbook(bs []booking) {
	if len(bs) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := len(bs) - 1; i >= 0; i-- {
		b := bs[i]
		if st := p.keys[b.k]; st != nil && b.after != (time.Time{}) && st.tat.Equal(b.after) {
			st.tat = b.before
		}
	}
}

// Allow reserves a slot on every one of keys if all of them are free now
// (and nobody waits for them), and reports whether it did: for limits that
// refuse rather than wait (the web chat's messages per user).
func (p *Pacer) Allow(keys ...Key) bool { return p.AllowSpare(0, keys...) }

// AllowSpare is Allow for calls that may be dropped (typing indicators): it
// reserves a slot on every one of keys only if each would still have spare
// slots free now after it, so such calls take only what the calls that must
// go leave unused and never make one of them wait. A class whose Burst is
// not above spare never has room to spare.
func (p *Pacer) AllowSpare(spare int, keys ...Key) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	for _, k := range keys {
		if k == (Key{}) {
			continue
		}
		if st := p.keys[k]; st != nil && len(st.queue) > 0 {
			return false
		}
		at := p.earliest(now, k)
		if g, ok := p.limits[k.Class]; ok && spare > 0 {
			tat := now
			if st := p.keys[k]; st != nil {
				tat = latest(tat, st.tat)
			}
			at = latest(at, tat.Add(time.Duration(spare)*g.every-g.tau))
		}
		if at.After(now) {
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
	return latest(now, p.due(k))
}

// due is when k's block and limit let its next call go, however long ago
// that is. Caller holds p.mu.
func (p *Pacer) due(k Key) time.Time {
	st := p.keys[k]
	if st == nil {
		return time.Time{} // never seen, or forgotten when idle: free
	}
	at := st.blocked
	if g, ok := p.limits[k.Class]; ok {
		at = latest(at, st.tat.Add(-g.tau))
	}
	return at
}

// projected is when a caller asking for k now would get its slot if everyone
// queued before it goes in turn (an upper bound: they asked earlier). Caller
// holds p.mu.
func (p *Pacer) projected(now time.Time, k Key) time.Time {
	st := p.keys[k]
	if st == nil {
		return now
	}
	base := latest(now, st.blocked)
	g, ok := p.limits[k.Class]
	if !ok {
		return base
	}
	// GCRA over the queue: after the first, each goes Every after the one
	// before, once the burst is used.
	return latest(base, latest(st.tat, base).Add(time.Duration(len(st.queue))*g.every-g.tau))
}

// book records a call on k at at. Caller holds p.mu.
func (p *Pacer) book(now, at time.Time, k Key) booking {
	g, ok := p.limits[k.Class]
	if !ok {
		return booking{} // nothing to remember: only blocks hold such a key back
	}
	st := p.state(k, now)
	b := booking{k: k, before: st.tat}
	st.tat = latest(st.tat, at).Add(g.every)
	b.after = st.tat
	return b
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
			if !st.tat.After(now) && !st.blocked.After(now) && len(st.queue) == 0 {
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
