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

// Hand-over cases. A case is JSON under case:{c}:<id>; case:{c}:seq numbers
// them (INCR) and case:{c}:due is a sorted set of the open cases waiting for
// their reminder, scored by RemindAt (unix ms). The {c} hash tag keeps the
// three in one Redis Cluster slot, so a case and the due index change in one
// MULTI. Links are single keys: caselink:<ConvKey> and
// casemsg:<platform|channel|message id>, each holding a case id.

// maxCaseRetries bounds UpdateCase's optimistic retries under contention.
const maxCaseRetries = 32

func (s *Store) caseKey(id string) string { return s.prefix + "case:{c}:" + id }
func (s *Store) caseSeqKey() string       { return s.prefix + "case:{c}:seq" }
func (s *Store) caseDueKey() string       { return s.prefix + "case:{c}:due" }

func (s *Store) caseLinkKey(k bridge.ConvKey) string { return s.prefix + "caselink:" + k.String() }

func (s *Store) caseMsgKey(in bridge.ConvKey, msgID string) string {
	return s.prefix + "casemsg:" + bridge.ConvKey{Platform: in.Platform, Channel: in.Channel, Thread: msgID}.String()
}

// writeCase queues the case and its place in the due index on p.
func (s *Store) writeCase(ctx context.Context, p redis.Pipeliner, c bridge.Case, b []byte, ttl time.Duration) {
	p.Set(ctx, s.caseKey(c.ID), b, expiry(ttl))
	if c.State == bridge.CaseOpen && !c.RemindAt.IsZero() {
		p.ZAdd(ctx, s.caseDueKey(), redis.Z{Score: float64(c.RemindAt.UnixMilli()), Member: c.ID})
	} else {
		p.ZRem(ctx, s.caseDueKey(), c.ID)
	}
}

// NewCase implements bridge.CaseStore.
func (s *Store) NewCase(ctx context.Context, c bridge.Case, ttl time.Duration) (bridge.Case, error) {
	n, err := s.rdb.Incr(ctx, s.caseSeqKey()).Result()
	if err != nil {
		return bridge.Case{}, fmt.Errorf("redisstore: new case: number: %w", err)
	}
	c.ID = strconv.FormatInt(n, 10)
	b, err := json.Marshal(c)
	if err != nil {
		return bridge.Case{}, fmt.Errorf("redisstore: new case: encode: %w", err)
	}
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		s.writeCase(ctx, p, c, b, ttl)
		return nil
	}); err != nil {
		return bridge.Case{}, fmt.Errorf("redisstore: new case: %w", err)
	}
	return c, nil
}

// Case implements bridge.CaseStore.
func (s *Store) Case(ctx context.Context, id string) (bridge.Case, bool, error) {
	return get[bridge.Case](ctx, s, "case", s.caseKey(id))
}

// UpdateCase implements bridge.CaseStore with WATCH/MULTI: a write by another
// replica between the read and the write makes the transaction fail, and fn
// runs again on the newer case.
func (s *Store) UpdateCase(ctx context.Context, id string, ttl time.Duration, fn func(*bridge.Case) error) (bridge.Case, error) {
	key := s.caseKey(id)
	var (
		out   bridge.Case
		fnErr error
	)
	txf := func(tx *redis.Tx) error {
		b, err := tx.Get(ctx, key).Bytes()
		if errors.Is(err, redis.Nil) {
			fnErr = bridge.ErrNoCase
			return fnErr
		}
		if err != nil {
			return err
		}
		var c bridge.Case
		if err := json.Unmarshal(b, &c); err != nil {
			return fmt.Errorf("key %q holds no valid case: %w", key, err)
		}
		if err := fn(&c); err != nil {
			fnErr = err
			return err
		}
		c.ID = id
		nb, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			s.writeCase(ctx, p, c, nb, ttl)
			return nil
		})
		out = c
		return err
	}
	for range maxCaseRetries {
		fnErr = nil
		err := s.rdb.Watch(ctx, txf, key)
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, redis.TxFailedErr):
			continue
		case fnErr != nil:
			if errors.Is(fnErr, bridge.ErrNoCase) {
				// An expired case leaves its due entry behind: drop it.
				_ = s.rdb.ZRem(ctx, s.caseDueKey(), id).Err()
			}
			return bridge.Case{}, fnErr
		default:
			return bridge.Case{}, fmt.Errorf("redisstore: update case: %w", err)
		}
	}
	return bridge.Case{}, fmt.Errorf("redisstore: update case %s: still contended after %d attempts", id, maxCaseRetries)
}

// LinkCase implements bridge.CaseStore.
func (s *Store) LinkCase(ctx context.Context, key bridge.ConvKey, id string, ttl time.Duration) error {
	if id == "" {
		return errors.New("redisstore: link case: empty case id")
	}
	if err := s.rdb.Set(ctx, s.caseLinkKey(key), id, expiry(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: link case: %w", err)
	}
	return nil
}

// CaseOf implements bridge.CaseStore.
func (s *Store) CaseOf(ctx context.Context, key bridge.ConvKey) (string, bool, error) {
	return getString(ctx, s, "link", s.caseLinkKey(key))
}

// UnlinkCase implements bridge.CaseStore with WATCH/MULTI: a link that moved to
// a newer case meanwhile stays.
func (s *Store) UnlinkCase(ctx context.Context, key bridge.ConvKey, id string) error {
	k := s.caseLinkKey(key)
	for range maxCaseRetries {
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			cur, err := tx.Get(ctx, k).Result()
			if errors.Is(err, redis.Nil) || (err == nil && cur != id) {
				return nil
			}
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Del(ctx, k)
				return nil
			})
			return err
		}, k)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return fmt.Errorf("redisstore: unlink case: %w", err)
		}
		return nil
	}
	return fmt.Errorf("redisstore: unlink case: still contended after %d attempts", maxCaseRetries)
}

// LinkCaseMessage implements bridge.CaseStore.
func (s *Store) LinkCaseMessage(ctx context.Context, in bridge.ConvKey, msgID, id string, ttl time.Duration) error {
	if msgID == "" || id == "" {
		return errors.New("redisstore: link case message: empty message or case id")
	}
	if err := s.rdb.Set(ctx, s.caseMsgKey(in, msgID), id, expiry(ttl)).Err(); err != nil {
		return fmt.Errorf("redisstore: link case message: %w", err)
	}
	return nil
}

// CaseOfMessage implements bridge.CaseStore.
func (s *Store) CaseOfMessage(ctx context.Context, in bridge.ConvKey, msgID string) (string, bool, error) {
	if msgID == "" {
		return "", false, nil
	}
	return getString(ctx, s, "msglink", s.caseMsgKey(in, msgID))
}

// DueCases implements bridge.CaseStore.
func (s *Store) DueCases(ctx context.Context, now time.Time, max int) ([]string, error) {
	if max <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.caseDueKey(), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(now.UnixMilli(), 10), Count: int64(max),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("redisstore: due cases: %w", err)
	}
	return ids, nil
}

// getString reads a plain string value; ok is false when there is none.
func getString(ctx context.Context, s *Store, op, key string) (string, bool, error) {
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("redisstore: %s: %w", op, err)
	}
	return v, true, nil
}
