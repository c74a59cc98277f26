package bridge

import (
	"context"
	"fmt"
)

// Live histories across replicas. A web conversation's reply may be written
// by the replica that holds the conversation while the visitor's tab is open
// on another; the history is in the store, so a reload shows it, but the tab
// should see it as it happens. A store shared by replicas (redisstore) tells
// every replica of each change to a history (HistoryFeed); an adapter that
// shows histories live watches them through its Host (HistoryWatcher), never
// the store. With one process (memstore) there is nothing to watch.

// HistoryChange is one change another replica made to a conversation's
// history, or, with Resync, the news that changes may have been missed.
type HistoryChange struct {
	Key ConvKey
	// Entry is the entry appended, or the entry with its new data when
	// Replaced.
	Entry HistoryEntry
	// Replaced: the entry's data was replaced (else it was appended).
	Replaced bool
	// Resync: the feed was interrupted (the store's connection was lost and
	// made again), so changes may have been missed; Key and Entry are empty.
	// Read again the histories being shown.
	Resync bool
}

// HistoryFeed is an optional Store ability (redisstore has it): every
// AppendHistory and ReplaceHistory made through one Store value is told to
// the watchers of every other Store value sharing the store (the other
// replicas), in the order the store made them.
type HistoryFeed interface {
	// WatchHistory calls fn with each change made by another Store value,
	// one at a time, until ctx ends; then it returns nil. fn must not block:
	// the feed waits for it. It reconnects by itself when the store's
	// connection is lost, and then calls fn with a Resync change.
	WatchHistory(ctx context.Context, fn func(HistoryChange)) error
}

// HistoryWatcher is an optional Host ability (*Core has it): the changes
// other replicas make to the histories of HistoryHost (see HistoryFeed).
type HistoryWatcher interface {
	// WatchHistory calls fn with each change another replica makes to a
	// history, until ctx ends. It returns nil at once when no other replica
	// can write the histories (the store is not shared): there is nothing to
	// watch.
	WatchHistory(ctx context.Context, fn func(HistoryChange)) error
}

var _ HistoryWatcher = (*Core)(nil)

// WatchHistory implements HistoryWatcher.
func (c *Core) WatchHistory(ctx context.Context, fn func(HistoryChange)) error {
	f, ok := c.store.(HistoryFeed)
	if !ok {
		return nil
	}
	if err := f.WatchHistory(ctx, fn); err != nil {
		return fmt.Errorf("bridge: watch history: %w", err)
	}
	return nil
}
