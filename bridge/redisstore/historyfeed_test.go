package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
)

// feedLog collects what a watcher was told, but for its probes (see watch).
type feedLog struct {
	mu    sync.Mutex
	got   []bridge.HistoryChange
	probe bridge.ConvKey
	seen  bool // the probe was seen
}

func (l *feedLog) add(c bridge.HistoryChange) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !c.Resync && c.Key == l.probe {
		l.seen = true
		return
	}
	l.got = append(l.got, c)
}

func (l *feedLog) all() []bridge.HistoryChange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]bridge.HistoryChange(nil), l.got...)
}

// watch runs s.WatchHistory until the test ends and waits until it gets the
// feed: probe (another Store value on the same prefix) appends to a
// conversation of its own until the watcher sees it.
func watch(t *testing.T, s, probe *redisstore.Store) *feedLog {
	t.Helper()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	l := &feedLog{probe: bridge.ConvKey{Platform: "web", Channel: "probe" + newPrefix()}}
	go func() { done <- s.WatchHistory(wctx, l.add) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("WatchHistory = %v", err)
		}
	})
	eventually(t, func() error {
		if _, err := probe.AppendHistory(ctx, l.probe, []byte("p"), 5, time.Minute); err != nil {
			return err
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		if !l.seen {
			return fmt.Errorf("the watcher has not seen the probe")
		}
		return nil
	})
	return l
}

// Every append and replace one replica makes reaches the others' watchers,
// once, in the order the ids were given, with the bytes intact; a replica is
// not told its own changes, and another prefix hears nothing.
func TestHistoryFeed(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	a, b := openRedis(t, addr, prefix), openRedis(t, addr, prefix)
	ep := newPrefix()
	atElsewhere := watch(t, openRedis(t, addr, ep), openRedis(t, addr, ep))
	atA, atB := watch(t, a, b), watch(t, b, a)

	k := bridge.ConvKey{Platform: "web", Channel: "c1"}
	data := []byte("line1\nline2\x00\xff")
	for i := 1; i <= 3; i++ {
		if id, err := a.AppendHistory(ctx, k, append([]byte(fmt.Sprint(i)), data...), 10, time.Hour); err != nil || id != uint64(i) {
			t.Fatalf("append %d = %d, %v", i, id, err)
		}
	}
	if id, err := b.AppendHistory(ctx, k, []byte("from b"), 10, time.Hour); err != nil || id != 4 {
		t.Fatalf("b's append = %d, %v", id, err)
	}
	if ok, err := a.ReplaceHistory(ctx, k, 2, []byte("two")); !ok || err != nil {
		t.Fatalf("replace = %v, %v", ok, err)
	}
	if ok, err := a.ReplaceHistory(ctx, k, 99, []byte("none")); ok || err != nil {
		t.Fatalf("replace of no entry = %v, %v", ok, err)
	}
	eventually(t, func() error {
		if n := len(atB.all()); n < 4 {
			return fmt.Errorf("b was told %d changes, want 4", n)
		}
		return nil
	})
	got := atB.all()
	want := []struct {
		id       uint64
		replaced bool
		data     string
	}{{1, false, "1" + string(data)}, {2, false, "2" + string(data)}, {3, false, "3" + string(data)}, {2, true, "two"}}
	if len(got) != len(want) {
		t.Fatalf("b was told %+v, want %d changes", got, len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Key != k || g.Entry.ID != w.id || g.Replaced != w.replaced || string(g.Entry.Data) != w.data || g.Resync {
			t.Errorf("change %d = %+v, want id %d replaced %v data %q", i, g, w.id, w.replaced, w.data)
		}
	}
	eventually(t, func() error {
		if n := len(atA.all()); n != 1 {
			return fmt.Errorf("a was told %d changes, want b's one", n)
		}
		return nil
	})
	if g := atA.all()[0]; g.Entry.ID != 4 || string(g.Entry.Data) != "from b" {
		t.Errorf("a was told %+v, want b's append", g)
	}
	time.Sleep(50 * time.Millisecond)
	if n := len(atA.all()); n != 1 {
		t.Errorf("a was told %d changes, want only b's: its own came back", n)
	}
	if got := atElsewhere.all(); len(got) != 0 {
		t.Errorf("a store on another prefix was told %+v", got)
	}
}

// A watcher whose connection is cut subscribes again by itself and says so
// (Resync), and then hears the changes made after.
func TestHistoryFeedResync(t *testing.T) {
	addr := needRedis(t)
	prefix := newPrefix()
	a, b := openRedis(t, addr, prefix), openRedis(t, addr, prefix)
	atB := watch(t, b, a)
	if err := rawClient(t, addr).Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	k := bridge.ConvKey{Platform: "web", Channel: "after"}
	eventually(t, func() error {
		var resync, heard bool
		for _, c := range atB.all() {
			resync = resync || c.Resync
			heard = heard || (resync && c.Key == k)
		}
		if !resync {
			return fmt.Errorf("no Resync yet: %+v", atB.all())
		}
		if !heard {
			if _, err := a.AppendHistory(ctx, k, []byte("x"), 10, time.Hour); err != nil {
				return err
			}
			return fmt.Errorf("nothing heard after the Resync")
		}
		return nil
	})
}
