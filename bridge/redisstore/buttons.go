package redisstore

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// Button rings: a ring's lanes are fields of its conversation's hash
// (conv.go), "g<lane>:<n>", each group its 8-byte id then its binary form
// (codec.go). A put adds the group, drops the lane's groups beyond keep and
// extends the hash's expiry in one script, so two replicas putting at once
// neither lose a group nor leave the lane longer than keep. Any replica
// finds a group from the token alone: it carries the ring id. A group's
// actions, the same in every conversation that got the same answer (its log
// is the group's), are a blob when they are long. Shared actions are
// "shared:<id>", the action as a one-action group (bridge.AppendGroup).
// Rings an older version wrote, a list per lane "ring:<id>:<lane>", are
// still read until they expire.

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

// PutButtons implements bridge.ButtonStore.
func (s *Store) PutButtons(ctx context.Context, ring bridge.RingID, name string, g bridge.ButtonGroup, keep int) error {
	if g.ID == 0 {
		return errors.New("redisstore: put buttons: group id 0")
	}
	var ttl time.Duration
	if !g.Expires.IsZero() {
		ttl = max(time.Until(g.Expires), time.Millisecond)
	}
	ringKey, ringIsKey := bridge.ParseConvKey(name)
	log := bridge.GroupLog(g.Actions)
	el := appendGroupHead(make([]byte, 0, 64), g, ringKey, ringIsKey, log)
	acts := appendActions(nil, g, log)
	var calls []scriptCall
	if len(acts) >= internMin {
		c, r := s.blobCall(acts, ttl)
		calls = append(calls, c)
		el = append(append(el, actsBlob), r[:]...)
	} else {
		el = append(append(el, actsInline), acts...)
	}
	calls = append(calls, scriptCall{putGroupScript, []string{s.convKey(ring)}, []any{name, int(g.Lane), el, max(keep, 1), ttlArg(ttl)}})
	if _, err := s.runScripts(ctx, calls...); err != nil {
		return fmt.Errorf("redisstore: put buttons: %w", err)
	}
	return nil
}

// Buttons implements bridge.ButtonStore.
func (s *Store) Buttons(ctx context.Context, ring bridge.RingID, lane bridge.Lane, gid uint64) (bridge.ButtonGroup, bool, error) {
	k, oldKey := s.convKey(ring), s.ringKey(ring, lane)
	r, err := s.readConv(ctx, k, func(p redis.Pipeliner) *redis.Cmd { return p.Do(ctx, "LRANGE", oldKey, 0, -1) })
	if err != nil {
		return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: %w", err)
	}
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], gid)
	pre := "g" + strconv.Itoa(int(lane)) + ":"
	ringKey, ringIsKey := bridge.ParseConvKey(r.fields["n"])
	for f, v := range r.fields {
		if !strings.HasPrefix(f, pre) || len(v) < 8 || v[:8] != string(id[:]) {
			continue
		}
		g, acts, ref, log, err := decodeGroup([]byte(v), lane, ringKey, ringIsKey)
		if err != nil {
			return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: key %q, field %q holds no valid group: %w", k, f, err)
		}
		if !g.Expires.IsZero() && !time.Now().Before(g.Expires) {
			return bridge.ButtonGroup{}, false, nil
		}
		if ref != nil {
			b, ok, err := s.blob(ctx, *ref)
			if err != nil {
				return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: %w", err)
			}
			if !ok {
				return bridge.ButtonGroup{}, false, nil // cannot be: it lives as long as the group
			}
			acts = b
		}
		if err := decodeActions(acts, &g, log); err != nil {
			return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: key %q, field %q holds no valid actions: %w", k, f, err)
		}
		return g, true, nil
	}
	old, _ := r.old.StringSlice()
	for _, v := range old {
		if len(v) < 8 || v[:8] != string(id[:]) {
			continue
		}
		g, err := bridge.DecodeGroup([]byte(v[8:]))
		if err != nil {
			return bridge.ButtonGroup{}, false, fmt.Errorf("redisstore: buttons: key %q holds no valid group: %w", oldKey, err)
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
