package main

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

// TestRenderTextGolden renders every shared KM answer fixture (every msgType,
// flows, suggestions, welcome) as km ask prints it.
func TestRenderTextGolden(t *testing.T) {
	fixtures, err := fmttest.Load(filepath.Join("..", "..", "formatting", "testdata", "answers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		t.Run(f.Name, func(t *testing.T) {
			acts := newTextActions()
			m, _ := f.Message(formatting.Options{Tokens: acts.token, P: i18n.Printer{}})
			got := renderText(m, acts)
			path := filepath.Join("testdata", "text", f.Name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
			}
			if strings.Contains(got, "<nil") || strings.Contains(got, "%!") {
				t.Errorf("rendering leaks a Go artefact:\n%s", got)
			}
		})
	}
}

func TestRenderTextNeverPanics(t *testing.T) {
	// Nil blocks and empty parts render as nothing.
	m := formatting.Message{Blocks: []formatting.Block{
		(*formatting.Text)(nil), (*formatting.Buttons)(nil), (*formatting.Card)(nil), (*formatting.Products)(nil),
		(*formatting.Image)(nil), (*formatting.Select)(nil), (*formatting.Location)(nil), (*formatting.Audio)(nil),
		(*formatting.File)(nil), &formatting.Buttons{}, &formatting.Text{},
	}}
	if got := renderText(m, nil); got != "" {
		t.Errorf("got %q, want nothing", got)
	}
	m = formatting.Message{Blocks: []formatting.Block{
		&formatting.Buttons{Title: "Pick", Items: []formatting.Button{{Label: "A", Token: "unknown"}, {Label: "Docs", URL: "https://example.com"}}},
		&formatting.Divider{},
		&formatting.File{Name: "big.bin", URL: "https://example.com/big.bin", Size: 3 << 20},
	}}
	want := "Pick\n[A]\n[Docs] https://example.com\n\n----\n\nFile: big.bin (3.0 MB) <https://example.com/big.bin>\n"
	if got := renderText(m, nil); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
