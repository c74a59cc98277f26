package redisstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
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
//
// An entry of historyBlobMin bytes or more (a bot answer, as the web chat
// renders it) is a content-addressed blob, like a transcript's answers
// (transcript.go): the entry holds historyRef and the blob's name, so the
// conversations that got the same answer share one copy instead of several
// KB each. Every append extends the blobs its history refers to to the
// history's own lifetime, so none expires before the entry that shows it.

const (
	kindHistory = "history"
	kindSecret  = "secret"
	historySeq  = "seq"
	// historyRef starts an entry that names a blob, historyRaw one whose data
	// itself starts with a NUL byte (never the web chat's JSON), so that no
	// data is taken for a name.
	historyRef     = "\x00b"
	historyRaw     = "\x00r"
	historyBlobMin = 256
)

var (
	_ bridge.HistoryStore = (*Store)(nil)
	_ bridge.SecretStore  = (*Store)(nil)
)

// appendHistoryScript gives the next id (KEYS[1]'s seq + 1), stores ARGV[1]
// under it, drops the entry keep (ARGV[2]) ids back, sets the expiry (ARGV[3]
// ms; 0 keeps none), and publishes the append of the entry's data ARGV[6] on
// channel ARGV[4] with the header ARGV[5] (see feedMessage). The blobs the
// entries name (ARGV[7] is the blobs' key prefix) then live at least as long.
var appendHistoryScript = redis.NewScript(extendBlob + `
local id = redis.call('HINCRBY', KEYS[1], 'seq', 1)
redis.call('HSET', KEYS[1], tostring(id), ARGV[1])
redis.call('PUBLISH', ARGV[4], 'a' .. id .. '\n' .. ARGV[5] .. '\n' .. ARGV[6])
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
for _, v in ipairs(redis.call('HVALS', KEYS[1])) do
  if string.sub(v, 1, 2) == '\0b' then
    extendBlob(ARGV[7] .. string.sub(v, 3), ttl)
  end
end
return id
`)

// replaceHistoryScript sets entry ARGV[1] to ARGV[2] only if it is there,
// and publishes the replacement's data ARGV[5] on channel ARGV[3] with the
// header ARGV[4]. A blob ARGV[2] names was written with the history's
// lifetime at most: it lives as long as the history's remaining one.
var replaceHistoryScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('PUBLISH', ARGV[3], 'r' .. ARGV[1] .. '\n' .. ARGV[4] .. '\n' .. ARGV[5])
  return 1
end
return 0
`)

// historyValue is what the history's hash holds for data: data itself, or
// for a long one historyRef and its blob's name, with the blob's write (kept
// ttl) to run first.
func (s *Store) historyValue(data []byte, ttl time.Duration) (string, []scriptCall) {
	if len(data) < historyBlobMin {
		if len(data) > 0 && data[0] == 0 {
			return historyRaw + string(data), nil
		}
		return string(data), nil
	}
	c, r := s.blobCall(data, ttl)
	return historyRef + strings.TrimPrefix(s.blobKey(r), s.blobPrefix()), []scriptCall{c}
}

// blobPrefix is what every blob's key starts with.
func (s *Store) blobPrefix() string { return s.prefix + kindBlob + ":" }

// AppendHistory implements bridge.HistoryStore with one script run.
func (s *Store) AppendHistory(ctx context.Context, key bridge.ConvKey, data []byte, keep int, ttl time.Duration) (uint64, error) {
	v, calls := s.historyValue(data, expiry(ttl))
	calls = append(calls, scriptCall{appendHistoryScript, []string{s.key(kindHistory, key.String())},
		[]any{v, max(keep, 1), expiry(ttl).Milliseconds(), s.feedChannel(), s.feedHeader(key), data, s.blobPrefix()}})
	res, err := s.runScripts(ctx, calls...)
	if err != nil {
		return 0, fmt.Errorf("redisstore: append history: %w", err)
	}
	id, ok := res.(int64)
	if !ok {
		return 0, fmt.Errorf("redisstore: append history: the script answered %T, not an id", res)
	}
	return uint64(id), nil
}

// ReplaceHistory implements bridge.HistoryStore.
func (s *Store) ReplaceHistory(ctx context.Context, key bridge.ConvKey, id uint64, data []byte) (bool, error) {
	k := s.key(kindHistory, key.String())
	var ttl time.Duration
	if len(data) >= historyBlobMin {
		// The blob lives as long as the history does now; the next append
		// extends both.
		left, err := s.rdb.PTTL(ctx, k).Result()
		if err != nil {
			return false, fmt.Errorf("redisstore: replace history: %w", err)
		}
		switch {
		case left == -1: // the history has no expiry: neither has the blob
		case left < 0: // no history: the script changes nothing, the blob goes at once
			ttl = time.Millisecond
		default:
			ttl = left
		}
	}
	v, calls := s.historyValue(data, ttl)
	calls = append(calls, scriptCall{replaceHistoryScript, []string{k},
		[]any{strconv.FormatUint(id, 10), v, s.feedChannel(), s.feedHeader(key), data}})
	res, err := s.runScripts(ctx, calls...)
	if err != nil {
		return false, fmt.Errorf("redisstore: replace history: %w", err)
	}
	n, _ := res.(int64)
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
	var refs []string // blob keys, for the entries at at
	var at []int
	for f, v := range m {
		id, err := strconv.ParseUint(f, 10, 64)
		if err != nil || id < first || id > seq {
			continue
		}
		if name, ok := strings.CutPrefix(v, historyRef); ok {
			refs, at = append(refs, s.blobPrefix()+name), append(at, len(out))
			v = ""
		} else if raw, ok := strings.CutPrefix(v, historyRaw); ok {
			v = raw
		}
		out = append(out, bridge.HistoryEntry{ID: id, Data: []byte(v)})
	}
	if len(refs) > 0 {
		vals, err := s.rdb.MGet(ctx, refs...).Result()
		if err != nil {
			return nil, fmt.Errorf("redisstore: history: %w", err)
		}
		gone := map[int]bool{}
		for i, v := range vals {
			if b, ok := v.(string); ok {
				out[at[i]].Data = []byte(b)
			} else {
				gone[at[i]] = true
			}
		}
		if len(gone) > 0 { // blobs flushed by hand: their entries are left out
			kept := out[:0]
			for i, e := range out {
				if !gone[i] {
					kept = append(kept, e)
				}
			}
			out = kept
		}
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
