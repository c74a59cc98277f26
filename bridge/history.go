package bridge

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Conversation history and secrets, for an adapter whose platform keeps
// neither (the web chat): the messages a conversation showed, so a reload
// after a restart or on another replica shows the whole conversation with the
// same message ids, and a secret shared by every replica (the key that turns
// a browser's cookie into a conversation id). Adapters reach them through the
// Host's optional abilities HistoryHost and SecretHost, never the store.

// HistoryEntry is one message of a conversation's history.
type HistoryEntry struct {
	// ID is the entry's number in its conversation: 1 for the first, one more
	// for each append, never given twice while the history lives.
	ID uint64
	// Data is the message in the adapter's own encoding.
	Data []byte
}

// HistoryStore is an optional Store ability (memstore and redisstore have
// it): per-conversation histories, bounded, shared by the replicas that share
// the store.
type HistoryStore interface {
	// AppendHistory adds data as the conversation's next entry and returns its
	// id, atomically (two replicas appending at once get two ids). Only the
	// newest keep entries are kept; the history expires ttl after its last
	// append (≤ 0: never).
	AppendHistory(ctx context.Context, key ConvKey, data []byte, keep int, ttl time.Duration) (id uint64, err error)
	// ReplaceHistory replaces the data of entry id; ok is false, and nothing
	// changes, when the history no longer holds it.
	ReplaceHistory(ctx context.Context, key ConvKey, id uint64, data []byte) (ok bool, err error)
	// History returns the conversation's newest keep entries, oldest first;
	// none when it has no history.
	History(ctx context.Context, key ConvKey, keep int) ([]HistoryEntry, error)
}

// SecretStore is an optional Store ability (memstore and redisstore have it).
type SecretStore interface {
	// Secret returns the secret called name, 32 random bytes made the first
	// time it is asked for; every replica sharing the store gets the same, and
	// it never expires.
	Secret(ctx context.Context, name string) ([]byte, error)
}

// HistoryHost is an optional Host ability (*Core has it): the store's
// conversation histories, bounded (at most MaxHistoryKeep entries of
// MaxHistoryEntry bytes) and kept for Config.SessionRetention after their
// last append, like the conversation itself. See HistoryStore.
type HistoryHost interface {
	AppendHistory(ctx context.Context, key ConvKey, data []byte, keep int) (id uint64, err error)
	ReplaceHistory(ctx context.Context, key ConvKey, id uint64, data []byte) (ok bool, err error)
	History(ctx context.Context, key ConvKey, keep int) ([]HistoryEntry, error)
}

// SecretHost is an optional Host ability (*Core has it): a secret kept in the
// store, the same for every replica (see SecretStore).
type SecretHost interface {
	Secret(ctx context.Context, name string) ([]byte, error)
}

// Bounds of HistoryHost.
const (
	MaxHistoryKeep  = 500
	MaxHistoryEntry = 256 << 10
)

var (
	_ HistoryHost = (*Core)(nil)
	_ SecretHost  = (*Core)(nil)
)

// errNoHistory: the store has no HistoryStore (a test's fake).
var errNoHistory = errors.New("the store keeps no history")

func (c *Core) histories() (HistoryStore, error) {
	if hs, ok := c.store.(HistoryStore); ok {
		return hs, nil
	}
	return nil, errNoHistory
}

// AppendHistory implements HistoryHost.
func (c *Core) AppendHistory(ctx context.Context, key ConvKey, data []byte, keep int) (uint64, error) {
	hs, err := c.histories()
	if err != nil {
		return 0, fmt.Errorf("bridge: append history: %w", err)
	}
	if len(data) > MaxHistoryEntry {
		return 0, fmt.Errorf("bridge: append history: entry of %d bytes, at most %d", len(data), MaxHistoryEntry)
	}
	id, err := hs.AppendHistory(ctx, key, data, keepBound(keep), c.cfg.SessionRetention)
	if err != nil {
		return 0, fmt.Errorf("bridge: append history: %w", err)
	}
	return id, nil
}

// ReplaceHistory implements HistoryHost.
func (c *Core) ReplaceHistory(ctx context.Context, key ConvKey, id uint64, data []byte) (bool, error) {
	hs, err := c.histories()
	if err != nil {
		return false, fmt.Errorf("bridge: replace history: %w", err)
	}
	if len(data) > MaxHistoryEntry {
		return false, fmt.Errorf("bridge: replace history: entry of %d bytes, at most %d", len(data), MaxHistoryEntry)
	}
	ok, err := hs.ReplaceHistory(ctx, key, id, data)
	if err != nil {
		return false, fmt.Errorf("bridge: replace history: %w", err)
	}
	return ok, nil
}

// History implements HistoryHost.
func (c *Core) History(ctx context.Context, key ConvKey, keep int) ([]HistoryEntry, error) {
	hs, err := c.histories()
	if err != nil {
		return nil, fmt.Errorf("bridge: history: %w", err)
	}
	es, err := hs.History(ctx, key, keepBound(keep))
	if err != nil {
		return nil, fmt.Errorf("bridge: history: %w", err)
	}
	return es, nil
}

func keepBound(keep int) int { return min(max(keep, 1), MaxHistoryKeep) }

// Secret implements SecretHost.
func (c *Core) Secret(ctx context.Context, name string) ([]byte, error) {
	ss, ok := c.store.(SecretStore)
	if !ok {
		return nil, errors.New("bridge: secret: the store keeps no secrets")
	}
	if name == "" || len(name) > 64 {
		return nil, fmt.Errorf("bridge: secret: bad name of %d bytes", len(name))
	}
	b, err := ss.Secret(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("bridge: secret %s: %w", name, err)
	}
	if len(b) < 16 {
		return nil, fmt.Errorf("bridge: secret %s: %d bytes, too short", name, len(b))
	}
	return b, nil
}
