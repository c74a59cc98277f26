package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestEmptyConfigIsAValidDemo(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults must validate: %v", err)
	}
	if !cfg.Demo() || !cfg.Web.On() || cfg.HTTP.Listen != "127.0.0.1:8080" {
		t.Fatalf("want demo mode with the web chat on 127.0.0.1:8080, got %+v", cfg)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmbridge.yaml")
	yaml := `
km:
  base_url: https://km.udesk.cn/api
  email: admin@example.com
  token: from-file
  robot_id: 103
  channel_id: 106
  timeout: 20s
web:
  enabled: false
  allowed_origins: [https://www.example.com]
bridge:
  language: ja
messages:
  en:
    bridge.apology: Our helpdesk robot is resting.
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(map[string]string{
		"KMBRIDGE_KM_TOKEN":            "from-env",
		"KMBRIDGE_KM_SESSION_IDLE_TTL": "45m",
		"KMBRIDGE_KM_STREAMING":        "true",
		"KMBRIDGE_DISCORD_GUILD_IDS":   "1, 2 ,3",
		"KMBRIDGE_WEB_ENABLED":         "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.KM.Token != "from-env" || cfg.KM.RobotID != 103 || cfg.KM.Timeout.D() != 20*time.Second ||
		cfg.KM.SessionIdleTTL.D() != 45*time.Minute || !cfg.KM.Streaming || cfg.Demo() {
		t.Fatalf("km section: %+v", cfg.KM)
	}
	if strings.Join(cfg.Discord.GuildIDs, "/") != "1/2/3" || !cfg.Web.On() || cfg.Bridge.Language != "ja" {
		t.Fatalf("lists/bools/bridge: %+v %+v %+v", cfg.Discord, cfg.Web, cfg.Bridge)
	}
	if cfg.Messages["en"]["bridge.apology"] == "" {
		t.Fatal("messages override lost")
	}
	if r := cfg.Redacted(); r.KM.Token != "***" || cfg.KM.Token != "from-env" {
		t.Fatal("Redacted must hide secrets in a copy only")
	}
}

func TestUnknownKeyIsAnError(t *testing.T) {
	_, err := Parse(strings.NewReader("km:\n  base_ur1: https://x\n"))
	if err == nil || !strings.Contains(err.Error(), "base_ur1") {
		t.Fatalf("want an error naming base_ur1, got %v", err)
	}
}

func TestBadEnvironmentValueNamesTheVariable(t *testing.T) {
	_, err := Load("", env(map[string]string{"KMBRIDGE_KM_TIMEOUT": "soon", "KMBRIDGE_BRIDGE_WORKERS": "many"}))
	if err == nil || !strings.Contains(err.Error(), "KMBRIDGE_KM_TIMEOUT") || !strings.Contains(err.Error(), "KMBRIDGE_BRIDGE_WORKERS") {
		t.Fatalf("got %v", err)
	}
}

func TestValidateNamesKeyAndFix(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Config)
		want []string
	}{
		{"real KM needs credentials", func(c *Config) { c.KM.BaseURL = "https://km.udesk.cn/api" },
			[]string{"km.email", "km.token", "km.robot_id", "KMBRIDGE_KM_CHANNEL_ID"}},
		{"bad base url", func(c *Config) { c.KM.BaseURL = "km.udesk.cn" }, []string{"km.base_url", "absolute"}},
		{"sign version", func(c *Config) { c.KM.SignVersion = "v3" }, []string{"km.sign_version", "kmbridge check"}},
		{"listen", func(c *Config) { c.HTTP.Listen = "8080" }, []string{"http.listen", "host:port"}},
		{"language", func(c *Config) { c.Bridge.Language = "fr" }, []string{"bridge.language", "en, zh or ja"}},
		{"hot limits", func(c *Config) { c.Bridge.HotDays = 365; c.Bridge.HotCount = 99 }, []string{"bridge.hot_days", "bridge.hot_count"}},
		{"slack http needs signing secret", func(c *Config) { c.Slack.BotToken = "xoxb-1" }, []string{"slack.signing_secret"}},
		{"telegram webhook", func(c *Config) { c.Telegram.Token = "1:A"; c.Telegram.WebhookURL = "http://x/telegram/webhook" },
			[]string{"telegram.webhook_url", "telegram.webhook_secret"}},
		{"telegram endpoint", func(c *Config) { c.Telegram.APIEndpoint = "http://127.0.0.1:9000/" }, []string{"telegram.api_endpoint", "%s"}},
		{"escalation", func(c *Config) { c.Escalation.Platform = "teams" }, []string{"escalation.platform", "escalation.channel"}},
		{"hand-over tuning", func(c *Config) {
			c.Escalation.UnclaimedAfter = Duration(-time.Minute)
			c.Escalation.NotePrefix = " // "
			c.Escalation.AfterUnknown = -1
			c.Escalation.KBCategoryID = -3
			c.Escalation.KBChannelIDs = []int64{106, 0}
		}, []string{"escalation.unclaimed_after", "0 for no reminder", "escalation.note_prefix", "escalation.after_unknown",
			"escalation.kb_category_id", "escalation.kb_channel_ids"}},
		{"override id", func(c *Config) { c.Messages = map[string]map[string]string{"en": {"no.such.id": "x"}} }, []string{"messages", "no.such.id"}},
		{"redis", func(c *Config) { c.Store.RedisURL = "localhost:6379" }, []string{"store.redis_url"}},
		{"nothing to serve", func(c *Config) { off := false; c.Web.Enabled = &off }, []string{"web.enabled", "nothing to serve", "telegram.token"}},
		{"trusted proxies", func(c *Config) { c.HTTP.TrustedProxies = []string{"10.0.0.0/8", "proxy.internal", "10.0.0.0/33"} },
			[]string{"http.trusted_proxies[1] (KMBRIDGE_HTTP_TRUSTED_PROXIES[1])", "proxy.internal", "http.trusted_proxies[2]"}},
		{"metrics listen", func(c *Config) { c.HTTP.MetricsListen = "9090" }, []string{"http.metrics_listen", "host:port"}},
		{"metrics on the main port", func(c *Config) { c.HTTP.MetricsListen = c.HTTP.Listen }, []string{"http.metrics_listen", "another port"}},
		{"web limits", func(c *Config) { c.Web.MaxNewPerIPPerMin, c.Web.MessagesPerMin = -1, -5 },
			[]string{"web.max_new_per_ip_per_min", "web.messages_per_min", "0 (no limit)"}},
		// Why (#13): with platform credentials and no km.base_url, real users got
		// answers from the demo knowledge base.
		{"platform without km", func(c *Config) { c.Telegram.Token = "1:A"; c.Slack.BotToken = "xoxb-1"; c.Slack.AppToken = "xapp-1" },
			[]string{"km.base_url (KMBRIDGE_KM_BASE_URL): is empty but slack, telegram credentials are set", "km.demo: true"}},
		{"demo said no", func(c *Config) { c.KM.Demo = ptr(false) }, []string{"km.base_url", "km.demo is false", "km.token"}},
		{"demo and a KM", func(c *Config) {
			c.KM.Demo = ptr(true)
			c.KM.BaseURL, c.KM.Email, c.KM.Token, c.KM.RobotID, c.KM.ChannelID = "https://km.udesk.cn/api", "a@b.c", "t", 1, 2
		}, []string{"km.demo (KMBRIDGE_KM_DEMO)", "remove km.demo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Defaults()
			tt.set(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestTrustedProxiesFromTheEnvironment(t *testing.T) {
	cfg, err := Load("", env(map[string]string{
		"KMBRIDGE_HTTP_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.10 ,2001:db8::/32,::ffff:172.16.0.0/108,10.1.2.3/8",
		"KMBRIDGE_HTTP_METRICS_LISTEN":  "127.0.0.1:9090",
		"KMBRIDGE_WEB_MESSAGES_PER_MIN": "0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.HTTP.Proxies() {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/8 192.0.2.10/32 2001:db8::/32 172.16.0.0/12 10.0.0.0/8"; strings.Join(got, " ") != want {
		t.Fatalf("Proxies() = %v, want %s", got, want)
	}
	if cfg.HTTP.MetricsListen != "127.0.0.1:9090" || cfg.Web.MessagesPerMin != 0 || cfg.Web.MaxNewPerIPPerMin != 20 {
		t.Fatalf("http %+v web %+v", cfg.HTTP, cfg.Web)
	}
}

func TestProxiesSkipsWhatDoesNotParse(t *testing.T) {
	h := HTTP{TrustedProxies: []string{"nope", "10.0.0.1", "::ffff:0:0/8"}}
	if got := h.Proxies(); len(got) != 1 || got[0].String() != "10.0.0.1/32" {
		t.Fatalf("Proxies() = %v", got)
	}
}

func TestDemoOnlyWhenNothingIsConfiguredOrSaidSo(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Config)
		demo bool
	}{
		{"zero config", func(*Config) {}, true},
		{"web chat off is still nothing configured", func(c *Config) { c.Web.Enabled = ptr(false) }, true},
		{"a KM", func(c *Config) { c.KM.BaseURL = "https://km.udesk.cn/api" }, false},
		{"slack", func(c *Config) { c.Slack.BotToken = "xoxb-1" }, false},
		{"telegram", func(c *Config) { c.Telegram.Token = "1:A" }, false},
		{"discord", func(c *Config) { c.Discord.Token = "x" }, false},
		{"telegram, demo said", func(c *Config) { c.Telegram.Token = "1:A"; c.KM.Demo = ptr(true) }, true},
		{"zero config, demo refused", func(c *Config) { c.KM.Demo = ptr(false) }, false},
	}
	for _, tt := range tests {
		cfg := Defaults()
		tt.set(&cfg)
		if got := cfg.Demo(); got != tt.demo {
			t.Errorf("%s: Demo() = %v, want %v", tt.name, got, tt.demo)
		}
	}
	// A platform with km.demo: true validates (trying a bot against the sample KB).
	cfg, err := Load("", env(map[string]string{"KMBRIDGE_TELEGRAM_TOKEN": "1:A", "KMBRIDGE_KM_DEMO": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil || !cfg.Demo() {
		t.Fatalf("telegram with km.demo: true: demo %v, %v", cfg.Demo(), err)
	}
}

func TestEnvKeysCoverEverySection(t *testing.T) {
	keys := strings.Join(EnvKeys(), " ")
	for _, k := range []string{"KMBRIDGE_KM_BASE_URL", "KMBRIDGE_SLACK_BOT_TOKEN", "KMBRIDGE_TELEGRAM_WEBHOOK_SECRET",
		"KMBRIDGE_DISCORD_SHARD_COUNT", "KMBRIDGE_STORE_REDIS_URL", "KMBRIDGE_HTTP_LISTEN", "KMBRIDGE_WEB_ALLOWED_ORIGINS"} {
		if !strings.Contains(keys, k) {
			t.Errorf("missing %s", k)
		}
	}
}

// The example file in the repository must stay loadable and valid (with the secrets
// it tells the reader to put in the environment).
func TestExampleFileIsValid(t *testing.T) {
	cfg, err := Load("../kmbridge.example.yaml", env(map[string]string{"KMBRIDGE_KM_TOKEN": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("kmbridge.example.yaml: %v", err)
	}
	if cfg.Demo() || cfg.KM.RobotID != 103 {
		t.Fatalf("example not read: %+v", cfg.KM)
	}
}

// Every key of the core sections has a row in the README's configuration table
// and an entry (perhaps commented out) in kmbridge.example.yaml. The platform
// and escalation sections are documented in their own README sections.
func TestREADMEAndExampleListEveryKey(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	example, err := os.ReadFile("../kmbridge.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inExample := map[string]bool{}
	section := ""
	for _, line := range strings.Split(string(example), "\n") {
		indented := strings.HasPrefix(line, " ")
		trimmed := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#"))
		key, _, ok := strings.Cut(trimmed, ":")
		if !ok || strings.ContainsAny(key, " \t") {
			continue
		}
		if !indented && !strings.HasPrefix(line, "#   ") {
			section = key
			continue
		}
		inExample[section+"."+key] = true
	}
	core := map[string]bool{"km": true, "http": true, "web": true, "bridge": true, "store": true, "log": true}
	walk(reflect.ValueOf(&Config{}).Elem(), func(_, path string, _ reflect.Value, _ reflect.StructField) {
		sec, _, _ := strings.Cut(path, ".")
		if !core[sec] {
			return
		}
		if !strings.Contains(string(readme), "| `"+path+"`") && !strings.Contains(string(readme), ", `"+path+"`") {
			t.Errorf("README.md's configuration table has no row for %s", path)
		}
		if !inExample[path] {
			t.Errorf("kmbridge.example.yaml has no entry for %s", path)
		}
	})
}

// TestEscalationDefaults: the hand-over's defaults, and its keys in the
// environment.
func TestEscalationDefaults(t *testing.T) {
	d := Defaults().Escalation
	if d.UnclaimedAfter.D() != 5*time.Minute || d.NotePrefix != "//" || d.AfterUnknown != 0 {
		t.Errorf("defaults %+v", d)
	}
	cfg, err := Load("", env(map[string]string{
		"KMBRIDGE_ESCALATION_AFTER_UNKNOWN": "3", "KMBRIDGE_ESCALATION_UNCLAIMED_AFTER": "0s",
		"KMBRIDGE_ESCALATION_KB_CATEGORY_ID": "76",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Escalation; e.AfterUnknown != 3 || e.UnclaimedAfter != 0 || e.KBCategoryID != 76 {
		t.Errorf("from the environment: %+v", e)
	}
}
