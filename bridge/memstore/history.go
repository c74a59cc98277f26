package memstore

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"time"
	"unique"

	"github.com/patrickmn/go-cache"

	"github.com/kmbridge/kmbridge/bridge"
)

var (
	_ bridge.HistoryStore = (*Store)(nil)
	_ bridge.SecretStore  = (*Store)(nil)
)

// history is one conversation's history, in its record (convs.go), changed
// in place under the record's shard lock.
type history struct {
	Seq     uint64         `json:"seq"` // the last id given
	Entries []historyEntry `json:"e"`   // oldest first
}

// historyEntry holds its data interned, as transcripts hold their text
// (convs.go): a web chat's history is mostly bot answers, and a knowledge
// base gives the same answer to many conversations (its FAQs, the welcome's
// follow-ups), which then share one copy instead of several KB each.
type historyEntry struct {
	ID   uint64
	Data unique.Handle[string]
}

// historyJSON is historyEntry as snapshots have always written it.
type historyJSON struct {
	ID   uint64 `json:"i"`
	Data []byte `json:"d"`
}

// MarshalJSON implements json.Marshaler.
func (e historyEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(historyJSON{ID: e.ID, Data: []byte(str(e.Data))})
}

// UnmarshalJSON implements json.Unmarshaler.
func (e *historyEntry) UnmarshalJSON(b []byte) error {
	var j historyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = historyEntry{ID: j.ID, Data: intern(string(j.Data))}
	return nil
}

// liveHist is r's history, nil when it has none or it has expired.
func (r *convRec) liveHist(now int64) *history {
	if r == nil || r.hist == nil || !alive(r.histExp, now) {
		return nil
	}
	return r.hist
}

// AppendHistory implements bridge.HistoryStore.
func (s *Store) AppendHistory(_ context.Context, key bridge.ConvKey, data []byte, keep int, d time.Duration) (id uint64, _ error) {
	keep = max(keep, 1)
	now := time.Now().UnixNano()
	s.convs.with(key.String(), true, func(r *convRec) {
		h := r.liveHist(now)
		if h == nil {
			h = &history{}
			r.hist = h
		}
		h.Seq++
		if drop := len(h.Entries) - keep + 1; drop > 0 {
			n := copy(h.Entries, h.Entries[drop:])
			clear(h.Entries[n:])
			h.Entries = h.Entries[:n]
		}
		h.Entries = append(h.Entries, historyEntry{ID: h.Seq, Data: intern(string(data))})
		r.histExp = expAt(now, d)
		id = h.Seq
	})
	return id, nil
}

// ReplaceHistory implements bridge.HistoryStore. The history's expiry stays
// as its last append set it.
func (s *Store) ReplaceHistory(_ context.Context, key bridge.ConvKey, id uint64, data []byte) (ok bool, _ error) {
	now := time.Now().UnixNano()
	s.convs.with(key.String(), false, func(r *convRec) {
		h := r.liveHist(now)
		if h == nil {
			return
		}
		i := slices.IndexFunc(h.Entries, func(e historyEntry) bool { return e.ID == id })
		if i < 0 {
			return
		}
		h.Entries[i].Data = intern(string(data))
		ok = true
	})
	return ok, nil
}

// History implements bridge.HistoryStore.
func (s *Store) History(_ context.Context, key bridge.ConvKey, keep int) (out []bridge.HistoryEntry, _ error) {
	now := time.Now().UnixNano()
	s.convs.with(key.String(), false, func(r *convRec) {
		h := r.liveHist(now)
		if h == nil {
			return
		}
		es := h.Entries[max(len(h.Entries)-max(keep, 1), 0):]
		out = make([]bridge.HistoryEntry, len(es))
		for i, e := range es {
			out[i] = bridge.HistoryEntry{ID: e.ID, Data: []byte(str(e.Data))}
		}
	})
	if out == nil {
		out = []bridge.HistoryEntry{}
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
func (s *Store) HistoryLen() int {
	_, _, _, n := s.convs.counts(time.Now().UnixNano())
	return n
}
