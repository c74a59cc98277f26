package webadapter

import (
	"errors"
	"slices"
	"sync"
)

// The hub is what the chat holds in memory: the open sockets (tabs), grouped
// by conversation. A conversation is in the hub only while a tab of it is
// open; everything else about it is in the store. So memory follows the open
// tabs, not the visitors there ever were, and nothing has to be evicted: a
// conversation whose last tab closes is forgotten at once, its history kept.

var (
	errFull    = errors.New("web: too many open sockets")
	errTooMany = errors.New("web: too many open sockets for this conversation")
	errClosed  = errors.New("web: adapter shut down")
)

// sendQueueSize bounds the frames waiting for one tab; a tab that falls this
// far behind is disconnected and replays the history when it reconnects.
const sendQueueSize = 32

// liveConv is one conversation with open tabs.
type liveConv struct {
	sockets []*client
	// started: the conversation has a history (or has just been written
	// to): its next message does not start a new conversation.
	started bool
}

// hub owns the open sockets. One lock keeps fan-out in the same order for
// every tab.
type hub struct {
	maxOpen, maxPerConv int

	mu     sync.Mutex
	convs  map[string]*liveConv
	peak   int // the most convs held since the map was last made
	open   int
	closed bool
	wg     sync.WaitGroup // attached sockets
}

func newHub(cfg Config) *hub {
	return &hub{maxOpen: cfg.MaxOpenSockets, maxPerConv: cfg.MaxSockets, convs: map[string]*liveConv{}}
}

// attach registers a socket. Until ready, frames for it are held back, so
// none slips before its history.
func (h *hub) attach(c *client) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case h.closed:
		return errClosed
	case h.open >= h.maxOpen:
		return errFull
	}
	cv := h.convs[c.cid]
	if cv == nil {
		cv = &liveConv{}
		h.convs[c.cid] = cv
		h.peak = max(h.peak, len(h.convs))
	} else if len(cv.sockets) >= h.maxPerConv {
		return errTooMany
	}
	cv.sockets = append(cv.sockets, c)
	c.loading = true
	h.open++
	h.wg.Add(1)
	return nil
}

// ready sends a socket its history frame, then the frames held back for it
// that the history does not already hold (messages up to last).
func (h *hub) ready(c *client, history []byte, last uint64, started bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.enqueue(history)
	c.last = last
	for _, f := range c.early {
		if f.msg == 0 || f.msg > c.last {
			c.enqueue(f.b)
			c.last = max(c.last, f.msg)
		}
	}
	c.early, c.loading = nil, false
	if cv := h.convs[c.cid]; cv != nil && started {
		cv.started = true
	}
}

// detach forgets a socket, and its conversation with its last socket.
func (h *hub) detach(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv := h.convs[c.cid]
	if cv == nil {
		return
	}
	i := slices.Index(cv.sockets, c)
	if i < 0 {
		return
	}
	cv.sockets = slices.Delete(cv.sockets, i, i+1)
	if len(cv.sockets) == 0 {
		delete(h.convs, c.cid)
		// A map keeps the room it once needed: after a crowd has gone,
		// make it anew at the size of who is left.
		if h.peak > 1024 && len(h.convs) < h.peak/4 {
			m := make(map[string]*liveConv, len(h.convs)) // not maps.Clone: it keeps the room
			for k, v := range h.convs {
				m[k] = v
			}
			h.convs, h.peak = m, len(m)
		}
	}
	h.open--
	h.wg.Done()
}

// broadcast sends a frame to the conversation's open tabs; msg is the id of
// the message it carries (0: none). A tab is sent each message once, in id
// order: one it was shown already (in its history, or by catchUp) is not
// sent again.
func (h *hub) broadcast(cid string, frame []byte, msg uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.broadcastLocked(cid, frame, msg)
}

func (h *hub) broadcastLocked(cid string, frame []byte, msg uint64) {
	cv := h.convs[cid]
	if cv == nil {
		return
	}
	for _, c := range cv.sockets {
		if c.loading {
			c.early = append(c.early, early{msg: msg, b: frame})
			continue
		}
		if msg > 0 {
			if msg <= c.last {
				continue
			}
			c.last = msg
		}
		c.enqueue(frame)
	}
}

// broadcastNew is broadcast for a message just appended to the history by
// this replica (under the conversation's lock, so no tab can have been shown
// it): a tab that was shown an id as high already saw a history that has
// since expired and started again, and is shown the new one.
func (h *hub) broadcastNew(cid string, frame []byte, msg uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cv := h.convs[cid]; cv != nil && msg > 0 {
		for _, c := range cv.sockets {
			if !c.loading && c.last >= msg {
				c.last = msg - 1
			}
		}
	}
	h.broadcastLocked(cid, frame, msg)
}

// behind returns the first message id before upTo that an open tab of the
// conversation has not been shown (it was written by another replica, and
// its news has not come yet or was lost); 0 when every tab is up to date.
// Tabs still loading their history are left out: they read it after.
func (h *hub) behind(cid string, upTo uint64) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv := h.convs[cid]
	if cv == nil {
		return 0
	}
	var from uint64
	for _, c := range cv.sockets {
		if !c.loading && c.last+1 < upTo && (from == 0 || c.last+1 < from) {
			from = c.last + 1
		}
	}
	return from
}

// has reports whether the conversation has open tabs here.
func (h *hub) has(cid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.convs[cid] != nil
}

// cids lists the conversations with open tabs.
func (h *hub) cids() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.convs))
	for cid := range h.convs {
		out = append(out, cid)
	}
	return out
}

// started reports whether the conversation has begun (see liveConv.started).
func (h *hub) started(cid string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	cv := h.convs[cid]
	return cv != nil && cv.started
}

// start marks the conversation begun.
func (h *hub) start(cid string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if cv := h.convs[cid]; cv != nil {
		cv.started = true
	}
}

// counts reports the conversations and sockets held (tests, the fault suite).
func (h *hub) counts() (convs, sockets int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.convs), h.open
}

// closeAll refuses new sockets, asks every open one to close, and waits until
// they have.
func (h *hub) closeAll() {
	h.mu.Lock()
	h.closed = true
	for _, cv := range h.convs {
		for _, c := range cv.sockets {
			c.stop()
		}
	}
	h.mu.Unlock()
	h.wg.Wait()
}

// reopen lets sockets attach again (a Run after a Run).
func (h *hub) reopen() {
	h.mu.Lock()
	h.closed = false
	h.mu.Unlock()
}
