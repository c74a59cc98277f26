package discordadapter_test

import (
	"strings"
	"testing"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
)

// Interactions leave nothing behind in discordgo's rate limiter: its buckets
// are keyed by URL and never dropped, and an interaction's URLs carry its
// token, so a bucket per interaction would grow the process for good (and keep
// every token). A slash command (deferred, answered, followups) and a click
// (deferred, retired through its webhook) go through.
func TestInteractionsLeaveNoRateLimitBuckets(t *testing.T) {
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: general, Type: 0, GuildID: discordtest.GuildID})
	p := w.boot(t, options{})

	ask := w.fake.Slash(alice, general, discordtest.GuildID, "en-US", "ask", "question", "How do I reset my password?")
	w.fake.Dispatch("INTERACTION_CREATE", ask)
	ans := w.fake.WaitMessage(t, "Reset your password")
	waitFor(t, "the rating followup", func() bool { return len(w.fake.MessagesWith("Was this answer helpful?")) == 1 })
	rated := ans
	if r := w.fake.MessagesWith("Was this answer helpful?"); len(r) == 1 {
		rated = r[0]
	}
	up := w.fake.Press(alice, discordtest.GuildID, rated, discordtest.ButtonID(t, rated, "👍 Helpful"))
	w.fake.Dispatch("INTERACTION_CREATE", up)
	w.retiredEdit(t, up["token"].(string))

	tokens := []string{ask["token"].(string), up["token"].(string)}
	for _, k := range discordadapter.RateLimitBuckets(p.ad) {
		for _, tok := range tokens {
			if strings.Contains(k, tok) {
				t.Errorf("rate-limit bucket %q kept an interaction's token", k)
			}
		}
		if strings.Contains(k, "/interactions/") || strings.Contains(k, "/webhooks/") {
			t.Errorf("rate-limit bucket %q belongs to one interaction", k)
		}
	}
}
