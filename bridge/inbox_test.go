package bridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// Shutdown cut short leaves what it did not answer in the inbox, and says so
// once, with counts.
func TestShutdownLeavesTheRestInInbox(t *testing.T) {
	km := newFakeKM()
	km.block = newGate().block
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, buf := testlog.New()
	core, err := bridge.New(testConfig(), bridge.Deps{KM: km, Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	core.Register(bridgetest.New("test"))
	for _, m := range []bridge.Event{msg(annDM, ann, "stuck"), msg(annDM, ann, "queued"), msg(bobDM, bob, "stuck too")} {
		mustHandle(t, core, m)
	}
	bridgetest.Eventually(t, wait, func() error {
		if n := len(km.Calls("chat")); n != 2 {
			return errors.New("KM not called for both conversations yet")
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := core.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want a deadline error", err)
	}
	if n := st.InboxLen(); n != 3 {
		t.Errorf("inbox holds %d entries after the cut, want 3", n)
	}
	out := buf.String()
	if !strings.Contains(out, "left in inbox") || !strings.Contains(out, "events=3 conversations=2") || strings.Contains(out, "dropped") {
		t.Errorf("log = %s", out)
	}
}

// Replay comes once, before any event.
func TestReplayOnlyFirst(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	if n, err := e.core.Replay(context.Background()); n != 0 || err != nil {
		t.Fatalf("Replay on an empty inbox = %d, %v", n, err)
	}
	if _, err := e.core.Replay(context.Background()); err == nil {
		t.Error("a second Replay was allowed")
	}
	f := newEnv(t, newFakeKM(), envOpt{})
	mustHandle(t, f.core, msg(annDM, ann, "hi"))
	if _, err := f.core.Replay(context.Background()); err == nil {
		t.Error("Replay after an event was allowed")
	}
}

// Replay keeps the entries of a platform with no adapter for a later start,
// and removes, with an error log, an entry it cannot read.
func TestReplayKeepsUnroutableDropsUnreadable(t *testing.T) {
	st, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	gone := bridge.DMKey("gone", "", "c", "u")
	ctx := context.Background()
	ev, _ := json.Marshal(map[string]any{"kind": "message", "key": gone, "text": "hi"})
	for _, e := range []bridge.InboxEntry{
		{Key: gone, Seq: 1, Event: ev},
		{Key: annDM, Seq: 2, Event: json.RawMessage(`{"kind":"telepathy"}`)},
	} {
		if err := st.InboxPut(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	log, buf := testlog.New()
	core, err := bridge.New(testConfig(), bridge.Deps{KM: newFakeKM(), Store: st, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	core.Register(bridgetest.New("test"))
	t.Cleanup(func() { _ = core.Shutdown(ctx) })
	if n, err := core.Replay(ctx); n != 0 || err != nil {
		t.Fatalf("Replay = %d, %v", n, err)
	}
	if es, _ := st.InboxEntries(ctx, gone); len(es) != 1 {
		t.Errorf("entries of the platform with no adapter: %v, want kept", es)
	}
	if es, _ := st.InboxEntries(ctx, annDM); len(es) != 0 {
		t.Errorf("unreadable entry kept: %v", es)
	}
	if out := buf.String(); !strings.Contains(out, "cannot be read; removed") || !strings.Contains(out, "no adapter for the platform") {
		t.Errorf("log = %s", out)
	}
}
