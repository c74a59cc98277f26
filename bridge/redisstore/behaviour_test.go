package redisstore_test

// The behaviour both bridge.Store implementations must share, written once and run
// against memstore and redisstore, so the two are proven equivalent. Each case
// gets two stores a and b that share state: for memstore one store twice (one
// process is one replica), for redisstore two Stores with their own clients on
// one Redis and prefix (two replicas).

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/formatting"
)

type impl struct {
	name string
	open func(t *testing.T) (a, b bridge.Store)
}

var impls = []impl{
	{"memstore", func(t *testing.T) (bridge.Store, bridge.Store) {
		s, err := memstore.Open(memstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(ctx) })
		return s, s
	}},
	{"redisstore", func(t *testing.T) (bridge.Store, bridge.Store) {
		addr := needRedis(t)
		p := newPrefix()
		return openRedis(t, addr, p), openRedis(t, addr, p)
	}},
}

type behaviour struct {
	name string
	run  func(t *testing.T, a, b bridge.Store)
}

var (
	key   = bridge.ConvKey{Platform: "slack", Workspace: "T1", Channel: "C1", Thread: "171.1"}
	other = bridge.DMKey("telegram", "", "42", "42")
	// odd has the characters ConvKey.String escapes, and a Redis hash tag.
	odd = bridge.ConvKey{Platform: "web", Channel: "a|b%7C", User: "{u}:1"}
)

// short is the TTL of entries meant to expire during a test.
const short = 30 * time.Millisecond

var behaviours = []behaviour{
	{"session CRUD", func(t *testing.T, a, b bridge.Store) {
		if _, ok, err := a.Session(ctx, key); ok || err != nil {
			t.Fatalf("empty store has a session: %v %v", ok, err)
		}
		sess := bridge.KMSession{ID: 42, Started: time.Unix(100, 5).UTC(), LastUsed: time.Now()}
		must(t, a.PutSession(ctx, key, sess, time.Hour))
		got, ok, err := b.Session(ctx, key)
		if !ok || err != nil || !sameSession(got, sess) {
			t.Errorf("Session on b = %+v %v %v, want %+v", got, ok, err, sess)
		}
		sess.ID, sess.LastUsed = 43, sess.LastUsed.Add(time.Minute)
		must(t, b.PutSession(ctx, key, sess, time.Hour))
		if got, ok, _ := a.Session(ctx, key); !ok || !sameSession(got, sess) {
			t.Errorf("after overwrite: %+v %v", got, ok)
		}
		must(t, a.PutSession(ctx, odd, bridge.KMSession{ID: 7}, time.Hour))
		if got, ok, _ := b.Session(ctx, odd); !ok || got.ID != 7 {
			t.Errorf("escaped key: %+v %v", got, ok)
		}
		if _, ok, _ := a.Session(ctx, other); ok {
			t.Error("a session for a conversation never stored")
		}
	}},
	{"action minted on a, clicked on b", func(t *testing.T, a, b bridge.Store) {
		act := bridge.StoredAction{
			Action: formatting.Action{Kind: formatting.ActPage, Page: 2, MsgType: "show_product",
				Content: []byte(`{"a":[1,"x"]}`), LogID: 9_007_199_254_740_993, Label: "Next ▶"},
			Key: key, Owner: "U1", SessionID: 450_001,
		}
		must(t, putAction(a, ctx, "tok-1", act, time.Hour))
		got, ok, err := b.Action(ctx, "tok-1")
		if !ok || err != nil || !sameAction(got, act) {
			t.Errorf("Action on b = %+v %v %v, want %+v", got, ok, err, act)
		}
		if _, ok, err := b.Action(ctx, "never-issued"); ok || err != nil {
			t.Errorf("unknown token: %v %v", ok, err)
		}
		if _, ok, err := b.Action(ctx, ""); ok || err != nil {
			t.Errorf("empty token: %v %v", ok, err)
		}
		if err := putAction(a, ctx, "", act, time.Hour); err == nil {
			t.Error("empty token accepted")
		}
	}},
	{"seen", func(t *testing.T, a, b bridge.Store) {
		if seen, err := a.Seen(ctx, "slack:Ev1", time.Hour); seen || err != nil {
			t.Fatalf("first Seen = %v %v", seen, err)
		}
		if seen, err := b.Seen(ctx, "slack:Ev1", time.Hour); !seen || err != nil {
			t.Errorf("second Seen on b = %v %v", seen, err)
		}
		if seen, _ := b.Seen(ctx, "slack:Ev2", time.Hour); seen {
			t.Error("another id seen")
		}
	}},
	{"seen atomic under 50 goroutines on two replicas", func(t *testing.T, a, b bridge.Store) {
		var firsts, errs atomic.Int32
		var wg sync.WaitGroup
		for i := range 50 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Go(func() {
				seen, err := s.Seen(ctx, "telegram:1234", time.Minute)
				switch {
				case err != nil:
					errs.Add(1)
				case !seen:
					firsts.Add(1)
				}
			})
		}
		wg.Wait()
		if firsts.Load() != 1 || errs.Load() != 0 {
			t.Errorf("%d callers saw the delivery first (want 1), %d errors", firsts.Load(), errs.Load())
		}
	}},
	{"rated shared", func(t *testing.T, a, b bridge.Store) {
		if r, err := b.Rated(ctx, 9); r || err != nil {
			t.Fatalf("rated before MarkRated: %v %v", r, err)
		}
		must(t, a.MarkRated(ctx, 9, time.Hour))
		if r, err := b.Rated(ctx, 9); !r || err != nil {
			t.Errorf("not rated on b after MarkRated on a: %v %v", r, err)
		}
		if r, _ := b.Rated(ctx, 10); r {
			t.Error("another logId rated")
		}
		must(t, b.MarkRated(ctx, 9, time.Hour)) // again: harmless
		if r, _ := a.Rated(ctx, 9); !r {
			t.Error("second MarkRated unrated it")
		}
	}},
	{"transcript keeps the last max, oldest first, as a copy", func(t *testing.T, a, b bridge.Store) {
		if tr, err := a.Transcript(ctx, key); tr != nil || err != nil {
			t.Fatalf("empty transcript = %#v %v, want nil", tr, err)
		}
		at := time.Unix(1000, 0).UTC()
		for i := range 5 {
			must(t, a.AppendTurn(ctx, key, bridge.Turn{At: at.Add(time.Duration(i) * time.Second), Role: bridge.RoleUser, User: "U1", Text: fmt.Sprint(i)}, 3, time.Hour))
		}
		tr, err := b.Transcript(ctx, key)
		if err != nil || len(tr) != 3 || tr[0].Text != "2" || tr[2].Text != "4" {
			t.Fatalf("transcript = %+v %v, want the last 3", tr, err)
		}
		if !tr[0].At.Equal(at.Add(2*time.Second)) || tr[0].Role != bridge.RoleUser || tr[0].User != "U1" {
			t.Errorf("turn = %+v", tr[0])
		}
		tr[0].Text = "changed"
		if tr2, _ := b.Transcript(ctx, key); tr2[0].Text != "2" {
			t.Error("Transcript returned the store's own slice")
		}
		// A smaller max trims what is there; max < 1 keeps one turn.
		must(t, b.AppendTurn(ctx, key, bridge.Turn{Role: bridge.RoleBot, Text: "5"}, 2, time.Hour))
		if tr, _ := a.Transcript(ctx, key); texts(tr) != "4 5" {
			t.Errorf("after max 2: %q", texts(tr))
		}
		must(t, b.AppendTurn(ctx, key, bridge.Turn{Role: bridge.RoleNote, Text: bridge.NoteReset}, 0, time.Hour))
		if tr, _ := a.Transcript(ctx, key); texts(tr) != bridge.NoteReset {
			t.Errorf("after max 0: %q", texts(tr))
		}
		if tr, _ := a.Transcript(ctx, other); tr != nil {
			t.Errorf("another conversation's transcript = %+v", tr)
		}
	}},
	{"transcript appends from two replicas trimmed to max", func(t *testing.T, a, b bridge.Store) {
		concurrentAppends(t, a, b, 10)
	}},
	{"transcript appends from two replicas lose nothing", func(t *testing.T, a, b bridge.Store) {
		concurrentAppends(t, a, b, 1000)
	}},
	{"entries expire after their TTL; TTL 0 never", func(t *testing.T, a, b bridge.Store) {
		must(t, a.PutSession(ctx, key, bridge.KMSession{ID: 1}, short))
		must(t, putAction(a, ctx, "short", bridge.StoredAction{Key: key}, short))
		must(t, a.MarkRated(ctx, 1, short))
		must(t, a.AppendTurn(ctx, key, bridge.Turn{Text: "x"}, 5, short))
		must(t, a.PutSession(ctx, other, bridge.KMSession{ID: 2}, 0))
		must(t, putAction(a, ctx, "forever", bridge.StoredAction{Key: other}, 0))
		must(t, a.MarkRated(ctx, 2, 0))
		must(t, a.AppendTurn(ctx, other, bridge.Turn{Text: "y"}, 5, 0))
		eventually(t, func() error {
			_, okS, err1 := b.Session(ctx, key)
			_, okA, err2 := b.Action(ctx, "short")
			okR, err3 := b.Rated(ctx, 1)
			tr, err4 := b.Transcript(ctx, key)
			if err := errors.Join(err1, err2, err3, err4); err != nil {
				return err
			}
			if okS || okA || okR || tr != nil {
				return fmt.Errorf("still live: session %v, action %v, rated %v, transcript %d", okS, okA, okR, len(tr))
			}
			return nil
		})
		// The short entries are gone, so TTL 0 ones outlived a TTL.
		if _, ok, _ := b.Session(ctx, other); !ok {
			t.Error("session without TTL expired")
		}
		if _, ok, _ := b.Action(ctx, "forever"); !ok {
			t.Error("action without TTL expired")
		}
		if r, _ := b.Rated(ctx, 2); !r {
			t.Error("rating without TTL expired")
		}
		if tr, _ := b.Transcript(ctx, other); len(tr) != 1 {
			t.Error("transcript without TTL expired")
		}
	}},
	{"seen expires, then counts as new", func(t *testing.T, a, b bridge.Store) {
		if seen, _ := a.Seen(ctx, "d1", short); seen {
			t.Fatal("first Seen = true")
		}
		// Seen re-records once expired, so the poll ends on the first false.
		eventually(t, func() error {
			seen, err := b.Seen(ctx, "d1", short)
			if err != nil || seen {
				return fmt.Errorf("still seen: %v %v", seen, err)
			}
			return nil
		})
		if seen, _ := a.Seen(ctx, "d1", time.Hour); !seen {
			t.Error("not recorded again after expiry")
		}
	}},
	{"a later write replaces the TTL", func(t *testing.T, a, b bridge.Store) {
		// Written with a short TTL, then again without one / with a long one.
		must(t, a.PutSession(ctx, key, bridge.KMSession{ID: 1}, short))
		must(t, b.PutSession(ctx, key, bridge.KMSession{ID: 1}, 0))
		must(t, putAction(a, ctx, "t", bridge.StoredAction{}, short))
		must(t, putAction(b, ctx, "t", bridge.StoredAction{}, time.Hour))
		must(t, a.MarkRated(ctx, 5, short))
		must(t, b.MarkRated(ctx, 5, time.Hour))
		must(t, a.AppendTurn(ctx, key, bridge.Turn{Text: "1"}, 5, short))
		must(t, b.AppendTurn(ctx, key, bridge.Turn{Text: "2"}, 5, 0))
		// And the other way: a transcript expires ttl after its last append.
		must(t, a.AppendTurn(ctx, other, bridge.Turn{Text: "1"}, 5, time.Hour))
		must(t, b.AppendTurn(ctx, other, bridge.Turn{Text: "2"}, 5, short))
		// A sentinel written last with the short TTL: once it is gone, so would
		// the others be, had their TTL not been replaced.
		must(t, putAction(a, ctx, "sentinel", bridge.StoredAction{}, short))
		eventually(t, func() error {
			tr, err := b.Transcript(ctx, other)
			_, ok, err2 := b.Action(ctx, "sentinel")
			if err := errors.Join(err, err2); err != nil {
				return err
			}
			if ok || tr != nil {
				return fmt.Errorf("still live: sentinel %v, transcript %q", ok, texts(tr))
			}
			return nil
		})
		if _, ok, _ := a.Session(ctx, key); !ok {
			t.Error("session rewritten without TTL expired")
		}
		if _, ok, _ := a.Action(ctx, "t"); !ok {
			t.Error("action rewritten with 1h expired")
		}
		if r, _ := a.Rated(ctx, 5); !r {
			t.Error("rating rewritten with 1h expired")
		}
		if tr, _ := a.Transcript(ctx, key); texts(tr) != "1 2" {
			t.Errorf("transcript appended without TTL = %q", texts(tr))
		}
	}},
	{"sub-millisecond TTL still expires", func(t *testing.T, a, b bridge.Store) {
		must(t, putAction(a, ctx, "tiny", bridge.StoredAction{}, time.Microsecond))
		eventually(t, func() error {
			if _, ok, err := b.Action(ctx, "tiny"); ok || err != nil {
				return fmt.Errorf("still live: %v %v", ok, err)
			}
			return nil
		})
	}},
}

// TestBehaviour runs every behaviour against every implementation.
func TestBehaviour(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			for _, bh := range slices.Concat(behaviours, buttonBehaviours) {
				t.Run(bh.name, func(t *testing.T) {
					a, b := im.open(t)
					bh.run(t, a, b)
				})
			}
		})
	}
}

// concurrentAppends has one writer on a and one on b append 50 turns each to one
// transcript while a reader watches it never exceed max; then the transcript holds
// the last min(max, 100) turns, each writer's in its own order.
func concurrentAppends(t *testing.T, a, b bridge.Store, max int) {
	const per = 50
	done := make(chan struct{})
	var readerErr error
	var rwg sync.WaitGroup
	rwg.Go(func() {
		for {
			tr, err := a.Transcript(ctx, key)
			if err == nil && len(tr) > max {
				err = fmt.Errorf("transcript of %d turns seen, max %d", len(tr), max)
			}
			if err != nil {
				readerErr = err
				return
			}
			select {
			case <-done:
				return
			default:
			}
		}
	})
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for w, s := range []bridge.Store{a, b} {
		wg.Go(func() {
			for i := range per {
				if err := s.AppendTurn(ctx, key, bridge.Turn{Role: bridge.RoleUser, User: fmt.Sprint(w), Text: fmt.Sprintf("%d-%02d", w, i)}, max, time.Hour); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	close(done)
	rwg.Wait()
	if err := errors.Join(append(errs, readerErr)...); err != nil {
		t.Fatal(err)
	}
	tr, err := b.Transcript(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if want := min(max, 2*per); len(tr) != want {
		t.Fatalf("transcript has %d turns, want %d", len(tr), want)
	}
	last := map[string]string{}
	for _, turn := range tr {
		if prev, ok := last[turn.User]; ok && turn.Text <= prev {
			t.Fatalf("writer %s's turns out of order: %q", turn.User, texts(tr))
		}
		last[turn.User] = turn.Text
	}
	// The newest turns survive the trim: the last is a writer's last append, and
	// untrimmed, both writers' turns are all there.
	if end := tr[len(tr)-1].Text; !strings.HasSuffix(end, fmt.Sprintf("-%02d", per-1)) {
		t.Errorf("last turn %q is no writer's last append", end)
	}
	if max >= 2*per {
		for w := range 2 {
			if last[fmt.Sprint(w)] != fmt.Sprintf("%d-%02d", w, per-1) {
				t.Errorf("writer %d's turns lost: %q", w, texts(tr))
			}
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func texts(tr []bridge.Turn) string {
	s := make([]string, len(tr))
	for i, turn := range tr {
		s[i] = turn.Text
	}
	return strings.Join(s, " ")
}

// sameSession compares instants, not time.Time representations: Redis returns
// times decoded from JSON (no monotonic reading, a fixed zone).
func sameSession(x, y bridge.KMSession) bool {
	return x.ID == y.ID && x.Started.Equal(y.Started) && x.LastUsed.Equal(y.LastUsed)
}

func sameAction(x, y bridge.StoredAction) bool { return reflect.DeepEqual(x, y) }
