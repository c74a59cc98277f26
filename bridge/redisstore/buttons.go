package redisstore

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// Button rings: a list per ring and lane, "ring:<ring id, 16 hex>:<lane>",
// newest group first, each element the group's 8-byte id then its binary form
// (bridge.AppendGroup). A put pushes, trims the list to keep and extends its
// expiry, in one script, so two replicas putting at once neither lose a group
// nor leave the list longer than keep. Any replica finds a group from the
// token alone: it carries the ring id. Shared actions are "shared:<id>", the
// action as a one-action group.

// Key kinds of buttons.
const (
	kindRing   = "ring"
	kindShared = "shared"
)

func (s *Store) ringKey(ring bridge.RingID, lane bridge.Lane) string {
	return s.prefix + kindRing + ":" + fmt.Sprintf("%016x", uint64(ring)) + ":" + strconv.Itoa(int(lane))
}

func (s *Store) sharedKey(id bridge.SharedID) string {
	return s.key(kindShared, base64.RawURLEncoding.EncodeToString(id[:]))
}

// putButtons: KEYS[1] the ring's lane; ARGV[1] the element, ARGV[2] its
// 8-byte id, ARGV[3] keep, ARGV[4] its lifetime in ms (0: none). A group of
// the same id is replaced in place; the list's expiry only grows.
var putButtons = redis.NewScript(`
local k, el, id, keep, ttl = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local items = redis.call('LRANGE', k, 0, -1)
for i, v in ipairs(items) do
  if string.sub(v, 1, 8) == id then
    redis.call('LSET', k, i - 1, el)
    return 0
  end
end
local existed = #items > 0
redis.call('LPUSH', k, el)
redis.call('LTRIM', k, 0, keep - 1)
if ttl == 0 then
  redis.call('PERSIST', k)
else
  local cur = redis.call('PTTL', k)
  if not existed or (cur >= 0 and cur < ttl) then
    redis.call('PEXPIRE', k, ttl)
  end
end
return 1
`)

// PutButtons implements bridge.ButtonStore.
func (s *Store) PutButtons(ctx context.Context, ring bridge.RingID, _ string, g bridge.ButtonGroup, keep int) error {
	if g.ID == 0 {
		return errors.New("redisstore: put buttons: group id 0")
	}
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], g.ID)
	el := bridge.AppendGroup(append(make([]byte, 0, 256), id[:]...), g)
	var ms int64
	if !g.Expires.IsZero() {
		ms = max(time.Until(g.Expires).Milliseconds(), 1)
	}
	err := putButtons.Run(ctx, s.rdb, []string{s.ringKey(ring, g.Lane)}, el, id[:], max(keep, 1), ms).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("redisstore: put buttons: %w", err)
	}
	return nil
}

// Buttons implements bridge.ButtonStore.
func (s *Store) Buttons(ctx context.Context, ring bridge.RingID, lane bridge.Lane, gid uint64) (bridge.ButtonGroup, bool, error) {
	k := s.ringKey(ring, lane)
	items, err := s.rdb.LRange(ctx, k, 0, -1).Result()
	if err != nil {
		return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: %w", err)
	}
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], gid)
	for _, v := range items {
		if len(v) < 8 || v[:8] != string(id[:]) {
			continue
		}
		g, err := bridge.DecodeGroup([]byte(v[8:]))
		if err != nil {
			return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: key %q holds no valid group: %w", k, err)
		}
		if !g.Expires.IsZero() && !time.Now().Before(g.Expires) {
			return bridge.ButtonGroup{}, false, nil
		}
		return g, true, nil
	}
	return bridge.ButtonGroup{}, false, nil
}

// PutShared implements bridge.ButtonStore.
func (s *Store) PutShared(ctx context.Context, id bridge.SharedID, sa bridge.StoredAction, ttl time.Duration) error {
	b := bridge.AppendGroup(nil, bridge.ButtonGroup{ID: 1, Key: sa.Key, Owner: sa.Owner, SessionID: sa.SessionID, Actions: []formatting.Action{sa.Action}})
	if err := s.rdb.Set(ctx, s.sharedKey(id), b, expiry(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: put shared: %w", err)
	}
	return nil
}

// Shared implements bridge.ButtonStore.
func (s *Store) Shared(ctx context.Context, id bridge.SharedID) (bridge.StoredAction, bool, error) {
	k := s.sharedKey(id)
	b, err := s.rdb.Get(ctx, k).Bytes()
	if errors.Is(err, redis.Nil) {
		return bridge.StoredAction{}, false, nil
	}
	if err != nil {
		return bridge.StoredAction{}, false, fmt.Errorf("redisstore: shared: %w", err)
	}
	g, err := bridge.DecodeGroup(b)
	if err != nil {
		return bridge.StoredAction{}, false, fmt.Errorf("redisstore: shared: key %q holds no valid value: %w", k, err)
	}
	sa, ok := g.Stored(0)
	if !ok {
		return bridge.StoredAction{}, false, fmt.Errorf("redisstore: shared: key %q holds no action", k)
	}
	return sa, true, nil
}

// Action implements bridge.Store: a token of bridge's scheme is found in its
// ring or among the shared actions; an older one (from before rings, still
// in Redis until it expires) under its own key.
func (s *Store) Action(ctx context.Context, token string) (bridge.StoredAction, bool, error) {
	sa, ok, known, err := bridge.LookupAction(ctx, s, token)
	if known {
		return sa, ok, err
	}
	if token == "" {
		return bridge.StoredAction{}, false, nil // PutAction never stores one
	}
	return get[bridge.StoredAction](ctx, s, "get action", s.key(kindAction, token))
}
