package memstore_test

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
)

// heap returns the live heap after a full collection.
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryPerIdleConversation measures what one idle conversation costs in the
// memory store: its KM session entry (the core keeps nothing else for an idle
// conversation: no goroutine, no queue). Run with -v to see the figure; skipped
// with -short.
func TestMemoryPerIdleConversation(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates ~300 MB")
	}
	const n = 1_000_000
	s, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	// Keys are built first so that only the store's own cost is measured, except
	// the key string, which the store keeps (ConvKey.String()).
	keys := make([]bridge.ConvKey, n)
	for i := range keys {
		id := strconv.Itoa(100_000_000 + i)
		keys[i] = bridge.DMKey("telegram", "", id, id)
	}
	now := time.Now()
	before := heap()
	for i, k := range keys {
		_ = s.PutSession(ctx, k, bridge.KMSession{ID: int64(450_000 + i), Started: now, LastUsed: now}, time.Hour)
	}
	after := heap()
	per := float64(after-before) / n
	t.Logf("memstore: %d idle conversations: %.1f MB, %.0f bytes per conversation (key %q, %d bytes)",
		n, float64(after-before)/(1<<20), per, keys[0].String(), len(keys[0].String()))
	if per > 1024 {
		t.Errorf("%.0f bytes per idle conversation; want under 1 KiB", per)
	}
	runtime.KeepAlive(keys)
}

// BenchmarkPutSession reports the cost of recording a conversation's session.
func BenchmarkPutSession(b *testing.B) {
	s, err := memstore.Open(memstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close(ctx)
	now := time.Now()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := bridge.DMKey("telegram", "", fmt.Sprint(i), fmt.Sprint(i))
		_ = s.PutSession(ctx, k, bridge.KMSession{ID: int64(i), Started: now, LastUsed: now}, time.Hour)
	}
}
