package bridge_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// replayKM answers like the simulator without its per-session state, which
// would count in the measurement: the first initClient and chat go to the
// simulator, later ones get copies of their responses with new ids.
type replayKM struct {
	*kmclient.Client
	mu   sync.Mutex
	init *kmclient.InitClientResponse
	ans  *kmclient.Answer
	ids  int64
}

func (k *replayKM) InitClient(ctx context.Context, req kmclient.InitClientRequest) (*kmclient.InitClientResponse, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.init == nil {
		r, err := k.Client.InitClient(ctx, req)
		if err != nil {
			return nil, err
		}
		k.init = r
	}
	k.ids++
	r := *k.init
	r.SessionID, r.LogID = kmclient.ID(1_000_000+k.ids), kmclient.ID(5_000_000+k.ids)
	return &r, nil
}

func (k *replayKM) Chat(ctx context.Context, req kmclient.ChatRequest) (*kmclient.Answer, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ans == nil {
		a, err := k.Client.Chat(ctx, req)
		if err != nil {
			return nil, err
		}
		k.ans = a
	}
	k.ids++
	a := *k.ans
	a.SessionID, a.LogID = req.SessionID, kmclient.ID(5_000_000+k.ids)
	return &a, nil
}

// idleAdapter plays a Slack-like platform for the idle-memory measurement: it
// counts sends per conversation and keeps nothing.
type idleAdapter struct {
	mu   sync.Mutex
	sent map[bridge.ConvKey]int
	cond *sync.Cond
}

func newIdleAdapter() *idleAdapter {
	a := &idleAdapter{sent: map[bridge.ConvKey]int{}}
	a.cond = sync.NewCond(&a.mu)
	return a
}

func (a *idleAdapter) Name() string                  { return "slack" }
func (a *idleAdapter) Run(ctx context.Context) error { <-ctx.Done(); return nil }
func (a *idleAdapter) Send(_ context.Context, to bridge.ConvKey, _ formatting.Message) (bridge.MsgRef, error) {
	a.mu.Lock()
	a.sent[to]++
	a.mu.Unlock()
	a.cond.Broadcast()
	return bridge.MsgRef{Key: to, ID: "1"}, nil
}

// wait blocks until every key has had n sends, then forgets the counts.
func (a *idleAdapter) wait(keys []bridge.ConvKey, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, k := range keys {
		for a.sent[k] < n {
			a.cond.Wait()
		}
	}
	clear(a.sent)
}

// idleKey is the i-th conversation: a Slack DM as the bench makes them.
func idleKey(i int) bridge.ConvKey {
	return bridge.DMKey("slack", "T0BENCH01", fmt.Sprintf("D%08d", i), fmt.Sprintf("U%08d", i))
}

// liveHeap is the heap in use after two full collections.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idlePlay is n conversations through a core on the memory store, played as
// the bench's Slack users are: each message waits for its answer.
type idlePlay struct {
	t    *testing.T
	core *bridge.Core
	st   *memstore.Store
	a    *idleAdapter
	keys []bridge.ConvKey
	ids  bool // deliveries carry an id, so dedupe claims are held
	n    int  // rounds played
}

func newIdlePlay(t *testing.T, n int, ids bool, turns int) *idlePlay {
	t.Helper()
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := bridge.Config{Workers: 64, TranscriptTurns: turns}
	simConfig(&cfg)
	core, err := bridge.New(cfg, bridge.Deps{KM: &replayKM{Client: inProcessSim(t)}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	a := newIdleAdapter()
	core.Register(a)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = core.Shutdown(ctx)
		_ = st.Close(ctx)
	})
	p := &idlePlay{t: t, core: core, st: st, a: a, keys: make([]bridge.ConvKey, n), ids: ids}
	for i := range p.keys {
		p.keys[i] = idleKey(i)
	}
	return p
}

// round has keys each ask a question and waits for posts sends each.
func (p *idlePlay) round(keys []bridge.ConvKey, posts int) {
	p.n++
	const batch = 256
	for from := 0; from < len(keys); from += batch {
		part := keys[from:min(from+batch, len(keys))]
		for _, k := range part {
			ev := bridge.Message{Key: k, User: bridge.UserInfo{ID: k.User}, Text: "How do I reset my password?"}
			d := bridge.Delivery{Event: ev}
			if p.ids {
				d.ID = fmt.Sprintf("Ev%d%s", p.n, k.Channel)
			}
			if err := p.core.Deliver(context.Background(), d); err != nil {
				p.t.Fatal(err)
			}
		}
		p.a.wait(part, posts)
	}
}

// idleBytes plays n conversations (a first message, which gets the welcome
// and the answer, then a second message and its answer), and returns the
// live heap each added, all conversations idle (answered, nothing in flight).
// With ids, each delivery's dedupe claim is held (for Config.DedupeTTL).
func idleBytes(t *testing.T, n int, ids bool) float64 {
	t.Helper()
	p := newIdlePlay(t, n, ids, 20)
	// One conversation first: the FAQ lists and the catalogue are cached
	// before the measurement, as they are in a running bridge.
	p.round(p.keys[:1], 2)
	p.round(p.keys[:1], 1)
	before := liveHeap()
	p.round(p.keys[1:], 2) // first contact: the welcome and the answer
	p.round(p.keys[1:], 1) // a second question
	after := liveHeap()
	if f := os.Getenv("IDLEMEM_PROFILE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		_ = pprof.Lookup("heap").WriteTo(w, 0)
		w.Close()
	}
	runtime.KeepAlive(p)
	return float64(int64(after)-int64(before)) / float64(n-1)
}

// TestIdleConversationMemory measures what an idle conversation (one that has
// had its welcome and two answers, no socket open) costs in memory, core and
// memory store together: at most 512 bytes (issue #14). The dedupe claims of
// its two deliveries are reported apart: they are per delivery, held for
// Config.DedupeTTL, not per conversation.
//
//	go test -run TestIdleConversationMemory -v ./bridge/
func TestIdleConversationMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 5,000 conversations")
	}
	const n = 5000
	per := idleBytes(t, n, false)
	withClaims := idleBytes(t, n, true)
	t.Logf("%d idle conversations: %.0f bytes each (core + memory store); %.0f with the dedupe claims of their 2 deliveries", n, per, withClaims)
	if per > 512 {
		t.Errorf("an idle conversation costs %.0f bytes, want at most 512", per)
	}
}
