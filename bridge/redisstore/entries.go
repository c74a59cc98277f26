package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// put stores v as JSON under key for ttl (SET … PX; ≤ 0 is no expiry).
func put[T any](ctx context.Context, s *Store, op, key string, v T, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("redisstore: %s: encode: %w", op, err)
	}
	if err := s.rdb.Set(ctx, key, b, expiry(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	return nil
}

// get reads the JSON value under key; ok is false when there is none. A value
// that does not decode is an error naming the key, so it can be found and removed.
func get[T any](ctx context.Context, s *Store, op, key string) (v T, ok bool, err error) {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return v, false, nil
	}
	if err != nil {
		return v, false, fmt.Errorf("redisstore: %s: %w", op, err)
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return v, false, fmt.Errorf("redisstore: %s: key %q holds no valid value: %w", op, key, err)
	}
	return v, true, nil
}

// Session implements bridge.Store: the conversation hash's session, or one
// an older version wrote under session:<ConvKey> (JSON).
func (s *Store) Session(ctx context.Context, key bridge.ConvKey) (bridge.KMSession, bool, error) {
	k, name := s.convKeyOf(key)
	oldKey := s.key(kindSession, key.String())
	r, err := s.readConv(ctx, k, func(p redis.Pipeliner) *redis.Cmd { return p.Do(ctx, "GET", oldKey) })
	if err != nil {
		return bridge.KMSession{}, false, fmt.Errorf("redisstore: get session: %w", err)
	}
	if n, ok := r.fields["n"]; ok && n != name {
		return bridge.KMSession{}, false, nil // another conversation's, of the same id
	}
	if v, ok := r.fields["s"]; ok {
		sess, deadline, err := decodeSession([]byte(v))
		if err != nil {
			return bridge.KMSession{}, false, fmt.Errorf("redisstore: get session: key %q holds no valid session: %w", k, err)
		}
		if deadline != 0 && time.Now().UnixMilli() >= deadline {
			return bridge.KMSession{}, false, nil
		}
		return sess, true, nil
	}
	old, err := r.old.Text()
	if err != nil {
		return bridge.KMSession{}, false, nil
	}
	var sess bridge.KMSession
	if err := json.Unmarshal([]byte(old), &sess); err != nil {
		return sess, false, fmt.Errorf("redisstore: get session: key %q holds no valid value: %w", oldKey, err)
	}
	return sess, true, nil
}

// PutSession implements bridge.Store.
func (s *Store) PutSession(ctx context.Context, key bridge.ConvKey, sess bridge.KMSession, ttl time.Duration) error {
	k, name := s.convKeyOf(key)
	var deadline int64
	if ttl > 0 {
		deadline = time.Now().Add(expiry(ttl)).UnixMilli()
	}
	v := appendSession(make([]byte, 0, 48), sess, deadline)
	if err := putSessionScript.Run(ctx, s.rdb, []string{k}, name, v, ttlArg(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: put session: %w", err)
	}
	return nil
}

// PutAction stores the action behind a token of no ring for ttl: how buttons
// were stored before rings (bridge.ButtonStore). Action still finds such
// tokens, which replicas of an older version write.
func (s *Store) PutAction(ctx context.Context, token string, a bridge.StoredAction, ttl time.Duration) error {
	if token == "" {
		return errors.New("redisstore: put action: empty token")
	}
	return put(ctx, s, "put action", s.key(kindAction, token), a, ttl)
}

// Seen implements bridge.Store with SET NX PX: of any number of concurrent
// callers, on any replica, exactly one records the id and sees false.
func (s *Store) Seen(ctx context.Context, deliveryID string, ttl time.Duration) (bool, error) {
	set, err := s.rdb.SetNX(ctx, s.key(kindSeen, deliveryID), "1", expiry(ttl)).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: seen: %w", err)
	}
	return !set, nil
}

// Forget implements bridge.Store.
func (s *Store) Forget(ctx context.Context, deliveryID string) error {
	if err := s.rdb.Del(ctx, s.key(kindSeen, deliveryID)).Err(); err != nil {
		return fmt.Errorf("redisstore: forget: %w", err)
	}
	return nil
}

// Rated implements bridge.Store.
func (s *Store) Rated(ctx context.Context, logID int64) (bool, error) {
	n, err := s.rdb.Exists(ctx, s.ratedKey(logID)).Result()
	if err != nil {
		return false, fmt.Errorf("redisstore: rated: %w", err)
	}
	return n > 0, nil
}

// MarkRated implements bridge.Store.
func (s *Store) MarkRated(ctx context.Context, logID int64, ttl time.Duration) error {
	if err := s.rdb.Set(ctx, s.ratedKey(logID), "1", expiry(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: mark rated: %w", err)
	}
	return nil
}
