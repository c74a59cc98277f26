package web

import "time"

// Config tunes the web chat. Zero fields take the defaults below.
type Config struct {
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
	// HistorySize is how many messages per conversation are replayed on
	// (re)connect (default 50).
	HistorySize int
	// Title is the page title; empty uses the catalogue's web.title.
	Title string
	// MaxConversations bounds the conversations held in memory (default 10000);
	// the least recently used one without an open socket is forgotten first.
	MaxConversations int
	// MaxSockets bounds the open sockets (tabs) of one conversation (default 8).
	MaxSockets int
	// IdleTTL forgets a conversation with no open socket after this (default 24h).
	IdleTTL time.Duration
}

// Defaults.
const (
	DefaultMaxMessageBytes  = 4096
	DefaultRatePerMinute    = 20
	DefaultRateBurst        = 5
	DefaultHistorySize      = 50
	DefaultMaxConversations = 10000
	DefaultMaxSockets       = 8
	DefaultIdleTTL          = 24 * time.Hour
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
	set(&c.MaxConversations, DefaultMaxConversations)
	set(&c.MaxSockets, DefaultMaxSockets)
	if c.IdleTTL <= 0 {
		c.IdleTTL = DefaultIdleTTL
	}
	return c
}
