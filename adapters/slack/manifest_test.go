package slackadapter

import (
	"net/url"
	"os"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestManifest keeps manifest.yaml in step with the code: the routes, the
// command, and exactly the events and scopes the adapter uses.
func TestManifest(t *testing.T) {
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Features struct {
			AppHome struct {
				HomeTab     bool `yaml:"home_tab_enabled"`
				MessagesTab bool `yaml:"messages_tab_enabled"`
				ReadOnly    bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			Slash []struct {
				Command      string `yaml:"command"`
				URL          string `yaml:"url"`
				ShouldEscape bool   `yaml:"should_escape"`
			} `yaml:"slash_commands"`
			Assistant map[string]any `yaml:"assistant_view"`
		} `yaml:"features"`
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				URL    string   `yaml:"request_url"`
				Events []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
			Interactivity struct {
				Enabled    bool   `yaml:"is_enabled"`
				URL        string `yaml:"request_url"`
				OptionsURL string `yaml:"message_menu_options_url"`
			} `yaml:"interactivity"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	path := func(s string) string {
		u, err := url.Parse(s)
		if err != nil || u.Scheme != "https" {
			t.Errorf("%q is not an https URL", s)
			return ""
		}
		return u.Path
	}
	if path(m.Settings.Events.URL) != PathEvents || path(m.Settings.Interactivity.URL) != PathInteractions ||
		path(m.Settings.Interactivity.OptionsURL) != PathOptions || !m.Settings.Interactivity.Enabled {
		t.Errorf("request URLs do not match the routes: %+v %+v", m.Settings.Events, m.Settings.Interactivity)
	}
	if len(m.Features.Slash) != 1 || m.Features.Slash[0].Command != DefaultConfig().Command || path(m.Features.Slash[0].URL) != PathCommands {
		t.Errorf("slash commands %+v", m.Features.Slash)
	}
	if !m.Features.AppHome.HomeTab || !m.Features.AppHome.MessagesTab || m.Features.AppHome.ReadOnly || m.Features.Assistant == nil {
		t.Errorf("app home / assistant features %+v", m.Features)
	}
	wantEvents := []string{"app_home_opened", "app_mention", "assistant_thread_started", "message.channels", "message.groups", "message.im", "message.mpim"}
	if !slices.Equal(m.Settings.Events.Events, wantEvents) {
		t.Errorf("bot events %v, want %v", m.Settings.Events.Events, wantEvents)
	}
	wantScopes := []string{"app_mentions:read", "assistant:write", "channels:history", "chat:write", "commands",
		"groups:history", "im:history", "im:write", "mpim:history", "users:read", "users:read.email"}
	if !slices.Equal(m.OAuth.Scopes.Bot, wantScopes) {
		t.Errorf("scopes %v, want %v", m.OAuth.Scopes.Bot, wantScopes)
	}
}
