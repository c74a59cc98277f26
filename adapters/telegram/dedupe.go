package telegram

import (
	"context"
	"strconv"
)

// Redelivery dedupe.
//
// Telegram redelivers an update until it is confirmed (long polling: the next
// getUpdates offset; webhook: a 2xx). An update handed to the core but not yet
// confirmed when the process stopped comes again after the restart and must not
// be answered twice; one the core refused (it was shutting down) must be handled
// when it comes again. The store offers one primitive, Seen: an atomic
// check-and-set. A plain "Seen, then Handle" would lose a refused update for
// good, so each update keeps a short chain of attempts in the store:
//
//	a<n>   attempt n began (set by the check itself)
//	a<n>r  attempt n was refused
//
// The latest attempt with a<n> set is accepted if a<n>r is unset. Checking
// a<n>r sets it too; when that check finds attempt n accepted, the claim moves
// the accepted state to n+1 by setting a<n+1>, so the invariant holds for the
// next delivery. An update refused or redelivered more than maxAttempts times is
// handled again rather than lost. Two deliveries of one update racing each other
// (webhook retries) are told apart by the first check-and-set; only a refusal
// during such a race can mislabel the update as accepted.

// maxAttempts bounds the chain walked per delivery.
const maxAttempts = 8

func attemptKey(updateID, n int) string {
	return "u" + strconv.Itoa(updateID) + ".a" + strconv.Itoa(n)
}

// claim decides whether an update is new. It returns dup for an update already
// accepted, else the attempt number to pass to refuse when the core does not
// accept it. A store failure lets the update through: a duplicate answer is
// better than a lost question.
func (a *Adapter) claim(ctx context.Context, updateID int) (attempt int, dup bool) {
	for n := 1; n <= maxAttempts; n++ {
		began, err := a.seen(ctx, attemptKey(updateID, n))
		if err != nil {
			a.log.Warn("telegram: dedupe store failed; handling the update", "update_id", updateID, "err", err)
			return n, false
		}
		if !began {
			return n, false
		}
		refused, err := a.seen(ctx, attemptKey(updateID, n)+"r")
		if err != nil {
			a.log.Warn("telegram: dedupe store failed; handling the update", "update_id", updateID, "err", err)
			return n, false
		}
		if !refused {
			if _, err := a.seen(ctx, attemptKey(updateID, n+1)); err != nil {
				a.log.Warn("telegram: dedupe store failed", "update_id", updateID, "err", err)
			}
			return 0, true
		}
	}
	a.log.Warn("telegram: update refused too often; handling it again", "update_id", updateID)
	return maxAttempts + 1, false
}

// refuse records that attempt was not accepted, so the update's next delivery
// is handled.
func (a *Adapter) refuse(ctx context.Context, updateID, attempt int) {
	if attempt < 1 || attempt > maxAttempts {
		return
	}
	if _, err := a.seen(ctx, attemptKey(updateID, attempt)+"r"); err != nil {
		a.log.Warn("telegram: dedupe store failed; a refused update may be skipped when redelivered",
			"update_id", updateID, "err", err)
	}
}

// seen is Core.Seen, or the adapter's memory when it runs without a core.
func (a *Adapter) seen(ctx context.Context, id string) (bool, error) {
	if a.core != nil {
		return a.core.Seen(ctx, Platform, id)
	}
	return !a.localSeen.Add(id, struct{}{}), nil
}
