// Package memstore is the in-memory bridge.Store: one compact record per
// conversation (its KM session, transcript, button ring and history, see
// convs.go), shared buttons, and go-cache maps for the rest, with TTL
// eviction, streamed to a snapshot file (temp file + rename, so a crash
// mid-write never leaves a half file) and read back by Open, so a restart
// keeps every conversation's KM session and every live button. The inbox of accepted
// events is kept apart, in a journal fsynced on every write (inbox.go), since
// it must survive a crash, not only a restart. Expired entries are dropped
// on load. A snapshot that cannot be read is moved aside and reported, and the
// store starts empty rather than refusing to start.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/kmbridge/kmbridge/bridge"
)

// Options configure a Store.
type Options struct {
	// Path is the snapshot file (store.snapshot_path); "" keeps nothing across restarts.
	Path string
	// CleanupInterval is how often expired entries are evicted (default 1m).
	CleanupInterval time.Duration
	// Logger gets what Open skips in the inbox journal (a torn last record); nil discards.
	Logger *slog.Logger
}

// Store is an in-memory bridge.Store. It is safe for concurrent use.
type Store struct {
	path string

	convs   *convTable   // per conversation: session, transcript, buttons, history
	shared  *sharedTable // shared button actions
	legacy  *cache.Cache // token → bridge.StoredAction, tokens of before rings (PutAction)
	seen    *cache.Cache // delivery id → struct{}
	rated   *cache.Cache // logId → struct{}
	cases   *caseTable   // hand-over cases (cases.go)
	secrets *cache.Cache // name → []byte, never expiring

	inbox *inbox // bridge.Inbox, in its journal <path>.inbox (inbox.go)

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

var _ bridge.Store = (*Store)(nil)

// ErrCorruptSnapshot is wrapped by Open's error when the snapshot could not be
// read; the file has been moved aside (its new name is in the error) and the
// returned Store is usable and empty.
var ErrCorruptSnapshot = errors.New("memstore: corrupt snapshot")

// Open creates a Store and loads the snapshot at opts.Path if there is one. A
// missing snapshot is not an error. When the snapshot is corrupt, Open returns a
// usable empty Store and an error wrapping ErrCorruptSnapshot, so the caller can
// log it and carry on. Other errors (the file cannot be opened) return a nil Store.
func Open(opts Options) (*Store, error) {
	if opts.CleanupInterval <= 0 {
		opts.CleanupInterval = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	journal := ""
	if opts.Path != "" {
		journal = opts.Path + ".inbox"
	}
	s := &Store{
		path: opts.Path,
		// No go-cache janitors: theirs stop only when the cache is garbage
		// collected. One janitor of our own stops on Close.
		convs:   newConvTable(),
		shared:  &sharedTable{m: map[bridge.SharedID]sharedRec{}},
		legacy:  cache.New(cache.NoExpiration, 0),
		seen:    cache.New(cache.NoExpiration, 0),
		rated:   cache.New(cache.NoExpiration, 0),
		secrets: cache.New(cache.NoExpiration, 0),
		inbox:   newInbox(journal, opts.Logger),
		cases:   newCaseTable(),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	var loadErr error
	if s.path != "" {
		loadErr = s.load(time.Now())
		if loadErr != nil && !errors.Is(loadErr, ErrCorruptSnapshot) {
			return nil, loadErr
		}
	}
	if err := s.inbox.open(); err != nil {
		return nil, err
	}
	now := time.Now()
	for id, x := range s.inbox.claims(now.UnixNano()) {
		d := cache.NoExpiration
		if x != 0 {
			d = time.Unix(0, x).Sub(now)
		}
		s.seen.Set(id, struct{}{}, d)
	}
	go s.janitor(opts.CleanupInterval)
	return s, loadErr
}

func (s *Store) caches() []*cache.Cache {
	return []*cache.Cache{s.legacy, s.seen, s.rated}
}

func (s *Store) janitor(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for _, c := range s.caches() {
				c.DeleteExpired()
			}
			s.cases.deleteExpired()
			now := time.Now().UnixNano()
			s.convs.deleteExpired(now)
			s.shared.deleteExpired(now)
		}
	}
}

// ttl maps a caller's TTL to go-cache's: ≤ 0 means no expiry.
func ttl(d time.Duration) time.Duration {
	if d <= 0 {
		return cache.NoExpiration
	}
	return d
}

// Seen implements bridge.Store; go-cache's Add makes it atomic. A new claim
// is journaled with the inbox (see inbox.go), so it survives a crash.
func (s *Store) Seen(_ context.Context, id string, d time.Duration) (bool, error) {
	if err := s.seen.Add(id, struct{}{}, ttl(d)); err != nil {
		return true, nil
	}
	var x int64
	if d > 0 {
		x = time.Now().Add(d).UnixNano()
	}
	s.inbox.note(record{Op: opSeen, ID: id, X: x})
	return false, nil
}

// Forget implements bridge.Store.
func (s *Store) Forget(_ context.Context, id string) error {
	s.seen.Delete(id)
	s.inbox.note(record{Op: opForget, ID: id})
	return nil
}

// Rated implements bridge.Store.
func (s *Store) Rated(_ context.Context, logID int64) (bool, error) {
	_, ok := s.rated.Get(strconv.FormatInt(logID, 10))
	return ok, nil
}

// MarkRated implements bridge.Store.
func (s *Store) MarkRated(_ context.Context, logID int64, d time.Duration) error {
	s.rated.Set(strconv.FormatInt(logID, 10), struct{}{}, ttl(d))
	return nil
}

// Len reports the number of live entries per kind (for tests and metrics).
func (s *Store) Len() (sessions, actions, seen, rated, transcripts int) {
	now := time.Now().UnixNano()
	sessions, actions, transcripts, _ = s.convs.counts(now)
	s.shared.mu.Lock()
	for _, r := range s.shared.m {
		if alive(r.exp, now) {
			actions++
		}
	}
	s.shared.mu.Unlock()
	return sessions, actions + s.legacy.ItemCount(), s.seen.ItemCount(), s.rated.ItemCount(), transcripts
}

// Close stops the janitor, writes the snapshot and compacts and closes the
// inbox journal (when a path is set). The store stays readable afterwards but
// nothing more is persisted, and inbox writes fail.
func (s *Store) Close(ctx context.Context) error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		var errs []error
		if s.path != "" {
			if err := s.Snapshot(ctx); err != nil {
				errs = append(errs, err)
			}
		}
		if err := s.inbox.close(); err != nil {
			errs = append(errs, err)
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("memstore: close: %w", err)
		}
	})
	return s.closeErr
}
