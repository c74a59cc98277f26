package memstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
)

// The inbox (bridge.Inbox) must survive kill -9, which the snapshot (every
// minute and on Close) cannot promise. So it lives in its own append-only
// journal next to the snapshot, <Path>.inbox (journal.go): every put is a
// record written and fsynced before the call returns. Writes that arrive
// while one is in progress share the next write and fsync (group commit), so
// a busy bridge pays about one fsync per batch, not per event.
//
// A done is written before InboxDone returns, so a killed process keeps it,
// but not fsynced for itself: a batch of dones alone is written without an
// fsync, and one that shares a batch with puts rides on their fsync. A done
// lost to a machine crash only answers its event again, the window
// bridge.Inbox documents; the next put's fsync closes it. The fsyncs of dones
// were a third of the inbox's cost in the end-to-end bench (BENCHMARKS.md). Snapshot and
// Close rewrite the journal with only the live entries (compaction). With no
// Path the inbox is in memory only and a restart forgets it.

// inbox is the memory side of the journal: the live entries, and the batch of
// records waiting for the next commit.
type inbox struct {
	path string // the journal; "" keeps the inbox in memory only
	log  *slog.Logger

	mu    sync.Mutex
	convs map[string]*pendingConv // ConvKey.String() → its entries; only committed ones
	cur   *batch                  // records not yet taken by a committer
	// seen are the dedupe claims not yet in a snapshot: delivery id →
	// expiry (Unix nanoseconds, 0 for none).
	seen map[string]int64

	// wmu makes one writer at a time: a commit or a compaction. The fields
	// below are guarded by it.
	wmu    sync.Mutex
	j      *journal // nil when path is ""
	broken error    // a write or fsync failed; cleared by a successful rewrite
	closed bool

	commits atomic.Int64 // fsynced journal writes, for tests
}

type pendingConv struct {
	key     bridge.ConvKey
	entries map[uint64]bridge.InboxEntry
}

// batch is the records that one commit writes and fsyncs together.
type batch struct {
	buf  []byte
	ops  []record      // puts and dones, applied once written
	sync bool          // a put waits for durability: fsync after the write
	done chan struct{} // closed when written (or failed); err is then set
	err  error
}

var errInboxClosed = errors.New("memstore: inbox: store closed")

func newInbox(path string, log *slog.Logger) *inbox {
	return &inbox{path: path, log: log, convs: map[string]*pendingConv{}, seen: map[string]int64{}}
}

// apply changes the memory side; ib.mu must be held.
func (ib *inbox) apply(r record) {
	switch r.Op {
	case opPut:
		e := *r.E
		id := e.Key.String()
		pc := ib.convs[id]
		if pc == nil {
			pc = &pendingConv{key: e.Key, entries: map[uint64]bridge.InboxEntry{}}
			ib.convs[id] = pc
		}
		pc.entries[e.Seq] = e
	case opDone:
		id := r.K.String()
		if pc := ib.convs[id]; pc != nil {
			delete(pc.entries, r.S)
			if len(pc.entries) == 0 {
				delete(ib.convs, id)
			}
		}
	case opSeen:
		ib.seen[r.ID] = r.X
	case opForget:
		delete(ib.seen, r.ID)
	}
}

// joinLocked adds a journal line to the batch waiting for the next commit,
// starting one if none waits; ib.mu must be held.
func (ib *inbox) joinLocked(line []byte) *batch {
	b := ib.cur
	if b == nil {
		b = &batch{done: make(chan struct{})}
		ib.cur = b
	}
	b.buf = append(b.buf, line...)
	return b
}

// applyNow is a record's whole effect when the inbox has no journal.
func (ib *inbox) applyNow(r record) {
	ib.mu.Lock()
	ib.apply(r)
	ib.mu.Unlock()
}

// note journals a dedupe claim or its release without waiting for it to be
// written: the next commit (the event's own put, usually) carries it.
func (ib *inbox) note(r record) {
	if ib.path == "" {
		return
	}
	line, err := r.encode()
	if err != nil {
		ib.log.Warn("memstore: dedupe claim not journaled", "err", err)
		return
	}
	ib.mu.Lock()
	defer ib.mu.Unlock()
	ib.apply(r)
	ib.joinLocked(line)
	// Not in b.ops: it is applied already, and a commit re-applying it would
	// undo a Forget that came after.
}

// takeSeen hands over the claims a snapshot is about to hold; restoreSeen
// gives them back when the snapshot failed.
func (ib *inbox) takeSeen() map[string]int64 {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	old := ib.seen
	ib.seen = map[string]int64{}
	return old
}

func (ib *inbox) restoreSeen(old map[string]int64) {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	for id, x := range old {
		if _, newer := ib.seen[id]; !newer {
			ib.seen[id] = x
		}
	}
}

// claims returns the journaled claims that have not expired at now.
func (ib *inbox) claims(now int64) map[string]int64 {
	ib.mu.Lock()
	defer ib.mu.Unlock()
	out := make(map[string]int64, len(ib.seen))
	for id, x := range ib.seen {
		if x == 0 || x > now {
			out[id] = x
		}
	}
	return out
}

// submit writes r, fsynced when durable, then applies it: it joins the
// current batch and waits until some committer (itself, or one already
// writing) has written it.
func (ib *inbox) submit(ctx context.Context, r record, durable bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: inbox: %w", err)
	}
	if ib.path == "" {
		ib.applyNow(r)
		return nil
	}
	line, err := r.encode()
	if err != nil {
		return err
	}
	ib.mu.Lock()
	b := ib.joinLocked(line)
	b.ops = append(b.ops, r)
	b.sync = b.sync || durable
	ib.mu.Unlock()

	ib.commit(b)
	return b.err
}

// commit writes the current batch unless a committer already has: whoever
// holds wmu takes everything queued so far, so waiters are served by one
// write and one fsync.
func (ib *inbox) commit(b *batch) {
	ib.wmu.Lock()
	defer ib.wmu.Unlock()
	select {
	case <-b.done:
		return // an earlier committer took our records
	default:
	}
	ib.mu.Lock()
	cur := ib.cur // b itself: only a committer takes it, and completes it before unlocking wmu
	ib.cur = nil
	ib.mu.Unlock()

	err := ib.writeLocked(cur.buf, cur.sync)
	if err == nil {
		ib.mu.Lock()
		for _, r := range cur.ops {
			ib.apply(r)
		}
		ib.mu.Unlock()
	}
	cur.err = err
	close(cur.done)
}

// writeLocked appends to the journal and, with sync, fsyncs it; wmu must be
// held. After a failure the file's tail is unknown, so the next write first
// rewrites the journal from memory.
func (ib *inbox) writeLocked(buf []byte, sync bool) error {
	if ib.closed {
		return errInboxClosed
	}
	if err := ib.repairLocked(); err != nil {
		return err
	}
	if sync {
		ib.commits.Add(1)
	}
	if err := ib.j.append(buf, sync); err != nil {
		ib.broken = err
		return err
	}
	return nil
}

// rewriteLocked replaces the journal by one holding only the live entries;
// wmu must be held. Records still waiting in ib.cur are neither in memory nor
// in the new file: their commit appends them to it.
func (ib *inbox) rewriteLocked() error {
	ib.mu.Lock()
	var live []bridge.InboxEntry
	for _, pc := range ib.convs {
		for _, e := range pc.entries {
			live = append(live, e)
		}
	}
	ib.mu.Unlock()
	j, err := rewriteJournal(ib.path, live, ib.claims(time.Now().UnixNano()), ib.j)
	if err != nil {
		return err
	}
	ib.j, ib.broken = j, nil
	return nil
}

// compact rewrites the journal (Snapshot calls it).
func (ib *inbox) compact() error {
	if ib.path == "" {
		return nil
	}
	ib.wmu.Lock()
	defer ib.wmu.Unlock()
	if ib.closed {
		return errInboxClosed
	}
	return ib.rewriteLocked()
}

// close compacts the journal and closes it; later writes fail.
func (ib *inbox) close() error {
	if ib.path == "" {
		return nil
	}
	ib.wmu.Lock()
	defer ib.wmu.Unlock()
	if ib.closed {
		return nil
	}
	err := ib.rewriteLocked()
	ib.closed = true
	if ib.j != nil {
		if cerr := ib.j.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// open loads the journal (a torn or corrupt record is skipped and logged,
// never an error) and rewrites it, so new records never follow a torn one.
func (ib *inbox) open() error {
	if ib.path == "" {
		return nil
	}
	recs, err := readJournal(ib.path, ib.log)
	if err != nil {
		return err
	}
	ib.mu.Lock()
	for _, r := range recs {
		ib.apply(r)
	}
	ib.mu.Unlock()
	ib.wmu.Lock()
	defer ib.wmu.Unlock()
	return ib.rewriteLocked()
}

// InboxPut implements bridge.Inbox: the entry is in the journal, fsynced,
// when it returns nil.
func (s *Store) InboxPut(ctx context.Context, e bridge.InboxEntry) error {
	if err := s.inbox.submit(ctx, record{Op: opPut, E: &e}, true); err != nil {
		return fmt.Errorf("memstore: inbox put: %w", err)
	}
	return nil
}

// InboxDone implements bridge.Inbox: the removal is written when it returns,
// without an fsync of its own (top of inbox.go).
func (s *Store) InboxDone(ctx context.Context, key bridge.ConvKey, seq uint64) error {
	if err := s.inbox.submit(ctx, record{Op: opDone, K: &key, S: seq}, false); err != nil {
		return fmt.Errorf("memstore: inbox done: %w", err)
	}
	return nil
}

// InboxConvs implements bridge.Inbox.
func (s *Store) InboxConvs(context.Context) ([]bridge.ConvKey, error) {
	s.inbox.mu.Lock()
	defer s.inbox.mu.Unlock()
	keys := make([]bridge.ConvKey, 0, len(s.inbox.convs))
	for _, pc := range s.inbox.convs {
		keys = append(keys, pc.key)
	}
	return keys, nil
}

// InboxEntries implements bridge.Inbox.
func (s *Store) InboxEntries(_ context.Context, key bridge.ConvKey) ([]bridge.InboxEntry, error) {
	s.inbox.mu.Lock()
	defer s.inbox.mu.Unlock()
	pc := s.inbox.convs[key.String()]
	if pc == nil {
		return nil, nil
	}
	out := make([]bridge.InboxEntry, 0, len(pc.entries))
	for _, e := range pc.entries {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b bridge.InboxEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

// InboxLen is the number of entries in the inbox (tests, metrics).
func (s *Store) InboxLen() int {
	s.inbox.mu.Lock()
	defer s.inbox.mu.Unlock()
	n := 0
	for _, pc := range s.inbox.convs {
		n += len(pc.entries)
	}
	return n
}

var _ bridge.Inbox = (*Store)(nil)
