package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// AppendTurn implements bridge.Store. The transcript is a list of JSON turns;
// RPUSH, LTRIM to the last max and PEXPIRE (PERSIST for ttl ≤ 0) run in one
// MULTI, so appends from several replicas at once neither lose a turn to a
// read-modify-write nor leave the list longer than max, even for a moment.
func (s *Store) AppendTurn(ctx context.Context, key bridge.ConvKey, t bridge.Turn, max int, ttl time.Duration) error {
	if max < 1 {
		max = 1
	}
	b, err := json.Marshal(t)
	if err != nil {
		return fmt.Errorf("redisstore: append turn: encode: %w", err)
	}
	k := s.key(kindTranscript, key.String())
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.RPush(ctx, k, b)
		p.LTrim(ctx, k, -int64(max), -1)
		if d := expiry(ttl); d > 0 {
			p.PExpire(ctx, k, d)
		} else {
			p.Persist(ctx, k)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redisstore: append turn: %w", err)
	}
	return nil
}

// Transcript implements bridge.Store. Like memstore it returns nil when the
// conversation has no transcript.
func (s *Store) Transcript(ctx context.Context, key bridge.ConvKey) ([]bridge.Turn, error) {
	k := s.key(kindTranscript, key.String())
	raw, err := s.rdb.LRange(ctx, k, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: transcript: %w", err)
	}
	if len(raw) == 0 {
		return nil, nil
	}
	turns := make([]bridge.Turn, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &turns[i]); err != nil {
			return nil, fmt.Errorf("redisstore: transcript: key %q, turn %d holds no valid value: %w", k, i, err)
		}
	}
	return turns, nil
}
