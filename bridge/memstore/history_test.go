package memstore_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
)

// Histories and secrets survive a restart through the snapshot, ids going on
// where they stopped; expired histories do not come back.
func TestHistoryAndSecretInSnapshot(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.json")
	web := bridge.ConvKey{Platform: "web", Channel: "c", User: "c"}
	gone := bridge.ConvKey{Platform: "web", Channel: "g", User: "g"}
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a", "b", "c"} {
		if _, err := s.AppendHistory(ctx, web, []byte(d), 2, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendHistory(ctx, gone, []byte("x"), 2, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	secret, _ := s.Secret(ctx, "web.cookie")
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(40 * time.Millisecond)

	s2, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	es, _ := s2.History(ctx, web, 10)
	if len(es) != 2 || es[0].ID != 2 || string(es[1].Data) != "c" {
		t.Errorf("history after restart = %+v", es)
	}
	if id, _ := s2.AppendHistory(ctx, web, []byte("d"), 2, time.Hour); id != 4 {
		t.Errorf("next id after restart = %d, want 4", id)
	}
	if es, _ := s2.History(ctx, gone, 10); len(es) != 0 || s2.HistoryLen() != 1 {
		t.Errorf("an expired history came back: %+v", es)
	}
	if again, _ := s2.Secret(ctx, "web.cookie"); !bytes.Equal(again, secret) {
		t.Error("the secret changed across the restart")
	}
}

// The same answer in many web chats' histories is kept once: 2,000
// conversations holding one 4 KB answer each cost far less than 2,000 copies.
func TestHistorySharesEqualEntries(t *testing.T) {
	ctx := context.Background()
	s, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	answer := bytes.Repeat([]byte("How do I reset my password? "), 150) // 4.2 KB
	const n = 2000
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	for i := range n {
		k := bridge.ConvKey{Platform: "web", Channel: fmt.Sprint("c", i), User: fmt.Sprint("c", i)}
		if _, err := s.AppendHistory(ctx, k, answer, 20, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	per := float64(heap()-before) / n
	runtime.KeepAlive(s)
	t.Logf("%d histories of one %d-byte answer: %.0f bytes each", n, len(answer), per)
	if per > float64(len(answer))/4 {
		t.Errorf("%.0f bytes per history of one %d-byte answer: the answer is not shared", per, len(answer))
	}
	k := bridge.ConvKey{Platform: "web", Channel: "c7", User: "c7"}
	if es, _ := s.History(ctx, k, 20); len(es) != 1 || !bytes.Equal(es[0].Data, answer) {
		t.Errorf("history = %d entries", len(es))
	}
}
