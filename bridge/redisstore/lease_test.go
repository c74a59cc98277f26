package redisstore_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
)

func appendEntry(t testing.TB, s *redisstore.Store, k bridge.ConvKey, text, id string, max int) (uint64, string, error) {
	t.Helper()
	ev, _ := json.Marshal(map[string]any{"kind": "message", "text": text})
	return s.InboxAppend(ctx, bridge.InboxEntry{Key: k, At: time.Now(), Event: ev, ID: id}, max)
}

func entryTexts(t testing.TB, s *redisstore.Store, k bridge.ConvKey) []string {
	t.Helper()
	es, err := s.InboxEntries(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		var m map[string]any
		if err := json.Unmarshal(e.Event, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(m["text"]))
	}
	return out
}

// Appends from two clients get distinct numbers from the one counter; each
// entry comes back under its number, in append order; a full conversation
// refuses; the lease's holder comes with the number.
func TestInboxAppend(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	a, b := openRedis(t, addr, prefix), openRedis(t, addr, prefix)

	var (
		mu   sync.Mutex
		seqs = map[uint64]string{}
		wg   sync.WaitGroup
	)
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			text := fmt.Sprintf("m%02d", i)
			seq, holder, err := appendEntry(t, s, key, text, text, 0)
			if err != nil || holder != "" {
				t.Errorf("append %s = %d, %q, %v", text, seq, holder, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if _, dup := seqs[seq]; dup {
				t.Errorf("seq %d given twice", seq)
			}
			seqs[seq] = text
		}()
	}
	wg.Wait()
	es, err := b.InboxEntries(ctx, key)
	if err != nil || len(es) != 40 {
		t.Fatalf("entries = %d, %v", len(es), err)
	}
	for i, e := range es {
		var m map[string]any
		_ = json.Unmarshal(e.Event, &m)
		if seqs[e.Seq] != m["text"] || (i > 0 && e.Seq <= es[i-1].Seq) || e.Key != key {
			t.Errorf("entry %d: seq %d holds %v, appended as %q", i, e.Seq, m["text"], seqs[e.Seq])
		}
	}

	// Bounded: a conversation with max entries refuses.
	for i := range 2 {
		if _, _, err := appendEntry(t, a, odd, fmt.Sprint(i), fmt.Sprint(i), 2); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := appendEntry(t, a, odd, "x", "x", 2); !errors.Is(err, bridge.ErrQueueFull) {
		t.Errorf("third append with max 2 = %v, want ErrQueueFull", err)
	}

	// The holder of the conversation's lease comes back with the number.
	if ok, _, err := a.Acquire(ctx, bridge.ConvLease(odd), "replica-a", time.Minute); !ok || err != nil {
		t.Fatalf("acquire = %v, %v", ok, err)
	}
	if _, holder, err := appendEntry(t, b, odd, "y", "y", 0); holder != "replica-a" || err != nil {
		t.Errorf("append under a lease: holder %q, %v", holder, err)
	}
}

// Undo removes the entry appended with an id, and the conversation from the
// index when it was the last.
func TestInboxUndo(t *testing.T) {
	addr := needRedis(t)
	s := openRedis(t, addr, newPrefix())
	for _, id := range []string{"r/1", `r"odd\/2`} {
		if _, _, err := appendEntry(t, s, key, id, id, 0); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.InboxUndo(ctx, key, "r/1"))
	must(t, s.InboxUndo(ctx, key, "never appended"))
	if got := entryTexts(t, s, key); !slices.Equal(got, []string{`r"odd\/2`}) {
		t.Errorf("after undo: %q", got)
	}
	must(t, s.InboxUndo(ctx, key, `r"odd\/2`))
	if got := sortedConvs(t, s); len(got) != 0 {
		t.Errorf("index after the last undo: %v", got)
	}
}

// A lease is one holder's until released or expired; renewal tells who still
// holds what.
func TestLeases(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	a, b := openRedis(t, addr, prefix), openRedis(t, addr, prefix)
	const n = "lead:x"
	if ok, other, err := a.Acquire(ctx, n, "A", time.Minute); !ok || other != "" || err != nil {
		t.Fatalf("A acquire = %v %q %v", ok, other, err)
	}
	if ok, other, err := b.Acquire(ctx, n, "B", time.Minute); ok || other != "A" || err != nil {
		t.Fatalf("B acquire = %v %q %v", ok, other, err)
	}
	if ok, _, err := a.Acquire(ctx, n, "A", time.Minute); !ok || err != nil {
		t.Fatalf("A acquires again (renews) = %v %v", ok, err)
	}
	held, err := b.Renew(ctx, "B", []string{n, "lead:none"}, time.Minute)
	if err != nil || !slices.Equal(held, []bool{false, false}) {
		t.Errorf("B renew = %v %v", held, err)
	}
	held, err = a.Renew(ctx, "A", []string{"lead:none", n}, time.Minute)
	if err != nil || !slices.Equal(held, []bool{false, true}) {
		t.Errorf("A renew = %v %v", held, err)
	}
	must(t, b.Release(ctx, n, "B")) // not B's: stays
	if ok, _, _ := b.Acquire(ctx, n, "B", time.Minute); ok {
		t.Fatal("B took A's lease after its own release")
	}
	must(t, a.Release(ctx, n, "A"))
	if ok, _, err := b.Acquire(ctx, n, "B", 50*time.Millisecond); !ok || err != nil {
		t.Fatalf("B acquire after A's release = %v %v", ok, err)
	}
	// Expired, it is anyone's.
	eventually(t, func() error {
		if ok, other, err := a.Acquire(ctx, n, "A", time.Minute); !ok {
			return fmt.Errorf("A acquire after B's lease expired = %v %q %v", ok, other, err)
		}
		return nil
	})
}

// ReleaseIdle lets a conversation go only when it has no entries; Orphans
// finds the conversations with entries and no lease.
func TestReleaseIdleAndOrphans(t *testing.T) {
	addr := needRedis(t)
	s := openRedis(t, addr, newPrefix())
	owned := bridge.ConvKey{Platform: "test", Channel: "owned"}
	if _, _, err := appendEntry(t, s, owned, "q", "1", 0); err != nil {
		t.Fatal(err)
	}
	for _, k := range []bridge.ConvKey{key, key, odd} {
		if _, _, err := appendEntry(t, s, k, "q", "x", 0); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _, err := s.Acquire(ctx, bridge.ConvLease(owned), "A", time.Minute); !ok || err != nil {
		t.Fatal(ok, err)
	}
	keys, pending, err := s.Orphans(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range keys {
		got = append(got, k.String())
	}
	slices.Sort(got)
	if want := []string{key.String(), odd.String()}; !slices.Equal(got, want) || pending != 4 {
		t.Errorf("orphans = %q, %d pending; want %q, 4", got, pending, want)
	}

	if released, err := s.ReleaseIdle(ctx, owned, "A"); released || err != nil {
		t.Errorf("ReleaseIdle with an entry waiting = %v %v", released, err)
	}
	if released, err := s.ReleaseIdle(ctx, owned, "B"); !released || err != nil {
		t.Errorf("ReleaseIdle of a lease B does not hold = %v %v", released, err)
	}
	es, _ := s.InboxEntries(ctx, owned)
	must(t, s.InboxDone(ctx, owned, es[0].Seq))
	if released, err := s.ReleaseIdle(ctx, owned, "A"); !released || err != nil {
		t.Errorf("ReleaseIdle of an empty conversation = %v %v", released, err)
	}
	if ok, _, _ := s.Acquire(ctx, bridge.ConvLease(owned), "B", time.Minute); !ok {
		t.Error("the lease was not released")
	}
}

// Once is true for exactly one caller across clients.
func TestOnceAcrossClients(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	stores := []*redisstore.Store{openRedis(t, addr, prefix), openRedis(t, addr, prefix), openRedis(t, addr, prefix)}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first int
	)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := stores[i%3].Once(ctx, "commands", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				first++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != 1 {
		t.Errorf("Once was true %d times, want 1", first)
	}
}

// Ping reports a store that cannot be reached.
func TestPing(t *testing.T) {
	addr := needRedis(t)
	p := startProxy(t, addr)
	s := openRedis(t, p.Addr, newPrefix())
	must(t, s.Ping(ctx))
	p.SetDown(true)
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping through a proxy that is down = nil")
	}
	p.SetDown(false)
	eventually(t, func() error { return s.Ping(ctx) })
}
