package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var ctx = context.Background()

func open(t testing.TB, path string) *memstore.Store {
	t.Helper()
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	return s
}

var key = bridge.ConvKey{Platform: "slack", Workspace: "T1", Channel: "C1", Thread: "171.1"}

func TestCRUD(t *testing.T) {
	s := open(t, "")
	if _, ok, err := s.Session(ctx, key); ok || err != nil {
		t.Fatalf("empty store has a session: %v %v", ok, err)
	}
	sess := bridge.KMSession{ID: 42, Started: time.Unix(100, 0).UTC(), LastUsed: time.Unix(200, 0).UTC()}
	if err := s.PutSession(ctx, key, sess, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.Session(ctx, key); !ok || got != sess {
		t.Errorf("Session = %+v %v", got, ok)
	}
	act := bridge.StoredAction{Action: formatting.Action{Kind: formatting.ActHit, QuestionID: 7, Label: "Q"}, Key: key, Owner: "U1", SessionID: 42}
	if err := s.PutAction(ctx, "tok", act, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, ok, _ := s.Action(ctx, "tok"); !ok || got.Action.QuestionID != 7 || got.Owner != "U1" || got.Key != key {
		t.Errorf("Action = %+v %v", got, ok)
	}
	if err := s.PutAction(ctx, "", act, time.Hour); err == nil {
		t.Error("empty token accepted")
	}
	if r, _ := s.Rated(ctx, 9); r {
		t.Error("rated before MarkRated")
	}
	_ = s.MarkRated(ctx, 9, time.Hour)
	if r, _ := s.Rated(ctx, 9); !r {
		t.Error("not rated after MarkRated")
	}
	for i := range 5 {
		_ = s.AppendTurn(ctx, key, bridge.Turn{Role: bridge.RoleUser, Text: fmt.Sprint(i)}, 3, time.Hour)
	}
	tr, _ := s.Transcript(ctx, key)
	if len(tr) != 3 || tr[0].Text != "2" || tr[2].Text != "4" {
		t.Errorf("transcript = %+v, want the last 3", tr)
	}
	tr[0].Text = "changed"
	if tr2, _ := s.Transcript(ctx, key); tr2[0].Text != "2" {
		t.Error("Transcript returned the store's own slice")
	}
}

func TestTTL(t *testing.T) {
	s := open(t, "")
	_ = s.PutAction(ctx, "short", bridge.StoredAction{}, 20*time.Millisecond)
	_ = s.PutSession(ctx, key, bridge.KMSession{ID: 1}, 20*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, okA, _ := s.Action(ctx, "short")
		_, okS, _ := s.Session(ctx, key)
		if !okA && !okS {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("entries did not expire")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestSeenAtomic(t *testing.T) {
	s := open(t, "")
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seen, err := s.Seen(ctx, "delivery-1", time.Minute)
			if err == nil && !seen {
				firsts.Add(1)
			}
		}()
	}
	wg.Wait()
	if firsts.Load() != 1 {
		t.Errorf("%d callers saw the delivery first, want 1", firsts.Load())
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "kmbridge.snap")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	sess := bridge.KMSession{ID: 42, Started: time.Unix(100, 0).UTC(), LastUsed: time.Unix(200, 0).UTC()}
	_ = s.PutSession(ctx, key, sess, time.Hour)
	act := bridge.StoredAction{Action: formatting.Action{Kind: formatting.ActPage, Page: 2, Content: []byte(`{"a":1}`)}, Key: key, Owner: "U1", SessionID: 42}
	_ = s.PutAction(ctx, "live", act, time.Hour)
	_ = s.PutAction(ctx, "dying", act, 30*time.Millisecond)
	_ = s.PutAction(ctx, "forever", act, 0)
	_, _ = s.Seen(ctx, "d1", time.Hour)
	_ = s.MarkRated(ctx, 77, time.Hour)
	_ = s.AppendTurn(ctx, key, bridge.Turn{At: time.Unix(300, 0).UTC(), Role: bridge.RoleBot, Text: "hi"}, 10, time.Hour)
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Let "dying" expire on disk.
	time.Sleep(40 * time.Millisecond)

	r := open(t, path)
	if got, ok, _ := r.Session(ctx, key); !ok || got != sess {
		t.Errorf("session after reload = %+v %v", got, ok)
	}
	got, ok, _ := r.Action(ctx, "live")
	if !ok || got.Action.Page != 2 || string(got.Action.Content) != `{"a":1}` || got.Owner != "U1" {
		t.Errorf("action after reload = %+v %v", got, ok)
	}
	if _, ok, _ := r.Action(ctx, "dying"); ok {
		t.Error("expired action came back")
	}
	if _, ok, _ := r.Action(ctx, "forever"); !ok {
		t.Error("action without TTL lost")
	}
	if seen, _ := r.Seen(ctx, "d1", time.Hour); !seen {
		t.Error("seen delivery forgotten")
	}
	if rated, _ := r.Rated(ctx, 77); !rated {
		t.Error("rating forgotten")
	}
	if tr, _ := r.Transcript(ctx, key); len(tr) != 1 || tr[0].Text != "hi" {
		t.Errorf("transcript after reload = %+v", tr)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 2 || entries[0].Name() != "kmbridge.snap" || entries[1].Name() != "kmbridge.snap.inbox" {
		t.Errorf("files next to the snapshot: %v, want it and its inbox journal (temp file left?)", entries)
	}
}

func TestCorruptSnapshotMovedAside(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":   "this is not json",
		"truncated": `{"version":1,"sessions":[{"k":"a","v":{"id":1`,
		"version":   `{"version":99}`,
		"trailing":  `{"version":1} {"version":1}`,
		"types":     `{"version":1,"sessions":[{"k":"a","v":"nope"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "snap.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := memstore.Open(memstore.Options{Path: path})
			if !errors.Is(err, memstore.ErrCorruptSnapshot) || s == nil {
				t.Fatalf("Open = %v, %v; want a store and ErrCorruptSnapshot", s, err)
			}
			defer s.Close(ctx)
			if !strings.Contains(err.Error(), "moved to") {
				t.Errorf("error does not say where the file went: %v", err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("corrupt snapshot still in place: %v", err)
			}
			matches, _ := filepath.Glob(path + ".corrupt-*")
			if len(matches) != 1 {
				t.Errorf("moved-aside files: %v", matches)
			}
			// The store works, and the next start is clean.
			_ = s.PutSession(ctx, key, bridge.KMSession{ID: 5}, time.Hour)
			if err := s.Close(ctx); err != nil {
				t.Fatal(err)
			}
			r := open(t, path)
			if got, ok, _ := r.Session(ctx, key); !ok || got.ID != 5 {
				t.Errorf("after recovery: %+v %v", got, ok)
			}
		})
	}
}

func TestOpenUnreadablePath(t *testing.T) {
	dir := t.TempDir()
	// A directory where the file should be cannot be read as a snapshot.
	path := filepath.Join(dir, "snap")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := memstore.Open(memstore.Options{Path: path})
	if err == nil || s != nil || errors.Is(err, memstore.ErrCorruptSnapshot) {
		t.Fatalf("Open on a directory = %v, %v; want no store and a plain error", s, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the directory was moved: %v", err)
	}
}
