package memo

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// step is one call on a memo, or ("wait") the clock moving on by ttl.
type step struct {
	do   string // put, putfor, get, take, add, removeif, wait
	k    string
	v    int           // put, putfor, add: the value; removeif: the value that matches
	ttl  time.Duration // putfor, wait
	want int           // get, take: the value
	ok   bool          // get, take: found; add, removeif: the result
}

func TestMemo(t *testing.T) {
	tests := []struct {
		name  string
		lru   bool
		size  int
		steps []step
	}{
		{
			// The sequence of the Slack adapter's former memo test.
			name: "lru: a get keeps an entry", lru: true, size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "put", k: "b", v: 2},
				{do: "get", k: "a", want: 1, ok: true},
				{do: "put", k: "c", v: 3}, // evicts b, the least recently used
				{do: "get", k: "b"},
				{do: "add", k: "a", v: 9}, // a live entry is there
				{do: "wait", ttl: 2 * time.Minute},
				{do: "get", k: "a"},                 // expired
				{do: "add", k: "a", v: 9, ok: true}, // over an expired entry
				{do: "take", k: "a", want: 9, ok: true},
				{do: "take", k: "a"}, // taken twice
			},
		},
		{
			// The sequence of the Telegram adapter's former memo test (seen is !Add).
			name: "write order: the oldest write goes first", size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "put", k: "b", v: 2},
				{do: "put", k: "c", v: 3}, // evicts a
				{do: "get", k: "a"},
				{do: "get", k: "c", want: 3, ok: true},
				{do: "take", k: "b", want: 2, ok: true},
				{do: "get", k: "b"},
				{do: "add", k: "x", ok: true},
				{do: "add", k: "x"},
				{do: "wait", ttl: 2 * time.Minute},
				{do: "get", k: "c"},
				{do: "add", k: "x", ok: true}, // an expired id counts as unseen
			},
		},
		{
			// The sequence of the Discord adapter's former memo test.
			name: "add: the first claim wins; removeIf drops only a match", size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "put", k: "b", v: 2},
				{do: "put", k: "c", v: 3}, // evicts a
				{do: "get", k: "a"},
				{do: "add", k: "d", v: 4, ok: true},
				{do: "add", k: "d", v: 5},
				{do: "get", k: "d", want: 4, ok: true},
				{do: "removeif", k: "d", v: 4, ok: true},
				{do: "removeif", k: "c", v: 0},
				{do: "wait", ttl: 2 * time.Minute},
				{do: "take", k: "c"}, // expired
				{do: "add", k: "c", v: 9, ok: true},
			},
		},
		{
			name: "write order: a get does not keep an entry", size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "put", k: "b", v: 2},
				{do: "get", k: "a", want: 1, ok: true},
				{do: "put", k: "c", v: 3}, // evicts a all the same
				{do: "get", k: "a"},
				{do: "get", k: "b", want: 2, ok: true},
				{do: "get", k: "c", want: 3, ok: true},
			},
		},
		{
			name: "a rewrite counts as the newest write", size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "put", k: "b", v: 2},
				{do: "put", k: "a", v: 3},
				{do: "put", k: "c", v: 4}, // evicts b
				{do: "get", k: "b"},
				{do: "get", k: "a", want: 3, ok: true},
			},
		},
		{
			name: "a put renews the TTL", size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "wait", ttl: 50 * time.Second},
				{do: "put", k: "a", v: 2},
				{do: "wait", ttl: 50 * time.Second},
				{do: "get", k: "a", want: 2, ok: true},
			},
		},
		{
			name: "an entry expires at its TTL, and putFor sets its own", size: 4,
			steps: []step{
				{do: "putfor", k: "a", v: 1, ttl: 10 * time.Second},
				{do: "put", k: "b", v: 2},
				{do: "wait", ttl: 10*time.Second - time.Nanosecond},
				{do: "get", k: "a", want: 1, ok: true},
				{do: "wait", ttl: time.Nanosecond},
				{do: "get", k: "a"},
				{do: "get", k: "b", want: 2, ok: true},
				{do: "wait", ttl: 50 * time.Second},
				{do: "get", k: "b"},
			},
		},
		{
			name: "removeIf removes an expired entry too", size: 2,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "wait", ttl: 2 * time.Minute},
				{do: "removeif", k: "a", v: 1, ok: true},
				{do: "removeif", k: "a", v: 1},
				{do: "removeif", k: "nothing", v: 0},
			},
		},
		{
			name: "a size below 1 holds one entry", size: 0,
			steps: []step{
				{do: "put", k: "a", v: 1},
				{do: "put", k: "b", v: 2},
				{do: "get", k: "a"},
				{do: "get", k: "b", want: 2, ok: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := time.Unix(0, 0)
			clock := func() time.Time { return now }
			m := New[string, int](tt.size, time.Minute, clock)
			if tt.lru {
				m = NewLRU[string, int](tt.size, time.Minute, clock)
			}
			for i, s := range tt.steps {
				var got int
				var ok bool
				switch s.do {
				case "put":
					m.Put(s.k, s.v)
					continue
				case "putfor":
					m.PutFor(s.k, s.v, s.ttl)
					continue
				case "wait":
					now = now.Add(s.ttl)
					continue
				case "get":
					got, ok = m.Get(s.k)
				case "take":
					got, ok = m.Take(s.k)
				case "add":
					ok = m.Add(s.k, s.v)
				case "removeif":
					ok = m.RemoveIf(s.k, func(v int) bool { return v == s.v })
				default:
					t.Fatalf("step %d: unknown %q", i, s.do)
				}
				if got != s.want || ok != s.ok {
					t.Errorf("step %d: %s %q = %d, %v; want %d, %v", i, s.do, s.k, got, ok, s.want, s.ok)
				}
			}
			if len(m.m) != m.ll.Len() || m.ll.Len() > max(tt.size, 1) {
				t.Errorf("map holds %d, list %d, bound %d", len(m.m), m.ll.Len(), tt.size)
			}
		})
	}
}

func TestNilClockIsTimeNow(t *testing.T) {
	m := New[int, string](1, time.Hour, nil)
	m.Put(1, "x")
	if v, ok := m.Get(1); !ok || v != "x" {
		t.Errorf("get = %q, %v", v, ok)
	}
}

// Concurrent claims on one key: exactly one Add wins; mixed calls on many keys
// keep the map and the list in step and within the bound (run with -race).
func TestConcurrent(t *testing.T) {
	for _, lru := range []bool{false, true} {
		t.Run(fmt.Sprintf("lru=%v", lru), func(t *testing.T) {
			const size, workers, rounds = 8, 8, 500
			m := New[string, int](size, time.Hour, nil)
			if lru {
				m = NewLRU[string, int](size, time.Hour, nil)
			}
			var wins sync.WaitGroup
			won := make(chan int, workers)
			for w := range workers {
				wins.Go(func() {
					if m.Add("claim", w) {
						won <- w
					}
				})
			}
			wins.Wait()
			close(won)
			if n := len(won); n != 1 {
				t.Fatalf("%d claims won, want 1", n)
			}

			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := range rounds {
						k := fmt.Sprint((w + i) % (2 * size))
						switch i % 5 {
						case 0:
							m.Put(k, i)
						case 1:
							m.Get(k)
						case 2:
							m.Add(k, i)
						case 3:
							m.Take(k)
						case 4:
							m.RemoveIf(k, func(v int) bool { return v%2 == 0 })
						}
					}
				})
			}
			wg.Wait()
			m.mu.Lock()
			defer m.mu.Unlock()
			if len(m.m) != m.ll.Len() || m.ll.Len() > size {
				t.Errorf("map holds %d, list %d, bound %d", len(m.m), m.ll.Len(), size)
			}
			for el := m.ll.Front(); el != nil; el = el.Next() {
				if m.m[el.Value.(*entry[string, int]).k] != el {
					t.Errorf("list entry %v not in the map", el.Value)
				}
			}
		})
	}
}
