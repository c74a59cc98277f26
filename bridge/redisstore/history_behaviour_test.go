package redisstore_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
)

// The history and secrets both stores share (bridge.HistoryStore,
// bridge.SecretStore), run like TestBehaviour: a and b are two replicas.
var historyBehaviours = []behaviour{
	{"history ids, keep and replace", func(t *testing.T, a, b bridge.Store) {
		ha, hb := a.(bridge.HistoryStore), b.(bridge.HistoryStore)
		if es, err := ha.History(ctx, odd, 10); err != nil || len(es) != 0 {
			t.Fatalf("empty history = %+v, %v", es, err)
		}
		for i := 1; i <= 5; i++ {
			h := ha
			if i%2 == 0 {
				h = hb
			}
			id, err := h.AppendHistory(ctx, odd, []byte{0, byte(i), 0xff}, 3, time.Hour)
			if err != nil || id != uint64(i) {
				t.Fatalf("append %d = %d, %v", i, id, err)
			}
		}
		if id, err := hb.AppendHistory(ctx, key, []byte("k"), 3, time.Hour); err != nil || id != 1 {
			t.Errorf("another conversation starts at %d, %v", id, err)
		}
		es, err := hb.History(ctx, odd, 3)
		if err != nil || len(es) != 3 || es[0].ID != 3 || es[2].ID != 5 || !bytes.Equal(es[2].Data, []byte{0, 5, 0xff}) {
			t.Fatalf("History = %+v, %v; want entries 3..5, bytes intact", es, err)
		}
		if es, _ := ha.History(ctx, odd, 2); len(es) != 2 || es[0].ID != 4 {
			t.Errorf("History keep 2 = %+v", es)
		}
		if ok, err := hb.ReplaceHistory(ctx, odd, 4, []byte("four")); !ok || err != nil {
			t.Errorf("replace 4 = %v, %v", ok, err)
		}
		if ok, err := ha.ReplaceHistory(ctx, odd, 2, []byte("two")); ok || err != nil {
			t.Errorf("replace of a trimmed entry = %v, %v; want not found", ok, err)
		}
		if ok, err := ha.ReplaceHistory(ctx, other, 1, []byte("x")); ok || err != nil {
			t.Errorf("replace in no history = %v, %v", ok, err)
		}
		if es, _ := ha.History(ctx, odd, 10); len(es) != 3 || string(es[1].Data) != "four" {
			t.Errorf("after replace: %+v", es)
		}
	}},
	{"history ids are unique under racing appends", func(t *testing.T, a, b bridge.Store) {
		var wg sync.WaitGroup
		ids := make(chan uint64, 40)
		for i := range 40 {
			h := a.(bridge.HistoryStore)
			if i%2 == 1 {
				h = b.(bridge.HistoryStore)
			}
			wg.Go(func() {
				id, err := h.AppendHistory(ctx, key, []byte(fmt.Sprint(i)), 100, time.Hour)
				if err != nil {
					t.Error(err)
				}
				ids <- id
			})
		}
		wg.Wait()
		close(ids)
		seen := map[uint64]bool{}
		for id := range ids {
			if seen[id] || id < 1 || id > 40 {
				t.Errorf("id %d given twice or out of 1..40", id)
			}
			seen[id] = true
		}
	}},
	{"history expires after its last append", func(t *testing.T, a, b bridge.Store) {
		h := a.(bridge.HistoryStore)
		if _, err := h.AppendHistory(ctx, key, []byte("x"), 3, short); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * short)
		if es, _ := b.(bridge.HistoryStore).History(ctx, key, 3); len(es) != 0 {
			t.Errorf("expired history still there: %+v", es)
		}
		if id, _ := h.AppendHistory(ctx, key, []byte("y"), 3, time.Hour); id != 1 {
			t.Errorf("a new history after expiry starts at %d", id)
		}
	}},
	{"secrets", func(t *testing.T, a, b bridge.Store) {
		sa, sb := a.(bridge.SecretStore), b.(bridge.SecretStore)
		s1, err := sa.Secret(ctx, "web.cookie")
		if err != nil || len(s1) != 32 {
			t.Fatalf("Secret = %x, %v", s1, err)
		}
		s2, err := sb.Secret(ctx, "web.cookie")
		if err != nil || !bytes.Equal(s1, s2) {
			t.Errorf("the replicas' secrets differ: %x %x %v", s1, s2, err)
		}
		if s3, _ := sb.Secret(ctx, "other"); bytes.Equal(s3, s1) {
			t.Error("two names share a secret")
		}
		if _, err := sa.Secret(ctx, ""); err == nil {
			t.Error("a nameless secret")
		}
	}},
}

func TestHistoryBehaviour(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			for _, bh := range historyBehaviours {
				t.Run(bh.name, func(t *testing.T) {
					a, b := im.open(t)
					bh.run(t, a, b)
				})
			}
		})
	}
}
