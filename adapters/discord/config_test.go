package discordadapter

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

func TestConfigValidate(t *testing.T) {
	good := Config{Token: "abc.def", ApplicationID: "123456789012345678"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for _, c := range []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no token", func(c *Config) { c.Token = "" }, "discord.token: required"},
		{"bot prefix only", func(c *Config) { c.Token = "Bot " }, "discord.token: required"},
		{"token with space", func(c *Config) { c.Token = "abc def" }, "discord.token: contains white space"},
		{"no application", func(c *Config) { c.ApplicationID = "" }, "discord.application_id"},
		{"bad application", func(c *Config) { c.ApplicationID = "my-app" }, "discord.application_id"},
		{"short public key", func(c *Config) { c.PublicKey = "abcd" }, "discord.public_key"},
		{"non-hex public key", func(c *Config) { c.PublicKey = strings.Repeat("zz", 32) }, "discord.public_key"},
		{"bad guild", func(c *Config) { c.GuildIDs = []string{"12", "server"} }, `discord.guild_ids: "server"`},
		{"bad channel", func(c *Config) { c.Channels = []string{"#general"} }, "discord.channels"},
		{"shard out of range", func(c *Config) { c.ShardID, c.ShardCount = 2, 2 }, "discord.shard_id"},
		{"negative shards", func(c *Config) { c.ShardCount = -1 }, "discord.shard_id"},
		{"bad api url", func(c *Config) { c.APIURL = "ftp://x" }, "discord.api_url"},
		{"slow suggest", func(c *Config) { c.SuggestTimeout = 3_000_000_000 }, "suggest timeout"},
		{"long window", func(c *Config) { c.InteractionWindow = 20 * 60_000_000_000 }, "interaction window"},
		{"archive", func(c *Config) { c.ThreadArchive = 30 }, "thread archive"},
		{"scope", func(c *Config) { c.Scope = "everyone" }, "bridge.channel_scope"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := good
			c.mod(&cfg)
			err := cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Validate = %v, want %q", err, c.want)
			}
			if err != nil && cfg.Token != "" && strings.Contains(err.Error(), strings.TrimPrefix(cfg.Token, "Bot ")) && cfg.Token != "Bot " {
				t.Errorf("the token is in the error: %v", err)
			}
		})
	}
	ok := good
	ok.PublicKey = strings.Repeat("ab", 32)
	ok.GuildIDs, ok.Channels = []string{"1"}, []string{"2"}
	ok.ShardID, ok.ShardCount = 1, 2
	ok.Scope = bridge.ScopeChannel
	if err := ok.Validate(); err != nil {
		t.Errorf("full config: %v", err)
	}
}

func TestBotToken(t *testing.T) {
	for in, want := range map[string]string{"abc": "Bot abc", "Bot abc": "Bot abc", " abc ": "Bot abc"} {
		if got := (Config{Token: in}).botToken(); got != want {
			t.Errorf("botToken(%q) = %q, want %q", in, got, want)
		}
	}
}

// The constructor does no I/O: an unreachable API URL is fine until Run.
func TestNewDoesNoIO(t *testing.T) {
	a, err := New(Config{Token: "t", ApplicationID: "1", APIURL: "http://127.0.0.1:1/api/v9/"}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "discord" {
		t.Errorf("Name = %q", a.Name())
	}
	if _, err := New(Config{}, bridgetest.NewHost()); err == nil {
		t.Error("New accepted an empty config")
	}
	if _, err := New(Config{Token: "t", ApplicationID: "1"}, nil); err == nil {
		t.Error("New accepted a nil host")
	}
}
