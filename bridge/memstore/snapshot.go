package memstore

import (
	"bufio"
	"bytes"
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

// The snapshot file is a stream of JSON values, one per line: a header, then
// one line per conversation record, shared action, dedupe claim, rated
// answer, secret, case and case link. It is written as it is read from the
// store, a shard or a cache at a time, so saving costs no copy of the state
// and no whole-file buffer (a single JSON document of 10,000 conversations
// took 256 MB). Version 1 was that single document; Open still reads it.
const (
	snapshotVersion   = 2
	snapshotVersionV1 = 1
)

// Snapshot line kinds.
const (
	lineHeader  = "header"
	lineConv    = "conv"
	lineShared  = "shared"
	lineLegacy  = "action"
	lineSeen    = "seen"
	lineRated   = "rated"
	lineSecret  = "secret"
	lineCaseSeq = "case_seq"
	lineCase    = "case"
	lineLink    = "link"
)

// line is one value of the snapshot stream: T says which fields it uses.
type line struct {
	T       string               `json:"t"`
	Version int                  `json:"version,omitempty"` // header
	SavedAt *time.Time           `json:"saved_at,omitempty"`
	K       string               `json:"k,omitempty"` // the entry's key
	E       int64                `json:"e,omitempty"` // its expiry, Unix ns; 0: none
	Conv    *convLine            `json:"c,omitempty"`
	Action  *bridge.StoredAction `json:"a,omitempty"`
	Case    *bridge.Case         `json:"case,omitempty"`
	S       string               `json:"s,omitempty"` // a link's case id
	B       []byte               `json:"b,omitempty"` // a secret, a shared action's id
	N       int64                `json:"n,omitempty"` // the case sequence
}

// convLine is a conversation record (convs.go) in the snapshot.
type convLine struct {
	Sess   *bridge.KMSession `json:"s,omitempty"`
	SessE  int64             `json:"se,omitempty"`
	Turns  []bridge.Turn     `json:"t,omitempty"`
	TurnE  int64             `json:"te,omitempty"`
	Groups [][]byte          `json:"g,omitempty"` // bridge.AppendGroup
	Hist   *history          `json:"h,omitempty"`
	HistE  int64             `json:"he,omitempty"`
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
	if err := s.streamSnapshot(ctx, w); err != nil {
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

// streamSnapshot writes the snapshot's lines to w.
func (s *Store) streamSnapshot(ctx context.Context, w io.Writer) error {
	now := time.Now()
	n := now.UnixNano()
	enc := json.NewEncoder(w)
	saved := now.UTC()
	if err := enc.Encode(line{T: lineHeader, Version: snapshotVersion, SavedAt: &saved}); err != nil {
		return err
	}
	// A shard's records are encoded under its lock into buf (a shard is a
	// 64th of the conversations), then written without it.
	var buf bytes.Buffer
	benc := json.NewEncoder(&buf)
	for i := range s.convs.shards {
		if err := ctx.Err(); err != nil {
			return err
		}
		sh := &s.convs.shards[i]
		buf.Reset()
		var err error
		sh.mu.Lock()
		for _, r := range sh.m {
			if l, ok := r.snapshotLine(n); ok {
				if err = benc.Encode(l); err != nil {
					break
				}
			}
		}
		sh.mu.Unlock()
		if err != nil {
			return err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	buf = bytes.Buffer{}
	s.shared.mu.Lock()
	var err error
	for id, r := range s.shared.m {
		if alive(r.exp, n) {
			sa := r.sa
			if err = enc.Encode(line{T: lineShared, B: id[:], E: r.exp, Action: &sa}); err != nil {
				break
			}
		}
	}
	s.shared.mu.Unlock()
	if err != nil {
		return err
	}
	cs := []struct {
		kind string
		c    *cache.Cache
	}{{lineLegacy, s.legacy}, {lineSeen, s.seen}, {lineRated, s.rated}, {lineSecret, s.secrets}}
	for _, c := range cs {
		if err := encodeCache(enc, c.kind, c.c, n); err != nil {
			return err
		}
	}
	return s.cases.stream(enc, n)
}

// encodeCache writes a go-cache's live entries. Items copies the map (keys
// and boxed values, not the values' contents): these caches hold small
// entries (delivery ids, logIds, secrets, older tokens).
func encodeCache(enc *json.Encoder, kind string, c *cache.Cache, now int64) error {
	for k, it := range c.Items() {
		if it.Expiration > 0 && it.Expiration <= now {
			continue
		}
		l := line{T: kind, K: k, E: it.Expiration}
		switch v := it.Object.(type) {
		case bridge.StoredAction:
			l.Action = &v
		case []byte:
			l.B = v
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}

// snapshotLine is r's snapshot line; ok is false when nothing of it is alive.
func (r *convRec) snapshotLine(now int64) (line, bool) {
	key, _ := bridge.ParseConvKey(r.name)
	var c convLine
	live := false
	if r.sess.set && alive(r.sess.exp, now) {
		k := r.sess.kmSession()
		c.Sess, c.SessE, live = &k, r.sess.exp, true
	}
	if r.turns != nil && alive(r.turnExp, now) {
		c.Turns = make([]bridge.Turn, len(r.turns))
		for i, tr := range r.turns {
			c.Turns[i] = tr.turn(key)
		}
		c.TurnE, live = r.turnExp, true
	}
	for _, gr := range r.ring {
		if !alive(gr.exp, now) {
			continue
		}
		g, err := gr.buttonGroup(r.name)
		if err != nil {
			continue // cannot be clicked either
		}
		c.Groups, live = append(c.Groups, bridge.AppendGroup(nil, g)), true
	}
	if h := r.liveHist(now); h != nil {
		c.Hist, c.HistE, live = h, r.histExp, true
	}
	return line{T: lineConv, K: r.name, Conv: &c}, live
}

// restoreConv adds a conversation record read from a snapshot.
func (s *Store) restoreConv(name string, c *convLine, now int64) error {
	var groups []bridge.ButtonGroup
	for _, b := range c.Groups {
		g, err := bridge.DecodeGroup(b)
		if err != nil {
			return fmt.Errorf("conversation %q: %w", name, err)
		}
		if !g.Expires.IsZero() && g.Expires.UnixNano() <= now {
			continue
		}
		groups = append(groups, g)
	}
	key, isConv := bridge.ParseConvKey(name)
	s.convs.with(name, true, func(r *convRec) {
		if c.Sess != nil && alive(c.SessE, now) {
			r.sess = sessionOf(*c.Sess, c.SessE)
		}
		if len(c.Turns) > 0 && alive(c.TurnE, now) && isConv {
			r.turns = make([]turnRec, len(c.Turns))
			for i, t := range c.Turns {
				r.turns[i] = turnOf(key, t)
			}
			r.turnExp = c.TurnE
		}
		for _, g := range groups {
			r.ring = append(r.ring, groupOf(r.name, g))
		}
		if c.Hist != nil && alive(c.HistE, now) {
			r.hist, r.histExp = c.Hist, c.HistE
		}
	})
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
	err = s.read(bufio.NewReaderSize(f, 1<<16), now.UnixNano())
	f.Close()
	if err != nil {
		aside := s.path + ".corrupt-" + now.UTC().Format("20060102T150405Z")
		if rerr := os.Rename(s.path, aside); rerr != nil {
			return fmt.Errorf("memstore: snapshot %s unreadable (%v) and could not be moved aside: %w", s.path, err, rerr)
		}
		return fmt.Errorf("%w: %s: %v (moved to %s; starting empty)", ErrCorruptSnapshot, s.path, err, aside)
	}
	return nil
}

// read restores a snapshot stream of either version.
func (s *Store) read(r io.Reader, now int64) error {
	dec := json.NewDecoder(r)
	var first json.RawMessage
	if err := dec.Decode(&first); err != nil {
		return err
	}
	var head struct {
		T       string `json:"t"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(first, &head); err != nil {
		return err
	}
	switch {
	case head.T == "" && head.Version == snapshotVersionV1:
		if _, terr := dec.Token(); terr != io.EOF {
			return errors.New("trailing data after the snapshot")
		}
		return s.readV1(first, now)
	case head.T == lineHeader && head.Version == snapshotVersion:
	default:
		return fmt.Errorf("snapshot version %d, want %d", head.Version, snapshotVersion)
	}
	for {
		var l line
		err := dec.Decode(&l)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.restoreLine(&l, now); err != nil {
			return err
		}
	}
}

// setCache puts a snapshot entry with expiry e into c, unless it has expired.
func setCache(c *cache.Cache, k string, v any, e, now int64) {
	d := cache.NoExpiration
	if e > 0 {
		if e <= now {
			return
		}
		d = time.Duration(e - now)
	}
	c.Set(k, v, d)
}

func (s *Store) restoreLine(l *line, now int64) error {
	switch l.T {
	case lineConv:
		if l.Conv == nil {
			return errors.New("conversation line without a record")
		}
		return s.restoreConv(l.K, l.Conv, now)
	case lineShared:
		var id bridge.SharedID
		if len(l.B) != len(id) || l.Action == nil {
			return errors.New("bad shared action line")
		}
		copy(id[:], l.B)
		if alive(l.E, now) {
			s.shared.m[id] = sharedRec{sa: *l.Action, exp: l.E}
		}
	case lineLegacy:
		if l.Action == nil {
			return errors.New("action line without an action")
		}
		setCache(s.legacy, l.K, *l.Action, l.E, now)
	case lineSeen:
		setCache(s.seen, l.K, struct{}{}, l.E, now)
	case lineRated:
		setCache(s.rated, l.K, struct{}{}, l.E, now)
	case lineSecret:
		setCache(s.secrets, l.K, l.B, l.E, now)
	case lineCaseSeq:
		s.cases.mu.Lock()
		s.cases.seq = max(s.cases.seq, l.N)
		s.cases.mu.Unlock()
	case lineCase:
		if l.Case == nil {
			return errors.New("case line without a case")
		}
		setCache(s.cases.cases, l.K, *l.Case, l.E, now)
	case lineLink:
		setCache(s.cases.links, l.K, l.S, l.E, now)
	default:
		return fmt.Errorf("unknown snapshot line %q", l.T)
	}
	return nil
}

// snapshotV1 is the layout of version 1: one document, a list per kind.
type snapshotV1 struct {
	Version     int                          `json:"version"`
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

// readV1 restores a version 1 snapshot: its buttons' random tokens go on
// working (PutAction) until they expire.
func (s *Store) readV1(raw json.RawMessage, now int64) error {
	var snap snapshotV1
	if err := json.Unmarshal(raw, &snap); err != nil {
		return err
	}
	for _, e := range snap.Sessions {
		if alive(e.E, now) {
			v := e.V
			s.convs.with(e.K, true, func(r *convRec) { r.sess = sessionOf(v, e.E) })
		}
	}
	for _, e := range snap.Transcripts {
		if alive(e.E, now) && len(e.V) > 0 {
			if err := s.restoreConv(e.K, &convLine{Turns: e.V, TurnE: e.E}, now); err != nil {
				return err
			}
		}
	}
	for _, e := range snap.Histories {
		if alive(e.E, now) {
			h := e.V
			s.convs.with(e.K, true, func(r *convRec) { r.hist, r.histExp = &h, e.E })
		}
	}
	for _, e := range snap.Actions {
		setCache(s.legacy, e.K, e.V, e.E, now)
	}
	for _, e := range snap.Seen {
		setCache(s.seen, e.K, struct{}{}, e.E, now)
	}
	for _, e := range snap.Rated {
		setCache(s.rated, e.K, struct{}{}, e.E, now)
	}
	for _, e := range snap.Secrets {
		setCache(s.secrets, e.K, e.V, e.E, now)
	}
	if cs := snap.Cases; cs != nil {
		s.cases.mu.Lock()
		s.cases.seq = max(s.cases.seq, cs.Seq)
		s.cases.mu.Unlock()
		for _, e := range cs.Cases {
			setCache(s.cases.cases, e.K, e.V, e.E, now)
		}
		for _, e := range cs.Links {
			setCache(s.cases.links, e.K, e.V, e.E, now)
		}
	}
	return nil
}
