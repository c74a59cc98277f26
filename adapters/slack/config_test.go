package slackadapter

import (
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{BotToken: "xoxb-1", SigningSecret: "s"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
	if err := (Config{BotToken: "xoxb-1", AppToken: "xapp-1"}).Validate(); err != nil {
		t.Errorf("socket mode without signing secret: %v", err)
	}
	for _, c := range []struct {
		name string
		mod  func(*Config)
		key  string
	}{
		{"no bot token", func(c *Config) { c.BotToken = "" }, "slack.bot_token"},
		{"neither secret nor app token", func(c *Config) { c.SigningSecret = "" }, "slack.signing_secret"},
		{"bad api url", func(c *Config) { c.APIURL = "ftp://x" }, "slack.api_url"},
		{"bad command", func(c *Config) { c.Command = "ask" }, "slack.command"},
		{"bad reply", func(c *Config) { c.SlashReply = "channel" }, "slack.slash_reply"},
		{"bad scope", func(c *Config) { c.Scope = "team" }, "bridge.channel_scope"},
		{"negative rate", func(c *Config) { c.RatePerSecond = -1 }, "slack"},
		{"slow suggest", func(c *Config) { c.SuggestTimeout = 3 * time.Second }, "3 s"},
	} {
		cfg := ok
		c.mod(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s: err = %v, want one naming %s", c.name, err, c.key)
		}
		if err != nil && strings.Contains(err.Error(), "xoxb-1") {
			t.Errorf("%s: error shows the token", c.name)
		}
	}
	d := ok.withDefaults()
	if d.APIURL != DefaultAPIURL || d.Command != "/ask" || d.SlashReply != ReplyDM || d.Burst != 3 {
		t.Errorf("defaults %+v", d)
	}
	if got := (Config{APIURL: "http://x/api"}).withDefaults().APIURL; got != "http://x/api/" {
		t.Errorf("api url %q lacks the trailing slash slack-go needs", got)
	}
}

func TestNewDoesNoIO(t *testing.T) {
	// An unreachable API URL: New must not try it.
	a, err := New(Config{BotToken: "xoxb-1", SigningSecret: "s", APIURL: "http://127.0.0.1:1/api/"}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := New(Config{BotToken: "xoxb-1", SigningSecret: "s"}, nil); err == nil {
		t.Error("New without a host succeeded")
	}
}
