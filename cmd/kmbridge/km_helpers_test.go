package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// result is what one run of the command line gave.
type result struct {
	code           int
	stdout, stderr string
}

// runKM runs the command line with env as the whole environment.
func runKM(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb, mapEnv(env))
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// mapEnv is an environment made of a map, so tests never see the machine's.
func mapEnv(m map[string]string) env {
	out := make(env, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// startSim serves a simulator with the sample knowledge base on loopback and
// returns it with the environment that points kmbridge at it.
func startSim(t *testing.T, opts kmsim.Options) (*kmsim.Sim, map[string]string) {
	t.Helper()
	sim := kmsim.New(kmsim.SampleKB(), opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, kmEnv(srv.URL+"/api", kmsim.SampleToken)
}

// kmEnv is the environment of a KM at base with the sample credentials and ids.
func kmEnv(base, token string) map[string]string {
	return map[string]string{
		"KMBRIDGE_KM_BASE_URL":   base,
		"KMBRIDGE_KM_EMAIL":      kmsim.SampleEmail,
		"KMBRIDGE_KM_TOKEN":      token,
		"KMBRIDGE_KM_ROBOT_ID":   strconv.Itoa(kmsim.SampleRobotID),
		"KMBRIDGE_KM_CHANNEL_ID": strconv.Itoa(kmsim.SampleChannelID),
		"KMBRIDGE_KM_MODEL_KEY":  kmsim.SampleModelKey,
	}
}

// with returns a copy of env with the given key/value pairs set.
func with(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exports parses the "export KEY=VALUE" lines of km sim's banner.
func exports(banner string) map[string]string {
	env := map[string]string{}
	for _, line := range strings.Split(banner, "\n") {
		line = strings.TrimSpace(line)
		if kv, ok := strings.CutPrefix(line, "export "); ok {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
	}
	return env
}

// mustContain fails unless s contains every one of subs.
func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
