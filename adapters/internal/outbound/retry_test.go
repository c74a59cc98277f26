package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/adapters/internal/outbound/outboundtest"
)

// platformErr is a platform's answer as a fake classifier reads it: a status
// and the Retry-After it named.
type platformErr struct {
	status     int
	retryAfter time.Duration
}

func (e *platformErr) Error() string {
	return fmt.Sprintf("HTTP %d (retry after %s)", e.status, e.retryAfter)
}

func classify(err error) outbound.Verdict {
	var pe *platformErr
	if !errors.As(err, &pe) {
		return outbound.Verdict{}
	}
	switch {
	case pe.status == 429:
		return outbound.Verdict{Action: outbound.RetryAfter, After: pe.retryAfter}
	case pe.status == 430: // this test's "global 429"
		return outbound.Verdict{Action: outbound.RetryAfterAll, After: pe.retryAfter}
	case pe.status >= 500:
		return outbound.Verdict{Action: outbound.Backoff}
	}
	return outbound.Verdict{}
}

func limited(d time.Duration) error { return &platformErr{status: 429, retryAfter: d} }

var (
	errServer   = &platformErr{status: 503}
	errRefused  = &platformErr{status: 400}
	errGlobal2s = &platformErr{status: 430, retryAfter: 2 * time.Second}
)

func TestDo(t *testing.T) {
	pol := outbound.Policy{Classify: classify, RateLimited: 2, Transient: 3, Backoff: 500 * time.Millisecond, MaxBackoff: 3 * time.Second}
	tests := []struct {
		name     string
		pol      outbound.Policy
		call     outbound.Call
		deadline time.Duration // 0: none
		answers  []error       // what each attempt returns; past the end: nil
		// what happened
		wantErr      error // errors.Is; nil: success
		wantSame     bool  // the error is the last answer itself, unwrapped
		wantAttempts int
		wantSlept    []time.Duration
		wantBlocked  []outbound.Key
		wantText     string // in the error's text
	}{
		{name: "success", pol: pol, call: outbound.Call{Lane: chanA},
			wantAttempts: 1},
		{name: "give up: the error as it is", pol: pol, call: outbound.Call{Lane: chanA},
			answers: []error{errRefused}, wantErr: errRefused, wantSame: true, wantAttempts: 1},
		{name: "no classifier: give up", pol: outbound.Policy{RateLimited: 5}, call: outbound.Call{Lane: chanA},
			answers: []error{limited(time.Second)}, wantSame: true, wantAttempts: 1},
		{name: "429s waited out on the lane", pol: pol, call: outbound.Call{Lane: chanA, Keys: []outbound.Key{global}},
			answers: []error{limited(2 * time.Second), limited(3 * time.Second)}, wantAttempts: 3,
			wantSlept: []time.Duration{2 * time.Second, 3 * time.Second}},
		{name: "a 429 without Retry-After waits a second", pol: pol, call: outbound.Call{Lane: chanA},
			answers: []error{limited(0)}, wantAttempts: 2, wantSlept: []time.Duration{time.Second}},
		{name: "429s beyond RateLimited: ErrRetries, the lane still blocked", pol: pol, call: outbound.Call{Lane: chanA},
			answers: []error{limited(time.Second), limited(time.Second), limited(4 * time.Second)}, wantAttempts: 3,
			wantErr: outbound.ErrRetries, wantSlept: []time.Duration{time.Second, time.Second},
			wantBlocked: []outbound.Key{chanA}, wantText: "rate limited; gave up after 3 attempts: HTTP 429"},
		{name: "a Retry-After past MaxWait: ErrTooLong at once", pol: withMaxWait(pol, 10*time.Second), call: outbound.Call{Lane: chanA},
			answers: []error{limited(time.Minute)}, wantAttempts: 1, wantErr: outbound.ErrTooLong,
			wantBlocked: []outbound.Key{chanA}, wantText: "asked to wait 1m0s"},
		{name: "a Retry-After past the deadline: ErrDeadline at once", pol: pol, call: outbound.Call{Lane: chanA},
			deadline: 2 * time.Second, answers: []error{limited(30 * time.Second)}, wantAttempts: 1,
			wantErr: context.DeadlineExceeded, wantBlocked: []outbound.Key{chanA},
			wantText: "rate limited; not waiting 30s: 2s left before the deadline: HTTP 429"},
		{name: "a backoff past the deadline: ErrDeadline at once", pol: pol,
			deadline: 400 * time.Millisecond, answers: []error{errServer}, wantAttempts: 1, wantErr: outbound.ErrDeadline},
		{name: "transient failures back off, doubling up to MaxBackoff", pol: pol, call: outbound.Call{Lane: chanA},
			answers: []error{errServer, errServer, errServer}, wantAttempts: 4,
			wantSlept: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{name: "the backoff stops at MaxBackoff", pol: withBackoff(pol, 2*time.Second, 3*time.Second),
			answers: []error{errServer, errServer, errServer}, wantAttempts: 4,
			wantSlept: []time.Duration{2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{name: "transient failures beyond Transient: ErrRetries", pol: pol,
			answers: []error{errServer, errServer, errServer, errServer}, wantAttempts: 4, wantErr: outbound.ErrRetries,
			wantSlept: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}, wantText: "gave up after 4 attempts: HTTP 503"},
		{name: "429s and transient failures are counted apart", pol: pol, call: outbound.Call{Lane: chanA},
			answers: []error{errServer, limited(time.Second), errServer, limited(time.Second), errServer}, wantAttempts: 6,
			wantSlept: []time.Duration{500 * time.Millisecond, time.Second, time.Second, time.Second, 2 * time.Second}},
		{name: "a global 429 blocks every key of the call", pol: pol, call: outbound.Call{Lane: route, Keys: []outbound.Key{global}},
			answers: []error{errGlobal2s}, wantAttempts: 2, wantSlept: []time.Duration{2 * time.Second}},
		{name: "a 429 without a lane sleeps and blocks nothing", pol: pol, call: outbound.Call{Keys: []outbound.Key{global}},
			answers: []error{limited(2 * time.Second)}, wantAttempts: 2, wantSlept: []time.Duration{2 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := outboundtest.NewClock(time.Now())
			p := outbound.NewPacer(nil, c)
			ctx := context.Background()
			if tc.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, c.Now().Add(tc.deadline))
				defer cancel()
			}
			var retries []outbound.Retry
			pol := tc.pol
			pol.OnRetry = func(r outbound.Retry) { retries = append(retries, r) }
			attempts := 0
			var last error
			err := p.Do(ctx, tc.call, pol, func(context.Context) error {
				attempts++
				last = nil
				if attempts <= len(tc.answers) {
					last = tc.answers[attempts-1]
				}
				return last
			})
			switch {
			case tc.wantErr == nil && !tc.wantSame:
				if err != nil {
					t.Fatalf("Do = %v, want success", err)
				}
			case tc.wantSame:
				if err != last {
					t.Fatalf("Do = %v, want the attempt's own error %v", err, last)
				}
			default:
				var oe *outbound.Error
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &oe) || !errors.Is(err, last) {
					t.Fatalf("Do = %v, want an *Error wrapping %v and the last answer", err, tc.wantErr)
				}
				if oe.Attempts != attempts {
					t.Errorf("Error.Attempts = %d, want %d", oe.Attempts, attempts)
				}
			}
			if err != nil && !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("Do = %q, want %q in it", err, tc.wantText)
			}
			if attempts != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", attempts, tc.wantAttempts)
			}
			if fmt.Sprint(c.Slept()) != fmt.Sprint(tc.wantSlept) {
				t.Errorf("slept %v, want %v", c.Slept(), tc.wantSlept)
			}
			if len(retries) != len(tc.wantSlept) {
				t.Errorf("OnRetry told of %d retries, want %d", len(retries), len(tc.wantSlept))
			}
			for i, r := range retries {
				if r.Attempt != i+1 || r.Err == nil || (i < len(tc.wantSlept) && r.Wait != tc.wantSlept[i]) {
					t.Errorf("retry %d = %+v", i, r)
				}
			}
			for _, k := range tc.wantBlocked {
				if !p.Blocked(k) {
					t.Errorf("%v is not blocked", k)
				}
			}
		})
	}
}

func withMaxWait(p outbound.Policy, d time.Duration) outbound.Policy { p.MaxWait = d; return p }

func withBackoff(p outbound.Policy, base, ceil time.Duration) outbound.Policy {
	p.Backoff, p.MaxBackoff = base, ceil
	return p
}

// A route's 429 blocks the route; a global 429 blocks every key of the call,
// so the other routes' calls wait too.
func TestRetryAfterScope(t *testing.T) {
	other := outbound.Key{Class: "route", ID: "other"}
	for _, tc := range []struct {
		answer      error
		wantBlocked []outbound.Key
		wantFree    []outbound.Key
	}{
		{limited(time.Hour), []outbound.Key{route}, []outbound.Key{global, other}},
		{errGlobal2s, []outbound.Key{route, global}, []outbound.Key{other}},
	} {
		p := outbound.NewPacer(nil, outboundtest.NewClock(time.Now()))
		pol := outbound.Policy{Classify: classify} // no retries: look at the blocks left
		err := p.Do(context.Background(), outbound.Call{Lane: route, Keys: []outbound.Key{global}}, pol,
			func(context.Context) error { return tc.answer })
		if !errors.Is(err, outbound.ErrRetries) {
			t.Errorf("%v: Do = %v", tc.answer, err)
		}
		for _, k := range tc.wantBlocked {
			if !p.Blocked(k) {
				t.Errorf("%v: %v not blocked", tc.answer, k)
			}
		}
		for _, k := range tc.wantFree {
			if p.Blocked(k) {
				t.Errorf("%v: %v blocked", tc.answer, k)
			}
		}
	}
}

// A cancelled context stops the loop with ctx's error and the last failure.
func TestDoCancelled(t *testing.T) {
	c := outboundtest.NewClock(time.Now())
	p := outbound.NewPacer(nil, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pol := outbound.Policy{Classify: classify, Transient: 5, OnRetry: func(outbound.Retry) { cancel() }}
	err := p.Do(ctx, outbound.Call{}, pol, func(context.Context) error { return errServer })
	if !errors.Is(err, context.Canceled) || !errors.Is(err, errServer) {
		t.Errorf("Do = %v, want cancelled, wrapping the 503", err)
	}
	if err := p.Do(ctx, outbound.Call{Lane: chanA}, pol, func(context.Context) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Do on an ended context = %v", err)
	}
}

// Do without a pacer: real time, no lane.
func TestDoWallClock(t *testing.T) {
	n := 0
	pol := outbound.Policy{Classify: classify, Transient: 1, Backoff: time.Millisecond}
	err := outbound.Do(context.Background(), pol, func(context.Context) error {
		if n++; n == 1 {
			return errServer
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Errorf("Do = %v after %d attempts, want success after 2", err, n)
	}
}

// Calls of one lane go in the order they asked, a 429 included: the lane is
// held through the retry, so the refused message goes again before the ones
// queued behind it.
func TestDoKeepsOrderThroughA429(t *testing.T) {
	c := outboundtest.NewClock(time.Now())
	p := outbound.NewPacer(map[string]outbound.Limit{"chan": {Every: time.Second, Burst: 3}}, c)
	pol := outbound.Policy{Classify: classify, RateLimited: 3}
	release, err := p.Lane(context.Background(), chanA) // hold the lane while the queue forms
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		sent []int
		wg   sync.WaitGroup
		once sync.Once
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := p.Do(context.Background(), outbound.Call{Lane: chanA, Keys: []outbound.Key{global}}, pol, func(context.Context) error {
				refused := false
				once.Do(func() { refused = true })
				if refused {
					return limited(2 * time.Second)
				}
				mu.Lock()
				sent = append(sent, i)
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}()
		waitUntil(t, func() bool { return p.Waiting(chanA) == i+1 })
	}
	release()
	wg.Wait()
	if fmt.Sprint(sent) != "[0 1 2 3 4 5 6 7]" {
		t.Errorf("sent in order %v", sent)
	}
}

func TestSleep(t *testing.T) {
	ctx := context.Background()
	if err := outbound.Sleep(ctx, time.Millisecond); err != nil {
		t.Errorf("Sleep = %v", err)
	}
	if err := outbound.Sleep(ctx, 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	err := outbound.Sleep(dctx, time.Minute)
	if !errors.Is(err, outbound.ErrDeadline) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Sleep past the deadline = %v", err)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Error("Sleep past the deadline waited")
	}
	cctx, ccancel := context.WithCancel(ctx)
	time.AfterFunc(5*time.Millisecond, ccancel)
	if err := outbound.Sleep(cctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep cut short = %v", err)
	}
	if err := outbound.Sleep(cctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(0) on an ended context = %v", err)
	}
}
