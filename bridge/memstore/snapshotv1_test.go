package memstore_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// A version 1 snapshot (one JSON document) is still read: its sessions,
// transcripts and buttons' random tokens live on; the next snapshot is
// written as version 2 and reads back the same.
func TestSnapshotVersion1Read(t *testing.T) {
	path := filepath.Join(t.TempDir(), "snap.json")
	exp := strconv.FormatInt(time.Now().Add(time.Hour).UnixNano(), 10)
	v1 := `{"version":1,"saved_at":"2026-01-01T00:00:00Z",` +
		`"sessions":[{"k":"slack|T1|C1|171.1|","v":{"id":42,"st":"2026-01-01T00:00:00Z","lu":"2026-01-01T00:00:00Z"},"e":` + exp + `}],` +
		`"actions":[{"k":"tok-old","v":{"a":{"kind":"hit","qid":7},"k":{"platform":"slack"}},"e":` + exp + `}],` +
		`"seen":[{"k":"slack:Ev1","v":{},"e":` + exp + `}],"rated":[],` +
		`"transcripts":[{"k":"slack|T1|C1|171.1|","v":[{"at":"2026-01-01T00:00:00Z","r":"user","u":"U1","t":"hi"}],"e":` + exp + `}]}` + "\n"
	if err := os.WriteFile(path, []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		s := open(t, path)
		if got, ok, _ := s.Session(ctx, key); !ok || got.ID != 42 {
			t.Errorf("round %d: session %+v %v", round, got, ok)
		}
		if _, ok, _ := s.Action(ctx, "tok-old"); !ok {
			t.Errorf("round %d: the old token is gone", round)
		}
		if tr, _ := s.Transcript(ctx, key); len(tr) != 1 || tr[0].Text != "hi" || tr[0].User != "U1" {
			t.Errorf("round %d: transcript %+v", round, tr)
		}
		if seen, _ := s.Seen(ctx, "slack:Ev1", time.Hour); !seen {
			t.Errorf("round %d: the dedupe claim is gone", round)
		}
		if err := s.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
