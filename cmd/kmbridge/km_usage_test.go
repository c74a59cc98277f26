package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// commandPaths is every level of the km command tree, and check.
func commandPaths() [][]string {
	return [][]string{
		{"km"},
		{"km", "ask"},
		{"km", "faq"},
		{"km", "faq", "search"}, {"km", "faq", "get"}, {"km", "faq", "create"}, {"km", "faq", "update"}, {"km", "faq", "delete"},
		{"km", "similar"},
		{"km", "similar", "list"}, {"km", "similar", "add"}, {"km", "similar", "update"}, {"km", "similar", "delete"},
		{"km", "datum"},
		{"km", "datum", "get"}, {"km", "datum", "create"}, {"km", "datum", "update"}, {"km", "datum", "delete"},
		{"km", "datum", "templates"}, {"km", "datum", "categories"},
		{"km", "sessions"},
		{"km", "sessions", "list"}, {"km", "sessions", "logs"},
		{"km", "sim"},
		{"check"},
	}
}

func TestHelpAtEveryLevel(t *testing.T) {
	// A broken configuration must not get in the way of help.
	badConfig := map[string]string{"KMBRIDGE_KM_BASE_URL": "https://km.example.com/api"}
	for _, path := range commandPaths() {
		for _, h := range []string{"-h", "--help", "-help"} {
			args := append(append([]string(nil), path...), h)
			r := runKM(t, badConfig, args...)
			if r.code != exitOK || !strings.HasPrefix(r.stdout, "Usage: kmbridge") || r.stderr != "" {
				t.Errorf("%q: exit %d, stdout %.60q, stderr %q; want 0, usage on stdout, nothing on stderr",
					args, r.code, r.stdout, r.stderr)
			}
		}
	}
	// Groups also take "help".
	for _, path := range [][]string{{"km"}, {"km", "faq"}, {"km", "similar"}, {"km", "datum"}, {"km", "sessions"}} {
		args := append(append([]string(nil), path...), "help")
		if r := runKM(t, nil, args...); r.code != exitOK || !strings.HasPrefix(r.stdout, "Usage:") {
			t.Errorf("%q: exit %d", args, r.code)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	// Usage is checked before the configuration: these all exit 2 even with a
	// configuration that would not load.
	badConfig := map[string]string{"KMBRIDGE_KM_BASE_URL": "https://km.example.com/api"}
	for _, args := range [][]string{
		{"km"},
		{"km", "bogus"},
		{"km", "ask"},
		{"km", "ask", "   "},
		{"km", "ask", "-lang", "klingon", "hello"},
		{"km", "ask", "-bogus", "hello"},
		{"km", "faq"},
		{"km", "faq", "bogus"},
		{"km", "faq", "search", "extra"},
		{"km", "faq", "search", "-page", "0"},
		{"km", "faq", "search", "-in", "everywhere"},
		{"km", "faq", "search", "-size", "x"},
		{"km", "faq", "get"},
		{"km", "faq", "get", "0"},
		{"km", "faq", "get", "-5"},
		{"km", "faq", "get", "1", "2"},
		{"km", "faq", "create"},
		{"km", "faq", "create", "-category", "1", "-content", "q?"},
		{"km", "faq", "create", "-category", "1", "-content", "q?", "-answer", "a", "-answer-type", "video"},
		{"km", "faq", "create", "-category", "1", "-content", "q?", "-answer", "a", "-channel", "abc"},
		{"km", "faq", "update", "1"},
		{"km", "faq", "update", "1", "-content", ""},
		{"km", "faq", "delete"},
		{"km", "similar", "list"},
		{"km", "similar", "list", "1", "-size", "1000"},
		{"km", "similar", "add", "1"},
		{"km", "similar", "add", "x", "text"},
		{"km", "similar", "update", "1", "2"},
		{"km", "similar", "delete", "1"},
		{"km", "sessions", "list", "-to", "tomorrow"},
		{"km", "sessions", "list", "-size", "100"},
		{"km", "sessions", "logs"},
		{"km", "sessions", "logs", "abc"},
		{"km", "sim", "extra"},
		{"check", "extra"},
	} {
		r := runKM(t, badConfig, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "Usage: kmbridge") || r.stdout != "" {
			t.Errorf("%q: exit %d, stdout %q; want %d, usage on stderr\nstderr: %s", args, r.code, r.stdout, exitUsage, r.stderr)
		}
	}
}

func TestDoubleDashEndsFlags(t *testing.T) {
	r := runKM(t, nil, "km", "ask", "--", "-what", "is", "the", "Wi-Fi", "password?")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
}

func TestBadConfiguration(t *testing.T) {
	missingToken := map[string]string{"KMBRIDGE_KM_BASE_URL": "https://km.example.com/api", "KMBRIDGE_KM_EMAIL": "ops@example.com"}
	badSign := map[string]string{"KMBRIDGE_KM_SIGN_VERSION": "v3"}
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(badYAML, []byte("km: [not, a, map]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{
		{"km", "ask", "hello"},
		{"km", "faq", "search"},
		{"km", "faq", "get", "1"},
		{"km", "similar", "list", "1"},
		{"km", "datum", "categories"},
		{"km", "sessions", "list"},
		{"check"},
	} {
		for name, env := range map[string]map[string]string{"missing token": missingToken, "sign_version v3": badSign} {
			r := runKM(t, env, cmd...)
			if r.code != exitConfig || r.stdout != "" {
				t.Errorf("%s, %q: exit %d, want %d\n%s", name, cmd, r.code, exitConfig, r.stderr)
			}
		}
		for _, file := range []string{filepath.Join(dir, "missing.yaml"), badYAML} {
			args := append([]string{"-config", file}, cmd...)
			if r := runKM(t, nil, args...); r.code != exitConfig {
				t.Errorf("%q: exit %d, want %d\n%s", args, r.code, exitConfig, r.stderr)
			}
		}
	}
	r := runKM(t, missingToken, "km", "ask", "hello")
	mustContain(t, "stderr", r.stderr, "km.token (KMBRIDGE_KM_TOKEN)")
}
