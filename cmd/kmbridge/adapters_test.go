package main

import (
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/config"
)

// Every row of the adapter table builds its adapter from a configuration
// (without network I/O), under the row's name, with the abilities the core
// and the hand-over rely on.
func TestAdapterTable(t *testing.T) {
	cfg := config.Defaults()
	cfg.Slack.BotToken, cfg.Slack.SigningSecret = "xoxb-test", "secret"
	cfg.Telegram.Token = "1:test"
	cfg.Discord.Token, cfg.Discord.ApplicationID = "test", "1"
	cfg.KM.BaseURL, cfg.KM.Email, cfg.KM.Token = "http://127.0.0.1:1/api", "ops@example.com", "t"
	cfg.KM.RobotID, cfg.KM.ChannelID = 1, 2
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range platforms() {
		if seen[p.name] {
			t.Errorf("%s: twice in the table", p.name)
		}
		seen[p.name] = true
		if !p.on(&cfg) {
			t.Errorf("%s: not on with its credentials set", p.name)
			continue
		}
		a, err := p.build(&cfg, bridgetest.NewHost())
		if err != nil {
			t.Errorf("%s: build: %v", p.name, err)
			continue
		}
		if a.Name() != p.name {
			t.Errorf("row %s builds an adapter named %s", p.name, a.Name())
		}
		if _, ok := a.(bridge.RouteMounter); !ok {
			t.Errorf("%s: no Routes", p.name)
		}
		if _, ok := a.(bridge.Retirer); !ok {
			t.Errorf("%s: does not retire clicked buttons (bridge.Retirer)", p.name)
		}
		if _, ok := a.(bridge.Editor); !ok {
			t.Errorf("%s: cannot edit (bridge.Editor)", p.name)
		}
		if _, ok := a.(bridge.ThreadStarter); !ok && p.name != "web" {
			t.Errorf("%s: cannot host hand-over cases (bridge.ThreadStarter)", p.name)
		}
	}
	for _, name := range []string{"slack", "telegram", "discord", "web"} {
		if !seen[name] {
			t.Errorf("%s missing from the table", name)
		}
	}
}
