package telegramadapter_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/config"
)

// The README's Telegram section and validation agree: its YAML is accepted,
// and every bridge.channel_scope value it documents is accepted by the
// service's validation and the adapter's.
func TestREADMETelegramSection(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "\n## Run in Telegram")
	if start < 0 {
		t.Fatal("no Telegram section in the README")
	}
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	snippets := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(section, -1)
	if len(snippets) == 0 {
		t.Fatal("no YAML in the Telegram section")
	}
	demo := true
	for _, s := range snippets {
		cfg, err := config.Parse(strings.NewReader(s[1]))
		if err != nil {
			t.Fatalf("the README's YAML does not parse: %v\n%s", err, s[1])
		}
		cfg.KM.Demo = &demo // the KM section is not the Telegram section's
		if err := cfg.Validate(); err != nil {
			t.Errorf("the README's YAML is refused: %v\n%s", err, s[1])
		}
	}
	row := regexp.MustCompile("(?m)^\\| `bridge.channel_scope` \\|.*$").FindString(section)
	values := regexp.MustCompile("`(\\w*)` (?:\\(the default\\) )?=").FindAllStringSubmatch(row, -1)
	if len(values) < 2 {
		t.Fatalf("the README's channel_scope row documents %d values: %q", len(values), row)
	}
	for _, v := range values {
		cfg := config.Defaults()
		cfg.KM.Demo, cfg.Telegram.Token, cfg.Bridge.ChannelScope = &demo, "1:abc", v[1]
		if err := cfg.Validate(); err != nil {
			t.Errorf("channel_scope %q, documented for Telegram, is refused: %v", v[1], err)
		}
		if err := (telegramadapter.Config{Token: "1:abc", Scope: bridge.Scope(v[1])}).Validate(); err != nil {
			t.Errorf("channel_scope %q is refused by the adapter: %v", v[1], err)
		}
	}
}
