package webadapter

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"strconv"
	"sync"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/internal/logx"
)

// Live across replicas. With several replicas, the one that holds a
// conversation writes its replies while the visitor's tabs may be open on
// others. The host tells each replica what the others append and replace
// (bridge.HistoryWatcher); the relay shows it to the conversation's tabs
// here, under the conversation's lock, as if it had been written here. Each
// tab is shown every message once and in id order: a message a tab was shown
// already is not sent again (hub.broadcast), and before a message whose
// predecessors a tab has not been shown (their news is late, or was lost),
// catchUp reads them from the history. Without a watcher (one process)
// nothing of this runs.

// relayBacklog bounds the changes waiting for one conversation; past it they
// are dropped and the conversation's tabs are caught up from the history.
const relayBacklog = 256

// relay applies other replicas' changes to the open tabs, in order per
// conversation, a goroutine per conversation with changes waiting.
type relay struct {
	hist *history
	live *hub
	log  *slog.Logger

	mu     sync.Mutex
	queues map[string]*relayQueue // conversation id → changes waiting
	closed bool
	wg     sync.WaitGroup
}

type relayQueue struct {
	items  []bridge.HistoryChange
	resync bool // read the history again rather than trust the changes
}

func newRelay(hist *history, live *hub, log *slog.Logger) *relay {
	return &relay{hist: hist, live: live, log: log, queues: map[string]*relayQueue{}, closed: true}
}

// open lets changes in (Run starts).
func (r *relay) open() {
	r.mu.Lock()
	r.closed = false
	r.mu.Unlock()
}

// close drops the changes still waiting and waits for the ones being
// applied (Run ends: the tabs are closed next).
func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	for _, q := range r.queues {
		q.items, q.resync = nil, false
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// push takes one change from the host's watcher. It does not block: a
// change for a conversation with no tab here is ignored, anything else is
// queued for its conversation.
func (r *relay) push(c bridge.HistoryChange) {
	if c.Resync {
		for _, cid := range r.live.cids() {
			r.enqueue(cid, c)
		}
		return
	}
	if c.Key.Platform != Platform {
		return
	}
	cid, err := cidOf(c.Key)
	if err != nil || !r.live.has(cid) {
		return
	}
	r.enqueue(cid, c)
}

func (r *relay) enqueue(cid string, c bridge.HistoryChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	q := r.queues[cid]
	if q == nil {
		q = &relayQueue{}
		r.queues[cid] = q
		r.wg.Add(1)
		go r.drain(cid, q)
	}
	switch {
	case c.Resync:
		q.items, q.resync = nil, true
	case len(q.items) >= relayBacklog:
		r.log.Warn("web: live updates from other replicas fall behind; reading the history instead", "conv", cid,
			logx.Throttled("web.relay"))
		q.items, q.resync = nil, true
	default:
		q.items = append(q.items, c)
	}
}

// drain applies the conversation's changes until none is waiting.
func (r *relay) drain(cid string, q *relayQueue) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		items, resync := q.items, q.resync
		q.items, q.resync = nil, false
		if len(items) == 0 && !resync {
			delete(r.queues, cid)
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		r.apply(cid, items, resync)
	}
}

// apply shows changes to the conversation's tabs here.
func (r *relay) apply(cid string, items []bridge.HistoryChange, resync bool) {
	ctx, cancel := context.WithTimeout(context.Background(), loadWait)
	defer cancel()
	key := keyFor(cid)
	unlock := r.hist.locks.lock(cid)
	defer unlock()
	if resync {
		catchUp(ctx, r.hist, r.live, key, cid, math.MaxUint64)
	}
	for _, c := range items {
		var e entry
		if json.Unmarshal(c.Entry.Data, &e) != nil || (e.From != fromBot && e.From != fromUser) || c.Entry.ID == 0 {
			continue // not a message this chat shows (as history.list)
		}
		e.ID = strconv.FormatUint(c.Entry.ID, 10)
		if c.Replaced {
			catchUp(ctx, r.hist, r.live, key, cid, c.Entry.ID+1)
			if e.From == fromBot {
				r.live.broadcast(cid, encode(outFrame{Type: "edit", ID: e.ID, Msg: e.Msg}), 0)
			}
			continue
		}
		catchUp(ctx, r.hist, r.live, key, cid, c.Entry.ID)
		r.live.start(cid)
		r.live.broadcast(cid, msgFrame(e), c.Entry.ID)
	}
}

// catchUp shows the conversation's open tabs the messages before upTo that
// one of them has not been shown, read from the history; the conversation's
// lock is held. It costs nothing while every tab is up to date, as it always
// is with one replica. When the history cannot be read, the tabs go without
// (a reload shows them).
func catchUp(ctx context.Context, h *history, live *hub, key bridge.ConvKey, cid string, upTo uint64) {
	from := live.behind(cid, upTo)
	if from == 0 {
		return
	}
	es, err := h.list(ctx, key)
	if err != nil {
		return
	}
	for _, e := range es {
		n, err := parseID(e.ID)
		if err == nil && n >= from && n < upTo {
			live.broadcast(cid, msgFrame(e), n)
		}
	}
}

// msgFrame is the frame that shows message e.
func msgFrame(e entry) []byte {
	return encode(outFrame{Type: "msg", ID: e.ID, From: e.From, Msg: e.Msg, Text: e.Text})
}
