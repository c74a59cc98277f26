package bridge

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// inboxDoneTimeout bounds the removal of a processed event's entry.
const inboxDoneTimeout = 5 * time.Second

// item is one event in a conversation's queue.
type item struct {
	ev  Event
	seq uint64
	at  time.Time
	// written is closed once the inbox write has returned; werr is its error
	// (set before the close). Replayed items come already written.
	written chan struct{}
	werr    error
}

// closedCh is the written channel of items that need no write.
var closedCh = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// nextSeqLocked returns the next inbox sequence number. c.mu must be held.
func (c *Core) nextSeqLocked() uint64 {
	s := uint64(time.Now().UnixNano())
	if s <= c.lastSeq {
		s = c.lastSeq + 1
	}
	c.lastSeq = s
	return s
}

// persist writes a queued item to the inbox and releases its worker. A failed
// write is also undone, in case it landed (a Redis reply lost on the way back):
// the event is not accepted, so it must not come back after a restart as well.
func (c *Core) persist(ctx context.Context, it *item, data json.RawMessage) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultDeliverTimeout)
		defer cancel()
	}
	key := it.ev.Conv()
	err := c.store.InboxPut(ctx, InboxEntry{Key: key, Seq: it.seq, At: it.at, Event: data})
	if err != nil {
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultDeliverTimeout)
		if derr := c.store.InboxDone(uctx, key, it.seq); derr != nil {
			c.log.Warn("bridge: inbox: undoing a failed write failed", "conv", key.String(), "err", redact(derr))
		}
		cancel()
		err = fmt.Errorf("bridge: handle: inbox: %w", err)
		c.met.event(kindOf(it.ev), "inbox_error")
		c.log.Warn("bridge: event not accepted: the inbox write failed", "conv", key.String(), "kind", kindOf(it.ev), "err", redact(err))
	} else {
		c.met.inboxAdd(1)
	}
	it.werr = err
	close(it.written)
	return err
}

// finish removes a processed item's entry. It runs outside the core's base
// context: the removal must happen even while shutdown cancels work.
func (c *Core) finish(it *item) {
	key := it.ev.Conv()
	ctx, cancel := context.WithTimeout(context.Background(), inboxDoneTimeout)
	defer cancel()
	c.met.inboxAdd(-1)
	if err := c.store.InboxDone(ctx, key, it.seq); err != nil {
		c.log.Warn("bridge: inbox: removing a processed event failed; it will be handled again after a restart",
			"conv", key.String(), "kind", kindOf(it.ev), "err", redact(err))
	}
}

// leave records an item left in the inbox at shutdown.
func (c *Core) leave(id string, it *item) {
	c.mu.Lock()
	c.left++
	c.leftConvs[id] = struct{}{}
	c.mu.Unlock()
	c.met.event(kindOf(it.ev), "left_in_inbox")
	c.log.Debug("bridge: event left in inbox", "conv", id, "kind", kindOf(it.ev))
}

// stale reports whether an item waited longer than Config.InboxMaxAge.
func (c *Core) stale(it *item) bool {
	return c.now().Sub(it.at) > c.cfg.InboxMaxAge
}

// errReplay is Replay's refusal when the core has already taken events.
var errReplay = errors.New("bridge: replay: call it once, before Run and before any event is handled")

// Replay queues the events the inbox holds from earlier runs (a crash, or a
// shutdown that left some), oldest first per conversation, and returns how
// many it queued. Call it once after Register and before Run: it sends through
// the adapters (which must be able to send before their Run) but needs them
// receiving nothing yet. Entries of a platform with no registered adapter stay
// in the inbox for a later start; an entry that cannot be decoded is logged
// and removed. A store error is returned after the rest has been queued.
//
// On a Shared store (several replicas), Replay takes only the conversations
// no live replica owns (their lease has expired or was released); the others
// stay with their owners. Every replica's sweeper does the same all along.
func (c *Core) Replay(ctx context.Context) (int, error) {
	c.mu.Lock()
	if c.replayed || c.intake || c.closing {
		c.mu.Unlock()
		return 0, errReplay
	}
	c.replayed = true
	c.mu.Unlock()
	if c.sh != nil {
		return c.replayShared(ctx)
	}

	keys, err := c.store.InboxConvs(ctx)
	if err != nil {
		return 0, fmt.Errorf("bridge: replay: %w", err)
	}
	var queued int
	batches := make(map[ConvKey][]*item, len(keys))
	errs := c.eachReplayable(ctx, keys, func(key ConvKey, es []InboxEntry) (errs []error) {
		for _, e := range es {
			ev, err := decodeEntry(e)
			if err != nil {
				c.log.Error("bridge: replay: an inbox entry cannot be read; removed", "conv", key.String(), "seq", e.Seq, "err", err)
				if derr := c.store.InboxDone(ctx, key, e.Seq); derr != nil {
					errs = append(errs, fmt.Errorf("bridge: replay: remove unreadable entry: %w", derr))
				}
				continue
			}
			batches[key] = append(batches[key], &item{ev: ev, seq: e.Seq, at: e.At, written: closedCh})
		}
		return errs
	})

	c.mu.Lock()
	for key, its := range batches {
		slices.SortFunc(its, func(a, b *item) int { return cmp.Compare(a.seq, b.seq) })
		if last := its[len(its)-1].seq; last > c.lastSeq {
			c.lastSeq = last
		}
		id := key.String()
		cv := c.convs[id]
		if cv == nil {
			cv = &conv{}
			c.convs[id] = cv
		}
		// Ahead of anything queued meanwhile (Replay called late): those came after.
		cv.q = append(its, cv.q...)
		queued += len(its)
		if !cv.running {
			cv.running = true
			c.wg.Add(1)
			go c.work(id, cv)
		}
	}
	c.mu.Unlock()
	c.met.inboxAdd(queued)
	c.met.inboxReplayed(queued)
	if queued > 0 {
		c.log.Info("bridge: replaying events accepted before the restart", "events", queued, "conversations", len(batches))
	}
	return queued, errors.Join(errs...)
}

// eachReplayable calls fn with the entries of every conversation of keys
// whose platform has an adapter here; the others stay in the inbox, logged.
// It returns the store's errors and fn's.
func (c *Core) eachReplayable(ctx context.Context, keys []ConvKey, fn func(key ConvKey, es []InboxEntry) []error) []error {
	var errs []error
	kept := map[string]int{}
	for _, key := range keys {
		es, err := c.store.InboxEntries(ctx, key)
		if err != nil {
			errs = append(errs, fmt.Errorf("bridge: replay %s: %w", key, err))
			continue
		}
		if c.adapter(key.Platform) == nil {
			kept[key.Platform] += len(es)
			continue
		}
		errs = append(errs, fn(key, es)...)
	}
	for p, n := range kept {
		c.log.Warn("bridge: replay: no adapter for the platform; its events stay in the inbox", "platform", p, "events", n)
	}
	return errs
}

// decodeEntry reads an inbox entry's event, which must be of the entry's
// conversation.
func decodeEntry(e InboxEntry) (Event, error) {
	ev, err := decodeEvent(e.Event)
	if err == nil && ev.Conv() != e.Key {
		err = fmt.Errorf("entry of %s holds an event of %s", e.Key, ev.Conv())
	}
	return ev, err
}
