package bridge_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// handlerTransport calls an http.Handler in-process: no sockets.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	t.h.ServeHTTP(w, r)
	res := w.Result()
	res.Request = r
	return res, nil
}

// signalAdapter signals every Send on a channel per conversation.
type signalAdapter struct {
	sent map[bridge.ConvKey]chan struct{}
	n    atomic.Int64
}

func (a *signalAdapter) Name() string                  { return "bench" }
func (a *signalAdapter) Run(ctx context.Context) error { <-ctx.Done(); return nil }
func (a *signalAdapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	a.n.Add(1)
	a.sent[to] <- struct{}{}
	return bridge.MsgRef{Key: to, ID: "1"}, nil
}

func benchCore(b *testing.B, km bridge.KM, convs int) (*bridge.Core, *signalAdapter, []bridge.ConvKey) {
	b.Helper()
	return benchCoreOn(b, km, convs, memstore.Options{})
}

// benchCoreOn is benchCore on a memory store opened with opts.
func benchCoreOn(b *testing.B, km bridge.KM, convs int, opts memstore.Options) (*bridge.Core, *signalAdapter, []bridge.ConvKey) {
	b.Helper()
	st, err := memstore.Open(opts)
	if err != nil {
		b.Fatal(err)
	}
	cfg := bridge.Config{Workers: 64}
	simConfig(&cfg)
	core, err := bridge.New(cfg, bridge.Deps{KM: km, Store: st})
	if err != nil {
		b.Fatal(err)
	}
	a := &signalAdapter{sent: map[bridge.ConvKey]chan struct{}{}}
	keys := make([]bridge.ConvKey, convs)
	for i := range keys {
		keys[i] = bridge.DMKey("bench", "", fmt.Sprint("c", i), fmt.Sprint(i+1))
		a.sent[keys[i]] = make(chan struct{}, 16)
	}
	core.Register(a)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = core.Shutdown(ctx)
	})
	// First contact (welcome + answer) outside the measurement.
	for i, k := range keys {
		if err := core.Handle(context.Background(), bridge.Message{Key: k, User: bridge.UserInfo{ID: fmt.Sprint(i + 1)}, Text: "hello"}); err != nil {
			b.Fatal(err)
		}
		<-a.sent[k]
		<-a.sent[k]
	}
	return core, a, keys
}

func inProcessSim(b testing.TB) *kmclient.Client {
	sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{MaxCalls: -1})
	km, err := kmclient.New(kmclient.Config{
		BaseURL: "http://kmsim.invalid/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: handlerTransport{sim}},
	})
	if err != nil {
		b.Fatal(err)
	}
	return km
}

// BenchmarkMessage is one user message through the core, answered by the
// simulator in-process (kmclient → handler, no sockets): Handle, queue, worker,
// session lookup, KM chat (request signing, JSON both ways, the simulator's
// matching), FromKM, action tokens stored, Send.
func BenchmarkMessage(b *testing.B) { benchSerial(b, inProcessSim(b), memstore.Options{}) }

// BenchmarkMessageCoreOnly is the same with an in-memory fake KM: the core's own
// cost per message.
func BenchmarkMessageCoreOnly(b *testing.B) { benchSerial(b, newFakeKM(), memstore.Options{}) }

// benchSerial sends one conversation's messages one at a time, each after the
// previous one's answer.
func benchSerial(b *testing.B, km bridge.KM, opts memstore.Options) {
	core, a, keys := benchCoreOn(b, km, 1, opts)
	k := keys[0]
	ev := bridge.Message{Key: k, User: bridge.UserInfo{ID: "1"}, Text: "How do I reset my password?"}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := core.Handle(context.Background(), ev); err != nil {
			b.Fatal(err)
		}
		<-a.sent[k]
	}
}

// BenchmarkMessageParallel spreads messages over 64 conversations in flight at
// once (throughput rather than latency), against the in-process simulator.
func BenchmarkMessageParallel(b *testing.B) {
	benchParallel(b, inProcessSim(b), memstore.Options{}, 1)
}

// benchParallel runs messages on 64 conversations, GOMAXPROCS×par of them in
// flight at once.
func benchParallel(b *testing.B, km bridge.KM, opts memstore.Options, par int) {
	const convs = 64
	core, a, keys := benchCoreOn(b, km, convs, opts)
	var next atomic.Int64
	b.SetParallelism(par)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(1)-1) % convs
		k := keys[i]
		ev := bridge.Message{Key: k, User: bridge.UserInfo{ID: fmt.Sprint(i + 1)}, Text: "What is the Wi-Fi password?"}
		for pb.Next() {
			if err := core.Handle(context.Background(), ev); err != nil {
				b.Error(err)
				return
			}
			<-a.sent[k]
		}
	})
}

// BenchmarkMessageJournaled is BenchmarkMessageCoreOnly with the memory
// store's inbox journal on disk: each message waits for one fsynced write
// before Handle returns, and its removal for another. That is the durable
// inbox's cost per message on this disk.
func BenchmarkMessageJournaled(b *testing.B) {
	benchSerial(b, newFakeKM(), memstore.Options{Path: filepath.Join(b.TempDir(), "state.json")})
}

// BenchmarkMessageJournaledParallel is journaled messages with all 64
// conversations in flight: group commit shares each fsync among them.
func BenchmarkMessageJournaledParallel(b *testing.B) {
	opts := memstore.Options{Path: filepath.Join(b.TempDir(), "state.json")}
	benchParallel(b, newFakeKM(), opts, 64/runtime.GOMAXPROCS(0))
}
