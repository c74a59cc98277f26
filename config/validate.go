package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/i18n"
)

// Validate checks the configuration and returns every problem at once, each naming
// the key (as in the YAML file and its KMBRIDGE_ variable) and how to fix it.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		env := EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
		errs = append(errs, fmt.Errorf("%s (%s): %s", key, env, fmt.Sprintf(format, args...)))
	}

	switch {
	case c.Demo() && c.KM.BaseURL != "":
		bad("km.demo", "is true but km.base_url is set: remove km.demo to use your KM robot, or empty km.base_url for the built-in sample knowledge base")
	case !c.Demo() && c.KM.BaseURL == "":
		why := "km.demo is false"
		if p := c.Platforms(); len(p) > 0 {
			why = strings.Join(p, ", ") + " credentials are set, so real users would be answered from the built-in sample knowledge base"
		}
		bad("km.base_url", "is empty but %s: write the KM API root, e.g. https://km.udesk.cn/api, or set km.demo: true to try kmbridge with the sample knowledge base", why)
	}
	if !c.Demo() {
		if err := checkURL(c.KM.BaseURL); err != nil && c.KM.BaseURL != "" {
			bad("km.base_url", "%v; write the KM API root, e.g. https://km.udesk.cn/api", err)
		}
		if c.KM.Email == "" {
			bad("km.email", "required with km.base_url: the email of the KM account whose API token you use")
		}
		if c.KM.Token == "" {
			bad("km.token", "required with km.base_url: the API token from KM › Management (keep it in the environment, not the file)")
		}
		if c.KM.RobotID <= 0 {
			bad("km.robot_id", "required with km.base_url: your robot's numeric id (KM › Robot)")
		}
		if c.KM.ChannelID <= 0 {
			bad("km.channel_id", "required with km.base_url: the scene (channel) id the robot answers in")
		}
	}
	switch c.KM.SignVersion {
	case "", "v1", "v2":
	default:
		bad("km.sign_version", "%q is not v1 or v2 (run `kmbridge check` to see which one your tenant accepts)", c.KM.SignVersion)
	}
	if c.KM.Timeout.D() <= 0 {
		bad("km.timeout", "must be positive, e.g. 15s")
	}
	if c.KM.SessionIdleTTL.D() <= 0 {
		bad("km.session_idle_ttl", "must be positive, e.g. 30m")
	}

	if !c.Web.On() && !c.Slack.On() && !c.Telegram.On() && !c.Discord.On() {
		bad("web.enabled", "is false and no platform has credentials, so kmbridge would have nothing to serve: set slack.bot_token, telegram.token or discord.token, or turn the web chat back on")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%q is not host:port (e.g. 127.0.0.1:8080, or :8080 for all interfaces)", c.HTTP.Listen)
	}
	if c.HTTP.PublicURL != "" {
		if err := checkURL(c.HTTP.PublicURL); err != nil {
			bad("http.public_url", "%v", err)
		}
	}
	for i, p := range c.HTTP.TrustedProxies {
		if _, err := parseProxy(p); err != nil {
			bad(fmt.Sprintf("http.trusted_proxies[%d]", i), "%v; list your reverse proxies' addresses or ranges, e.g. 10.0.0.0/8, 192.0.2.10", err)
		}
	}
	if c.HTTP.MetricsListen != "" {
		if _, port, err := net.SplitHostPort(c.HTTP.MetricsListen); err != nil {
			bad("http.metrics_listen", "%q is not host:port (e.g. 127.0.0.1:9090); leave it empty to serve /metrics on http.listen", c.HTTP.MetricsListen)
		} else if c.HTTP.MetricsListen == c.HTTP.Listen && port != "0" {
			bad("http.metrics_listen", "is http.listen's address %q: choose another port, or leave it empty to serve /metrics there", c.HTTP.Listen)
		}
	}
	if d := c.HTTP.ShutdownTimeout.D(); d <= 0 || d > 10*time.Minute {
		bad("http.shutdown_timeout", "%s is not between 0 and 10m: how long shutdown waits for answers in flight (what is left stays in the inbox), e.g. 20s", d)
	}
	if c.Web.MaxNewPerIPPerMin < 0 {
		bad("web.max_new_per_ip_per_min", "must be 0 (no limit) or more")
	}
	if c.Web.MessagesPerMin < 0 {
		bad("web.messages_per_min", "must be 0 (no limit) or more")
	}
	for i, o := range c.Web.AllowedOrigins {
		if err := checkURL(o); err != nil {
			bad(fmt.Sprintf("web.allowed_origins[%d]", i), "%v; write an origin like https://www.example.com", err)
		}
	}

	if _, ok := i18n.Match(c.Bridge.Language); !ok {
		bad("bridge.language", "%q is not supported: use en, zh or ja", c.Bridge.Language)
	}
	if c.Bridge.ChannelScope != "thread" && c.Bridge.ChannelScope != "user" {
		bad("bridge.channel_scope", "%q: use thread (one KM session per thread) or user (one per user in a channel)", c.Bridge.ChannelScope)
	}
	if c.Bridge.Workers < 1 {
		bad("bridge.workers", "must be at least 1")
	}
	if c.Bridge.QueueSize < 1 {
		bad("bridge.queue_size", "must be at least 1")
	}
	if c.Bridge.HotDays < 1 || c.Bridge.HotDays > 100 {
		bad("bridge.hot_days", "must be 1–100 (KM's limit)")
	}
	if c.Bridge.HotCount < 1 || c.Bridge.HotCount > 50 {
		bad("bridge.hot_count", "must be 1–50 (KM's limit)")
	}
	if c.Bridge.ActionTTL.D() <= 0 {
		bad("bridge.action_ttl", "must be positive, e.g. 168h")
	}
	if c.Bridge.CacheTTL.D() <= 0 {
		bad("bridge.cache_ttl", "must be positive, e.g. 5m")
	}
	if c.Bridge.InboxMaxAge.D() <= 0 {
		bad("bridge.inbox_max_age", "must be positive, e.g. 10m")
	}
	if d := c.Bridge.LeaseTTL.D(); d < time.Second || d > 5*time.Minute {
		bad("bridge.lease_ttl", "must be 1s–5m, e.g. 10s: leases are renewed every quarter of it, and a dead replica's conversations wait up to it")
	}

	if c.Slack.On() {
		if !strings.HasPrefix(c.Slack.BotToken, "xoxb-") {
			bad("slack.bot_token", "should be the bot token starting with xoxb- (Slack app › OAuth & Permissions)")
		}
		if c.Slack.AppToken == "" && c.Slack.SigningSecret == "" {
			bad("slack.signing_secret", "required for the Events API over HTTP (Slack app › Basic Information); or set slack.app_token for Socket Mode")
		}
		if c.Slack.AppToken != "" && !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
			bad("slack.app_token", "should be an app-level token starting with xapp- with the connections:write scope")
		}
		if !strings.HasPrefix(c.Slack.Command, "/") {
			bad("slack.command", "%q must start with /", c.Slack.Command)
		}
		if c.Slack.SlashReply != "dm" && c.Slack.SlashReply != "ephemeral" {
			bad("slack.slash_reply", "%q: use dm or ephemeral", c.Slack.SlashReply)
		}
	}
	if c.Slack.APIURL != "" {
		if err := checkURL(c.Slack.APIURL); err != nil {
			bad("slack.api_url", "%v", err)
		}
	}
	if c.Telegram.On() {
		if !strings.Contains(c.Telegram.Token, ":") {
			bad("telegram.token", "does not look like a bot token (123456:ABC…) from @BotFather")
		}
		if c.Telegram.WebhookURL != "" {
			if err := checkURL(c.Telegram.WebhookURL); err != nil || !strings.HasPrefix(c.Telegram.WebhookURL, "https://") {
				bad("telegram.webhook_url", "must be a public https:// URL ending in /telegram/webhook (Telegram only calls https)")
			}
			if len(c.Telegram.WebhookSecret) < 16 {
				bad("telegram.webhook_secret", "required with telegram.webhook_url: at least 16 characters of A-Z, a-z, 0-9, _ or -")
			}
		}
	}
	if c.Telegram.APIEndpoint != "" && !strings.Contains(c.Telegram.APIEndpoint, "%s") {
		bad("telegram.api_endpoint", "must contain two %%s (token and method), e.g. http://127.0.0.1:9000/bot%%s/%%s")
	}
	if c.Discord.On() && c.Discord.ApplicationID == "" {
		bad("discord.application_id", "required with discord.token (Developer Portal › General Information)")
	}
	if c.Discord.ShardCount < 0 || (c.Discord.ShardCount > 0 && (c.Discord.ShardID < 0 || c.Discord.ShardID >= c.Discord.ShardCount)) {
		bad("discord.shard_id", "must be 0 ≤ shard_id < shard_count")
	}
	if c.Escalation.Platform != "" {
		switch c.Escalation.Platform {
		case "slack", "telegram", "discord":
		default:
			bad("escalation.platform", "%q: use slack, telegram or discord (the agents' platform)", c.Escalation.Platform)
		}
		if c.Escalation.Channel == "" {
			bad("escalation.channel", "required with escalation.platform: the agents' channel or chat id")
		}
	}
	if c.Escalation.Language != "" {
		if _, ok := i18n.Match(c.Escalation.Language); !ok {
			bad("escalation.language", "%q is not supported: use en, zh or ja", c.Escalation.Language)
		}
	}
	if c.Escalation.UnclaimedAfter < 0 {
		bad("escalation.unclaimed_after", "%s: use a positive duration such as 5m, or 0 for no reminder", c.Escalation.UnclaimedAfter.D())
	}
	if p := c.Escalation.NotePrefix; p != "" && strings.TrimSpace(p) != p {
		bad("escalation.note_prefix", "%q: leave out the spaces (agents' notes start with it, e.g. //)", p)
	}
	if c.Escalation.AfterUnknown < 0 {
		bad("escalation.after_unknown", "%d: use 0 (never offer a person) or the number of unknown answers in a row, e.g. 2", c.Escalation.AfterUnknown)
	}
	if c.Escalation.KBCategoryID < 0 {
		bad("escalation.kb_category_id", "%d: use the id of a KM FAQ category (kmbridge km faq search shows each question's categoryId), or 0 to turn Save as FAQ off", c.Escalation.KBCategoryID)
	}
	for _, id := range c.Escalation.KBChannelIDs {
		if id <= 0 {
			bad("escalation.kb_channel_ids", "%d: use KM scene ids (positive integers), or leave it empty for km.channel_id", id)
		}
	}
	if c.Store.RedisURL != "" {
		if u, err := url.Parse(c.Store.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			bad("store.redis_url", "must look like redis://host:6379/0 or rediss://…")
		}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q: use debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q: use text or json", c.Log.Format)
	}
	if _, err := i18n.New(c.Bridge.Language, c.Messages); err != nil && c.Bridge.Language != "" {
		bad("messages", "%v", err)
	}
	return errors.Join(errs...)
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http(s) URL", s)
	}
	return nil
}
