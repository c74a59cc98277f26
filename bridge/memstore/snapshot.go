package memstore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/kmbridge/kmbridge/bridge"
)

// snapshotVersion is bumped when the file layout changes incompatibly.
const snapshotVersion = 1

// snapshot is the file layout: one list per kind, each entry with its key, value
// and expiry (unix nanoseconds, 0 = none).
type snapshot struct {
	Version     int                          `json:"version"`
	SavedAt     time.Time                    `json:"saved_at"`
	Sessions    []entry[bridge.KMSession]    `json:"sessions"`
	Actions     []entry[bridge.StoredAction] `json:"actions"`
	Seen        []entry[struct{}]            `json:"seen"`
	Rated       []entry[struct{}]            `json:"rated"`
	Transcripts []entry[[]bridge.Turn]       `json:"transcripts"`
	Cases       *caseSnapshot                `json:"cases,omitempty"`
	Histories   []entry[history]             `json:"histories,omitempty"`
	Secrets     []entry[[]byte]              `json:"secrets,omitempty"`
}

type entry[T any] struct {
	K string `json:"k"`
	V T      `json:"v"`
	E int64  `json:"e,omitempty"`
}

func items[T any](c *cache.Cache, now int64) []entry[T] {
	m := c.Items() // a copy without expired entries
	out := make([]entry[T], 0, len(m))
	for k, it := range m {
		v, ok := it.Object.(T)
		if !ok || (it.Expiration > 0 && it.Expiration <= now) {
			continue
		}
		out = append(out, entry[T]{K: k, V: v, E: it.Expiration})
	}
	return out
}

// Snapshot writes every live entry to the snapshot file atomically: a temp file
// in the same directory, fsynced, then renamed over the old snapshot. It also
// compacts the inbox journal.
func (s *Store) Snapshot(ctx context.Context) error {
	if s.path == "" {
		return errors.New("memstore: snapshot: no path configured")
	}
	// The claims journaled so far are in the caches the snapshot reads; once
	// it is written the journal need not keep them.
	claims := s.inbox.takeSeen()
	err := s.writeSnapshot(ctx)
	if err != nil {
		s.inbox.restoreSeen(claims)
	}
	if cerr := s.inbox.compact(); cerr != nil && !errors.Is(cerr, errInboxClosed) {
		err = errors.Join(err, fmt.Errorf("memstore: snapshot: %w", cerr))
	}
	return err
}

func (s *Store) writeSnapshot(ctx context.Context) error {
	now := time.Now()
	n := now.UnixNano()
	snap := snapshot{
		Version:     snapshotVersion,
		SavedAt:     now.UTC(),
		Sessions:    items[bridge.KMSession](s.sessions, n),
		Actions:     items[bridge.StoredAction](s.actions, n),
		Seen:        items[struct{}](s.seen, n),
		Rated:       items[struct{}](s.rated, n),
		Transcripts: items[[]bridge.Turn](s.transcripts, n),
		Cases:       s.cases.snapshot(n),
		Histories:   items[history](s.histories, n),
		Secrets:     items[[]byte](s.secrets, n),
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memstore: snapshot: %w", err)
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("memstore: snapshot: %w", err)
	}
	f, err := os.CreateTemp(dir, filepath.Base(s.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("memstore: snapshot: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("memstore: snapshot %s: %w", s.path, err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if err := json.NewEncoder(w).Encode(&snap); err != nil {
		return fail(err)
	}
	if err := w.Flush(); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: snapshot %s: %w", s.path, err)
	}
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("memstore: snapshot %s: %w", s.path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename durable
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// load reads the snapshot. A missing file is fine; an unreadable one is moved
// aside and reported as ErrCorruptSnapshot.
func (s *Store) load(now time.Time) error {
	f, err := os.Open(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("memstore: open snapshot: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("memstore: snapshot %s is not a regular file (store.snapshot_path must name a file)", s.path)
	}
	var snap snapshot
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<16))
	err = dec.Decode(&snap)
	if err == nil {
		// Anything after the one JSON value means the file is not ours.
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the snapshot")
		}
	}
	if err == nil && snap.Version != snapshotVersion {
		err = fmt.Errorf("snapshot version %d, want %d", snap.Version, snapshotVersion)
	}
	f.Close()
	if err != nil {
		aside := s.path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
		if rerr := os.Rename(s.path, aside); rerr != nil {
			return fmt.Errorf("memstore: snapshot %s unreadable (%v) and could not be moved aside: %w", s.path, err, rerr)
		}
		return fmt.Errorf("%w: %s: %v (moved to %s; starting empty)", ErrCorruptSnapshot, s.path, err, aside)
	}
	n := now.UnixNano()
	restore(s.sessions, snap.Sessions, n)
	restore(s.actions, snap.Actions, n)
	restore(s.seen, snap.Seen, n)
	restore(s.rated, snap.Rated, n)
	restore(s.transcripts, snap.Transcripts, n)
	s.cases.restore(snap.Cases, n)
	restore(s.histories, snap.Histories, n)
	restore(s.secrets, snap.Secrets, n)
	return nil
}

func restore[T any](c *cache.Cache, es []entry[T], now int64) {
	for _, e := range es {
		d := cache.NoExpiration
		if e.E > 0 {
			if e.E <= now {
				continue
			}
			d = time.Duration(e.E - now)
		}
		c.Set(e.K, e.V, d)
	}
}
