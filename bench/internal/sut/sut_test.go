package sut

import (
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestKMBridgeConfig(t *testing.T) {
	km := KM{URL: "http://127.0.0.1:1/api", Email: "e@x", Token: "t", RobotID: 83, ChannelID: 82, ModelKey: "m"}
	cfg, err := KMBridgeConfig(km, "127.0.0.1:2", "/tmp/s.json",
		map[string]any{"slack": map[string]any{"bot_token": "xoxb"}, "http": map[string]any{"trusted_proxies": []string{"127.0.0.1"}}},
		[]string{"bridge.workers=1024", "km.timeout=5s", "web.enabled=true", "discord.guild_ids=[a, b]"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := YAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		HTTP struct {
			Listen  string   `yaml:"listen"`
			Proxies []string `yaml:"trusted_proxies"`
		} `yaml:"http"`
		KM struct {
			BaseURL string `yaml:"base_url"`
			RobotID int64  `yaml:"robot_id"`
			Timeout string `yaml:"timeout"`
		} `yaml:"km"`
		Bridge struct {
			Workers int `yaml:"workers"`
		} `yaml:"bridge"`
		Web struct {
			Enabled bool `yaml:"enabled"`
		} `yaml:"web"`
		Slack struct {
			BotToken string `yaml:"bot_token"`
		} `yaml:"slack"`
		Discord struct {
			GuildIDs []string `yaml:"guild_ids"`
		} `yaml:"discord"`
	}
	if err := yaml.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.HTTP.Listen != "127.0.0.1:2" || len(back.HTTP.Proxies) != 1 || back.KM.BaseURL != km.URL || back.KM.RobotID != 83 || back.KM.Timeout != "5s" || back.Bridge.Workers != 1024 ||
		!back.Web.Enabled || back.Slack.BotToken != "xoxb" || strings.Join(back.Discord.GuildIDs, ",") != "a,b" {
		t.Errorf("config round trip:\n%s", b)
	}
}

func TestSetRefusesBadOverrides(t *testing.T) {
	for _, kv := range []string{"workers=1", "=1", "bridge.workers", "bridge.workers=[1"} {
		if err := Set(map[string]any{}, kv); err == nil {
			t.Errorf("Set(%q): no error", kv)
		}
	}
}

func TestBaselineArgs(t *testing.T) {
	got := strings.Join(BaselineArgs(KM{URL: "u", Email: "e", Token: "t", RobotID: 1, ChannelID: 2}, "a:1", "slack", []string{"-x", "y"}), " ")
	want := "-listen a:1 -platform slack -km-url u -km-email e -km-token t -robot-id 1 -channel-id 2 -x y"
	if got != want {
		t.Errorf("BaselineArgs = %q, want %q", got, want)
	}
}
