package telegramadapter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
)

// Config configures the adapter. Zero fields take the defaults below; Validate
// names the key and the fix for a bad value.
type Config struct {
	// Token is the bot token from @BotFather (telegram.token). Required.
	Token string
	// APIEndpoint overrides the Bot API URL pattern (telegram.api_endpoint): two %s,
	// the token and the method, e.g. "http://127.0.0.1:9000/bot%s/%s". Default
	// tgbotapi.APIEndpoint.
	APIEndpoint string
	// WebhookURL switches to webhook mode (telegram.webhook_url): the public https
	// URL Telegram posts updates to; it must reach POST /telegram/webhook.
	WebhookURL string
	// WebhookSecret is sent to Telegram as secret_token and required back in
	// X-Telegram-Bot-Api-Secret-Token (telegram.webhook_secret): 1–256 of A-Z,
	// a-z, 0-9, _ and -. Required with WebhookURL.
	WebhookSecret string

	// Scope groups group-chat messages into conversations (bridge.channel_scope):
	// ScopeThread, the service's default, is one conversation per user in a
	// group and one per forum topic, shared by everyone in it; ScopeUser is one
	// per user in a group and per user in each topic. "" is ScopeUser.
	Scope bridge.Scope

	// PollTimeout is the long-poll timeout of getUpdates (default 25s).
	PollTimeout time.Duration
	// HTTPTimeout bounds every Bot API HTTP request, the long poll included
	// (default 60s; must exceed PollTimeout by 5s).
	HTTPTimeout time.Duration

	// PerChatInterval is the least time between two messages to one chat (default
	// 1s; negative: no spacing). Telegram asks for about one message a second.
	PerChatInterval time.Duration
	// PerChatBurst is how many messages may go to one chat back to back before
	// the interval applies (default 3): Telegram tolerates short bursts, and an
	// answer often takes two or three messages.
	PerChatBurst int
	// GroupPerMinute bounds the messages to one group per minute (default 20;
	// negative: no bound).
	GroupPerMinute int
	// GlobalPerSecond bounds all calls that send something (default 30; negative:
	// no bound).
	GlobalPerSecond int

	// MaxBodyBytes bounds a webhook request body (default 1 MiB).
	MaxBodyBytes int64
	// InlineCacheTime is how long Telegram may cache an inline answer for the
	// user who asked (default 10s; results are personal).
	InlineCacheTime time.Duration
	// MemoSize bounds each of the adapter's in-memory tables (reply keyboards per
	// conversation, inline suggestions per user, the messages with buttons the
	// bot sent, last message per group conversation); default 10000 entries each.
	MemoSize int

	// PublicURL is how the outside world reaches the bridge (http.public_url).
	// When set, files users send get links through the bridge
	// (GET /telegram/file/…), since Telegram's own file links carry the bot
	// token; when empty, a file is named but not linked.
	PublicURL string
	// FileLinkTTL is how long a file link keeps working (default 7 days, the
	// life of a button).
	FileLinkTTL time.Duration
	// MaxFileBytes bounds a file fetched through a link (default 20 MiB, the
	// most the Bot API hands out).
	MaxFileBytes int64
	// FileTimeout bounds the fetch of one file, getFile and download together
	// (default 60s).
	FileTimeout time.Duration
}

// Defaults.
const (
	DefaultPollTimeout     = 25 * time.Second
	DefaultHTTPTimeout     = 60 * time.Second
	DefaultPerChatInterval = time.Second
	DefaultPerChatBurst    = 3
	DefaultGroupPerMinute  = 20
	DefaultGlobalPerSecond = 30
	DefaultMaxBodyBytes    = 1 << 20
	DefaultInlineCacheTime = 10 * time.Second
	DefaultMemoSize        = 10000
	DefaultFileLinkTTL     = 7 * 24 * time.Hour
	DefaultMaxFileBytes    = 20 << 20
	DefaultFileTimeout     = 60 * time.Second
)

func (c Config) withDefaults() Config {
	if c.APIEndpoint == "" {
		c.APIEndpoint = tgbotapi.APIEndpoint
	}
	if c.Scope == "" {
		c.Scope = bridge.ScopeUser
	}
	if c.PollTimeout == 0 {
		c.PollTimeout = DefaultPollTimeout
	}
	if c.HTTPTimeout == 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.PerChatInterval == 0 {
		c.PerChatInterval = DefaultPerChatInterval
	}
	if c.PerChatBurst <= 0 {
		c.PerChatBurst = DefaultPerChatBurst
	}
	if c.GroupPerMinute == 0 {
		c.GroupPerMinute = DefaultGroupPerMinute
	}
	if c.GlobalPerSecond == 0 {
		c.GlobalPerSecond = DefaultGlobalPerSecond
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.InlineCacheTime == 0 {
		c.InlineCacheTime = DefaultInlineCacheTime
	}
	if c.MemoSize <= 0 {
		c.MemoSize = DefaultMemoSize
	}
	if c.FileLinkTTL <= 0 {
		c.FileLinkTTL = DefaultFileLinkTTL
	}
	if c.MaxFileBytes <= 0 {
		c.MaxFileBytes = DefaultMaxFileBytes
	}
	if c.FileTimeout <= 0 {
		c.FileTimeout = DefaultFileTimeout
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c
}

// Validate reports every bad value (after defaults), naming the configuration key.
// It never prints the token or the secret.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Token == "" {
		bad("telegram.token: required: the bot token @BotFather gave you (123456:ABC…)")
	} else if !strings.Contains(c.Token, ":") || strings.ContainsAny(c.Token, " /?#%\n") {
		bad("telegram.token: does not look like a bot token (123456:ABC…) from @BotFather")
	}
	if strings.Count(c.APIEndpoint, "%s") != 2 {
		bad("telegram.api_endpoint: must contain two %%s (token and method), e.g. http://127.0.0.1:9000/bot%%s/%%s")
	}
	if c.WebhookURL != "" {
		if !strings.HasPrefix(c.WebhookURL, "https://") && !strings.HasPrefix(c.WebhookURL, "http://") {
			bad("telegram.webhook_url: must be the public https:// URL of /telegram/webhook")
		}
		if !validSecret(c.WebhookSecret) {
			bad("telegram.webhook_secret: required with telegram.webhook_url: 1–256 characters of A-Z, a-z, 0-9, _ or -")
		}
	}
	if _, err := bridge.ParseScope(string(c.Scope)); err != nil {
		bad("bridge.channel_scope: %v", err)
	}
	if c.PollTimeout < time.Second || c.PollTimeout > 50*time.Second {
		bad("telegram poll timeout: must be 1s…50s, got %s", c.PollTimeout)
	}
	if c.HTTPTimeout < c.PollTimeout+5*time.Second {
		bad("telegram http timeout (%s) must exceed the poll timeout (%s) by at least 5s", c.HTTPTimeout, c.PollTimeout)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("http.public_url: must be the bridge's public http(s) URL, e.g. https://bot.example.com")
		}
	}
	if c.InlineCacheTime < 0 {
		bad("telegram inline cache time: must not be negative, got %s", c.InlineCacheTime)
	}
	if len(errs) > 0 {
		return fmt.Errorf("telegram: config: %w", errors.Join(errs...))
	}
	return nil
}

// validSecret reports whether s is a secret_token Telegram accepts.
func validSecret(s string) bool {
	if len(s) < 1 || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
