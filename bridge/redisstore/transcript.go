package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
)

// AppendTurn implements bridge.Store. The turn is a field of the
// conversation's hash (conv.go); adding it, dropping the turns beyond the
// last max and extending the transcript's deadline run in one script, so
// appends from several replicas at once neither lose a turn nor leave more
// than max, even for a moment. A long text with its hit (an answer's summary,
// the same for everyone asking) is a blob, written first in the same round
// trip and kept at least ttl.
func (s *Store) AppendTurn(ctx context.Context, key bridge.ConvKey, t bridge.Turn, max int, ttl time.Duration) error {
	if max < 1 {
		max = 1
	}
	k, name := s.convKeyOf(key)
	var calls []scriptCall
	var ref *blobRef
	if t.Role != bridge.RoleUser && len(t.Text)+len(t.Hit) >= internMin {
		c, r := s.blobCall(appendTurnText(nil, t), ttl)
		calls, ref = append(calls, c), &r
	}
	v := appendTurn(make([]byte, 0, 64), t, key, ref)
	args := append([]any{name, max, ttlArg(ttl), time.Now().UnixMilli()}, pieces(v)...)
	calls = append(calls, scriptCall{appendTurnScript, []string{k}, args})
	if _, err := s.runScripts(ctx, calls...); err != nil {
		return fmt.Errorf("redisstore: append turn: %w", err)
	}
	return nil
}

// Transcript implements bridge.Store. Like memstore it returns nil when the
// conversation has no transcript. Turns an older version wrote (a list of
// JSON turns under transcript:<ConvKey>) come first while they last.
func (s *Store) Transcript(ctx context.Context, key bridge.ConvKey) ([]bridge.Turn, error) {
	k, name := s.convKeyOf(key)
	oldKey := s.key(kindTranscript, key.String())
	r, err := s.readConv(ctx, k, func(p redis.Pipeliner) *redis.Cmd { return p.Do(ctx, "LRANGE", oldKey, 0, -1) })
	if err != nil {
		return nil, fmt.Errorf("redisstore: transcript: %w", err)
	}
	var turns []bridge.Turn
	if old, err := r.old.StringSlice(); err == nil {
		for i, o := range old {
			var t bridge.Turn
			if err := json.Unmarshal([]byte(o), &t); err != nil {
				return nil, fmt.Errorf("redisstore: transcript: key %q, turn %d holds no valid value: %w", oldKey, i, err)
			}
			turns = append(turns, t)
		}
	}
	if n, ok := r.fields["n"]; ok && n != name {
		return turns, nil // another conversation's, of the same id
	}
	if te, _ := strconv.ParseInt(r.fields["te"], 10, 64); te > 0 && time.Now().UnixMilli() >= te {
		return nilIfEmpty(turns), nil
	}
	// Turn n is field t<n>, continued in t<n>.1, t<n>.2, … (pieces).
	type piece struct {
		n, j int64
		v    string
	}
	var ps []piece
	for f, v := range r.fields {
		num, cont, _ := strings.Cut(strings.TrimPrefix(f, "t"), ".")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || !strings.HasPrefix(f, "t") {
			continue
		}
		var j int64
		if cont != "" {
			if j, err = strconv.ParseInt(cont, 10, 64); err != nil {
				continue
			}
		}
		ps = append(ps, piece{n, j, v})
	}
	slices.SortFunc(ps, func(a, b piece) int { return cmp.Or(cmp.Compare(a.n, b.n), cmp.Compare(a.j, b.j)) })
	type numbered struct {
		n int64
		v string
	}
	var fs []numbered
	for _, p := range ps {
		if len(fs) > 0 && fs[len(fs)-1].n == p.n {
			fs[len(fs)-1].v += p.v
			continue
		}
		fs = append(fs, numbered{p.n, p.v})
	}
	var refs []blobRef
	var at []int
	for _, f := range fs {
		t, ref, err := decodeTurn([]byte(f.v), key)
		if err != nil {
			return nil, fmt.Errorf("redisstore: transcript: key %q, turn %d holds no valid value: %w", k, f.n, err)
		}
		if ref != nil {
			refs, at = append(refs, *ref), append(at, len(turns))
		}
		turns = append(turns, t)
	}
	texts, err := s.blobs(ctx, refs)
	if err != nil {
		return nil, fmt.Errorf("redisstore: transcript: %w", err)
	}
	for i, b := range texts {
		// A blob outlives every transcript that referred to it when it was
		// written; one gone (a transcript extended past it) leaves the turn
		// without its text rather than failing the transcript.
		if b == nil {
			continue
		}
		text, hit, err := decodeTurnText(b)
		if err != nil {
			return nil, fmt.Errorf("redisstore: transcript: blob %q holds no valid text: %w", s.blobKey(refs[i]), err)
		}
		turns[at[i]].Text, turns[at[i]].Hit = text, hit
	}
	return nilIfEmpty(turns), nil
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
