// Package load plays the users: a warm-up in which every user makes first
// contact (excluded from the figures), then the measured phase, in which each
// user sends its messages one after another, each once the previous one was
// answered, with a bounded number of messages in flight across users.
package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmbridge/kmbridge/bench/internal/platforms"
)

// Driver delivers users' messages (a platforms.Platform).
type Driver interface {
	WarmUp(ctx context.Context, u int, text string) error
	Send(ctx context.Context, u int, text string) error
}

// Options shape the load.
type Options struct {
	Messages    int           // measured messages per user
	Concurrency int           // messages in flight at most
	Rate        float64       // messages started per second at most; 0: as many as Concurrency allows
	Text        string        // what users ask
	Timeout     time.Duration // how long an answer may take before it counts as a timeout
	Quiet       time.Duration // a program that posted nothing for this long is done answering

	// WarmupConcurrency is how many first contacts are in flight at most
	// (0: Concurrency). A hot channel keeps it low: every first contact's
	// posts queue for the one channel's pacer.
	WarmupConcurrency int
}

// Result is what the load saw.
type Result struct {
	WarmupPosts  int             // answers to one user's first contact (learnt from user 0)
	WarmupOff    int             // users whose first contact got another number of answers
	Sent         int             // measured messages delivered
	Answered     int             // of which answered in time
	Errors       int             // deliveries that failed
	Timeouts     int             // delivered messages not answered within Timeout
	WrongCount   int             // users who got other than Messages answers in all
	Posts        int64           // answers received in the measured phase (extra ones included)
	Latencies    []time.Duration // event sent → answer received, sorted
	Elapsed      time.Duration   // first message sent → last answer received
	ErrorSamples []string        // the first few failures
}

const maxSamples = 5

// Run warms up (every user's first contact; then begin is called), plays
// the measured phase, waits until the answers stop, and calls end. Failures of
// single messages are counted in the Result; an error means the run could
// not be made at all.
func Run(ctx context.Context, d Driver, inbox *platforms.Inbox, o Options, begin, end func()) (Result, error) {
	var r Result
	w, err := warmUp(ctx, d, inbox, o, &r)
	if err != nil {
		return r, err
	}
	r.WarmupPosts = w
	inbox.Reset()
	begin()
	measure(ctx, d, inbox, o, &r)
	settle(ctx, inbox, o.Quiet)
	for u := range inbox.Users() {
		if inbox.Count(u) != int64(o.Messages) {
			r.WrongCount++
		}
	}
	r.Posts = inbox.Total()
	end()
	slices.Sort(r.Latencies)
	return r, ctx.Err()
}

// warmUp makes every user's first contact. User 0 goes first and alone, to
// learn how many answers a first contact gets (a welcome may precede the
// answer); the others then go C at a time, each until it has that many.
func warmUp(ctx context.Context, d Driver, inbox *platforms.Inbox, o Options, r *Result) (int, error) {
	t0 := time.Now()
	if err := d.WarmUp(ctx, 0, o.Text); err != nil {
		return 0, fmt.Errorf("load: first contact: %w", err)
	}
	at, ok := next(ctx, inbox, 0, o.Timeout)
	if !ok {
		return 0, fmt.Errorf("load: first contact: no answer within %s", o.Timeout)
	}
	// A slow machine spaces the answers out: wait at least three times as
	// long as the first one took before deciding there are no more.
	settle(ctx, inbox, max(o.Quiet, 3*at.Sub(t0)))
	w := inbox.Count(0)
	var mu sync.Mutex
	c := o.Concurrency
	if o.WarmupConcurrency > 0 {
		c = o.WarmupConcurrency
	}
	pool(ctx, inbox.Users()-1, c, func(i int) {
		u := i + 1
		err := d.WarmUp(ctx, u, o.Text)
		for err == nil && inbox.Count(u) < w {
			if _, ok := next(ctx, inbox, u, o.Timeout); !ok {
				err = errors.New("timed out")
			}
		}
		if err != nil {
			mu.Lock()
			r.sample(fmt.Sprintf("warm-up of user %d: %v", u, err))
			mu.Unlock()
		}
	})
	settle(ctx, inbox, o.Quiet)
	for u := range inbox.Users() {
		if inbox.Count(u) != w {
			r.WarmupOff++
		}
	}
	return int(w), ctx.Err()
}

// measure plays the measured phase.
func measure(ctx context.Context, d Driver, inbox *platforms.Inbox, o Options, r *Result) {
	var (
		mu       sync.Mutex
		last     atomic.Int64 // unix ns of the latest answer
		started  atomic.Int64 // messages started, for the rate limit
		interval time.Duration
	)
	if o.Rate > 0 {
		interval = time.Duration(float64(time.Second) / o.Rate)
	}
	start := time.Now()
	pool(ctx, inbox.Users(), o.Concurrency, func(u int) {
		var lats []time.Duration
		var sent, errs, timeouts int
		var fails []string
		for range o.Messages {
			if interval > 0 {
				at := start.Add(time.Duration(started.Add(1)-1) * interval)
				if !sleepUntil(ctx, at) {
					break
				}
			}
			inbox.Drain(u)
			t0 := time.Now()
			if err := d.Send(ctx, u, o.Text); err != nil {
				errs++
				fails = append(fails, fmt.Sprintf("user %d: send: %v", u, err))
				continue
			}
			sent++
			at, ok := next(ctx, inbox, u, o.Timeout)
			if !ok {
				timeouts++
				fails = append(fails, fmt.Sprintf("user %d: no answer within %s", u, o.Timeout))
				continue
			}
			lats = append(lats, at.Sub(t0))
			for {
				prev := last.Load()
				if at.UnixNano() <= prev || last.CompareAndSwap(prev, at.UnixNano()) {
					break
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		r.Sent += sent
		r.Answered += len(lats)
		r.Errors += errs
		r.Timeouts += timeouts
		r.Latencies = append(r.Latencies, lats...)
		for _, f := range fails {
			r.sample(f)
		}
	})
	if n := last.Load(); n > 0 {
		r.Elapsed = time.Unix(0, n).Sub(start)
	}
}

func (r *Result) sample(s string) {
	if len(r.ErrorSamples) < maxSamples {
		r.ErrorSamples = append(r.ErrorSamples, s)
	}
}

// pool runs job(0…n-1) on c goroutines and waits for them.
func pool(ctx context.Context, n, c int, job func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(c, n)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				job(i)
			}
		})
	}
	wg.Wait()
}

// next waits for the next answer to user u.
func next(ctx context.Context, inbox *platforms.Inbox, u int, timeout time.Duration) (time.Time, bool) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case at := <-inbox.Posted(u):
		return at, true
	case <-t.C:
	case <-ctx.Done():
	}
	return time.Time{}, false
}

// settle waits until no answer arrived for quiet (at most ten quiet periods):
// what a program posts late is then counted.
func settle(ctx context.Context, inbox *platforms.Inbox, quiet time.Duration) {
	deadline := time.Now().Add(10 * quiet)
	since := time.Now()
	for time.Now().Before(deadline) {
		last := inbox.Last()
		if last.Before(since) {
			last = since
		}
		if time.Since(last) >= quiet {
			return
		}
		if !sleepUntil(ctx, last.Add(quiet)) {
			return
		}
	}
}

func sleepUntil(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
