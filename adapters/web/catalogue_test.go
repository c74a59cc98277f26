package webadapter

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/i18n"
)

// TestCatalogue checks that every web.* message the adapter uses exists and is
// translated into every shipped language.
func TestCatalogue(t *testing.T) {
	cat, err := i18n.New("", nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[i18n.MsgID]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	files, _ := filepath.Glob("*.go")
	used := map[i18n.MsgID]bool{}
	re := regexp.MustCompile(`"(web\.[a-z_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			switch m[1] {
			case "web.allowed_origins", "web.frame_ancestors": // config keys named in errors
				continue
			case "web.origin", "web.full", "web.relay": // keys of throttled log lines
				continue
			case "web.cookie": // the store's secret's name
				continue
			}
			used[i18n.MsgID(m[1])] = true
		}
	}
	if len(used) < 10 {
		t.Fatalf("found only %d message ids in the sources", len(used))
	}
	en := cat.Printer("en")
	for id := range used {
		if !known[id] {
			t.Errorf("%s is used but not in the catalogue", id)
			continue
		}
		for _, l := range []string{"zh", "ja"} {
			if got := cat.Printer(l).T(id); got == en.T(id) || got == "" {
				t.Errorf("%s has no %s translation (%q)", id, l, got)
			}
		}
	}
	for _, id := range cat.IDs() {
		if strings.HasPrefix(string(id), "web.") && !used[id] {
			t.Errorf("%s is in the catalogue but unused", id)
		}
	}
}
