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

// idleBytes plays n conversations through a core on the memory store as the
// bench's Slack users do (a first message, which gets the welcome and the
// answer, then a second message and its answer; each delivered with a
// delivery id, so dedupe claims are held), and returns the live heap each
// added, all conversations idle (answered, nothing in flight).
func idleBytes(t *testing.T, n int) float64 {
	t.Helper()
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := bridge.Config{Workers: 64, TranscriptTurns: 20}
	simConfig(&cfg)
	core, err := bridge.New(cfg, bridge.Deps{KM: &replayKM{Client: inProcessSim(t)}, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	a := newIdleAdapter()
	core.Register(a)
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = core.Shutdown(ctx)
		_ = st.Close(ctx)
	}()
	keys := make([]bridge.ConvKey, n)
	for i := range keys {
		keys[i] = idleKey(i)
	}
	// One conversation first: the FAQ lists and the catalogue are cached
	// before the measurement, as they are in a running bridge.
	play := func(keys []bridge.ConvKey, round, posts int) {
		const batch = 256
		for from := 0; from < len(keys); from += batch {
			part := keys[from:min(from+batch, len(keys))]
			for _, k := range part {
				ev := bridge.Message{Key: k, User: bridge.UserInfo{ID: k.User}, Text: "How do I reset my password?"}
				if err := core.Deliver(context.Background(), bridge.Delivery{ID: fmt.Sprintf("Ev%d%s", round, k.Channel), Event: ev}); err != nil {
					t.Fatal(err)
				}
			}
			a.wait(part, posts)
		}
	}
	play(keys[:1], 0, 2)
	play(keys[:1], 1, 1)
	before := liveHeap()
	play(keys[1:], 0, 2) // first contact: the welcome and the answer
	play(keys[1:], 1, 1) // a second question
	after := liveHeap()
	if f := os.Getenv("IDLEMEM_PROFILE"); f != "" {
		w, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		_ = pprof.Lookup("heap").WriteTo(w, 0)
		w.Close()
	}
	runtime.KeepAlive(keys)
	return float64(int64(after)-int64(before)) / float64(n-1)
}

// TestIdleConversationMemory measures what an idle conversation (one that has
// had its welcome and two answers, no socket open) costs in memory, core and
// memory store together.
func TestIdleConversationMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("plays 5,000 conversations")
	}
	const n = 5000
	per := idleBytes(t, n)
	t.Logf("%d idle conversations: %.0f bytes each (core + memory store)", n, per)
}
