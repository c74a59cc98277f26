package outbound

import (
	"context"
	"errors"
	"time"
)

// Action is what to do about a failed attempt.
type Action int

// Actions, for a Classifier's Verdict.
const (
	// GiveUp: Do returns the attempt's error as it is.
	GiveUp Action = iota
	// RetryAfter: the platform said how long to wait (a 429's Retry-After).
	// The call's lane is blocked that long for every caller, then the call is
	// tried again.
	RetryAfter
	// RetryAfterAll: as RetryAfter, and every key of the call is blocked too
	// (a 429 that names a global limit).
	RetryAfterAll
	// Backoff: a transient failure (a 5xx, a connection never made): tried
	// again after a pause that doubles each time.
	Backoff
)

// Verdict is a Classifier's answer. The zero Verdict gives up.
type Verdict struct {
	Action Action
	// After is how long RetryAfter and RetryAfterAll wait; ≤ 0 (the platform
	// named no time) is a second.
	After time.Duration
}

// Classifier maps a platform's error to what to do about it. Each adapter has
// one; it sees only errors (Do returns on success).
type Classifier func(err error) Verdict

// Policy is how hard a call is retried.
type Policy struct {
	// Classify judges each failure; nil gives up on every one.
	Classify Classifier
	// RateLimited bounds the retries after RetryAfter(All) verdicts; Transient
	// those after Backoff verdicts. 0 retries none.
	RateLimited, Transient int
	// Backoff is the first Backoff pause, doubled for each retry up to
	// MaxBackoff. Defaults: 250ms and 5s.
	Backoff, MaxBackoff time.Duration
	// MaxWait, when set, is the longest Retry-After accepted: a longer one
	// gives up at once with ErrTooLong (the lane still waits it out).
	MaxWait time.Duration
	// OnRetry, when set, is told of every retry before its wait (adapters log
	// it).
	OnRetry func(Retry)
}

// Retry describes one retry, for Policy.OnRetry.
type Retry struct {
	Attempt     int           // the attempt that failed, from 1
	Wait        time.Duration // the pause before the next attempt
	RateLimited bool          // a RetryAfter verdict, else Backoff
	Err         error         // the attempt's error
}

// Call is what a call holds and is paced on.
type Call struct {
	// Lane, when set, is held for the whole call, retries included, so the
	// lane's calls go one at a time in the order they asked; it is paced like
	// Keys, and a RetryAfter verdict blocks it for every caller. Usually the
	// conversation's channel, chat or route.
	Lane Key
	// Keys are paced before every attempt too (a group, the global limit).
	Keys []Key
}

// Do runs op under pol with the wall clock and no pacing: one retry loop for
// calls that belong to no lane (a webhook registration, a user lookup).
func Do(ctx context.Context, pol Policy, op func(context.Context) error) error {
	p := Pacer{clock: WallClock{}}
	return p.Do(ctx, Call{}, pol, op)
}

// Do runs op under pol, paced on c. It holds c.Lane (see Lane), waits for a
// slot on c.Lane and c.Keys before every attempt, and after a failure asks
// pol.Classify what to do. It returns nil on success; op's error as it is when
// the verdict is GiveUp; otherwise an *Error wrapping the reason it stopped
// and op's last error: ErrRetries when pol's retries are used up, ErrTooLong
// beyond pol.MaxWait, ErrDeadline at once when the next wait would outlast
// ctx's deadline (a Retry-After longer than the time left fails without
// waiting), or ctx's error when ctx ends.
func (p *Pacer) Do(ctx context.Context, c Call, pol Policy, op func(context.Context) error) error {
	release, err := p.Lane(ctx, c.Lane)
	if err != nil {
		return &Error{Reason: err}
	}
	defer release()
	var (
		last               error
		limited, transient int
		lastLimited        bool
	)
	fail := func(reason error, attempts int, wait time.Duration) error {
		e := &Error{Reason: reason, Last: last, Attempts: attempts, Wait: wait, RateLimited: lastLimited}
		var de *Error
		if errors.As(reason, &de) { // a wait refused by CanWait or the pacer
			e.Reason, e.Wait, e.Left = de.Reason, de.Wait, de.Left
		}
		return e
	}
	for attempt := 1; ; attempt++ {
		if err := p.wait(ctx, c.Lane, c.Keys); err != nil {
			return fail(err, attempt-1, 0)
		}
		err := op(ctx)
		if err == nil {
			return nil
		}
		last = err
		v := Verdict{}
		if pol.Classify != nil {
			v = pol.Classify(err)
		}
		var (
			wait  time.Duration
			paced bool // the next p.wait waits out a block: no sleep here
		)
		switch v.Action {
		case RetryAfter, RetryAfterAll:
			lastLimited = true
			wait = v.After
			if wait <= 0 {
				wait = time.Second
			}
			paced = p.blockFor(c, v.Action == RetryAfterAll, wait)
			if limited >= pol.RateLimited {
				return fail(ErrRetries, attempt, 0)
			}
			if pol.MaxWait > 0 && wait > pol.MaxWait {
				return fail(ErrTooLong, attempt, wait)
			}
			limited++
		case Backoff:
			lastLimited = false
			if transient >= pol.Transient {
				return fail(ErrRetries, attempt, 0)
			}
			wait = pol.backoff(transient)
			transient++
		default:
			return err
		}
		if err := CanWait(ctx, p.clock.Now(), wait); err != nil {
			return fail(err, attempt, wait)
		}
		if pol.OnRetry != nil {
			pol.OnRetry(Retry{Attempt: attempt, Wait: wait, RateLimited: lastLimited, Err: err})
		}
		if !paced {
			if err := p.clock.Sleep(ctx, wait); err != nil {
				return fail(err, attempt, wait)
			}
		}
	}
}

// blockFor blocks c's lane (all: and its keys) for d from now, and reports
// whether it blocked any key, whose wait then paces the next attempt.
func (p *Pacer) blockFor(c Call, all bool, d time.Duration) bool {
	until := p.clock.Now().Add(d)
	blocked := false
	block := func(k Key) {
		p.BlockUntil(k, until)
		blocked = true
	}
	if !all {
		if c.Lane != (Key{}) {
			block(c.Lane)
		}
		return blocked
	}
	if c.Lane != (Key{}) {
		block(c.Lane)
	}
	for _, k := range c.Keys {
		if k != (Key{}) {
			block(k)
		}
	}
	return blocked
}

// backoff is the pause before transient retry n (from 0).
func (pol Policy) backoff(n int) time.Duration {
	base, ceil := pol.Backoff, pol.MaxBackoff
	if base <= 0 {
		base = 250 * time.Millisecond
	}
	if ceil <= 0 {
		ceil = 5 * time.Second
	}
	d := base
	for range n {
		if d >= ceil/2 {
			return ceil
		}
		d *= 2
	}
	return min(d, ceil)
}
