package slackadapter

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
)

func TestUnverifiedRequestsRefused(t *testing.T) {
	e := newEnv(t, envOpts{})
	ev := slacktest.Callback(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qPassword))
	cases := []struct {
		name string
		ts   int64
		key  string
		mod  reqOpt
	}{
		{"forged signature", time.Now().Unix(), "not-the-secret", nil},
		{"stale timestamp", time.Now().Add(-6 * time.Minute).Unix(), secret, nil},
		{"future timestamp", time.Now().Add(6 * time.Minute).Unix(), secret, nil},
		{"no signature", time.Now().Unix(), secret, func(r *http.Request) { r.Header.Del("X-Slack-Signature") }},
		{"tampered body", time.Now().Unix(), secret, func(r *http.Request) {
			r.Header.Set("X-Slack-Signature", slacktest.Sign(secret, time.Now().Unix(), []byte("{}")))
		}},
	}
	for _, path := range []string{PathEvents, PathInteractions, PathOptions, PathCommands} {
		for _, c := range cases {
			var opts []reqOpt
			if c.mod != nil {
				opts = append(opts, c.mod)
			}
			if code, _ := e.postAt(c.ts, c.key, path, "application/json", ev, opts...); code != http.StatusUnauthorized {
				t.Errorf("%s %s: HTTP %d, want 401", path, c.name, code)
			}
		}
	}
	// url_verification is signed too.
	if code, _ := e.postAt(time.Now().Unix(), "forged", PathEvents, "application/json", []byte(`{"type":"url_verification","challenge":"x"}`)); code != http.StatusUnauthorized {
		t.Errorf("unsigned url_verification: HTTP %d", code)
	}
	// Then the genuine event goes through: nothing of the forged ones was recorded.
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D2", "U2", qWifi))
	e.waitPosted("D2", 2)
	if n := len(e.sim.CallsTo("POST /v1/chat")); n != 1 {
		t.Errorf("KM chat calls = %d, want 1 (only the genuine event)", n)
	}
	if n := len(e.slack.Posted("D1")); n != 0 {
		t.Errorf("%d messages answered a forged event", n)
	}
}

func TestURLVerification(t *testing.T) {
	e := newEnv(t, envOpts{})
	code, body := e.post(PathEvents, "application/json", []byte(`{"token":"t","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
	if code != http.StatusOK || string(body) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("HTTP %d %q", code, body)
	}
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.MaxBodyBytes = 4096 }})
	big := slacktest.Callback(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", strings.Repeat("a", 8000)))
	if code, _ := e.post(PathEvents, "application/json", big); code != http.StatusRequestEntityTooLarge {
		t.Errorf("HTTP %d, want 413", code)
	}
}

func TestEventBeforeRunIsRetriedBySlack(t *testing.T) {
	e := newEnv(t, envOpts{noRun: true})
	id := slacktest.NewEventID()
	ev := slacktest.IMMessage("D1", "U1", qWifi)
	if code, _ := e.post(PathEvents, "application/json", slacktest.Callback(id, ev)); code != http.StatusServiceUnavailable {
		t.Fatalf("HTTP %d before Run, want 503", code)
	}
	e.start()
	// Slack's retry of the refused delivery is handled (it was not marked seen).
	e.event(id, ev, withHeader("X-Slack-Retry-Num", "1"))
	e.waitPosted("D1", 2)
}

func TestNoSecretInLogs(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.slack.Limit("chat.postMessage", 1)
	e.postAt(time.Now().Unix(), "forged", PathEvents, "application/json", slacktest.Callback(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", "x")))
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qWifi))
	e.waitPosted("D1", 2)
	out := e.p.Logs.String()
	if !strings.Contains(out, "rate limited") || !strings.Contains(out, "unverified") {
		t.Errorf("expected log lines missing:\n%s", out)
	}
	if !strings.Contains(out, "throttle=slack.signature") {
		t.Errorf("the forged request's warning is not rate-limited (logx.Throttled):\n%s", out)
	}
	for _, s := range []string{slacktest.BotToken, secret, slacktest.AppToken, "v0="} {
		if strings.Contains(out, s) {
			t.Errorf("log contains a secret %q", s)
		}
	}
}
