package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// The queue on a Shared store (see lease.go): the inbox is the queue, and the
// holder of a conversation's lease drains it.

// handleShared appends an accepted event to its conversation's inbox entries
// and, unless another replica owns the conversation, starts or nudges this
// replica's worker for it.
func (c *Core) handleShared(ctx context.Context, ev Event, data json.RawMessage) error {
	key := ev.Conv()
	id := key.String()
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	c.intake = true
	c.mu.Unlock()
	c.startShared()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultDeliverTimeout)
		defer cancel()
	}
	e := InboxEntry{Key: key, At: c.now(), Event: data, ID: c.leases.holder + "/" + strconv.FormatUint(c.puts.Add(1), 10)}
	// One more than QueueSize: the entry being answered is still there.
	_, holder, err := c.sh.InboxAppend(ctx, e, c.cfg.QueueSize+1)
	switch {
	case errors.Is(err, ErrQueueFull):
		c.mu.Lock()
		return c.refuseLocked(id, c.convLocked(id), ev)
	case err != nil:
		// Undone in case it landed (a reply lost on the way back): the event
		// is not accepted, so it must not be answered as well.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultDeliverTimeout)
		if uerr := c.sh.InboxUndo(uctx, key, e.ID); uerr != nil {
			c.log.Warn("bridge: inbox: undoing a failed write failed", "conv", id, "err", redact(uerr))
		}
		cancel()
		c.met.event(kindOf(ev), "inbox_error")
		c.log.Warn("bridge: event not accepted: the inbox write failed", "conv", id, "kind", kindOf(ev), "err", redact(err))
		return fmt.Errorf("bridge: handle: inbox: %w", err)
	}
	if holder != "" && holder != c.leases.holder {
		// The owner lists the conversation's entries again before it can
		// release it, so it finds this one.
		c.met.handoff()
		c.log.Debug("bridge: event handed to the replica that owns the conversation", "conv", id, "owner", holder)
		return nil
	}
	c.kick(key, false)
	return nil
}

// convLocked returns the conversation's local state, creating it; c.mu must
// be held.
func (c *Core) convLocked(id string) *conv {
	cv := c.convs[id]
	if cv == nil {
		cv = &conv{}
		c.convs[id] = cv
	}
	return cv
}

// kick makes sure this replica's worker for key runs, or looks again once it
// has finished what it listed. sweep marks a conversation found without an
// owner.
func (c *Core) kick(key ConvKey, sweep bool) {
	id := key.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return // the entry stays for another replica, or the next start
	}
	cv := c.convLocked(id)
	if cv.running {
		cv.again = true
		return
	}
	cv.running = true
	c.wg.Add(1)
	go c.drain(id, key, cv, sweep)
}

// drain runs one conversation's turns on this replica: it takes the lease,
// drains the entries, releases; and again when an event was appended here
// meanwhile (the append may have seen the lease free, or still this
// replica's, just as it was let go).
func (c *Core) drain(id string, key ConvKey, cv *conv, sweep bool) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		cv.again = false
		c.mu.Unlock()
		c.drainLeased(key, sweep)
		sweep = false
		c.mu.Lock()
		if !cv.again || c.closing {
			cv.running = false
			if !cv.notifying {
				delete(c.convs, id)
			}
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}

// leaseOpTimeout bounds one lease or inbox call made outside an event's turn.
const leaseOpTimeout = 5 * time.Second

// drainLeased takes the conversation's lease, handles its entries in Seq
// order until none are left, and releases it. When the lease is held
// elsewhere, that replica drains.
func (c *Core) drainLeased(key ConvKey, sweep bool) {
	if c.adapter(key.Platform) == nil {
		return // another replica runs that platform
	}
	id := key.String()
	l, ok, other, err := c.leases.acquire(c.base, ConvLease(key))
	switch {
	case err != nil:
		// The entries stay; the sweeper tries again.
		c.log.Warn("bridge: cannot take the conversation's lease; retrying later", "conv", id, "err", redact(err))
		return
	case !ok:
		c.log.Debug("bridge: conversation owned by another replica", "conv", id, "owner", other)
		return
	}
	c.met.leaseAcquired("conv")
	if sweep {
		c.met.takeover()
		c.log.Info("bridge: took over a conversation left without an owner", "conv", id)
	}
	c.met.owned(1)
	defer c.met.owned(-1)

	release := func() {
		if err := c.leases.release(c.base, l, leaseOpTimeout); err != nil {
			c.log.Warn("bridge: releasing a conversation failed; another replica takes it when the lease expires", "conv", id, "err", redact(err))
		}
	}
	// ended stops on an ended lease context: lost (fenced), or shutdown.
	ended := func() {
		if l.lost() {
			c.fenced(id, l)
			return
		}
		release()
	}
	// tryRelease lets the conversation go when nothing waits, in one atomic
	// step: false when an entry is waiting (or the store failed, and then the
	// lease runs out on its own).
	tryRelease := func() (stop bool) {
		rctx, cancel := context.WithTimeout(l.ctx, leaseOpTimeout)
		released, err := c.sh.ReleaseIdle(rctx, key, c.leases.holder)
		cancel()
		if err != nil {
			c.leases.forget(l)
			c.log.Warn("bridge: releasing a conversation failed; another replica takes it when the lease expires", "conv", id, "err", redact(err))
			return true
		}
		if released {
			c.leases.forget(l)
		}
		return released
	}
	var undone []uint64 // handled, but their removal failed: never handled again here
	batch := false      // a batch was handled: most often nothing followed it
	for {
		if l.ctx.Err() != nil {
			ended()
			return
		}
		undone = c.retryDone(key, undone)
		if batch && len(undone) == 0 && !c.isClosing() && tryRelease() {
			return
		}
		batch = false
		es, err := c.store.InboxEntries(l.ctx, key)
		if err != nil {
			if l.ctx.Err() != nil {
				ended()
				return
			}
			c.log.Warn("bridge: cannot read the conversation's inbox; leaving it to the next try", "conv", id, "err", redact(err))
			release()
			return
		}
		es = slices.DeleteFunc(es, func(e InboxEntry) bool { return slices.Contains(undone, e.Seq) })
		if len(es) == 0 {
			if c.isClosing() {
				release()
				return
			}
			if len(undone) > 0 {
				// Released now, they would be handled again elsewhere: hold
				// the conversation while the store recovers (or the lease
				// runs out).
				select {
				case <-l.ctx.Done():
				case <-time.After(min(c.cfg.LeaseTTL/10, time.Second)):
				}
				continue
			}
			if tryRelease() {
				return
			}
			continue // an entry landed meanwhile
		}
		for _, e := range es {
			done, ok := c.drainEntry(l, e)
			if !ok {
				ended()
				return
			}
			if !done {
				undone = append(undone, e.Seq)
			}
		}
		batch = true
		if c.isClosing() {
			release() // what arrived since is another replica's
			return
		}
	}
}

// drainEntry handles one inbox entry under the lease. ok is false when the
// turn was cut short (shutdown, or the lease was lost) and the entry stays in
// the inbox; done is false when it was handled but its removal failed.
func (c *Core) drainEntry(l *lease, e InboxEntry) (done, ok bool) {
	key := e.Key
	ev, err := decodeEntry(e)
	if err != nil {
		c.log.Error("bridge: an inbox entry cannot be read; removed", "conv", key.String(), "seq", e.Seq, "err", err)
		return c.inboxDone(key, e.Seq, "unreadable"), true
	}
	select {
	case c.sem <- struct{}{}:
	case <-l.ctx.Done():
		c.cutShort(key.String(), ev, l)
		return false, false
	}
	if l.ctx.Err() != nil {
		<-c.sem
		c.cutShort(key.String(), ev, l)
		return false, false
	}
	finished := c.process(l.ctx, ev, c.now().Sub(e.At) > c.cfg.InboxMaxAge)
	<-c.sem
	if !finished {
		c.cutShort(key.String(), ev, l)
		return false, false
	}
	return c.inboxDone(key, e.Seq, kindOf(ev)), true
}

// cutShort records an event left in the inbox: at shutdown, or because the
// lease was lost (another replica handles it).
func (c *Core) cutShort(id string, ev Event, l *lease) {
	if l.lost() {
		c.met.event(kindOf(ev), "fenced")
		return
	}
	c.leave(id, &item{ev: ev})
}

// fenced logs a conversation this replica stopped handling because its lease
// could not be renewed in time or another replica holds it now.
func (c *Core) fenced(id string, l *lease) {
	c.leases.forget(l)
	c.met.leaseLost("conv")
	c.log.Warn("bridge: lost the conversation's lease; another replica takes it over", "conv", id)
}

// inboxDone removes a handled entry; false when the removal failed.
func (c *Core) inboxDone(key ConvKey, seq uint64, kind string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), inboxDoneTimeout)
	defer cancel()
	if err := c.store.InboxDone(ctx, key, seq); err != nil {
		c.log.Warn("bridge: inbox: removing a processed event failed; retrying while the conversation is owned here",
			"conv", key.String(), "kind", kind, "err", redact(err))
		return false
	}
	return true
}

// retryDone retries the removals that failed and returns those that still did.
func (c *Core) retryDone(key ConvKey, undone []uint64) []uint64 {
	return slices.DeleteFunc(undone, func(seq uint64) bool { return c.inboxDone(key, seq, "retry") })
}

// startShared starts the keeper on the core's first use of a Shared store.
func (c *Core) startShared() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keeperDone != nil || c.closing {
		return
	}
	c.keeperDone = make(chan struct{})
	go c.keep()
}

// keep renews this replica's leases every quarter of the lease's time
// (jittered, so replicas spread out), and sweeps for conversations without an
// owner in what is left of each quarter: a slow sweep never holds a renewal
// back, and a renewal that failed is tried again soon, while the leases'
// local deadlines are still ahead.
func (c *Core) keep() {
	defer close(c.keeperDone)
	every := c.cfg.LeaseTTL / 4
	t := time.NewTimer(jitter(every))
	defer t.Stop()
	failing := false
	for {
		select {
		case <-c.keepCtx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		next := jitter(every)
		err := c.renewLeases()
		switch {
		case err != nil:
			if !failing && c.keepCtx.Err() == nil {
				c.log.Warn("bridge: renewing leases failed; trying again, and work stops when they run out", "err", redact(err))
			}
			failing, next = true, every/4
		case failing:
			failing = false
			c.log.Info("bridge: leases renewed again")
		}
		if left := next - time.Since(start); left > every/10 && !c.isClosing() {
			sctx, cancel := context.WithTimeout(c.keepCtx, left)
			c.sweep(sctx)
			cancel()
		}
		t.Reset(max(next-time.Since(start), 0))
	}
}

// jitter spreads d by ±10%.
func jitter(d time.Duration) time.Duration {
	return d - d/10 + rand.N(d/5+1)
}

// renewLeases renews every held lease in one store call. It may take up to
// half the lease's time: a renewal extends the leases from its start, so a
// slow one that succeeds still keeps them.
func (c *Core) renewLeases() error {
	ctx, cancel := context.WithTimeout(c.keepCtx, c.cfg.LeaseTTL/2)
	defer cancel()
	lost, err := c.leases.renew(ctx)
	for _, l := range lost {
		c.log.Warn("bridge: a lease was taken by another replica", "lease", l.name)
	}
	return err
}

// sweep kicks a worker for every conversation that has entries and no owner,
// and reports how many entries wait in all.
func (c *Core) sweep(ctx context.Context) int {
	// Bounded by a quarter of the lease (and by the keeper, by what is left
	// before its next renewal).
	ctx, cancel := context.WithTimeout(ctx, c.cfg.LeaseTTL/4)
	defer cancel()
	keys, pending, err := c.sh.Orphans(ctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("bridge: looking for conversations without an owner failed", "err", redact(err))
		}
		return 0
	}
	c.met.pending(pending)
	n := 0
	for _, k := range keys {
		if c.adapter(k.Platform) != nil {
			c.kick(k, true)
			n++
		}
	}
	return n
}

// replayShared is Replay on a Shared store: the conversations whose entries
// nobody owns (their replica died or shut down) are taken; those a live
// replica owns stay its own.
func (c *Core) replayShared(ctx context.Context) (int, error) {
	c.startShared()
	keys, pending, err := c.sh.Orphans(ctx)
	if err != nil {
		return 0, fmt.Errorf("bridge: replay: %w", err)
	}
	c.met.pending(pending)
	var queued, convs int
	errs := c.eachReplayable(ctx, keys, func(key ConvKey, es []InboxEntry) []error {
		queued += len(es)
		convs++
		c.kick(key, false)
		return nil
	})
	c.met.inboxReplayed(queued)
	if queued > 0 {
		c.log.Info("bridge: replaying events accepted before, that no replica owns", "events", queued, "conversations", convs)
	}
	return queued, errors.Join(errs...)
}

// stopShared ends the Lead runs and the keeper once the workers are done: a
// worker's lease is renewed until it has released it. Bounded by ctx, and
// by leaseOpTimeout when ctx has ended already.
func (c *Core) stopShared(ctx context.Context) error {
	if c.sh == nil {
		return nil
	}
	wctx := ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), leaseOpTimeout)
		defer cancel()
	}
	var err error
	leads := make(chan struct{})
	go func() { c.leads.Wait(); close(leads) }()
	select {
	case <-leads:
	case <-wctx.Done():
		err = errors.New("bridge: shutdown: a Lead run did not return after its context ended")
	}
	c.stopKeep()
	c.mu.Lock()
	done := c.keeperDone
	c.mu.Unlock()
	if done != nil {
		<-done
	}
	// A run that did not return is the caller's goroutine: it is left to end
	// on its own (its context has ended), and so is the waiter above.
	return err
}
