package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// A conversation is one hash, "conv:<ring id, 16 hex>" (the id of the ring
// named by its ConvKey.String(), so a button token finds it), of small
// fields, which Redis keeps as one listpack (issue #14: ≤ 512 bytes per idle
// conversation; three keys cost ~90 bytes each before any value):
//
//	n          the ring's name (a ConvKey.String() or a case's ring name);
//	           a write under another name fails rather than mixing two
//	           conversations whose ids collide
//	s          the KM session (codec.go), with its own deadline
//	tn, te     the transcript's last turn number and deadline (ms, 0 none)
//	t<n>       turn n
//	g<lane>n   the lane's last group number
//	g<lane>:<n> group n of the lane: its 8-byte id, then its binary form
//
// Each part keeps its own deadline in its value or field: the hash expires
// when its last part does (its TTL only grows), and a read ignores a part
// past its deadline. Every write is one script on the one key, so replicas
// writing at once neither lose a turn or group nor leave more than the bound.
//
// Texts and action lists that recur across conversations (an answer's
// summary, its suggestions and rating) are kept once, content-addressed,
// under "blob:<hash>", with the longest lifetime of their users (blob).
// They are not per-conversation cost: the same answer is one blob however
// many conversations got it.

const (
	kindConv = "conv"
	kindBlob = "blob"
)

func (s *Store) convKey(ring bridge.RingID) string {
	return s.prefix + kindConv + ":" + fmt.Sprintf("%016x", uint64(ring))
}

func (s *Store) convKeyOf(key bridge.ConvKey) (k, name string) {
	name = key.String()
	return s.convKey(bridge.RingOf(name)), name
}

// blobRef is the content address of a blob: 12 bytes of its SHA-256.
type blobRef [12]byte

func refOf(b []byte) blobRef {
	h := sha256.Sum256(b)
	var r blobRef
	copy(r[:], h[:])
	return r
}

func (s *Store) blobKey(r blobRef) string {
	return s.prefix + kindBlob + ":" + base64.RawURLEncoding.EncodeToString(r[:])
}

// convPrelude: KEYS[1] the conversation, ARGV[1] its name. It fails a write
// under another name, and notes whether the key existed (for growTTL).
const convPrelude = `
local k, name = KEYS[1], ARGV[1]
local cur = redis.call('HGET', k, 'n')
if cur and cur ~= name then
  return redis.error_reply('conversation id collision')
end
local existed = cur ~= false
if not existed then
  existed = redis.call('EXISTS', k) == 1
  redis.call('HSET', k, 'n', name)
end
local function growTTL(ttl)
  if ttl == 0 then
    redis.call('PERSIST', k)
    return
  end
  local left = redis.call('PTTL', k)
  if not existed or (left >= 0 and left < ttl) then
    redis.call('PEXPIRE', k, ttl)
  end
end
-- dropFrom deletes field prefix..i and the older ones before it, down to
-- the first that is not there.
local function dropFrom(prefix, i)
  while i > 0 and redis.call('HDEL', k, prefix .. i) == 1 do
    i = i - 1
  end
end
`

// putSessionScript: ARGV name, value, ttl ms (0: none).
var putSessionScript = redis.NewScript(convPrelude + `
redis.call('HSET', k, 's', ARGV[2])
growTTL(tonumber(ARGV[3]))
return 1
`)

// appendTurnScript: ARGV name, max, ttl ms (0: none), now ms, then the
// turn's pieces (pieceLen): field t<n> holds the first, t<n>.<j> the j-th
// after it. A transcript past its deadline is dropped before the turn is
// added.
var appendTurnScript = redis.NewScript(convPrelude + `
local max, ttl, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local function dropTurns(i)
  while i > 0 and redis.call('HDEL', k, 't' .. i) == 1 do
    local j = 1
    while redis.call('HDEL', k, 't' .. i .. '.' .. j) == 1 do
      j = j + 1
    end
    i = i - 1
  end
end
local te = tonumber(redis.call('HGET', k, 'te') or '0')
if te > 0 and te <= now then
  dropTurns(tonumber(redis.call('HGET', k, 'tn') or '0'))
end
local n = redis.call('HINCRBY', k, 'tn', 1)
redis.call('HSET', k, 't' .. n, ARGV[5])
for j = 6, #ARGV do
  redis.call('HSET', k, 't' .. n .. '.' .. (j - 5), ARGV[j])
end
dropTurns(n - max)
if ttl == 0 then
  redis.call('HSET', k, 'te', '0')
else
  redis.call('HSET', k, 'te', tostring(now + ttl))
end
growTTL(ttl)
return n
`)

// pieceLen bounds a field's value: Redis keeps a hash as one compact
// listpack only while every value is at most hash-max-listpack-value (64 by
// default) bytes; one longer value (a user's long question) would turn the
// conversation into a hash table of about twice the size.
const pieceLen = 64

// pieces splits v into values of at most pieceLen bytes.
func pieces(v []byte) []any {
	out := make([]any, 0, len(v)/pieceLen+1)
	for len(v) > pieceLen {
		out = append(out, v[:pieceLen])
		v = v[pieceLen:]
	}
	return append(out, v)
}

// putGroupScript: ARGV name, lane, element (8-byte id first), keep, ttl ms
// (0: none). A group of the same id in the lane is replaced in place.
var putGroupScript = redis.NewScript(convPrelude + `
local lane, el, keep, ttl = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local id = string.sub(el, 1, 8)
local pre = 'g' .. lane .. ':'
local n = tonumber(redis.call('HGET', k, 'g' .. lane .. 'n') or '0')
local i = n
while i > 0 do
  local v = redis.call('HGET', k, pre .. i)
  if not v then break end
  if string.sub(v, 1, 8) == id then
    redis.call('HSET', k, pre .. i, el)
    growTTL(ttl)
    return 0
  end
  i = i - 1
end
n = redis.call('HINCRBY', k, 'g' .. lane .. 'n', 1)
redis.call('HSET', k, pre .. n, el)
dropFrom(pre, n - keep)
growTTL(ttl)
return 1
`)

// putBlobScript: KEYS[1] the blob; ARGV value, ttl ms (0: none). The blob's
// lifetime only grows: every conversation that refers to it extends it.
var putBlobScript = redis.NewScript(extendBlob + `
local k, ttl = KEYS[1], tonumber(ARGV[2])
if redis.call('SET', k, ARGV[1], 'NX') then
  if ttl > 0 then redis.call('PEXPIRE', k, ttl) end
  return 1
end
extendBlob(k, ttl)
return 0
`)

// extendBlob(k, ttl) makes blob k live at least ttl ms more (0: for good);
// a blob's lifetime never shrinks, whoever refers to it.
const extendBlob = `
local function extendBlob(k, ttl)
  if ttl == 0 then
    redis.call('PERSIST', k)
  else
    local left = redis.call('PTTL', k)
    if left >= 0 and left < ttl then redis.call('PEXPIRE', k, ttl) end
  end
end
`

// scriptCall is one script run of a pipeline.
type scriptCall struct {
	script *redis.Script
	keys   []string
	args   []any
}

// blobCall is the write of a blob, before the write that refers to it.
func (s *Store) blobCall(b []byte, ttl time.Duration) (scriptCall, blobRef) {
	r := refOf(b)
	return scriptCall{putBlobScript, []string{s.blobKey(r)}, []any{b, ttlArg(ttl)}}, r
}

// runScripts runs calls in order in one round trip (EVALSHA); a call Redis
// did not know the script of (NOSCRIPT: a restarted or flushed server) is run
// again on its own, loading it, in the same order. It returns the last
// call's result.
func (s *Store) runScripts(ctx context.Context, calls ...scriptCall) (any, error) {
	cmds := make([]*redis.Cmd, len(calls))
	_, _ = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = c.script.EvalSha(ctx, p, c.keys, c.args...)
		}
		return nil
	})
	var last any
	for i, c := range calls {
		v, err := cmds[i].Result()
		if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			v, err = c.script.Run(ctx, s.rdb, c.keys, c.args...).Result()
		}
		if err != nil && err != redis.Nil {
			return nil, err
		}
		last = v
	}
	return last, nil
}

// blob reads a blob; ok is false when it is gone.
func (s *Store) blob(ctx context.Context, r blobRef) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, s.blobKey(r)).Bytes()
	if err == redis.Nil {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// ttlArg is a lifetime in ms for the scripts: 0 for none, at least 1.
func ttlArg(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return max(d.Milliseconds(), 1)
}

// convRead is a conversation's hash, read with the keys an older version
// kept its parts under (session:, transcript:, ring:<id>:<lane>), in one
// round trip: a store upgraded in place still finds what those wrote until
// it expires.
type convRead struct {
	fields map[string]string
	old    *redis.Cmd
}

// readConv reads the conversation's hash and, with it, the old key by cmd.
func (s *Store) readConv(ctx context.Context, k string, old func(p redis.Pipeliner) *redis.Cmd) (convRead, error) {
	var h *redis.MapStringStringCmd
	var r convRead
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		h = p.HGetAll(ctx, k)
		r.old = old(p)
		return nil
	})
	if err != nil && err != redis.Nil {
		return r, err
	}
	r.fields = h.Val()
	return r, nil
}

// blobs reads the blobs of refs in one round trip; a blob gone is nil.
func (s *Store) blobs(ctx context.Context, refs []blobRef) ([][]byte, error) {
	out := make([][]byte, len(refs))
	if len(refs) == 0 {
		return out, nil
	}
	cmds := make([]*redis.StringCmd, len(refs))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, r := range refs {
			cmds[i] = p.Get(ctx, s.blobKey(r))
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, err
	}
	for i, c := range cmds {
		if b, err := c.Bytes(); err == nil {
			out[i] = b
		}
	}
	return out, nil
}
