package memstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmbridge/kmbridge/bridge/memstore"
)

// FuzzOpenSnapshot: whatever the snapshot file holds, Open never panics and
// either loads it or reports ErrCorruptSnapshot with a usable store.
func FuzzOpenSnapshot(f *testing.F) {
	f.Add([]byte(`{"version":1,"saved_at":"2026-01-01T00:00:00Z","sessions":[{"k":"a","v":{"id":1,"st":"2026-01-01T00:00:00Z","lu":"2026-01-01T00:00:00Z"},"e":99999999999999999}],"actions":[{"k":"t","v":{"a":{"k":"hit","qid":7},"k":{"Platform":"x"}}}],"seen":[{"k":"d","v":{}}],"rated":[],"transcripts":[{"k":"a","v":[{"at":"2026-01-01T00:00:00Z","r":"user","t":"hi"}]}]}`))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"sessions":null,"actions":[{"k":"t","v":null,"e":-5}]}`))
	f.Add([]byte(``))
	f.Add([]byte(`[]`))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "snap")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := memstore.Open(memstore.Options{Path: path})
		if err != nil && !errors.Is(err, memstore.ErrCorruptSnapshot) {
			t.Fatalf("Open: %v", err)
		}
		if s == nil {
			t.Fatal("no store")
		}
		if err := s.Close(ctx); err != nil {
			t.Fatalf("Close: %v", err)
		}
	})
}
