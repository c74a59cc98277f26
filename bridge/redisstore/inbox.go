package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// The inbox (bridge.Inbox) in Redis, where every replica sees it:
//
//	<prefix>{inbox}:conv:<ConvKey.String()>  hash: seq (20 digits) → entry JSON
//	<prefix>{inbox}:convs                    hash: ConvKey.String() → ConvKey JSON,
//	                                         the conversations with entries
//
// A put is one MULTI (entry and index, one round trip); a done is one script
// that removes the entry and, when it was the conversation's last, its index
// field, so a concurrent put on another replica can never be left out of the
// index. The {inbox} hash tag puts these keys in one slot, so the script and
// the MULTI also work on Redis Cluster (at the cost of the inbox living on one
// shard). Entries never expire: they leave only by InboxDone.

const kindInbox = "{inbox}"

func (s *Store) inboxConvKey(key bridge.ConvKey) string {
	return s.key(kindInbox, "conv:"+key.String())
}

func (s *Store) inboxIndexKey() string { return s.key(kindInbox, "convs") }

// seqField is a sequence number as a hash field; fixed width, so fields sort as numbers.
func seqField(seq uint64) string { return fmt.Sprintf("%020d", seq) }

// doneScript removes entry ARGV[1] from KEYS[1] and, when none is left, the
// conversation ARGV[2] from the index KEYS[2].
var doneScript = redis.NewScript(`
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then
  redis.call('HDEL', KEYS[2], ARGV[2])
end
return 1
`)

// InboxPut implements bridge.Inbox: the entry and its index field are written
// in one MULTI. Redis's own persistence settings decide what a Redis crash
// keeps; a kmbridge crash loses nothing once this returns.
func (s *Store) InboxPut(ctx context.Context, e bridge.InboxEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("redisstore: inbox put: encode: %w", err)
	}
	kb, err := json.Marshal(e.Key)
	if err != nil {
		return fmt.Errorf("redisstore: inbox put: encode key: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.inboxConvKey(e.Key), seqField(e.Seq), b)
		p.HSet(ctx, s.inboxIndexKey(), e.Key.String(), kb)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: inbox put: %w", err)
	}
	return nil
}

// InboxDone implements bridge.Inbox in one script call.
func (s *Store) InboxDone(ctx context.Context, key bridge.ConvKey, seq uint64) error {
	keys := []string{s.inboxConvKey(key), s.inboxIndexKey()}
	if err := doneScript.Run(ctx, s.rdb, keys, seqField(seq), key.String()).Err(); err != nil {
		return fmt.Errorf("redisstore: inbox done: %w", err)
	}
	return nil
}

// InboxConvs implements bridge.Inbox.
func (s *Store) InboxConvs(ctx context.Context) ([]bridge.ConvKey, error) {
	idx := s.inboxIndexKey()
	m, err := s.rdb.HGetAll(ctx, idx).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: inbox convs: %w", err)
	}
	keys := make([]bridge.ConvKey, 0, len(m))
	for f, v := range m {
		var k bridge.ConvKey
		if err := json.Unmarshal([]byte(v), &k); err != nil || k.String() != f {
			return nil, fmt.Errorf("redisstore: inbox convs: key %q, field %q holds no valid conversation", idx, f)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// InboxEntries implements bridge.Inbox.
func (s *Store) InboxEntries(ctx context.Context, key bridge.ConvKey) ([]bridge.InboxEntry, error) {
	k := s.inboxConvKey(key)
	m, err := s.rdb.HGetAll(ctx, k).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: inbox entries: %w", err)
	}
	if len(m) == 0 {
		return nil, nil
	}
	out := make([]bridge.InboxEntry, 0, len(m))
	for f, v := range m {
		var e bridge.InboxEntry
		seq, perr := strconv.ParseUint(f, 10, 64)
		if err := json.Unmarshal([]byte(v), &e); err != nil || perr != nil || (e.Seq != seq && e.Seq != 0) || e.Key != key {
			return nil, fmt.Errorf("redisstore: inbox entries: key %q, field %q holds no valid entry", k, f)
		}
		e.Seq = seq // InboxAppend's entries leave the number to the field
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b bridge.InboxEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out, nil
}

var _ bridge.Inbox = (*Store)(nil)
