package seedex_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// TestLoad checks the committed fixtures: all there, indexed, JSON once repaired.
func TestLoad(t *testing.T) {
	ex, err := seedex.Load(os.DirFS(fixtureDir))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[seedex.Kind]int{}
	seeds := map[string]int{}
	for _, e := range ex {
		kinds[e.Kind]++
		seeds[e.SeedNumber()]++
		if e.Line < 1 || e.EndLine < e.Line || e.Endpoint == "" {
			t.Errorf("%s: line %d–%d, endpoint %q", e.File, e.Line, e.EndLine, e.Endpoint)
		}
		if want := seedex.FileName(e.SeedNumber(), e.Line, e.Endpoint, e.Kind); e.File != want {
			t.Errorf("%s is named %s by its index entry", e.File, want)
		}
		if len(e.Repairs) > 0 && json.Valid(e.Text) {
			t.Errorf("%s: repaired, yet valid JSON as published", e.File)
		}
	}
	want := map[seedex.Kind]int{seedex.Request: 33, seedex.Response: 42, seedex.Failure: 15, seedex.Stream: 1, seedex.Structure: 2}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d %s examples, want %d", kinds[k], k, n)
		}
	}
	if len(ex) != 93 || len(seeds) != 5 {
		t.Errorf("%d examples from %d seeds, want 93 from 5", len(ex), len(seeds))
	}
	if got := seedex.Find(ex, "POST /v1/chat", seedex.Response, "001"); len(got) != 1 || got[0].Line != 746 {
		t.Errorf("Find: %+v", got)
	}
}
