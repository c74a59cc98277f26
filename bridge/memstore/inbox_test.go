package memstore_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

var keyB = bridge.ConvKey{Platform: "telegram", Channel: "42", User: "7"}

func entry(k bridge.ConvKey, seq uint64) bridge.InboxEntry {
	ev, _ := json.Marshal(map[string]any{"kind": "message", "text": fmt.Sprintf("q%d of %s", seq, k)})
	return bridge.InboxEntry{Key: k, Seq: seq, At: time.Unix(1700000000, int64(seq)).UTC(), Event: ev}
}

func mustPut(t testing.TB, s *memstore.Store, es ...bridge.InboxEntry) {
	t.Helper()
	for _, e := range es {
		if err := s.InboxPut(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(t testing.TB, s bridge.Inbox, k bridge.ConvKey) []uint64 {
	t.Helper()
	es, err := s.InboxEntries(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestInboxOrderAndDone(t *testing.T) {
	for name, path := range map[string]string{"memory only": "", "journal": filepath.Join(t.TempDir(), "s.json")} {
		t.Run(name, func(t *testing.T) {
			s := open(t, path)
			mustPut(t, s, entry(key, 3), entry(key, 1), entry(keyB, 9), entry(key, 2))
			if got := fmt.Sprint(seqs(t, s, key)); got != "[1 2 3]" {
				t.Errorf("entries of key = %s, want [1 2 3]", got)
			}
			if convs, _ := s.InboxConvs(ctx); len(convs) != 2 {
				t.Errorf("convs = %v", convs)
			}
			for _, d := range []struct {
				k bridge.ConvKey
				s uint64
			}{{key, 1}, {key, 77}, {keyB, 9}} {
				if err := s.InboxDone(ctx, d.k, d.s); err != nil {
					t.Fatal(err)
				}
			}
			if got := fmt.Sprint(seqs(t, s, key)); got != "[2 3]" {
				t.Errorf("after done: %s", got)
			}
			convs, _ := s.InboxConvs(ctx)
			if len(convs) != 1 || convs[0] != key {
				t.Errorf("convs after keyB's last done = %v, want only %v", convs, key)
			}
			es, _ := s.InboxEntries(ctx, key)
			if want := entry(key, 2); !es[0].At.Equal(want.At) || !bytes.Equal(es[0].Event, want.Event) || es[0].Key != key {
				t.Errorf("entry = %+v, want %+v", es[0], want)
			}
		})
	}
}

// kill -9: no snapshot, no compaction; every put that returned is there.
func TestInboxSurvivesCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, entry(key, 1), entry(key, 2), entry(keyB, 3))
	if err := s.InboxDone(ctx, key, 1); err != nil {
		t.Fatal(err)
	}
	memstore.Crash(s)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a snapshot was written: %v", err)
	}
	r := open(t, path)
	if got := fmt.Sprint(seqs(t, r, key), seqs(t, r, keyB)); got != "[2] [3]" {
		t.Fatalf("after the crash: %s, want [2] [3]", got)
	}
	es, _ := r.InboxEntries(ctx, key)
	if want := entry(key, 2); !bytes.Equal(es[0].Event, want.Event) || !es[0].At.Equal(want.At) {
		t.Errorf("entry after the crash = %+v", es[0])
	}
}

func journalLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path + ".inbox")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// Snapshot and Close rewrite the journal with the live entries only; writes
// after a compaction land in the new file.
func TestInboxCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	for i := uint64(1); i <= 100; i++ {
		mustPut(t, s, entry(key, i))
		if i != 50 {
			if err := s.InboxDone(ctx, key, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := journalLines(t, path); n != 199 {
		t.Fatalf("journal lines before compaction = %d, want 199", n)
	}
	if err := s.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if n := journalLines(t, path); n != 1 {
		t.Fatalf("journal lines after Snapshot = %d, want 1", n)
	}
	mustPut(t, s, entry(keyB, 7))
	memstore.Crash(s)
	r, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(seqs(t, r, key), seqs(t, r, keyB)); got != "[50] [7]" {
		t.Fatalf("after compaction and a crash: %s", got)
	}
	if err := r.InboxDone(ctx, keyB, 7); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := journalLines(t, path); n != 1 {
		t.Fatalf("journal lines after Close = %d, want 1", n)
	}
	if err := r.InboxPut(ctx, entry(key, 1)); err == nil {
		t.Fatal("InboxPut after Close succeeded")
	}
}

// A crash mid-write leaves a torn last record: it is skipped with a log line,
// the start succeeds, and later records are not glued to it.
func TestInboxTornLastRecord(t *testing.T) {
	good := func(t *testing.T) []byte {
		path := filepath.Join(t.TempDir(), "s.json")
		s, err := memstore.Open(memstore.Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		mustPut(t, s, entry(key, 1), entry(key, 2))
		memstore.Crash(s)
		b, err := os.ReadFile(path + ".inbox")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for name, tail := range map[string]func(last []byte) []byte{
		"cut mid-line":     func(last []byte) []byte { return last[:len(last)/2] },
		"cut before \\n":   func(last []byte) []byte { return last[:len(last)-1] },
		"bad checksum":     func(last []byte) []byte { return append([]byte("00000000"), last[8:]...) },
		"zeros":            func([]byte) []byte { return make([]byte, 300) },
		"checksum only":    func(last []byte) []byte { return last[:9] },
		"one byte of next": func(last []byte) []byte { return last[:1] },
	} {
		t.Run(name, func(t *testing.T) {
			b := good(t)
			cut := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
			torn := append(append([]byte(nil), b[:cut]...), tail(b[cut:])...)
			path := filepath.Join(t.TempDir(), "s.json")
			if err := os.WriteFile(path+".inbox", torn, 0o600); err != nil {
				t.Fatal(err)
			}
			log, buf := testlog.New()
			s, err := memstore.Open(memstore.Options{Path: path, Logger: log})
			if err != nil {
				t.Fatalf("Open with a torn journal: %v", err)
			}
			if !strings.Contains(buf.String(), "torn last record ignored") {
				t.Errorf("no log line for the torn record: %q", buf.String())
			}
			if got := fmt.Sprint(seqs(t, s, key)); got != "[1]" {
				t.Errorf("entries = %s, want [1]", got)
			}
			mustPut(t, s, entry(key, 3))
			memstore.Crash(s)
			log2, buf2 := testlog.New()
			r, err := memstore.Open(memstore.Options{Path: path, Logger: log2})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close(ctx)
			if got := fmt.Sprint(seqs(t, r, key)); got != "[1 3]" || buf2.String() != "" {
				t.Errorf("next start: entries %s (want [1 3]), log %q (want none)", got, buf2.String())
			}
		})
	}
}

// A bad record that is not the last is skipped and logged; the rest loads.
func TestInboxCorruptRecordSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, entry(key, 1), entry(key, 2), entry(key, 3))
	memstore.Crash(s)
	b, _ := os.ReadFile(path + ".inbox")
	lines := bytes.SplitAfter(b, []byte("\n"))
	lines[1] = []byte("deadbeef {\"op\":\"put\"}\n")
	if err := os.WriteFile(path+".inbox", bytes.Join(lines, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	log, buf := testlog.New()
	r, err := memstore.Open(memstore.Options{Path: path, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(ctx)
	if got := fmt.Sprint(seqs(t, r, key)); got != "[1 3]" {
		t.Errorf("entries = %s, want [1 3]", got)
	}
	if !strings.Contains(buf.String(), "corrupt record skipped") {
		t.Errorf("log = %q", buf.String())
	}
}

// Writes that arrive while one is being fsynced share the next fsync.
func TestInboxGroupCommit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 32, 20
	before := memstore.Commits(s)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := bridge.ConvKey{Platform: "web", User: fmt.Sprint(w)}
			for i := range uint64(each) {
				if err := s.InboxPut(ctx, entry(k, i+1)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	commits := memstore.Commits(s) - before
	t.Logf("%d puts in %d commits", writers*each, commits)
	if commits >= writers*each {
		t.Errorf("%d commits for %d puts: no grouping", commits, writers*each)
	}
	memstore.Crash(s)
	r := open(t, path)
	if n := r.InboxLen(); n != writers*each {
		t.Fatalf("after a crash: %d entries, want %d", n, writers*each)
	}
}

// A failed write is reported; the journal is rewritten from memory at the
// next write, which then succeeds; the failed entry is not in it.
func TestInboxWriteFailureRecovers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	log, buf := testlog.New()
	s, err := memstore.Open(memstore.Options{Path: path, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, entry(key, 1))
	memstore.BreakJournal(s)
	if err := s.InboxPut(ctx, entry(key, 2)); err == nil {
		t.Fatal("InboxPut on a broken journal succeeded")
	}
	mustPut(t, s, entry(key, 3))
	if !strings.Contains(buf.String(), "journal rewritten") {
		t.Errorf("log = %q", buf.String())
	}
	memstore.Crash(s)
	r := open(t, path)
	if got := fmt.Sprint(seqs(t, r, key)); got != "[1 3]" {
		t.Fatalf("entries = %s, want [1 3]", got)
	}
}

// Ping (readiness) repairs a journal a failed write broke, without waiting
// for the next event, and reports a closed store.
func TestPingRepairsJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, entry(key, 1))
	memstore.BreakJournal(s)
	if err := s.InboxPut(ctx, entry(key, 2)); err == nil {
		t.Fatal("InboxPut on a broken journal succeeded")
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after a failed write = %v, want the journal rewritten", err)
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping on a closed store = nil")
	}
	r := open(t, path)
	if got := fmt.Sprint(seqs(t, r, key)); got != "[1]" {
		t.Fatalf("entries = %s, want [1]", got)
	}
}

// One put and one done per event, as the bridge does, from many conversations
// at once: the cost of the journal's fsync per accepted event.
func BenchmarkInboxPutDone(b *testing.B) {
	for _, name := range []string{"memory", "journal"} {
		b.Run(name, func(b *testing.B) {
			path := ""
			if name == "journal" {
				path = filepath.Join(b.TempDir(), "s.json")
			}
			s := open(b, path)
			var n sync.Mutex
			next := 0
			b.SetParallelism(16) // conversations in flight per CPU
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				n.Lock()
				next++
				k := bridge.ConvKey{Platform: "web", User: fmt.Sprint(next)}
				n.Unlock()
				for i := uint64(1); pb.Next(); i++ {
					if err := s.InboxPut(ctx, entry(k, i)); err != nil {
						b.Fatal(err)
					}
					if err := s.InboxDone(ctx, k, i); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// A platform redelivers an event whose acknowledgement a crash cut off; the
// claim made for it before the crash must still be there, also when no
// snapshot was written since (Telegram polling, Slack retries after kill -9).
func TestDedupeClaimsSurviveCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	claim := func(s *memstore.Store, id string) bool {
		t.Helper()
		seen, err := s.Seen(ctx, id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return !seen
	}
	if !claim(s, "telegram:1") || !claim(s, "telegram:2") || !claim(s, "telegram:3") {
		t.Fatal("a first claim was refused")
	}
	if err := s.Forget(ctx, "telegram:2"); err != nil { // refused: released
		t.Fatal(err)
	}
	mustPut(t, s, entry(key, 1)) // the put's fsync carries the claims
	memstore.Crash(s)

	r := open(t, path)
	if claim(r, "telegram:1") || claim(r, "telegram:3") {
		t.Error("a claim made before the crash was lost: its redelivery would be answered again")
	}
	if !claim(r, "telegram:2") {
		t.Error("a released claim came back: its redelivery would be dropped")
	}
	// Once a snapshot holds them, the journal drops them and they still hold.
	if err := r.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path + ".inbox"); bytes.Contains(b, []byte(`"seen"`)) {
		t.Errorf("journal keeps claims a snapshot holds:\n%s", b)
	}
	memstore.Crash(r)
	r2 := open(t, path)
	if claim(r2, "telegram:1") || claim(r2, "telegram:2") {
		t.Error("claims lost after snapshot and crash")
	}
}

// An expired claim is not brought back by the journal.
func TestExpiredClaimsNotRestored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	s, err := memstore.Open(memstore.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seen(ctx, "slack:Ev1", time.Millisecond); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, entry(key, 1))
	memstore.Crash(s)
	time.Sleep(5 * time.Millisecond)
	r := open(t, path)
	if seen, _ := r.Seen(ctx, "slack:Ev1", time.Hour); seen {
		t.Error("an expired claim came back after the crash")
	}
}

// A removal does not wait for an fsync of its own: only puts are fsynced, and
// the removals ride along (or are written alone, without one).
func TestInboxDoneNeedsNoFsync(t *testing.T) {
	s, err := memstore.Open(memstore.Options{Path: filepath.Join(t.TempDir(), "s.json")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(ctx)
	before := memstore.Commits(s)
	const n = 50
	for i := uint64(1); i <= n; i++ {
		mustPut(t, s, entry(key, i))
		if err := s.InboxDone(ctx, key, i); err != nil {
			t.Fatal(err)
		}
		if got := seqs(t, s, key); len(got) != 0 {
			t.Fatalf("after InboxDone(%d): entries %v", i, got)
		}
	}
	if c := memstore.Commits(s) - before; c > n {
		t.Errorf("%d fsynced writes for %d puts and %d removals, want at most %d", c, n, n, n)
	}
}
