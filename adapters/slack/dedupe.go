package slackadapter

import (
	"context"
	"errors"
	"strconv"

	"github.com/kmbridge/kmbridge/bridge"
)

// Redelivery dedupe that survives a refusal.
//
// A delivery is recorded (Core.Seen) before it is handed to the core, so that a
// redelivery racing the first one is dropped. When the core then refuses it
// (shutting down), the request is answered 503 and Slack delivers it again,
// which a plain "Seen, then Handle" would drop as a duplicate: the question
// would be lost. So each delivery id keeps a short chain of attempts in the
// store (Seen is its only primitive, an atomic check-and-set):
//
//	id        attempt 1 began (set by the check itself)
//	id.a<n>   attempt n began (n > 1)
//	….r       that attempt was refused
//
// The latest attempt that began is accepted unless its refusal mark is set.
// Checking the refusal mark sets it too; when that check finds the attempt
// accepted, the claim sets the next attempt's mark, which keeps the invariant
// for the next redelivery. A delivery refused more than maxAttempts times is
// handled again rather than lost.

// maxAttempts bounds the chain walked per delivery.
const maxAttempts = 8

func attemptKey(id string, n int) string {
	if n == 1 {
		return id // what a first delivery has always been recorded as
	}
	return id + ".a" + strconv.Itoa(n)
}

// claim reports whether a delivery was accepted before (dup); otherwise it
// returns the attempt to pass to refuse when the core does not accept it. A
// store failure lets the delivery through: a rare duplicate beats a lost
// question.
func (a *Adapter) claim(ctx context.Context, id string) (attempt int, dup bool) {
	for n := 1; n <= maxAttempts; n++ {
		began, err := a.core.Seen(ctx, platform, attemptKey(id, n))
		if err != nil {
			a.log.Warn("slack: dedupe failed; handling the delivery anyway", "err", err)
			return n, false
		}
		if !began {
			return n, false
		}
		refused, err := a.core.Seen(ctx, platform, attemptKey(id, n)+".r")
		if err != nil {
			a.log.Warn("slack: dedupe failed; handling the delivery anyway", "err", err)
			return n, false
		}
		if !refused {
			if _, err := a.core.Seen(ctx, platform, attemptKey(id, n+1)); err != nil {
				a.log.Warn("slack: dedupe failed", "err", err)
			}
			a.log.Debug("slack: duplicate delivery dropped", "id", id)
			return 0, true
		}
	}
	a.log.Warn("slack: delivery refused too often; handling it again", "id", id)
	return maxAttempts + 1, false
}

// refuse records that an attempt was not accepted, so that the delivery's next
// arrival is handled. It runs even when the request's context has ended.
func (a *Adapter) refuse(ctx context.Context, id string, attempt int) {
	if attempt < 1 || attempt > maxAttempts {
		return
	}
	if _, err := a.core.Seen(context.WithoutCancel(ctx), platform, attemptKey(id, attempt)+".r"); err != nil {
		a.log.Warn("slack: dedupe failed; a refused delivery may be dropped when redelivered", "err", err)
	}
}

// retryLater reports a refusal by the core that a redelivery can mend (it is
// shutting down): the delivery must not be confirmed. A busy conversation is
// no such refusal: the core has told the user.
func retryLater(err error) bool { return err != nil && !errors.Is(err, bridge.ErrBusy) }
