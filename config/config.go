// Package config is kmbridge's one typed configuration: a YAML file plus
// KMBRIDGE_<SECTION>_<KEY> environment overrides (environment wins), with defaults
// that make an empty configuration a working demo, and a Validate whose messages
// name the key and the fix.
package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is the whole configuration. Each platform section enables its adapter
// when its credentials are set.
type Config struct {
	KM         KM         `yaml:"km"`
	HTTP       HTTP       `yaml:"http"`
	Web        Web        `yaml:"web"`
	Bridge     Bridge     `yaml:"bridge"`
	Slack      Slack      `yaml:"slack"`
	Telegram   Telegram   `yaml:"telegram"`
	Discord    Discord    `yaml:"discord"`
	Escalation Escalation `yaml:"escalation"`
	Store      Store      `yaml:"store"`
	Log        Log        `yaml:"log"`
	// Messages overrides the bridge's own words: language ("en", "zh", "ja") →
	// message id → text. See README, "Messages".
	Messages map[string]map[string]string `yaml:"messages" env:"-"`
}

// KM is the Udesk KM robot kmbridge talks to.
type KM struct {
	// BaseURL of the KM API, e.g. https://km.udesk.cn/api. Required unless
	// kmbridge runs in demo mode (see Demo).
	BaseURL string `yaml:"base_url"`
	// Demo: true answers from the built-in simulator with the sample knowledge
	// base, false never does; unset (the default), demo mode runs only when
	// neither km.base_url nor any platform is configured.
	Demo        *bool    `yaml:"demo"`
	Email       string   `yaml:"email"`
	Token       string   `yaml:"token" secret:"true"`
	SignVersion string   `yaml:"sign_version"` // v1 (default) or v2
	RobotID     int64    `yaml:"robot_id"`
	ChannelID   int64    `yaml:"channel_id"`
	ModelKey    string   `yaml:"model_key"`
	AccessKeyID string   `yaml:"access_key_id"`
	Timeout     Duration `yaml:"timeout"`
	Streaming   bool     `yaml:"streaming"`
	// SessionIdleTTL: a conversation idle this long gets a fresh KM session.
	SessionIdleTTL Duration `yaml:"session_idle_ttl"`
}

// HTTP is the one HTTP server for webhooks, web chat, health and metrics.
type HTTP struct {
	Listen string `yaml:"listen"`
	// PublicURL is how the outside world reaches the server (webhook registration).
	PublicURL string `yaml:"public_url"`
	// TrustedProxies are the reverse proxies (CIDR prefixes or single
	// addresses) whose X-Forwarded-For is believed when telling clients apart
	// (per-IP limits, logs). Empty: the direct peer is the client.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// MetricsListen, when set, serves /metrics on this host:port instead of on
	// Listen, so metrics need not be public where webhooks are.
	MetricsListen string `yaml:"metrics_listen"`
	// ShutdownTimeout bounds the drain at shutdown: in-flight HTTP requests
	// and conversations being answered. What is left unanswered stays in the
	// inbox for the next start (or another replica).
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
}

// Proxies returns TrustedProxies parsed; an entry that does not parse is left
// out (Validate reports it).
func (h HTTP) Proxies() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range h.TrustedProxies {
		if p, err := parseProxy(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// parseProxy reads a CIDR prefix or a single address (a one-address prefix),
// IPv4-mapped IPv6 written as IPv4, so that it matches clients as
// httpserver.ClientIP sees them.
func parseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("%q: write IPv4 ranges as IPv4, e.g. 10.0.0.0/8", s)
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// Web is the web chat and its embeddable widget.
type Web struct {
	Enabled        *bool    `yaml:"enabled"` // default true
	AllowedOrigins []string `yaml:"allowed_origins"`
	// FrameAncestors are the sites allowed to embed the chat page in a frame
	// (CSP frame-ancestors); default 'self' plus allowed_origins.
	FrameAncestors []string `yaml:"frame_ancestors"`
	Title          string   `yaml:"title"`
	// MaxNewPerIPPerMin bounds the new conversations one client IP may start per
	// minute (behind a proxy, set http.trusted_proxies); 0: no limit.
	MaxNewPerIPPerMin int `yaml:"max_new_per_ip_per_min"`
	// MessagesPerMin bounds the messages and button clicks one client IP may
	// send per minute, across its conversations; 0: no limit.
	MessagesPerMin int `yaml:"messages_per_min"`
}

// On reports whether the web chat runs (default true).
func (w Web) On() bool { return w.Enabled == nil || *w.Enabled }

// Bridge tunes the core.
type Bridge struct {
	// Language is the default for users whose platform does not tell (en, zh, ja).
	Language string `yaml:"language"`
	// ChannelScope: "thread" (each thread its own KM session, default) or "user"
	// (one KM session per user in a shared channel).
	ChannelScope    string   `yaml:"channel_scope"`
	Workers         int      `yaml:"workers"`
	QueueSize       int      `yaml:"queue_size"`
	ActionTTL       Duration `yaml:"action_ttl"`
	TranscriptTurns int      `yaml:"transcript_turns"`
	// ButtonGroups: how many of a conversation's latest messages keep working
	// buttons; an older message's buttons answer "expired".
	ButtonGroups int      `yaml:"button_groups"`
	HotDays      int      `yaml:"hot_days"`
	HotCount     int      `yaml:"hot_count"`
	CacheTTL     Duration `yaml:"cache_ttl"`
	// InboxMaxAge: an accepted event still unanswered this long after delivery
	// (it waited out a restart) gets an apology instead of a stale answer.
	InboxMaxAge Duration `yaml:"inbox_max_age"`
	// LeaseTTL (with store.redis_url): how long a replica's hold on a
	// conversation, or on a singleton such as Telegram polling, outlives its
	// last renewal; a dead replica's work moves to another within about this.
	LeaseTTL Duration `yaml:"lease_ttl"`
	// ReplicaID names this replica in leases, logs and metrics; empty: the
	// host name (a Kubernetes pod's name).
	ReplicaID string `yaml:"replica_id"`
}

// Slack is the Slack app.
type Slack struct {
	BotToken      string `yaml:"bot_token" secret:"true"`
	SigningSecret string `yaml:"signing_secret" secret:"true"`
	AppToken      string `yaml:"app_token" secret:"true"` // set: Socket Mode
	APIURL        string `yaml:"api_url"`
	Command       string `yaml:"command"`
	// SlashReply: "dm" (default) answers /ask in a DM, "ephemeral" in the channel.
	SlashReply string `yaml:"slash_reply"`
}

// On reports whether the Slack adapter runs.
func (s Slack) On() bool { return s.BotToken != "" }

// Telegram is the Telegram bot.
type Telegram struct {
	Token         string `yaml:"token" secret:"true"`
	APIEndpoint   string `yaml:"api_endpoint"`
	WebhookURL    string `yaml:"webhook_url"`
	WebhookSecret string `yaml:"webhook_secret" secret:"true"`
}

// On reports whether the Telegram adapter runs.
func (t Telegram) On() bool { return t.Token != "" }

// Discord is the Discord bot.
type Discord struct {
	Token         string   `yaml:"token" secret:"true"`
	ApplicationID string   `yaml:"application_id"`
	PublicKey     string   `yaml:"public_key"`
	GuildIDs      []string `yaml:"guild_ids"`
	Channels      []string `yaml:"channels"`
	ShardID       int      `yaml:"shard_id"`
	ShardCount    int      `yaml:"shard_count"`
	APIURL        string   `yaml:"api_url"`
}

// On reports whether the Discord adapter runs.
func (d Discord) On() bool { return d.Token != "" }

// Escalation is the hand-over to human agents: where their channel is and how
// cases run there.
type Escalation struct {
	Platform       string   `yaml:"platform"`        // the agents' platform: slack, telegram or discord
	Channel        string   `yaml:"channel"`         // the agents' channel or chat id
	Language       string   `yaml:"language"`        // what agents read; "" is bridge.language
	UnclaimedAfter Duration `yaml:"unclaimed_after"` // one reminder for an unclaimed case; 0 never
	NotePrefix     string   `yaml:"note_prefix"`     // agents' messages starting with it stay internal
	KBCategoryID   int64    `yaml:"kb_category_id"`  // "Save as FAQ" creates questions here
	KBChannelIDs   []int64  `yaml:"kb_channel_ids"`  // and in these scenes (empty: km.channel_id)
	AfterUnknown   int      `yaml:"after_unknown"`   // offer a person after that many unknown answers in a row; 0 never
}

// Store is where conversations, sessions and buttons are kept.
type Store struct {
	RedisURL     string `yaml:"redis_url" secret:"true"`
	SnapshotPath string `yaml:"snapshot_path"`
}

// Log configures logging.
type Log struct {
	Level  string `yaml:"level"`  // debug, info (default), warn, error
	Format string `yaml:"format"` // text (default) or json
}

// Defaults returns the configuration used for every key the file and environment
// leave unset.
func Defaults() Config {
	return Config{
		KM: KM{
			SignVersion:    "v1",
			Timeout:        Duration(15 * time.Second),
			SessionIdleTTL: Duration(30 * time.Minute),
		},
		HTTP: HTTP{Listen: "127.0.0.1:8080", ShutdownTimeout: Duration(20 * time.Second)},
		// A visitor starts a conversation or two and writes a few lines a minute;
		// 20 leaves room for an office behind one NAT address while a script
		// opening thousands of conversations stops after 20.
		Web: Web{MaxNewPerIPPerMin: 20, MessagesPerMin: 20},
		Bridge: Bridge{
			Language:     "en",
			ChannelScope: "thread",
			// A worker is a goroutine of a conversation with a turn in progress,
			// started when needed: idle slots cost nothing. 1,024 lets 1,000
			// conversations wait on a slow KM at once (issue #14: 300 ms KM
			// latency, 1,000 in flight); 256 capped that at 256 / 0.3 s ≈ 850
			// answers/s. KM's and the platforms' idle connections and the Redis
			// pool follow this number.
			Workers:         1024,
			QueueSize:       16,
			ActionTTL:       Duration(7 * 24 * time.Hour),
			TranscriptTurns: 20,
			ButtonGroups:    8,
			HotDays:         30,
			HotCount:        10,
			CacheTTL:        Duration(5 * time.Minute),
			InboxMaxAge:     Duration(10 * time.Minute),
			LeaseTTL:        Duration(10 * time.Second),
		},
		Slack:      Slack{Command: "/ask", SlashReply: "dm"},
		Escalation: Escalation{UnclaimedAfter: Duration(5 * time.Minute), NotePrefix: "//"},
		Store:      Store{SnapshotPath: "kmbridge-state.json"},
		Log:        Log{Level: "info", Format: "text"},
	}
}

// Demo reports whether kmbridge runs against the built-in simulator: when
// km.demo says so, else only for the zero-configuration first run (no
// km.base_url and no platform). With a platform configured an empty km.base_url
// is a mistake, not a wish for the sample knowledge base, which real users would
// otherwise be answered from; Validate reports it.
func (c *Config) Demo() bool {
	if c.KM.Demo != nil {
		return *c.KM.Demo
	}
	return c.KM.BaseURL == "" && len(c.Platforms()) == 0
}

// Platforms names the chat platforms whose credentials are set (the web chat,
// on by default, is not counted).
func (c *Config) Platforms() []string {
	var out []string
	if c.Slack.On() {
		out = append(out, "slack")
	}
	if c.Telegram.On() {
		out = append(out, "telegram")
	}
	if c.Discord.On() {
		out = append(out, "discord")
	}
	return out
}
