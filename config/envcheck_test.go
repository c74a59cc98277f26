package config

import (
	"strings"
	"testing"
)

// Why (#13): KMBRIDGE_KM_BASEURL, a typo, was ignored silently.
func TestUnknownEnvironmentVariableNamesTheClosestKey(t *testing.T) {
	tests := []struct {
		names []string
		want  []string // each must appear; nil: no error
	}{
		{[]string{"KMBRIDGE_KM_BASEURL"}, []string{"KMBRIDGE_KM_BASEURL is not a kmbridge setting", "did you mean KMBRIDGE_KM_BASE_URL (km.base_url)?"}},
		{[]string{"KMBRIDGE_SLACK_TOKEN"}, []string{"did you mean KMBRIDGE_SLACK_BOT_TOKEN (slack.bot_token)?"}},
		{[]string{"KMBRIDGE_TELEGRAM_WEBHOOK_SECERT"}, []string{"KMBRIDGE_TELEGRAM_WEBHOOK_SECRET (telegram.webhook_secret)"}},
		{[]string{"KMBRIDGE_CONFG"}, []string{"did you mean KMBRIDGE_CONFIG?"}},
		{[]string{"KMBRIDGE_FOO"}, []string{"KMBRIDGE_FOO is not a kmbridge setting", "README.md"}},
		{[]string{"KMBRIDGE_KM_BASEURL", "KMBRIDGE_LOG_LEVLE", "KMBRIDGE_KM_BASEURL"}, []string{"KMBRIDGE_KM_BASE_URL", "KMBRIDGE_LOG_LEVEL (log.level)"}},
		{[]string{"KMBRIDGE_CONFIG", "KMBRIDGE_KM_BASE_URL", "KMBRIDGE_KM_DEMO", "HOME", "PATH", "kmbridge_km_baseurl"}, nil},
		{nil, nil},
	}
	for _, tt := range tests {
		err := CheckEnvNames(tt.names)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%v: unexpected error %v", tt.names, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%v: want an error", tt.names)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", tt.names, err, w)
			}
		}
		if n := strings.Count(err.Error(), "is not a kmbridge setting"); n != len(dedupe(tt.names)) {
			t.Errorf("%v: %d problems reported, want one per distinct name: %q", tt.names, n, err)
		}
	}
}

func dedupe(s []string) map[string]bool {
	m := map[string]bool{}
	for _, v := range s {
		m[v] = true
	}
	return m
}

// Every key's own variable is accepted (so the check can never reject a
// documented setting).
func TestEveryKeyVariableIsKnown(t *testing.T) {
	if err := CheckEnvNames(append(EnvKeys(), EnvConfigFile)); err != nil {
		t.Fatal(err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"", "abc", 3}, {"abc", "", 3}, {"KM_BASEURL", "KM_BASE_URL", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}} {
		if got := editDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
		if got := editDistance(tt.b, tt.a); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetric)", tt.b, tt.a, got, tt.d)
		}
	}
}
