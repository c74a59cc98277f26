package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// bridge.Shared: what several replicas need to take turns, next to the inbox
// (inbox.go) and in its hash tag, so that one script can look at a
// conversation's entries and its lease together:
//
//	<prefix>{inbox}:seq           the counter numbering every appended entry
//	<prefix>{inbox}:lease:<name>  a lease: the holder's token, expiring (PX)
//	<prefix>once:<name>           a Once mark, expiring
//
// Every step that must not interleave with another replica's is one script.
// Scripts reach the entries and leases of conversations named in the index by
// building their keys; all of them carry the {inbox} tag, so they live in the
// index's Redis Cluster slot.

func (s *Store) seqKey() string { return s.key(kindInbox, "seq") }

func (s *Store) leaseKey(name string) string { return s.key(kindInbox, "lease:"+name) }

func (s *Store) onceKey(name string) string { return s.key("once", name) }

// appendScript: KEYS conv entries, index, counter, the conversation's lease;
// ARGV entry JSON, ConvKey.String(), ConvKey JSON, max entries (0: no bound).
// Returns {seq, holder}, seq -1 when the conversation is full.
var appendScript = redis.NewScript(`
local max = tonumber(ARGV[4])
if max > 0 and redis.call('HLEN', KEYS[1]) >= max then
  return {-1, ''}
end
local seq = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], string.format('%020d', seq), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
local holder = redis.call('GET', KEYS[4])
return {seq, holder or ''}
`)

// InboxAppend implements bridge.Shared in one script: the number, the entry,
// the index and a look at the lease, so the entry exists the moment its
// number does and no replica can see a later number without it.
func (s *Store) InboxAppend(ctx context.Context, e bridge.InboxEntry, max int) (uint64, string, error) {
	e.Seq = 0 // the field is the number: see InboxEntries
	b, err := json.Marshal(e)
	if err != nil {
		return 0, "", fmt.Errorf("redisstore: inbox append: encode: %w", err)
	}
	kb, err := json.Marshal(e.Key)
	if err != nil {
		return 0, "", fmt.Errorf("redisstore: inbox append: encode key: %w", err)
	}
	keys := []string{s.inboxConvKey(e.Key), s.inboxIndexKey(), s.seqKey(), s.leaseKey(bridge.ConvLease(e.Key))}
	res, err := appendScript.Run(ctx, s.rdb, keys, b, e.Key.String(), kb, max).Slice()
	if err != nil {
		return 0, "", fmt.Errorf("redisstore: inbox append: %w", err)
	}
	if len(res) != 2 {
		return 0, "", fmt.Errorf("redisstore: inbox append: unexpected reply %v", res)
	}
	seq, _ := res[0].(int64)
	holder, _ := res[1].(string)
	if seq < 0 {
		return 0, holder, bridge.ErrQueueFull
	}
	if seq == 0 {
		return 0, "", fmt.Errorf("redisstore: inbox append: unexpected reply %v", res)
	}
	return uint64(seq), holder, nil
}

// undoScript: KEYS conv entries, index; ARGV entry id, ConvKey.String().
var undoScript = redis.NewScript(`
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local ok, e = pcall(cjson.decode, all[i+1])
  if ok and type(e) == 'table' and e.id == ARGV[1] then
    redis.call('HDEL', KEYS[1], all[i])
  end
end
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return 1
`)

// InboxUndo implements bridge.Shared. It reads the conversation's entries in
// the script: they are few (the core bounds them), and undoing is rare.
func (s *Store) InboxUndo(ctx context.Context, key bridge.ConvKey, id string) error {
	if id == "" {
		return errors.New("redisstore: inbox undo: empty id")
	}
	if err := undoScript.Run(ctx, s.rdb, []string{s.inboxConvKey(key), s.inboxIndexKey()}, id, key.String()).Err(); err != nil {
		return fmt.Errorf("redisstore: inbox undo: %w", err)
	}
	return nil
}

// acquireScript: KEYS lease; ARGV holder, ttl ms. Returns the holder after.
var acquireScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return cur
`)

// Acquire implements bridge.Shared.
func (s *Store) Acquire(ctx context.Context, name, holder string, ttl time.Duration) (bool, string, error) {
	if holder == "" {
		return false, "", errors.New("redisstore: acquire: empty holder")
	}
	cur, err := acquireScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, holder, ttlMillis(ttl)).Text()
	if err != nil {
		return false, "", fmt.Errorf("redisstore: acquire %s: %w", name, err)
	}
	if cur == holder {
		return true, "", nil
	}
	return false, cur, nil
}

// renewScript: KEYS leases; ARGV holder, ttl ms. Returns 1 or 0 per lease.
var renewScript = redis.NewScript(`
local out = {}
for i, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('PEXPIRE', k, ARGV[2])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
`)

// Renew implements bridge.Shared in one script for all of holder's leases.
func (s *Store) Renew(ctx context.Context, holder string, names []string, ttl time.Duration) ([]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = s.leaseKey(n)
	}
	res, err := renewScript.Run(ctx, s.rdb, keys, holder, ttlMillis(ttl)).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("redisstore: renew leases: %w", err)
	}
	held := make([]bool, len(names))
	for i := range held {
		held[i] = i < len(res) && res[i] == 1
	}
	return held, nil
}

// releaseScript: KEYS lease; ARGV holder.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Release implements bridge.Shared.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.leaseKey(name)}, holder).Err(); err != nil {
		return fmt.Errorf("redisstore: release %s: %w", name, err)
	}
	return nil
}

// releaseIdleScript: KEYS lease, conv entries; ARGV holder. Returns 1 when
// the lease is not holder's (any more), 0 while entries wait.
var releaseIdleScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 1
end
if redis.call('HLEN', KEYS[2]) > 0 then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
`)

// ReleaseIdle implements bridge.Shared.
func (s *Store) ReleaseIdle(ctx context.Context, key bridge.ConvKey, holder string) (bool, error) {
	keys := []string{s.leaseKey(bridge.ConvLease(key)), s.inboxConvKey(key)}
	n, err := releaseIdleScript.Run(ctx, s.rdb, keys, holder).Int64()
	if err != nil {
		return false, fmt.Errorf("redisstore: release %s: %w", key, err)
	}
	return n == 1, nil
}

// orphansScript: KEYS index; ARGV the conversations' entry key prefix, their
// lease key prefix. Returns {pending, {ConvKey JSON…}}.
var orphansScript = redis.NewScript(`
local idx = redis.call('HGETALL', KEYS[1])
local out = {}
local pending = 0
for i = 1, #idx, 2 do
  local n = redis.call('HLEN', ARGV[1] .. idx[i])
  pending = pending + n
  if n > 0 and redis.call('EXISTS', ARGV[2] .. idx[i]) == 0 then
    out[#out + 1] = idx[i + 1]
  end
end
return {pending, out}
`)

// Orphans implements bridge.Shared in one script over the index, which holds
// only the conversations with entries waiting.
func (s *Store) Orphans(ctx context.Context) ([]bridge.ConvKey, int, error) {
	// inboxConvKey and ConvLease put the ConvKey.String() last.
	entries, leases := s.key(kindInbox, "conv:"), s.leaseKey(bridge.ConvLease(bridge.ConvKey{}))
	leases = leases[:len(leases)-len(bridge.ConvKey{}.String())]
	res, err := orphansScript.Run(ctx, s.rdb, []string{s.inboxIndexKey()}, entries, leases).Slice()
	if err != nil {
		return nil, 0, fmt.Errorf("redisstore: orphans: %w", err)
	}
	if len(res) != 2 {
		return nil, 0, fmt.Errorf("redisstore: orphans: unexpected reply %v", res)
	}
	pending, _ := res[0].(int64)
	list, _ := res[1].([]any)
	keys := make([]bridge.ConvKey, 0, len(list))
	for _, v := range list {
		str, _ := v.(string)
		var k bridge.ConvKey
		if err := json.Unmarshal([]byte(str), &k); err != nil {
			return nil, 0, fmt.Errorf("redisstore: orphans: key %q holds no valid conversation %q", s.inboxIndexKey(), str)
		}
		keys = append(keys, k)
	}
	return keys, int(pending), nil
}

// Once implements bridge.Shared: SET NX with the ttl.
func (s *Store) Once(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	ok, err := s.rdb.SetNX(ctx, s.onceKey(name), "1", expiry(ttl)).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: once %s: %w", name, err)
	}
	return ok, nil
}

// Ping implements bridge.Pinger.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisstore: ping: %w", err)
	}
	return nil
}

// ttlMillis is a lease's time in Redis's milliseconds, at least one.
func ttlMillis(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10)
}

var (
	_ bridge.Shared = (*Store)(nil)
	_ bridge.Pinger = (*Store)(nil)
)
