package main

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// kmbridge check tries km.sign_version (v1 by default) and the other scheme only
// when KM refuses that signature: it says which one the tenant accepted, and a
// tenant on one scheme sees no failure of the other.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name     string
		sim      string // Options.SignVersion
		env      []string
		code     int
		stdout   []string
		stderr   []string
		initSign []string // the accepted signature version of each initClient call ("" refused), in order
	}{
		{
			name: "v1 only", sim: "v1", code: exitOK,
			stdout: []string{
				"Signature: v1 (SHA1 of email&token&timestamp) accepted\n",
				"Welcome message: Hi! I'm the Example Corp helpdesk bot.",
				"FAQ categories: 6",
				"Suggested setting: keep km.sign_version: v1",
			},
			initSign: []string{"v1"},
		},
		{
			name: "v2 only", sim: "v2", code: exitOK,
			stdout: []string{
				"Signature: v2 (SHA256 with a nonce) accepted (this KM tenant does not take v1 signatures)",
				"FAQ categories: 6",
				"Suggested setting: set km.sign_version: v2 (environment: KMBRIDGE_KM_SIGN_VERSION=v2)",
			},
			initSign: []string{"", "v2"},
		},
		{
			name: "v2 only, configured v2", sim: "v2", env: []string{"KMBRIDGE_KM_SIGN_VERSION", "v2"}, code: exitOK,
			stdout:   []string{"Signature: v2 (SHA256 with a nonce) accepted\n", "Suggested setting: keep km.sign_version: v2"},
			initSign: []string{"v2"},
		},
		{
			name: "both", sim: "", code: exitOK,
			stdout:   []string{"Signature: v1 (SHA1 of email&token&timestamp) accepted\n", "Suggested setting: keep km.sign_version: v1"},
			initSign: []string{"v1"},
		},
		{
			name: "wrong token", sim: "", env: []string{"KMBRIDGE_KM_TOKEN", "wrong-token-123"}, code: exitFail,
			stderr:   []string{"KM accepted neither v1 nor v2: " + kmsim.MsgSignatureFailed, "check km.email and km.token"},
			initSign: []string{"", ""},
		},
		{
			name: "wrong robot", sim: "v1", env: []string{"KMBRIDGE_KM_ROBOT_ID", "4242"}, code: exitFail,
			stdout:   []string{"Signature: v1 (SHA1 of email&token&timestamp) accepted"},
			stderr:   []string{"the v1 signature passed, but KM refused the session: " + kmsim.MsgNoRobot, "check km.robot_id"},
			initSign: []string{"v1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, env := startSim(t, kmsim.Options{SignVersion: tc.sim})
			r := runKM(t, with(env, tc.env...), "check")
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			mustContain(t, "stdout", r.stdout, tc.stdout...)
			mustContain(t, "stderr", r.stderr, tc.stderr...)
			if strings.Contains(r.stdout+r.stderr, "wrong-token-123") || strings.Contains(r.stdout+r.stderr, kmsim.SampleToken) {
				t.Errorf("the token was printed")
			}
			if tc.code == exitOK && (r.stderr != "" || strings.Contains(r.stdout, "refused") || strings.Contains(r.stdout, "failed")) {
				t.Errorf("a working scheme came with a failure:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
			}
			var signs []string
			for _, c := range sim.CallsTo("POST /v1/initClient") {
				signs = append(signs, c.SignVersion)
				cust, _ := c.Body["customer"].(map[string]any)
				if _, hasID := cust["id"]; hasID || cust["customer_token"] != "kmbridge:check" {
					t.Errorf("initClient customer %v, want customer_token kmbridge:check and no id (KM's id is a Long)", cust)
				}
			}
			if strings.Join(signs, ",") != strings.Join(tc.initSign, ",") {
				t.Errorf("initClient calls signed %q, want %q", signs, tc.initSign)
			}
		})
	}
}

func TestCheckDemoMode(t *testing.T) {
	r := runKM(t, nil, "check")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "stdout", r.stdout, "Demo mode", "accepted", "FAQ categories: 6")
}

func TestCheckUnreachable(t *testing.T) {
	env := with(kmEnv("http://127.0.0.1:1/api", "tok-unreachable"), "KMBRIDGE_KM_TIMEOUT", "2s")
	r := runKM(t, env, "check")
	if r.code != exitFail {
		t.Fatalf("exit %d, want %d\n%s", r.code, exitFail, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "cannot reach KM at http://127.0.0.1:1/api", "connection refused")
	if strings.Contains(r.stdout+r.stderr, "tok-unreachable") || strings.Contains(r.stdout+r.stderr, "sign=") {
		t.Errorf("a secret was printed:\n%s%s", r.stdout, r.stderr)
	}
}
