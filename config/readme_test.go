package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeYAML returns the README's YAML snippets with the line each starts on.
func readmeYAML(t *testing.T) (snippets []string, lines []int) {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	in, start := false, 0
	var cur []string
	for i, l := range strings.Split(string(b), "\n") {
		switch {
		case !in && strings.TrimSpace(l) == "```yaml":
			in, start, cur = true, i+2, nil
		case in && strings.TrimSpace(l) == "```":
			in = false
			snippets, lines = append(snippets, strings.Join(cur, "\n")+"\n"), append(lines, start)
		case in:
			cur = append(cur, l)
		}
	}
	if len(snippets) == 0 {
		t.Fatal("README.md has no YAML snippets")
	}
	return snippets, lines
}

// Every YAML snippet in the README loads (unknown keys are refused) and
// passes validation for every key it sets: a reader who copies one gets what
// it says, not a start-up error.
func TestREADMEYAMLSnippetsAreValid(t *testing.T) {
	snippets, lines := readmeYAML(t)
	// Enough of the rest that a snippet alone can be validated: a KM tenant.
	base := map[string]string{
		"KMBRIDGE_KM_BASE_URL": "https://km.example.com/api", "KMBRIDGE_KM_EMAIL": "ops@example.com",
		"KMBRIDGE_KM_TOKEN": "t", "KMBRIDGE_KM_ROBOT_ID": "1", "KMBRIDGE_KM_CHANNEL_ID": "2",
	}
	keyRe := regexp.MustCompile(`^(\s*)([a-z_]+):`)
	for i, snip := range snippets {
		t.Run(fmt.Sprintf("line %d", lines[i]), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "snippet.yaml")
			if err := os.WriteFile(path, []byte(snip), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, env(base))
			if err != nil {
				t.Fatalf("README.md line %d does not load: %v\n%s", lines[i], err, snip)
			}
			// The keys the snippet sets, as section.key.
			set := map[string]bool{}
			section := ""
			for _, l := range strings.Split(snip, "\n") {
				m := keyRe.FindStringSubmatch(l)
				if m == nil {
					continue
				}
				if m[1] == "" {
					section = m[2]
					continue
				}
				set[section+"."+m[2]] = true
			}
			err = cfg.Validate()
			if err == nil {
				return
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				key, _, _ := strings.Cut(strings.TrimSpace(line), " ")
				key, _, _ = strings.Cut(key, "[")
				key = strings.TrimSuffix(key, ":")
				if set[key] {
					t.Errorf("README.md line %d: %s", lines[i], strings.TrimSpace(line))
				}
			}
		})
	}
}

// The defaults in the README's configuration table are the code's.
func TestREADMEDefaultsAreTheCodes(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-z_]+\\.[a-z_]+)` \\| `([^`]*)` \\|")
	defaults := map[string]reflect.Value{}
	d := Defaults()
	walk(reflect.ValueOf(&d).Elem(), func(_, path string, f reflect.Value, _ reflect.StructField) { defaults[path] = f })
	checked := 0
	for _, l := range strings.Split(string(b), "\n") {
		m := row.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		key, doc := m[1], m[2]
		f, ok := defaults[key]
		if !ok {
			t.Errorf("README.md documents %s, which is not a key", key)
			continue
		}
		if strings.HasPrefix(doc, EnvPrefix) {
			// A "| key | env | meaning |" table: the variable must be the key's.
			if want := EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_")); doc != want {
				t.Errorf("README.md gives %s's variable as %s; it is %s", key, doc, want)
			}
			continue
		}
		if _, isKey := defaults[doc]; isKey {
			continue // "defaults to another key's value"
		}
		if got, ok := formatDefault(f); ok && !sameDefault(f, doc, got) {
			t.Errorf("README.md says %s defaults to %q; the code's default is %q", key, doc, got)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("only %d defaults found in README.md's table: has its format changed?", checked)
	}
}

// formatDefault renders a default the way the README writes it; ok is false
// for kinds the table does not state literally.
func formatDefault(f reflect.Value) (string, bool) {
	if f.Type() == reflect.TypeOf(Duration(0)) {
		return time.Duration(f.Int()).String(), true
	}
	switch f.Kind() {
	case reflect.String:
		return f.String(), true
	case reflect.Bool:
		return strconv.FormatBool(f.Bool()), true
	case reflect.Int, reflect.Int64:
		return strconv.FormatInt(f.Int(), 10), true
	case reflect.Pointer:
		if f.IsNil() {
			return "", false
		}
		return formatDefault(f.Elem())
	}
	return "", false
}

func sameDefault(f reflect.Value, doc, got string) bool {
	if f.Type() == reflect.TypeOf(Duration(0)) {
		dd, err := time.ParseDuration(doc)
		return err == nil && dd == time.Duration(f.Int())
	}
	return doc == got
}
