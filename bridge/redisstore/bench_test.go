package redisstore_test

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
)

// BenchmarkStore times the operations every event does, for both stores: serial
// (one conversation's latency) and parallel (a replica's throughput).
//
//	go test -run '^$' -bench Store -benchtime 2000x ./bridge/redisstore/
func BenchmarkStore(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) bridge.Store
	}{
		{"memstore", func(b *testing.B) bridge.Store {
			s, err := memstore.Open(memstore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close(ctx) })
			return s
		}},
		{"redis", func(b *testing.B) bridge.Store { return openRedis(b, needRedis(b), newPrefix()) }},
	}
	now := time.Now()
	sess := bridge.KMSession{ID: 450_001, Started: now, LastUsed: now}
	act := bridge.StoredAction{Action: formatting.Action{Kind: formatting.ActHit, QueryType: 7, QuestionID: 1002,
		QuestionContent: qMFA, LogID: 7_000_123, HitSource: 2, Label: qMFA}, Key: annDM, Owner: ann.ID, SessionID: 450_001}
	ops := []struct {
		name string
		op   func(s bridge.Store, i int) error
	}{
		{"PutSession", func(s bridge.Store, i int) error {
			return s.PutSession(ctx, bridge.DMKey("telegram", "", strconv.Itoa(i), strconv.Itoa(i)), sess, time.Hour)
		}},
		{"Action", func(s bridge.Store, i int) error {
			_, ok, err := s.Action(ctx, benchToken(i%1000))
			if err == nil && !ok {
				err = fmt.Errorf("action %d missing", i%1000)
			}
			return err
		}},
		{"Seen", func(s bridge.Store, i int) error {
			_, err := s.Seen(ctx, "slack:Ev"+strconv.Itoa(i), time.Hour)
			return err
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			for i := range 1000 {
				k := bridge.DMKey("slack", "T1", "D"+strconv.Itoa(i), "U"+strconv.Itoa(i))
				g := bridge.ButtonGroup{ID: uint64(i + 1), Key: k, Owner: act.Owner, SessionID: act.SessionID,
					Expires: time.Now().Add(time.Hour), Actions: []formatting.Action{act.Action}}
				if err := s.PutButtons(ctx, bridge.RingOf(k.String()), k.String(), g, 8); err != nil {
					b.Fatal(err)
				}
			}
			var seq sync.Mutex
			n := 0
			next := func() int { seq.Lock(); defer seq.Unlock(); n++; return n }
			for _, o := range ops {
				b.Run(o.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if err := o.op(s, next()); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(o.name+"/parallel", func(b *testing.B) {
					b.ReportAllocs()
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							if err := o.op(s, next()); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		})
	}
}

// TestRedisMemoryPerIdleConversation measures what one idle conversation costs in
// Redis: its hash holding only a session,
// as the growth of INFO memory used_memory over 100,000 PutSession calls. Run
// with -v to see the figure; skipped with -short.
func TestRedisMemoryPerIdleConversation(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100,000 keys")
	}
	const n = 100_000
	addr := needRedis(t)
	prefix := newPrefix()
	s, raw := openRedis(t, addr, prefix), rawClient(t, addr)
	t.Cleanup(func() { deleteKeys(t, raw, prefix) })

	key := func(i int) bridge.ConvKey {
		id := strconv.Itoa(100_000_000 + i)
		return bridge.DMKey("telegram", "", id, id)
	}
	now := time.Now()
	sess := func(i int) bridge.KMSession {
		return bridge.KMSession{ID: int64(450_000 + i), Started: now, LastUsed: now}
	}
	// Warm the connections the writers will use, so pools are not counted.
	const writers = 8
	put := func(from int) error {
		for i := from; i < n; i += writers {
			if err := s.PutSession(ctx, key(i), sess(i), time.Hour); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for range 20 {
				_, _ = s.Rated(ctx, 1)
			}
		})
	}
	wg.Wait()
	before := usedMemory(t, raw)
	errs := make([]error, writers)
	for w := range writers {
		wg.Go(func() { errs[w] = put(w) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	after := usedMemory(t, raw)
	conv := func(i int) string { return fmt.Sprintf("%sconv:%016x", prefix, uint64(bridge.RingOf(key(i).String()))) }
	if got := raw.Exists(ctx, conv(n-1)).Val(); got != 1 {
		t.Fatal("last session missing")
	}
	val := raw.HGet(ctx, conv(0), "s").Val()
	per := float64(after-before) / n
	t.Logf("redis: %d idle conversations: %.1f MB used_memory, %.0f bytes per conversation (key %q, %d bytes; session %d bytes; TTL set)",
		n, float64(after-before)/(1<<20), per, conv(0), len(conv(0)), len(val))
	if per > 1024 {
		t.Errorf("%.0f bytes per idle conversation; want under 1 KiB", per)
	}
}

// usedMemory reads INFO memory's used_memory.
func usedMemory(t testing.TB, c *redis.Client) int64 {
	t.Helper()
	info, err := c.Info(ctx, "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no used_memory in INFO memory")
	return 0
}

// deleteKeys removes every key under prefix.
func deleteKeys(t testing.TB, c *redis.Client, prefix string) {
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	batch := make([]string, 0, 1000)
	for iter.Next(ctx) {
		if batch = append(batch, iter.Val()); len(batch) == cap(batch) {
			c.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		c.Unlink(ctx, batch...)
	}
	if err := iter.Err(); err != nil {
		t.Error(err)
	}
}

// benchToken is the token of the button stored for the i-th conversation.
func benchToken(i int) string {
	k := bridge.DMKey("slack", "T1", "D"+strconv.Itoa(i), "U"+strconv.Itoa(i))
	return bridge.TokenRef{Ring: bridge.RingOf(k.String()), Group: uint64(i + 1)}.String()
}
