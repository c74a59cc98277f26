package bridgetest

import (
	"context"
	"slices"

	"github.com/kmbridge/kmbridge/bridge"
)

var _ bridge.HistoryWatcher = (*Host)(nil)

// watchers are the Host's bridge.HistoryWatcher: the fns of the WatchHistory
// calls running now. Guarded by histories.mu.
type watchers map[*struct{}]func(bridge.HistoryChange)

// WatchHistory implements bridge.HistoryWatcher as a store shared by
// replicas: fn is told what RemoteAppend, RemoteReplace and RemoteResync
// do (another replica's changes), never the adapter's own appends and
// replacements, until ctx ends.
func (h *Host) WatchHistory(ctx context.Context, fn func(bridge.HistoryChange)) error {
	hs := &h.hist
	id := &struct{}{}
	hs.mu.Lock()
	if hs.watch == nil {
		hs.watch = watchers{}
	}
	hs.watch[id] = fn
	hs.mu.Unlock()
	<-ctx.Done()
	hs.mu.Lock()
	delete(hs.watch, id)
	hs.mu.Unlock()
	return nil
}

// Watching is the number of WatchHistory calls running now.
func (h *Host) Watching() int {
	h.hist.mu.Lock()
	defer h.hist.mu.Unlock()
	return len(h.hist.watch)
}

// RemoteAppend appends data to key's history as another replica sharing the
// store would, and tells the watchers; it returns the entry's id. tell false
// appends without telling them, as a change whose news is lost or still on
// its way. It returns 0, and tells nothing, under FailHistory.
func (h *Host) RemoteAppend(key bridge.ConvKey, data []byte, tell bool) uint64 {
	id, err := h.AppendHistory(context.Background(), key, data, bridge.MaxHistoryKeep)
	if err != nil {
		return 0
	}
	if tell {
		h.tell(bridge.HistoryChange{Key: key, Entry: bridge.HistoryEntry{ID: id, Data: slices.Clone(data)}})
	}
	return id
}

// RemoteReplace replaces entry id of key's history as another replica would,
// and tells the watchers when it was there.
func (h *Host) RemoteReplace(key bridge.ConvKey, id uint64, data []byte) bool {
	ok, _ := h.ReplaceHistory(context.Background(), key, id, data)
	if ok {
		h.tell(bridge.HistoryChange{Key: key, Entry: bridge.HistoryEntry{ID: id, Data: slices.Clone(data)}, Replaced: true})
	}
	return ok
}

// Tell tells the watchers c as it is (a change told late, twice, or out of
// order; a Resync).
func (h *Host) Tell(c bridge.HistoryChange) { h.tell(c) }

func (h *Host) tell(c bridge.HistoryChange) {
	h.hist.mu.Lock()
	fns := make([]func(bridge.HistoryChange), 0, len(h.hist.watch))
	for _, fn := range h.hist.watch {
		fns = append(fns, fn)
	}
	h.hist.mu.Unlock()
	for _, fn := range fns {
		fn(c)
	}
}
