package bridgetest

import (
	"context"
	"crypto/sha256"
	"slices"
	"sync"

	"github.com/kmbridge/kmbridge/bridge"
)

var (
	_ bridge.HistoryHost = (*Host)(nil)
	_ bridge.SecretHost  = (*Host)(nil)
)

// histories are the Host's conversation histories and secrets, in memory.
type histories struct {
	mu      sync.Mutex
	seq     map[bridge.ConvKey]uint64
	entries map[bridge.ConvKey][]bridge.HistoryEntry
	err     error
	watch   watchers // bridge.HistoryWatcher (historyfeed.go)
}

func newHistories() histories {
	return histories{seq: map[bridge.ConvKey]uint64{}, entries: map[bridge.ConvKey][]bridge.HistoryEntry{}}
}

// FailHistory makes every later history call fail with err (nil: succeed).
func (h *Host) FailHistory(err error) {
	h.hist.mu.Lock()
	defer h.hist.mu.Unlock()
	h.hist.err = err
}

// AppendHistory implements bridge.HistoryHost, as the core does (ids from 1
// per conversation, the newest keep entries).
func (h *Host) AppendHistory(ctx context.Context, key bridge.ConvKey, data []byte, keep int) (uint64, error) {
	hs := &h.hist
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.err != nil {
		return 0, hs.err
	}
	hs.seq[key]++
	id := hs.seq[key]
	es := append(hs.entries[key], bridge.HistoryEntry{ID: id, Data: slices.Clone(data)})
	hs.entries[key] = es[max(len(es)-max(keep, 1), 0):]
	return id, nil
}

// ReplaceHistory implements bridge.HistoryHost.
func (h *Host) ReplaceHistory(ctx context.Context, key bridge.ConvKey, id uint64, data []byte) (bool, error) {
	hs := &h.hist
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.err != nil {
		return false, hs.err
	}
	for i, e := range hs.entries[key] {
		if e.ID == id {
			hs.entries[key][i].Data = slices.Clone(data)
			return true, nil
		}
	}
	return false, nil
}

// History implements bridge.HistoryHost.
func (h *Host) History(ctx context.Context, key bridge.ConvKey, keep int) ([]bridge.HistoryEntry, error) {
	hs := &h.hist
	hs.mu.Lock()
	defer hs.mu.Unlock()
	if hs.err != nil {
		return nil, hs.err
	}
	es := hs.entries[key]
	es = es[max(len(es)-max(keep, 1), 0):]
	out := make([]bridge.HistoryEntry, len(es))
	for i, e := range es {
		out[i] = bridge.HistoryEntry{ID: e.ID, Data: slices.Clone(e.Data)}
	}
	return out, nil
}

// HistoryLen is the number of conversations with a history.
func (h *Host) HistoryLen() int {
	h.hist.mu.Lock()
	defer h.hist.mu.Unlock()
	return len(h.hist.entries)
}

// Secret implements bridge.SecretHost: a fixed secret per name (derived from
// it), so tests can predict it.
func (h *Host) Secret(ctx context.Context, name string) ([]byte, error) {
	h.hist.mu.Lock()
	defer h.hist.mu.Unlock()
	if h.hist.err != nil {
		return nil, h.hist.err
	}
	sum := sha256.Sum256([]byte("bridgetest secret " + name))
	return sum[:], nil
}
