package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// A conversation's history is one hash, <prefix>history:<ConvKey>: field
// "seq" is the last id given, and each entry is the field of its decimal id.
// Ids follow one another, so an append drops the one entry that falls out of
// the newest keep. Secrets are plain keys, <prefix>secret:<name>, set once.
// Each append and replace is also published to the other replicas, in the
// same script (historyfeed.go).

const (
	kindHistory = "history"
	kindSecret  = "secret"
	historySeq  = "seq"
)

var (
	_ bridge.HistoryStore = (*Store)(nil)
	_ bridge.SecretStore  = (*Store)(nil)
)

// appendHistoryScript gives the next id (KEYS[1]'s seq + 1), stores ARGV[1]
// under it, drops the entry keep (ARGV[2]) ids back, sets the expiry (ARGV[3]
// ms; 0 keeps none), and publishes the append on channel ARGV[4] with the
// header ARGV[5] (see feedMessage).
var appendHistoryScript = redis.NewScript(`
local id = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], tostring(id), ARGV[1])
redis.call('PUBLISH', ARGV[4], 'a' .. id .. '\n' .. ARGV[5] .. '\n' .. ARGV[1])
local keep = tonumber(ARGV[2])
if id > keep then
  redis.call('HDEL', KEYS[1], tostring(id - keep))
end
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('PERSIST', KEYS[1])
end
return id
`)

// replaceHistoryScript sets entry ARGV[1] to ARGV[2] only if it is there,
// and publishes the replacement on channel ARGV[3] with the header ARGV[4].
var replaceHistoryScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PUBLISH', ARGV[3], 'r' .. ARGV[1] .. '\n' .. ARGV[4] .. '\n' .. ARGV[2])
  return 1
end
return 0
`)

// AppendHistory implements bridge.HistoryStore with one script run.
func (s *Store) AppendHistory(ctx context.Context, key bridge.ConvKey, data []byte, keep int, ttl time.Duration) (uint64, error) {
	id, err := appendHistoryScript.Run(ctx, s.rdb, []string{s.key(kindHistory, key.String())},
		data, max(keep, 1), expiry(ttl).Milliseconds(), s.feedChannel(), s.feedHeader(key)).Int64()
	if err != nil {
		return 0, fmt.Errorf("redisstore: append history: %w", err)
	}
	return uint64(id), nil
}

// ReplaceHistory implements bridge.HistoryStore.
func (s *Store) ReplaceHistory(ctx context.Context, key bridge.ConvKey, id uint64, data []byte) (bool, error) {
	n, err := replaceHistoryScript.Run(ctx, s.rdb, []string{s.key(kindHistory, key.String())},
		strconv.FormatUint(id, 10), data, s.feedChannel(), s.feedHeader(key)).Int64()
	if err != nil {
		return false, fmt.Errorf("redisstore: replace history: %w", err)
	}
	return n == 1, nil
}

// History implements bridge.HistoryStore. Fields that are not ids (a value
// written by hand) are skipped.
func (s *Store) History(ctx context.Context, key bridge.ConvKey, keep int) ([]bridge.HistoryEntry, error) {
	m, err := s.rdb.HGetAll(ctx, s.key(kindHistory, key.String())).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: history: %w", err)
	}
	seq, _ := strconv.ParseUint(m[historySeq], 10, 64)
	first := uint64(1)
	if k := uint64(max(keep, 1)); seq > k {
		first = seq - k + 1
	}
	var out []bridge.HistoryEntry
	for f, v := range m {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil || id < first || id > seq {
			continue
		}
		out = append(out, bridge.HistoryEntry{ID: id, Data: []byte(v)})
	}
	slices.SortFunc(out, func(a, b bridge.HistoryEntry) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Secret implements bridge.SecretStore: SET NX, then whatever won.
func (s *Store) Secret(ctx context.Context, name string) ([]byte, error) {
	if name == "" {
		return nil, errors.New("redisstore: secret: empty name")
	}
	k := s.key(kindSecret, name)
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails since Go 1.24
	if err := s.rdb.SetNX(ctx, k, b, 0).Err(); err != nil {
		return nil, fmt.Errorf("redisstore: secret: %w", err)
	}
	got, err := s.rdb.Get(ctx, k).Bytes()
	if err != nil {
		return nil, fmt.Errorf("redisstore: secret: %w", err)
	}
	return got, nil
}
