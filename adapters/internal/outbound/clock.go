package outbound

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Clock is time as the pacer and the retry loop see it. WallClock is the real
// one; outboundtest.Clock is a fake whose Sleep returns at once.
type Clock interface {
	Now() time.Time
	// Sleep waits d or until ctx ends, under the rule of CanWait.
	Sleep(ctx context.Context, d time.Duration) error
}

// WallClock is the real clock.
type WallClock struct{}

// Now is time.Now.
func (WallClock) Now() time.Time { return time.Now() }

// Sleep is Sleep.
func (WallClock) Sleep(ctx context.Context, d time.Duration) error { return Sleep(ctx, d) }

// Sleep waits d or until ctx ends. It returns nil after d, ctx's error when
// ctx ends first, and at once an *Error wrapping ErrDeadline when ctx's
// deadline comes before d has passed: a wait that can only end in failure is
// not begun. d ≤ 0 returns ctx's error, if any, without waiting.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if err := CanWait(ctx, time.Now(), d); err != nil {
		return err
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

// CanWait reports whether a wait of d starting at now may begin: ctx's error
// when ctx has ended, an *Error wrapping ErrDeadline when ctx's deadline comes
// before now+d, else nil. Clocks implement Sleep with it.
func CanWait(ctx context.Context, now time.Time, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d <= 0 {
		return nil
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := dl.Sub(now); left < d {
			return &Error{Reason: ErrDeadline, Wait: d, Left: max(left, 0)}
		}
	}
	return nil
}

// Why a paced or retried call gave up; an *Error wraps one of them.
var (
	// ErrDeadline: the wait the call needed would outlast ctx's deadline, so it
	// was not begun. errors.Is(ErrDeadline, context.DeadlineExceeded) holds.
	ErrDeadline error = deadlineError{}
	// ErrRetries: the policy's retries were used up.
	ErrRetries = errors.New("outbound: retries used up")
	// ErrTooLong: the platform asked for a longer wait than Policy.MaxWait.
	ErrTooLong = errors.New("outbound: the platform asked for too long a wait")
)

type deadlineError struct{}

func (deadlineError) Error() string        { return "outbound: the wait would outlast the deadline" }
func (deadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

// Error is a paced or retried call that gave up. It wraps Reason (ErrDeadline,
// ErrRetries, ErrTooLong, or ctx's error) and Last, so errors.Is and errors.As
// see both: a caller can tell a deadline from a refusal, and still read the
// platform's error.
type Error struct {
	Reason   error
	Last     error         // the last attempt's error; nil when no attempt failed
	Attempts int           // attempts made
	Wait     time.Duration // the wait that was refused or cut short; 0 when none
	Left     time.Duration // with ErrDeadline: the time that was left
	// RateLimited: the last attempt was refused by a rate limit (a RetryAfter
	// verdict), rather than failed.
	RateLimited bool
}

func (e *Error) Error() string {
	var msg string
	switch {
	case errors.Is(e.Reason, ErrDeadline):
		msg = fmt.Sprintf("not waiting %s: %s left before the deadline", e.Wait.Round(time.Millisecond), e.Left.Round(time.Millisecond))
	case e.Reason == ErrTooLong:
		msg = fmt.Sprintf("the platform asked to wait %s", e.Wait.Round(time.Millisecond))
	case e.Reason == ErrRetries:
		msg = fmt.Sprintf("gave up after %d attempts", e.Attempts)
	default:
		msg = fmt.Sprint(e.Reason)
	}
	if e.RateLimited {
		msg = "rate limited; " + msg
	}
	if e.Last != nil {
		return msg + ": " + e.Last.Error()
	}
	return msg
}

// Unwrap returns Reason and, when set, Last.
func (e *Error) Unwrap() []error {
	if e.Last == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Last}
}

// Detached is a context for a request that must run to its end once sent: it
// has ctx's values and deadline (at most d from now; d when ctx has none)
// but not its cancellation. An advisory call (a typing indicator) is
// cancelled when the answer is ready; cancelling its request in flight would
// close the pooled connection it runs on, and because net/http hands a
// connection back to the pool before it hands a bodiless answer (a 204) to
// its caller, that close can land on the next request to take the
// connection: another conversation's answer then fails with "context
// canceled". Waiting for a slot stays under ctx; only the request is
// detached.
func Detached(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	dl := time.Now().Add(d)
	if cdl, ok := ctx.Deadline(); ok && cdl.Before(dl) {
		dl = cdl
	}
	return context.WithDeadline(context.WithoutCancel(ctx), dl)
}
