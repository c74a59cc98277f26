package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
)

func inboxEntry(k bridge.ConvKey, seq uint64) bridge.InboxEntry {
	ev, _ := json.Marshal(map[string]any{"kind": "message", "text": fmt.Sprintf("q%d", seq)})
	return bridge.InboxEntry{Key: k, Seq: seq, At: time.Unix(1700000000, int64(seq)).UTC(), Event: ev}
}

func inboxSeqs(t testing.TB, s bridge.Inbox, k bridge.ConvKey) []uint64 {
	t.Helper()
	es, err := s.InboxEntries(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func sortedConvs(t testing.TB, s bridge.Inbox) []string {
	t.Helper()
	ks, err := s.InboxConvs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range ks {
		out = append(out, k.String())
	}
	slices.Sort(out)
	return out
}

// The inbox behaves alike on both stores, and on Redis a replica sees and
// drains what another wrote.
func TestInboxBehaviour(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			a, b := im.open(t)
			// Seqs beyond 2^53 keep their order and value (no float scores).
			big := uint64(1)<<62 + 1
			for _, e := range []bridge.InboxEntry{inboxEntry(key, big+2), inboxEntry(key, big), inboxEntry(odd, 5), inboxEntry(key, big+1)} {
				must(t, a.InboxPut(ctx, e))
			}
			if got, want := inboxSeqs(t, b, key), []uint64{big, big + 1, big + 2}; !slices.Equal(got, want) {
				t.Errorf("b sees %v, want %v", got, want)
			}
			if got := sortedConvs(t, b); !slices.Equal(got, []string{key.String(), odd.String()}) {
				t.Errorf("convs = %v", got)
			}
			es, _ := b.InboxEntries(ctx, odd)
			if want := inboxEntry(odd, 5); len(es) != 1 || es[0].Key != odd || !es[0].At.Equal(want.At) || !bytes.Equal(es[0].Event, want.Event) {
				t.Errorf("entry = %+v, want %+v", es, want)
			}
			must(t, b.InboxDone(ctx, key, big))
			must(t, b.InboxDone(ctx, key, 12345)) // unknown: no error
			must(t, b.InboxDone(ctx, odd, 5))
			if got := sortedConvs(t, a); !slices.Equal(got, []string{key.String()}) {
				t.Errorf("convs after odd's last done = %v", got)
			}
			// Putting (key, seq) again replaces the entry.
			e := inboxEntry(key, big+1)
			e.Event = json.RawMessage(`{"kind":"click"}`)
			must(t, a.InboxPut(ctx, e))
			if es, _ := b.InboxEntries(ctx, key); len(es) != 2 || string(es[0].Event) != `{"kind":"click"}` {
				t.Errorf("after a second put: %+v", es)
			}
			if es, err := a.InboxEntries(ctx, other); err != nil || len(es) != 0 {
				t.Errorf("entries of a conversation with none: %v %v", es, err)
			}
		})
	}
}

// Puts on one replica racing dones on the other never leave a conversation
// with entries out of the index, nor an empty one in it.
func TestInboxIndexUnderRaces(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			a, b := im.open(t)
			const convs, rounds = 8, 40
			var wg sync.WaitGroup
			for c := range convs {
				k := bridge.ConvKey{Platform: "web", User: fmt.Sprint("u", c)}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range uint64(rounds) {
						// a puts i+1 while b finishes i: the conversation
						// has one or two entries, never none.
						put := make(chan error, 1)
						go func() { put <- a.InboxPut(ctx, inboxEntry(k, i+1)) }()
						var err error
						if i > 0 {
							err = b.InboxDone(ctx, k, i)
						}
						if perr := <-put; perr != nil || err != nil {
							t.Error(perr, err)
							return
						}
					}
					if err := b.InboxDone(ctx, k, rounds); err != nil {
						t.Error(err)
					}
					if k.User == "u0" {
						return
					}
					// Leave one entry in every other conversation.
					if err := a.InboxPut(ctx, inboxEntry(k, 1000)); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			got := sortedConvs(t, b)
			if len(got) != convs-1 || slices.Contains(got, bridge.ConvKey{Platform: "web", User: "u0"}.String()) {
				t.Fatalf("convs = %v, want every one but u0", got)
			}
		})
	}
}

// On Redis: the keys share the {inbox} hash tag, never expire, and are gone
// when the inbox is empty.
func TestInboxKeyLayout(t *testing.T) {
	addr := needRedis(t)
	raw := rawClient(t, addr)
	p := newPrefix()
	s := openRedis(t, addr, p)
	must(t, s.InboxPut(ctx, inboxEntry(odd, 7)))
	conv, idx := p+"{inbox}:conv:"+odd.String(), p+"{inbox}:convs"
	for _, k := range []string{conv, idx} {
		if typ := raw.Type(ctx, k).Val(); typ != "hash" {
			t.Errorf("%s: type %q, want hash", k, typ)
		}
		if ttl := raw.PTTL(ctx, k).Val(); ttl != -1 {
			t.Errorf("%s: TTL %s, want none", k, ttl)
		}
	}
	if f := raw.HKeys(ctx, conv).Val(); !slices.Equal(f, []string{"00000000000000000007"}) {
		t.Errorf("entry fields = %v", f)
	}
	must(t, s.InboxDone(ctx, odd, 7))
	if n := raw.Exists(ctx, conv, idx).Val(); n != 0 {
		t.Errorf("%d inbox keys left after the last done", n)
	}
}

// countHook counts the round trips a client makes (a pipeline or MULTI is one).
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error { h.n.Add(1); return next(ctx, cmd) }
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error { h.n.Add(1); return next(ctx, cmds) }
}

// A put and a done are one round trip each (the done script once loaded).
func TestInboxOneRoundTripEach(t *testing.T) {
	addr := needRedis(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	h := &countHook{}
	c.AddHook(h)
	s, err := redisstore.Open(ctx, redisstore.Options{Client: c, Prefix: newPrefix()})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.InboxPut(ctx, inboxEntry(key, 1)))
	must(t, s.InboxDone(ctx, key, 1)) // loads the script
	for i := uint64(2); i < 12; i++ {
		h.n.Store(0)
		must(t, s.InboxPut(ctx, inboxEntry(key, i)))
		if n := h.n.Load(); n != 1 {
			t.Fatalf("InboxPut: %d round trips, want 1", n)
		}
		h.n.Store(0)
		must(t, s.InboxDone(ctx, key, i))
		if n := h.n.Load(); n != 1 {
			t.Fatalf("InboxDone: %d round trips, want 1", n)
		}
	}
}

// A value that does not decode is an error naming its key, not a silent skip.
func TestInboxValueThatDoesNotDecode(t *testing.T) {
	addr := needRedis(t)
	raw := rawClient(t, addr)
	p := newPrefix()
	s := openRedis(t, addr, p)
	must(t, s.InboxPut(ctx, inboxEntry(key, 1)))
	conv := p + "{inbox}:conv:" + key.String()
	raw.HSet(ctx, conv, "00000000000000000002", "not json")
	if _, err := s.InboxEntries(ctx, key); err == nil || !strings.Contains(err.Error(), conv) {
		t.Errorf("InboxEntries = %v, want an error naming %s", err, conv)
	}
	raw.HSet(ctx, p+"{inbox}:convs", "x", "{}")
	if _, err := s.InboxConvs(ctx); err == nil || !strings.Contains(err.Error(), "convs") {
		t.Errorf("InboxConvs = %v, want an error naming the index", err)
	}
}

// While Redis is unreachable a put fails within its context's deadline (the
// core then refuses the event), and works again afterwards.
func TestInboxOutage(t *testing.T) {
	addr := needRedis(t)
	px := startProxy(t, addr)
	s := openRedis(t, px.Addr, newPrefix())
	must(t, s.InboxPut(ctx, inboxEntry(key, 1)))
	px.SetDown(true)
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := s.InboxPut(cctx, inboxEntry(key, 2)); err == nil {
		t.Fatal("InboxPut during an outage succeeded")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("InboxPut took %s during the outage, want about its 300ms deadline", d)
	}
	px.SetDown(false)
	eventually(t, func() error { return s.InboxPut(ctx, inboxEntry(key, 3)) })
	if got := inboxSeqs(t, s, key); !slices.Equal(got, []uint64{1, 3}) {
		t.Errorf("entries = %v, want [1 3]", got)
	}
}

// One put and one done, as the core does per event, on Redis over loopback.
func BenchmarkInboxPutDone(b *testing.B) {
	s := openRedis(b, needRedis(b), newPrefix())
	e := inboxEntry(key, 1)
	b.ReportAllocs()
	for i := uint64(1); b.Loop(); i++ {
		e.Seq = i
		if err := s.InboxPut(ctx, e); err != nil {
			b.Fatal(err)
		}
		if err := s.InboxDone(ctx, key, i); err != nil {
			b.Fatal(err)
		}
	}
}
