package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/kmbridge/kmbridge/bridge"
)

// caseTable keeps hand-over cases: the cases, the links of conversations and
// posted messages to them, and the case-number sequence. One mutex makes
// UpdateCase atomic; go-cache does the expiry.
type caseTable struct {
	mu    sync.Mutex
	seq   int64
	cases *cache.Cache // id → bridge.Case
	links *cache.Cache // "k:"+ConvKey.String() or "m:"+platform|channel|msgID → case id
}

func newCaseTable() *caseTable {
	return &caseTable{cases: cache.New(cache.NoExpiration, 0), links: cache.New(cache.NoExpiration, 0)}
}

func convLink(k bridge.ConvKey) string { return "k:" + k.String() }

func msgLink(in bridge.ConvKey, msgID string) string {
	return "m:" + bridge.ConvKey{Platform: in.Platform, Channel: in.Channel, Thread: msgID}.String()
}

// NewCase implements bridge.CaseStore.
func (s *Store) NewCase(_ context.Context, c bridge.Case, d time.Duration) (bridge.Case, error) {
	t := s.cases
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	c.ID = strconv.FormatInt(t.seq, 10)
	t.cases.Set(c.ID, c, ttl(d))
	return c, nil
}

// Case implements bridge.CaseStore.
func (s *Store) Case(_ context.Context, id string) (bridge.Case, bool, error) {
	v, ok := s.cases.cases.Get(id)
	if !ok {
		return bridge.Case{}, false, nil
	}
	return v.(bridge.Case), true, nil
}

// UpdateCase implements bridge.CaseStore.
func (s *Store) UpdateCase(_ context.Context, id string, d time.Duration, fn func(*bridge.Case) error) (bridge.Case, error) {
	t := s.cases
	t.mu.Lock()
	defer t.mu.Unlock()
	v, ok := t.cases.Get(id)
	if !ok {
		return bridge.Case{}, bridge.ErrNoCase
	}
	c := clone(v.(bridge.Case))
	if err := fn(&c); err != nil {
		return bridge.Case{}, err
	}
	c.ID = id
	t.cases.Set(id, c, ttl(d))
	return c, nil
}

// clone copies the case's slices and pointers, so fn cannot change the stored
// value behind the mutex's back.
func clone(c bridge.Case) bridge.Case {
	c.Transcript = slices.Clone(c.Transcript)
	c.SentAnswers = slices.Clone(c.SentAnswers)
	if c.KMServiceStatus != nil {
		v := *c.KMServiceStatus
		c.KMServiceStatus = &v
	}
	return c
}

// LinkCase implements bridge.CaseStore.
func (s *Store) LinkCase(_ context.Context, key bridge.ConvKey, id string, d time.Duration) error {
	if id == "" {
		return errors.New("memstore: link case: empty case id")
	}
	s.cases.links.Set(convLink(key), id, ttl(d))
	return nil
}

// CaseOf implements bridge.CaseStore.
func (s *Store) CaseOf(_ context.Context, key bridge.ConvKey) (string, bool, error) {
	v, ok := s.cases.links.Get(convLink(key))
	if !ok {
		return "", false, nil
	}
	return v.(string), true, nil
}

// UnlinkCase implements bridge.CaseStore.
func (s *Store) UnlinkCase(_ context.Context, key bridge.ConvKey, id string) error {
	t := s.cases
	t.mu.Lock()
	defer t.mu.Unlock()
	if v, ok := t.links.Get(convLink(key)); ok && v.(string) == id {
		t.links.Delete(convLink(key))
	}
	return nil
}

// LinkCaseMessage implements bridge.CaseStore.
func (s *Store) LinkCaseMessage(_ context.Context, in bridge.ConvKey, msgID, id string, d time.Duration) error {
	if msgID == "" || id == "" {
		return errors.New("memstore: link case message: empty message or case id")
	}
	s.cases.links.Set(msgLink(in, msgID), id, ttl(d))
	return nil
}

// CaseOfMessage implements bridge.CaseStore.
func (s *Store) CaseOfMessage(_ context.Context, in bridge.ConvKey, msgID string) (string, bool, error) {
	if msgID == "" {
		return "", false, nil
	}
	v, ok := s.cases.links.Get(msgLink(in, msgID))
	if !ok {
		return "", false, nil
	}
	return v.(string), true, nil
}

// DueCases implements bridge.CaseStore. It looks at every live case: a memory
// store holds one replica's cases, a few thousand at most.
func (s *Store) DueCases(_ context.Context, now time.Time, max int) ([]string, error) {
	type due struct {
		id string
		at time.Time
	}
	var ds []due
	for id, it := range s.cases.cases.Items() {
		if c := it.Object.(bridge.Case); c.Due(now) {
			ds = append(ds, due{id, c.RemindAt})
		}
	}
	slices.SortFunc(ds, func(a, b due) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if c := len(a.id) - len(b.id); c != 0 {
			return c // case numbers: the shorter is the smaller
		}
		return strings.Compare(a.id, b.id)
	})
	out := make([]string, 0, min(len(ds), max))
	for _, d := range ds {
		if len(out) == max {
			break
		}
		out = append(out, d.id)
	}
	return out, nil
}

// caseSnapshot is the cases' part of a version 1 snapshot.
type caseSnapshot struct {
	Seq   int64                `json:"seq"`
	Cases []entry[bridge.Case] `json:"cases"`
	Links []entry[string]      `json:"links"`
}

// stream writes the cases' snapshot lines.
func (t *caseTable) stream(enc *json.Encoder, now int64) error {
	t.mu.Lock()
	seq := t.seq
	t.mu.Unlock()
	if err := enc.Encode(line{T: lineCaseSeq, N: seq}); err != nil {
		return err
	}
	for id, it := range t.cases.Items() {
		c, ok := it.Object.(bridge.Case)
		if !ok || (it.Expiration > 0 && it.Expiration <= now) {
			continue
		}
		if err := enc.Encode(line{T: lineCase, K: id, E: it.Expiration, Case: &c}); err != nil {
			return err
		}
	}
	for k, it := range t.links.Items() {
		v, ok := it.Object.(string)
		if !ok || (it.Expiration > 0 && it.Expiration <= now) {
			continue
		}
		if err := enc.Encode(line{T: lineLink, K: k, E: it.Expiration, S: v}); err != nil {
			return err
		}
	}
	return nil
}

func (t *caseTable) deleteExpired() {
	t.cases.DeleteExpired()
	t.links.DeleteExpired()
}
