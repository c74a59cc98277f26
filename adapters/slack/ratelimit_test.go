package slackadapter

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/adapters/internal/outbound/outboundtest"
	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/formatting"
)

func TestRateLimitedPostRetriedInOrder(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.slack.Limit("chat.postMessage", 1) // the first post is answered 429, Retry-After: 1
	e.event(slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qPassword))
	got := e.waitPosted("D1", 2)
	if !strings.Contains(text(t, got[0]), "Example Corp helpdesk bot") || !strings.Contains(text(t, got[1]), "Reset your password") {
		t.Errorf("order: %q then %q", text(t, got[0]), text(t, got[1]))
	}
	all := e.slack.AllCalls("chat.postMessage")
	if len(all) != 3 || all[0].Status != http.StatusTooManyRequests || all[1].Status != http.StatusOK {
		t.Fatalf("calls: %d, first status %d", len(all), all[0].Status)
	}
	if all[0].Form.Get("text") != all[1].Form.Get("text") {
		t.Error("the retry is not the refused message")
	}
	if gap := all[1].At.Sub(all[0].At); gap < 900*time.Millisecond {
		t.Errorf("retried after %s, before Retry-After", gap)
	}
}

func TestRateLimitGivesUpLoudly(t *testing.T) {
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.MaxRetries = 1 }})
	e.slack.Limit("chat.postMessage", 1, 1)
	_, err := e.ad.Send(context.Background(), dmKey("D1", "", "U1"), formatting.Plain("hello"))
	if err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Errorf("err = %v", err)
	}
}

// The adapter's pacing: one message per 1/RatePerSecond per channel after a
// burst of Burst, channels apart, the burst back after a quiet spell, and a
// 429's block held for every caller of the channel.
func TestPacer(t *testing.T) {
	start := time.Unix(1000, 0)
	clk := outboundtest.NewClock(start)
	p := newPacer(Config{RatePerSecond: 1, Burst: 3}, clk)
	ctx := context.Background()
	ch := func(id string) outbound.Key { return outbound.Key{Class: laneChannel, ID: id} }
	wait := func(id string) time.Duration {
		t.Helper()
		before := clk.Now()
		if err := p.Wait(ctx, ch(id)); err != nil {
			t.Fatal(err)
		}
		return clk.Now().Sub(before)
	}
	var waits []time.Duration
	for range 5 {
		waits = append(waits, wait("C1"))
	}
	want := []time.Duration{0, 0, 0, time.Second, time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if w := wait("C2"); w != 0 {
		t.Errorf("another channel waits %s", w)
	}
	clk.Advance(10 * time.Second) // idle: the burst is back
	for i := range 3 {
		if w := wait("C1"); w != 0 {
			t.Errorf("after idle, message %d waits %s", i, w)
		}
	}
	p.BlockUntil(ch("C3"), clk.Now().Add(5*time.Second))
	if w := wait("C3"); w != 5*time.Second {
		t.Errorf("blocked channel waits %s, want 5s", w)
	}
	if w := wait("C3"); w != 0 {
		t.Errorf("second message after a block waits %s, want none (burst)", w)
	}
}

func TestPacedSendsPerChannel(t *testing.T) {
	e := newEnv(t, envOpts{cfg: func(c *Config) { c.RatePerSecond, c.Burst = 20, 1 }})
	ctx := context.Background()
	start := time.Now()
	for i := range 4 {
		if _, err := e.ad.Send(ctx, dmKey("D1", "", "U1"), formatting.Plain("m"+string(rune('0'+i)))); err != nil {
			t.Fatal(err)
		}
	}
	// One message per 50 ms, no burst: the fourth leaves 150 ms after the first.
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("4 messages sent in %s, want ≥ 150ms", d)
	}
	// Another channel has its own pace.
	if _, err := e.ad.Send(ctx, dmKey("D2", "", "U2"), formatting.Plain("x")); err != nil {
		t.Fatal(err)
	}
	if n := len(e.slack.Calls("chat.postMessage")); n != 5 {
		t.Errorf("%d messages posted", n)
	}
}
