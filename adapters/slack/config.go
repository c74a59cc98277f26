package slackadapter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
)

// Slash command reply modes (slack.slash_reply).
const (
	ReplyDM        = "dm"        // answer /ask in the user's DM with the app
	ReplyEphemeral = "ephemeral" // answer /ask in the channel, visible only to the user
)

// DefaultAPIURL is Slack's Web API base URL.
const DefaultAPIURL = "https://slack.com/api/"

// Config configures the adapter. Zero tuning fields take the defaults of
// DefaultConfig; Validate names the configuration key and the fix.
type Config struct {
	BotToken      string // slack.bot_token (xoxb-…), required
	SigningSecret string // slack.signing_secret: required for the HTTP routes
	AppToken      string // slack.app_token (xapp-…): set, Run uses Socket Mode
	APIURL        string // slack.api_url: Web API base; default DefaultAPIURL
	Command       string // slack.command: the slash command, default "/ask"
	SlashReply    string // slack.slash_reply: ReplyDM (default) or ReplyEphemeral

	// Scope groups channel messages into conversations (bridge.channel_scope).
	Scope bridge.Scope
	// Streaming streams answers into assistant threads with chat.startStream
	// (km.streaming); elsewhere a streamed answer is posted and then updated.
	Streaming bool
	// ActionTTL is how long the adapter remembers a sent message's buttons, to
	// retire them on a click (bridge.action_ttl, as long as they stay clickable).
	ActionTTL time.Duration

	// RatePerSecond and Burst pace outbound messages per channel (default 1/s,
	// burst 3): Slack allows about one message per second per channel.
	RatePerSecond float64
	Burst         int
	// MaxRetries bounds the retries of one call answered 429 (default 5).
	MaxRetries int
	// LookupTimeout bounds the users.info and conversations.open calls made
	// before an inbound request is acknowledged (default 1s).
	LookupTimeout time.Duration
	// SuggestTimeout bounds a typeahead's KM call: Slack wants options within 3 s
	// (default 2s).
	SuggestTimeout time.Duration
	// UserCacheTTL is how long a users.info answer is reused (default 1h).
	UserCacheTTL time.Duration
	// HomeRefresh is the least time between two publishes of one user's Home tab
	// (default 1m).
	HomeRefresh time.Duration
	// StreamIdle stops a streamed message nobody has appended to for this long
	// (default 10s).
	StreamIdle time.Duration
	// MaxBodyBytes bounds an inbound request body (default 1 MiB).
	MaxBodyBytes int64
}

// DefaultConfig returns the defaults (without credentials).
func DefaultConfig() Config {
	return Config{
		APIURL:         DefaultAPIURL,
		Command:        "/ask",
		SlashReply:     ReplyDM,
		Scope:          bridge.ScopeThread,
		ActionTTL:      7 * 24 * time.Hour,
		RatePerSecond:  1,
		Burst:          3,
		MaxRetries:     5,
		LookupTimeout:  time.Second,
		SuggestTimeout: 2 * time.Second,
		UserCacheTTL:   time.Hour,
		HomeRefresh:    time.Minute,
		StreamIdle:     10 * time.Second,
		MaxBodyBytes:   1 << 20,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	str := func(v *string, def string) {
		if *v == "" {
			*v = def
		}
	}
	str(&c.APIURL, d.APIURL)
	str(&c.Command, d.Command)
	str(&c.SlashReply, d.SlashReply)
	if c.Scope == "" {
		c.Scope = d.Scope
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/" // slack-go joins method names to it
	}
	for _, x := range []struct{ v, d *time.Duration }{
		{&c.ActionTTL, &d.ActionTTL}, {&c.LookupTimeout, &d.LookupTimeout},
		{&c.SuggestTimeout, &d.SuggestTimeout}, {&c.UserCacheTTL, &d.UserCacheTTL},
		{&c.HomeRefresh, &d.HomeRefresh},
		{&c.StreamIdle, &d.StreamIdle},
	} {
		if *x.v == 0 {
			*x.v = *x.d
		}
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = d.RatePerSecond
	}
	if c.Burst == 0 {
		c.Burst = d.Burst
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = d.MaxRetries
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	return c
}

// SocketMode reports whether Run connects with Socket Mode.
func (c Config) SocketMode() bool { return c.AppToken != "" }

// Validate reports every bad value, naming its configuration key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if c.BotToken == "" {
		bad("slack.bot_token", "required: the bot token (xoxb-…) from Slack app › OAuth & Permissions")
	}
	if c.SigningSecret == "" && c.AppToken == "" {
		bad("slack.signing_secret", "required for the Events API over HTTP (Slack app › Basic Information), or set slack.app_token for Socket Mode")
	}
	u, err := url.Parse(c.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("slack.api_url", "%q is not an http(s) URL", c.APIURL)
	}
	if !strings.HasPrefix(c.Command, "/") || strings.ContainsAny(c.Command, " \t\n") || len(c.Command) < 2 {
		bad("slack.command", "%q must be a slash command such as /ask", c.Command)
	}
	if c.SlashReply != ReplyDM && c.SlashReply != ReplyEphemeral {
		bad("slack.slash_reply", "%q: use dm or ephemeral", c.SlashReply)
	}
	if _, err := bridge.ParseScope(string(c.Scope)); err != nil {
		bad("bridge.channel_scope", "%v", err)
	}
	if c.RatePerSecond < 0 || c.Burst < 0 || c.MaxRetries < 0 || c.MaxBodyBytes < 0 {
		bad("slack", "rate, burst, retries and body limit must not be negative")
	}
	for _, d := range []time.Duration{c.ActionTTL, c.LookupTimeout, c.SuggestTimeout, c.UserCacheTTL, c.HomeRefresh, c.StreamIdle} {
		if d < 0 {
			bad("slack", "durations must not be negative, got %s", d)
			break
		}
	}
	if c.SuggestTimeout >= 3*time.Second {
		bad("slack", "suggest timeout %s leaves no room within Slack's 3 s", c.SuggestTimeout)
	}
	if len(errs) > 0 {
		return fmt.Errorf("slack: config: %w", errors.Join(errs...))
	}
	return nil
}
