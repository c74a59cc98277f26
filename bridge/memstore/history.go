package memstore

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"github.com/patrickmn/go-cache"

	"github.com/kmbridge/kmbridge/bridge"
)

var (
	_ bridge.HistoryStore = (*Store)(nil)
	_ bridge.SecretStore  = (*Store)(nil)
)

// history is one conversation's history as the histories cache holds it. It
// is never changed in place (a snapshot may be encoding it): every change
// stores a new one.
type history struct {
	Seq     uint64         `json:"seq"` // the last id given
	Entries []historyEntry `json:"e"`   // oldest first
}

type historyEntry struct {
	ID   uint64 `json:"i"`
	Data []byte `json:"d"`
}

func (s *Store) getHistory(k string) history {
	if v, ok := s.histories.Get(k); ok {
		return v.(history)
	}
	return history{}
}

// AppendHistory implements bridge.HistoryStore.
func (s *Store) AppendHistory(_ context.Context, key bridge.ConvKey, data []byte, keep int, d time.Duration) (uint64, error) {
	keep = max(keep, 1)
	k := key.String()
	s.hmu.Lock()
	defer s.hmu.Unlock()
	old := s.getHistory(k)
	h := history{Seq: old.Seq + 1}
	from := max(len(old.Entries)-keep+1, 0)
	h.Entries = make([]historyEntry, 0, len(old.Entries)-from+1)
	h.Entries = append(h.Entries, old.Entries[from:]...)
	h.Entries = append(h.Entries, historyEntry{ID: h.Seq, Data: slices.Clone(data)})
	s.histories.Set(k, h, ttl(d))
	return h.Seq, nil
}

// ReplaceHistory implements bridge.HistoryStore. The history's expiry stays
// as its last append set it.
func (s *Store) ReplaceHistory(_ context.Context, key bridge.ConvKey, id uint64, data []byte) (bool, error) {
	k := key.String()
	s.hmu.Lock()
	defer s.hmu.Unlock()
	v, exp, ok := s.histories.GetWithExpiration(k)
	if !ok {
		return false, nil
	}
	old := v.(history)
	i := slices.IndexFunc(old.Entries, func(e historyEntry) bool { return e.ID == id })
	if i < 0 {
		return false, nil
	}
	h := history{Seq: old.Seq, Entries: slices.Clone(old.Entries)}
	h.Entries[i].Data = slices.Clone(data)
	d := cache.NoExpiration
	if !exp.IsZero() {
		if d = time.Until(exp); d <= 0 {
			return false, nil
		}
	}
	s.histories.Set(k, h, d)
	return true, nil
}

// History implements bridge.HistoryStore.
func (s *Store) History(_ context.Context, key bridge.ConvKey, keep int) ([]bridge.HistoryEntry, error) {
	h := s.getHistory(key.String())
	es := h.Entries[max(len(h.Entries)-max(keep, 1), 0):]
	out := make([]bridge.HistoryEntry, len(es))
	for i, e := range es {
		out[i] = bridge.HistoryEntry{ID: e.ID, Data: slices.Clone(e.Data)}
	}
	return out, nil
}

// Secret implements bridge.SecretStore: made once, kept in the snapshot.
func (s *Store) Secret(_ context.Context, name string) ([]byte, error) {
	if name == "" {
		return nil, errors.New("memstore: secret: empty name")
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)                            // never fails since Go 1.24
	_ = s.secrets.Add(name, b, cache.NoExpiration) // the first one made wins
	v, _ := s.secrets.Get(name)
	return slices.Clone(v.([]byte)), nil
}

// HistoryLen reports the number of conversations with a history (for tests).
func (s *Store) HistoryLen() int { return s.histories.ItemCount() }
