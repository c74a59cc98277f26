package formatting_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
)

var update = flag.Bool("update", false, "rewrite golden files")

// modelDump is what a model golden file holds: the Message, the actions behind its
// tokens, and the error if any.
func modelDump(m formatting.Message, log *fmttest.TokenLog, err error) string {
	var b strings.Builder
	b.WriteString(formatting.Dump(m))
	if a := log.Dump(); a != "" {
		b.WriteString("--- actions ---\n")
		b.WriteString(a)
	}
	if err != nil {
		b.WriteString("--- error ---\n")
		b.WriteString(err.Error())
		b.WriteString("\n")
	}
	return b.String()
}

// golden compares got with testdata/golden/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestGoldenModel(t *testing.T) {
	fxs, err := fmttest.Load(filepath.Join("testdata", "answers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		t.Run(fx.Name, func(t *testing.T) {
			o, log := fmttest.Options(i18n.Printer{})
			m, err := fx.Message(o)
			golden(t, fx.Name+".model.golden", modelDump(m, log, err))
		})
	}
}
