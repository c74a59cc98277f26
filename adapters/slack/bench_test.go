package slackadapter

import (
	"net/http"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
)

// BenchmarkSignedDMEvent measures one signed DM event end to end: the HTTP
// handler (signature check, parse, dedupe), the bridge core (queue, session,
// KM chat through the real kmclient to the simulator over loopback HTTP),
// formatting and slackfmt rendering and validation, and chat.postMessage through
// slack-go to the fake Slack, which records and validates it. One op is one
// question answered (the session exists: no welcome).
func BenchmarkSignedDMEvent(b *testing.B) {
	e := newEnv(b, envOpts{quiet: true, cfg: func(c *Config) { c.RatePerSecond, c.Burst = 1e9, 1000 }})
	e.askDM("D1", "U1", qWifi, "ExampleGuest") // first contact: session and welcome
	drain(e.slack.PostedC())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		body := slacktest.Callback(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qWifi))
		if code, _ := e.post(PathEvents, "application/json", body); code != http.StatusOK {
			b.Fatalf("HTTP %d", code)
		}
		select {
		case <-e.slack.PostedC():
		case <-time.After(waitFor):
			b.Fatal("no answer")
		}
	}
}

func drain(c <-chan string) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}
