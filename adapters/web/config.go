package webadapter

import (
	"encoding/json"
	"net/netip"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
)

// Config tunes the web chat. Zero fields take the defaults below, except the
// per-IP limits, where 0 is "no limit" as in the configuration file.
type Config struct {
	// render turns a message into the page's JSON; nil is webfmt's. Tests
	// swap it to see what the adapter does with what the core sends.
	render func(formatting.Message) (json.RawMessage, error)

	// AllowedOrigins are other sites ("https://shop.example") whose pages may
	// frame the chat page (the widget) and open its WebSocket directly. The
	// chat's own host is always allowed.
	AllowedOrigins []string
	// FrameAncestors overrides CSP frame-ancestors (sources such as
	// "https://shop.example" or "*"). Default: 'self' and AllowedOrigins.
	FrameAncestors []string
	// MaxMessageBytes bounds one typed message (default 4096 bytes of UTF-8).
	MaxMessageBytes int
	// RatePerMinute and RateBurst bound the messages and clicks of one
	// conversation (default 20 per minute, burst 5).
	RatePerMinute int
	RateBurst     int
	// MessagesPerMinPerIP bounds the messages and clicks of one client
	// address across its conversations (web.messages_per_min); 0: no limit.
	MessagesPerMinPerIP int
	// MaxNewPerIPPerMin bounds the conversations one client address may start
	// a minute (web.max_new_per_ip_per_min): a conversation starts with its
	// first message or click, not with a connection; 0: no limit.
	MaxNewPerIPPerMin int
	// TrustedProxies are the proxies whose X-Forwarded-For tells the client's
	// address (http.trusted_proxies); empty: the peer is the client.
	TrustedProxies []netip.Prefix
	// HistorySize is how many messages per conversation the store keeps and a
	// (re)connecting tab is shown (default 50; the core allows at most 500).
	HistorySize int
	// Title is the page title; empty uses the catalogue's web.title.
	Title string
	// MaxOpenSockets bounds the open sockets (tabs) of the whole chat, which is
	// what the chat holds in memory (default 50000, about 0.7 GB at 13 KB each; see the
	// package doc). A conversation without an open tab holds no memory at all:
	// its history is in the store.
	MaxOpenSockets int
	// MaxSockets bounds the open sockets (tabs) of one conversation (default 8).
	MaxSockets int
	// ActionTTL is how long the core keeps buttons clickable (bridge.action_ttl,
	// default 7 days). The shared welcome is rebuilt, with fresh buttons, after
	// half of it (and at least hourly, so FAQ changes show).
	ActionTTL time.Duration
}

// Defaults.
const (
	DefaultMaxMessageBytes = 4096
	DefaultRatePerMinute   = 20
	DefaultRateBurst       = 5
	DefaultHistorySize     = 50
	DefaultMaxOpenSockets  = 50000
	DefaultMaxSockets      = 8
	DefaultActionTTL       = 7 * 24 * time.Hour
)

func (c Config) withDefaults() Config {
	set := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	set(&c.MaxMessageBytes, DefaultMaxMessageBytes)
	set(&c.RatePerMinute, DefaultRatePerMinute)
	set(&c.RateBurst, DefaultRateBurst)
	set(&c.HistorySize, DefaultHistorySize)
	set(&c.MaxOpenSockets, DefaultMaxOpenSockets)
	set(&c.MaxSockets, DefaultMaxSockets)
	c.MessagesPerMinPerIP = max(c.MessagesPerMinPerIP, 0)
	c.MaxNewPerIPPerMin = max(c.MaxNewPerIPPerMin, 0)
	if c.ActionTTL <= 0 {
		c.ActionTTL = DefaultActionTTL
	}
	return c
}

// greetingTTL is how long a shared welcome is shown before it is rebuilt:
// well within its buttons' life, so a button on a page opened just before a
// rebuild still works for at least as long again.
func (c Config) greetingTTL() time.Duration { return min(c.ActionTTL/2, time.Hour) }
