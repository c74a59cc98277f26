package memstore_test

import (
	"bytes"
	"context"
	"path/filepath"
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
