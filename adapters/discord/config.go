package discordadapter

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
)

// Config configures the adapter. The first block maps one to one onto the
// discord section of the configuration file; the rest are tuning knobs whose
// zero values take the defaults below. Validate names the key and the fix.
type Config struct {
	// Token is the bot token (discord.token), with or without the "Bot " prefix.
	Token string
	// ApplicationID is the application id (discord.application_id): commands are
	// registered under it and interaction webhooks are addressed with it.
	ApplicationID string
	// PublicKey is the application's Ed25519 public key in hex
	// (discord.public_key). Set, Routes mounts POST /discord/interactions and
	// accepts only requests signed with its private half.
	PublicKey string
	// GuildIDs limits the bot to these servers (discord.guild_ids) and registers
	// its commands in each of them (instantly visible); empty: every server the
	// bot is in, with global commands.
	GuildIDs []string
	// Channels are channels where every message is a question
	// (discord.channels); elsewhere in a server only @mentions are answered.
	Channels []string
	// Scope groups server messages into conversations (bridge.channel_scope):
	// bridge.ScopeThread (default) is one conversation per thread,
	// bridge.ScopeUser one per user in each thread, bridge.ScopeChannel one per
	// thread shared by everyone. DMs are always one per user.
	Scope bridge.Scope
	// ShardID and ShardCount split the gateway between processes
	// (discord.shard_id, discord.shard_count); 0 and 0 mean one process. Only
	// shard 0 receives DMs and registers the commands.
	ShardID, ShardCount int
	// APIURL is the REST base (discord.api_url), default DefaultAPIURL. Requests
	// discordgo addresses to Discord are rewritten to it (tests, proxies).
	APIURL string

	// HTTPTimeout bounds every REST request (default 30s).
	HTTPTimeout time.Duration
	// LookupTimeout bounds a channel lookup made while an event waits (default 2s).
	LookupTimeout time.Duration
	// SuggestTimeout bounds an autocomplete's KM call; Discord wants the choices
	// within 3 s (default 2s).
	SuggestTimeout time.Duration
	// MaxRetries bounds the retries of one REST call answered 429 or 5xx
	// (default 5).
	MaxRetries int
	// InteractionWindow is how long a slash command's interaction carries the
	// answers to its conversation (as its response and followups); Discord
	// accepts them for 15 minutes (default 10m).
	InteractionWindow time.Duration
	// ThinkingTimeout deletes a deferred "is thinking…" response nothing has
	// replaced after this long, e.g. when KM chose to stay silent (default 2m).
	ThinkingTimeout time.Duration
	// SignatureMaxAge rejects HTTP interactions whose signed timestamp is further
	// than this from now (default 5m): a replayed request cannot be used later.
	SignatureMaxAge time.Duration
	// MaxBodyBytes bounds an HTTP interaction body (default 1 MiB).
	MaxBodyBytes int64
	// MemoSize bounds each in-memory table of the adapter (default 10000).
	MemoSize int
	// ThreadArchive is the auto-archive duration of the threads the bot starts,
	// in minutes: 60, 1440, 4320 or 10080 (default 1440).
	ThreadArchive int
}

// DefaultAPIURL is Discord's REST base, the one discordgo v0.29 (API v9) addresses.
const DefaultAPIURL = "https://discord.com/api/v9/"

// Defaults.
const (
	DefaultHTTPTimeout       = 30 * time.Second
	DefaultLookupTimeout     = 2 * time.Second
	DefaultSuggestTimeout    = 2 * time.Second
	DefaultMaxRetries        = 5
	DefaultInteractionWindow = 10 * time.Minute
	DefaultThinkingTimeout   = 2 * time.Minute
	DefaultSignatureMaxAge   = 5 * time.Minute
	DefaultMaxBodyBytes      = 1 << 20
	DefaultMemoSize          = 10000
	DefaultThreadArchive     = 1440
)

func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/"
	}
	if c.ShardCount == 0 {
		c.ShardCount = 1
	}
	if c.Scope == "" {
		c.Scope = bridge.ScopeThread
	}
	dur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	dur(&c.HTTPTimeout, DefaultHTTPTimeout)
	dur(&c.LookupTimeout, DefaultLookupTimeout)
	dur(&c.SuggestTimeout, DefaultSuggestTimeout)
	dur(&c.InteractionWindow, DefaultInteractionWindow)
	dur(&c.ThinkingTimeout, DefaultThinkingTimeout)
	dur(&c.SignatureMaxAge, DefaultSignatureMaxAge)
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MemoSize == 0 {
		c.MemoSize = DefaultMemoSize
	}
	if c.ThreadArchive == 0 {
		c.ThreadArchive = DefaultThreadArchive
	}
	return c
}

// bareToken is the token without the "Bot " prefix an operator may have
// pasted with it.
func (c Config) bareToken() string {
	t := strings.TrimSpace(c.Token)
	if t == "Bot" {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(t, "Bot "))
}

// botToken is the token as the Authorization header wants it.
func (c Config) botToken() string { return "Bot " + c.bareToken() }

// Validate reports every bad value, naming its configuration key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	tok := c.bareToken()
	switch {
	case tok == "":
		bad("discord.token", "required: the bot token from Developer Portal › your application › Bot › Reset Token")
	case strings.ContainsAny(tok, " \t\r\n"):
		bad("discord.token", "contains white space; paste the token alone")
	}
	if !snowflake(c.ApplicationID) {
		bad("discord.application_id", "%q: the numeric application id from Developer Portal › General Information", c.ApplicationID)
	}
	if c.PublicKey != "" {
		if k, err := hex.DecodeString(strings.TrimSpace(c.PublicKey)); err != nil || len(k) != 32 {
			bad("discord.public_key", "must be the 64 hex digits of Developer Portal › General Information › Public Key")
		}
	}
	for _, id := range c.GuildIDs {
		if !snowflake(id) {
			bad("discord.guild_ids", "%q is not a server id (enable Developer Mode, right-click the server, Copy Server ID)", id)
		}
	}
	for _, id := range c.Channels {
		if !snowflake(id) {
			bad("discord.channels", "%q is not a channel id (enable Developer Mode, right-click the channel, Copy Channel ID)", id)
		}
	}
	if _, err := bridge.ParseScope(string(c.Scope)); err != nil {
		bad("bridge.channel_scope", "%q: use thread, user or channel", c.Scope)
	}
	if c.ShardCount < 1 || c.ShardID < 0 || c.ShardID >= c.ShardCount {
		bad("discord.shard_id", "must be 0 ≤ shard_id < shard_count, got %d of %d", c.ShardID, c.ShardCount)
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("discord.api_url", "%q is not an http(s) URL", c.APIURL)
	}
	for _, d := range []time.Duration{c.HTTPTimeout, c.LookupTimeout, c.SuggestTimeout, c.InteractionWindow, c.ThinkingTimeout, c.SignatureMaxAge} {
		if d < 0 {
			bad("discord", "durations must not be negative, got %s", d)
			break
		}
	}
	if c.SuggestTimeout >= discordgo.InteractionDeadline {
		bad("discord", "suggest timeout %s leaves no room within Discord's 3 s", c.SuggestTimeout)
	}
	if c.InteractionWindow > 14*time.Minute {
		bad("discord", "interaction window %s: Discord accepts followups for 15 minutes; keep it at most 14m", c.InteractionWindow)
	}
	if c.MaxRetries < 0 || c.MaxBodyBytes < 0 || c.MemoSize < 0 {
		bad("discord", "retries, body limit and memo size must not be negative")
	}
	switch c.ThreadArchive {
	case 60, 1440, 4320, 10080:
	default:
		bad("discord", "thread archive %d: use 60, 1440, 4320 or 10080 minutes", c.ThreadArchive)
	}
	if len(errs) > 0 {
		return fmt.Errorf("discord: config: %w", errors.Join(errs...))
	}
	return nil
}

// snowflake reports whether s looks like a Discord id: 1–20 decimal digits.
func snowflake(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
