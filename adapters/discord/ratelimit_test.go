package discordadapter_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// A 429 on a send is waited out (retry_after) and retried; the messages still
// arrive in order and none is lost.
func TestRateLimitedSendRetriedInOrder(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	path := "/channels/" + discordtest.DMChannel(alice) + "/messages"
	w.fake.Limit("POST", path, 2, 0.2)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "How do I reset my password?"))
	w.fake.WaitMessage(t, "Was this answer helpful?")

	var limited, sent []discordtest.Call
	for _, c := range w.fake.CallsTo("POST", path) {
		if c.Status == 429 {
			limited = append(limited, c)
		} else {
			sent = append(sent, c)
		}
	}
	if len(limited) != 2 {
		t.Fatalf("429s served = %d, want 2", len(limited))
	}
	if gap := sent[0].At.Sub(limited[1].At); gap < 190*time.Millisecond {
		t.Errorf("retried %s after the 429, before retry_after (200ms)", gap)
	}
	var order []string
	for _, c := range sent {
		switch txt := c.Text(); {
		case strings.Contains(txt, "Example Corp helpdesk"):
			order = append(order, "welcome")
		case strings.Contains(txt, "Reset your password") && strings.Contains(txt, "Was this answer helpful?"):
			order = append(order, "answer+rating") // one message since runs of groups share one
		case strings.Contains(txt, "Reset your password"):
			order = append(order, "answer")
		case strings.Contains(txt, "Was this answer helpful?"):
			order = append(order, "rating")
		}
	}
	if strings.Join(order, " ") != "welcome answer+rating" {
		t.Errorf("order = %v", order)
	}
	// Every part of the welcome arrived once (none lost, none doubled).
	if n := len(w.fake.MessagesWith("Example Corp helpdesk")); n != 1 {
		t.Errorf("welcome sent %d times", n)
	}
}

// A rate limit that lasts past the caller's deadline fails the send at once,
// with an error, instead of sleeping through it or sending late.
func TestRateLimitBoundedByContext(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	const ch = "600000000000000077"
	w.fake.Limit("POST", "/channels/"+ch+"/messages", 1, 30)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err := p.ad.Send(ctx, bridge.ConvKey{Platform: "discord", Channel: ch}, formatting.Plain("hello"))
	if err == nil {
		t.Fatal("Send succeeded through a 30s rate limit with a 2s deadline")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Send took %s to give up", d)
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "rate limited") {
		t.Errorf("err = %v, want a rate-limit error past the deadline", err)
	}
}
