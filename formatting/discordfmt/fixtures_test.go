package discordfmt

import (
	"path/filepath"
	"testing"

	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
)

// TestKMFixtures renders every shared KM answer fixture through formatting.FromKM
// (tokens "tok1", "tok2", … in order) and compares with testdata/golden/km_<name>.golden.
func TestKMFixtures(t *testing.T) {
	fixtures, err := fmttest.Load(filepath.Join("..", "testdata", "answers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		t.Run(f.Name, func(t *testing.T) {
			o, _ := fmttest.Options(i18n.Printer{})
			m, err := f.Message(o)
			if err != nil {
				t.Logf("FromKM: %v (malformed fixtures still give what could be shown)", err)
			}
			msgs := renderValid(t, m)
			if len(msgs) == 0 && !m.IsEmpty() {
				t.Errorf("non-empty message rendered as nothing")
			}
			golden(t, "km_"+f.Name, msgs)
		})
	}
}
