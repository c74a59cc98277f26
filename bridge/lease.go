package bridge

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Several replicas on one store.
//
// A store shared by replicas (redisstore) has the Shared ability. A core on
// such a store makes the durable inbox its queue: Handle appends the event to
// its conversation's entries, numbered by the store from one counter every
// replica shares, and one replica at a time, the holder of the
// conversation's lease, drains them in that order. A replica that accepts an
// event of a conversation another replica holds only appends it: the holder
// lists the entries again after each batch and can release the lease only
// when none are left (ReleaseIdle, one atomic step), so the entry is never
// left behind. The lease is renewed while work runs; a replica that cannot
// renew it (Redis unreachable, the process paused) stops sending once its
// local deadline, the last successful renewal plus LeaseTTL minus a margin,
// has passed, before the store lets the lease go to another replica. A
// sweeper on every replica takes conversations that have entries and no
// lease (their owner died), so nothing waits longer than the lease's time.
//
// A store without the ability (memstore) keeps today's single-process queue:
// nothing of this runs and nothing costs anything.

// Shared is an optional Store ability: what replicas sharing the store need
// to take turns. Lease names are the core's (ConvLease for conversations);
// holders are replica tokens unique per process.
type Shared interface {
	// InboxAppend stores e as the newest entry of its conversation, numbered
	// by the store (e.Seq is ignored) from one counter all replicas share, so
	// that the numbers of one conversation's entries are in the order the
	// appends happened. It refuses with ErrQueueFull when the conversation
	// already has max entries. It returns the new entry's Seq and the current
	// holder of the conversation's lease ("" when there is none), in the same
	// atomic step.
	InboxAppend(ctx context.Context, e InboxEntry, max int) (seq uint64, holder string, err error)
	// InboxUndo removes the conversation's entry whose ID is id, if there is
	// one: an append whose answer was lost may have happened.
	InboxUndo(ctx context.Context, key ConvKey, id string) error

	// Acquire takes the lease name for holder for ttl when nobody holds it,
	// or renews it when holder does. ok reports whether holder holds it now;
	// other is the holder otherwise.
	Acquire(ctx context.Context, name, holder string, ttl time.Duration) (ok bool, other string, err error)
	// Renew extends holder's leases names by ttl; held[i] is false for a
	// lease holder no longer holds (it expired, another took it).
	Renew(ctx context.Context, holder string, names []string, ttl time.Duration) (held []bool, err error)
	// Release ends holder's lease name; a lease holder does not hold is left alone.
	Release(ctx context.Context, name, holder string) error
	// ReleaseIdle ends holder's lease of the conversation key only when the
	// conversation has no inbox entries, in one atomic step. released is true
	// when the lease has ended, or when holder did not hold it any more.
	ReleaseIdle(ctx context.Context, key ConvKey, holder string) (released bool, err error)
	// Orphans lists the conversations that have inbox entries and whose
	// lease nobody holds, and counts the entries of every conversation.
	Orphans(ctx context.Context) (keys []ConvKey, pending int, err error)

	// Once records name for ttl and reports whether this call recorded it
	// (false: it was recorded already and has not expired).
	Once(ctx context.Context, name string, ttl time.Duration) (bool, error)
}

// ErrQueueFull is Shared.InboxAppend's refusal: the conversation has as many
// entries as the caller allows.
var ErrQueueFull = errors.New("bridge: conversation inbox full")

// ConvLease is the name of a conversation's lease.
func ConvLease(key ConvKey) string { return "conv:" + key.String() }

// leaderLease is the name of a Lead lease.
func leaderLease(name string) string { return "lead:" + name }

// errLeaseLost is the cause of a lease context cancelled because the lease is
// no longer (certainly) held.
var errLeaseLost = errors.New("bridge: lease lost")

// newHolder returns a replica token: the configured replica id, for people
// reading Redis, and a random part, so that a restarted replica with the same
// id is never taken for its predecessor.
func newHolder(replicaID string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand's documented behaviour)
	return replicaID + "/" + hex.EncodeToString(b[:])
}

// leases are the leases this replica holds, renewed together by the keeper.
type leases struct {
	st     Shared
	holder string
	ttl    time.Duration
	// margin is how long before the store could hand the lease to another
	// replica this one stops acting on it: the local deadline is the start of
	// the last successful acquire or renewal plus ttl minus margin.
	margin time.Duration

	mu   sync.Mutex
	held map[string]*lease
}

// lease is one held lease. Its ctx ends, with cause errLeaseLost, when the
// local deadline passes without a renewal or the store says it is lost; or
// when the parent ends.
type lease struct {
	name   string
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu       sync.Mutex
	deadline time.Time
	timer    *time.Timer
	ended    bool
}

// acquire tries to take name for the parent context's lifetime. ok false: it
// is held elsewhere (other). The returned lease must be ended with end.
func (ls *leases) acquire(parent context.Context, name string) (l *lease, ok bool, other string, err error) {
	start := time.Now()
	// A lease granted after ttl-margin would be fenced at once anyway.
	actx, cancel := context.WithTimeout(parent, ls.ttl-ls.margin)
	ok, other, err = ls.st.Acquire(actx, name, ls.holder, ls.ttl)
	cancel()
	if err != nil || !ok {
		return nil, false, other, err
	}
	l = &lease{name: name}
	l.ctx, l.cancel = context.WithCancelCause(parent)
	l.deadline = start.Add(ls.ttl - ls.margin)
	l.timer = time.AfterFunc(time.Until(l.deadline), func() { l.cancel(errLeaseLost) })
	ls.mu.Lock()
	ls.held[name] = l
	ls.mu.Unlock()
	return l, true, "", nil
}

// extend moves the local deadline after a successful renewal begun at start.
func (l *lease) extend(start time.Time, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ended || l.ctx.Err() != nil {
		return // lost or ended: a late renewal never revives it
	}
	if dl := start.Add(d); dl.After(l.deadline) {
		l.deadline = dl
		l.timer.Reset(time.Until(dl))
	}
}

// lose ends the lease's context: the store says another holds it.
func (l *lease) lose() { l.cancel(errLeaseLost) }

// lost reports whether the lease's context ended because the lease was lost
// (rather than because its parent ended).
func (l *lease) lost() bool { return errors.Is(context.Cause(l.ctx), errLeaseLost) }

// forget stops renewing l and ends its context. It does not release the
// lease in the store.
func (ls *leases) forget(l *lease) {
	l.mu.Lock()
	l.ended = true
	l.timer.Stop()
	l.mu.Unlock()
	l.cancel(context.Canceled)
	ls.mu.Lock()
	if ls.held[l.name] == l {
		delete(ls.held, l.name)
	}
	ls.mu.Unlock()
}

// release forgets l and releases it in the store, bounded by timeout even
// when ctx has ended (another replica should not wait out the lease).
func (ls *leases) release(ctx context.Context, l *lease, timeout time.Duration) error {
	ls.forget(l)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := ls.st.Release(rctx, l.name, ls.holder); err != nil {
		return fmt.Errorf("bridge: release lease %s: %w", l.name, err)
	}
	return nil
}

// renew renews every held lease in one store call and returns how many were
// found lost. A store error renews nothing: the local deadlines fence.
func (ls *leases) renew(ctx context.Context) (lost []*lease, err error) {
	ls.mu.Lock()
	names := make([]string, 0, len(ls.held))
	ls2 := make([]*lease, 0, len(ls.held))
	for n, l := range ls.held {
		names = append(names, n)
		ls2 = append(ls2, l)
	}
	ls.mu.Unlock()
	if len(names) == 0 {
		return nil, nil
	}
	start := time.Now()
	held, err := ls.st.Renew(ctx, ls.holder, names, ls.ttl)
	if err != nil {
		return nil, fmt.Errorf("bridge: renew leases: %w", err)
	}
	for i, l := range ls2 {
		if i < len(held) && held[i] {
			l.extend(start, ls.ttl-ls.margin)
		} else {
			l.lose()
			lost = append(lost, l)
		}
	}
	return lost, nil
}

// count is the number of held leases whose name starts with prefix.
func (ls *leases) count(prefix string) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	n := 0
	for name := range ls.held {
		if len(name) >= len(prefix) && name[:len(prefix)] == prefix {
			n++
		}
	}
	return n
}
