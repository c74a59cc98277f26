package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// conv is one conversation's queue. It exists only while the conversation has
// events waiting or in progress (or a busy reply in flight): an idle conversation
// costs no goroutine and no memory here.
type conv struct {
	q         []*item
	running   bool // a worker goroutine owns the queue
	notifying bool // a "busy" reply is being sent
	// again (Shared store): an event of the conversation was appended here
	// while the worker ran; it looks again before it ends.
	again bool
}

// Handle is the Handler adapters call. It queues the event behind its
// conversation's earlier events, writes it to the durable inbox and returns
// once that write is done; the event is processed in arrival order on a
// worker, never on the caller's goroutine, and not under ctx (which is usually
// the platform request's; it bounds the inbox write, DefaultDeliverTimeout when
// it has no deadline). It returns ErrBusy when the conversation's queue is full
// (the user is told, asynchronously and within Config.BusyReplyTimeout),
// ErrClosed after Shutdown, an error wrapping the store's when the inbox write
// failed (the event is dropped: not accepted, so the platform should deliver it
// again), and an error for an event it cannot route (no adapter registered for
// its platform). On a Shared store the inbox itself is the queue, drained by
// whichever replica holds the conversation's lease (lease.go).
func (c *Core) Handle(ctx context.Context, ev Event) error {
	if ev == nil {
		return errors.New("bridge: handle: nil event")
	}
	if m, ok := ev.(Message); ok && strings.TrimSpace(m.Text) == "" && len(m.Files) == 0 {
		return nil // nothing to ask or relay (a sticker)
	}
	key := ev.Conv()
	if c.adapter(key.Platform) == nil {
		return fmt.Errorf("bridge: handle: no adapter registered for platform %q", key.Platform)
	}
	data, err := encodeEvent(ev)
	if err != nil {
		return fmt.Errorf("bridge: handle: %w", err)
	}
	if c.sh != nil {
		return c.handleShared(ctx, ev, data)
	}
	id := key.String()

	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return ErrClosed
	}
	cv := c.convLocked(id)
	if len(cv.q) >= c.cfg.QueueSize {
		return c.refuseLocked(id, cv, ev)
	}
	// The sequence number is taken with the queue position, under one lock:
	// inbox order is queue order. The write happens outside the lock; the
	// worker waits for it.
	it := &item{ev: ev, seq: c.nextSeqLocked(), at: c.now(), written: make(chan struct{})}
	cv.q = append(cv.q, it)
	c.intake = true
	if !cv.running {
		cv.running = true
		c.wg.Add(1)
		go c.work(id, cv)
	}
	c.mu.Unlock()
	return c.persist(ctx, it, data)
}

// work drains one conversation's queue, one event at a time, then exits. Once
// shutdown has cut the drain short, what is left stays in the inbox.
func (c *Core) work(id string, cv *conv) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(cv.q) == 0 {
			cv.running = false
			cv.q = nil
			if !cv.notifying {
				delete(c.convs, id)
			}
			c.mu.Unlock()
			return
		}
		it := cv.q[0]
		cv.q[0] = nil
		cv.q = cv.q[1:]
		c.mu.Unlock()

		// Never process (and so never remove) an entry before its write has
		// returned: a removal overtaken by its own write would leave a ghost
		// that is answered again after a restart.
		<-it.written
		if it.werr != nil {
			continue // not accepted: Handle returned the error
		}
		select {
		case c.sem <- struct{}{}:
			if c.base.Err() != nil {
				<-c.sem
				c.leave(id, it)
				continue
			}
		case <-c.base.Done():
			c.leave(id, it)
			continue
		}
		finished := c.process(c.base, it.ev, c.stale(it))
		<-c.sem
		if finished {
			c.finish(it)
		} else {
			c.leave(id, it)
		}
	}
}

// refuseLocked refuses an event of a full conversation and has the user told,
// once at a time. c.mu must be held; it is released.
func (c *Core) refuseLocked(id string, cv *conv, ev Event) error {
	notify := !cv.notifying
	if notify {
		cv.notifying = true
		c.wg.Add(1)
	}
	c.mu.Unlock()
	c.met.refused(ev.Conv().Platform)
	c.met.event(kindOf(ev), "busy")
	c.log.Warn("bridge: conversation queue full; event refused", "conv", id, "kind", kindOf(ev))
	if notify {
		go c.busyReply(id, cv, ev)
	}
	return ErrBusy
}

// busyReply tells the user their conversation is busy. It runs on its own
// goroutine with a deadline so that Handle never waits for the platform.
func (c *Core) busyReply(id string, cv *conv, ev Event) {
	defer c.wg.Done()
	defer func() {
		c.mu.Lock()
		cv.notifying = false
		if !cv.running && len(cv.q) == 0 && c.convs[id] == cv {
			delete(c.convs, id)
		}
		c.mu.Unlock()
	}()
	key := ev.Conv()
	a := c.adapter(key.Platform)
	if a == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.base, c.cfg.BusyReplyTimeout)
	defer cancel()
	p := c.cat.Printer(userOf(ev).Locale)
	if _, err := a.Send(ctx, key, formatting.Plain(p.T("bridge.busy"))); err != nil {
		c.met.send(key.Platform, "error")
		c.log.Warn("bridge: busy reply failed", "conv", id, "err", redact(err))
		return
	}
	c.met.send(key.Platform, "ok")
}

func kindOf(ev Event) string {
	switch ev.(type) {
	case Message:
		return "message"
	case Click:
		return "click"
	case Command:
		return "command"
	}
	return "unknown"
}

func userOf(ev Event) UserInfo {
	switch e := ev.(type) {
	case Message:
		return e.User
	case Click:
		return e.User
	case Command:
		return e.User
	}
	return UserInfo{}
}
