package bridge

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes the core. Zero fields take the defaults of DefaultConfig; Validate
// names the key and the fix for a bad value.
type Config struct {
	// KM identity, sent with initClient and the list calls.
	RobotID     int64  // km.robot_id (required)
	ChannelID   int64  // km.channel_id (required)
	ModelKey    string // km.model_key: FAQ template id
	AccessKeyID string // km.access_key_id

	// KMTimeout bounds every KM call (the user hears an apology when it passes).
	KMTimeout time.Duration // km.timeout, default 10s
	// StreamTimeout bounds a whole streaming answer (KM's model bound is 60s).
	StreamTimeout time.Duration // default 60s
	// Streaming asks KM through v2 newChat in streaming mode.
	Streaming bool // km.streaming
	// ChatV2 makes the blocking question call v2 newChat (blocking) instead of v1 chat.
	ChatV2 bool
	// SessionIdleTTL: a KM session idle longer than this is silently replaced.
	SessionIdleTTL time.Duration // km.session_idle_ttl, default 30m
	// SessionRetention is how long a conversation is remembered (for "first
	// contact" and its welcome) after its last use.
	SessionRetention time.Duration // default 30 days

	// ActionTTL is how long a button stays clickable.
	ActionTTL time.Duration // default 7 days
	// ButtonGroups is how many of a conversation's latest messages keep
	// working buttons; an older message's buttons answer "expired".
	ButtonGroups int // bridge.button_groups, default 8
	// SuggestTTL is how long a typeahead suggestion stays clickable.
	SuggestTTL time.Duration // default 15m
	// DedupeTTL is how long Seen remembers a delivery id.
	DedupeTTL time.Duration // default 1h
	// SeenTimeout bounds Seen: adapters call it before they acknowledge a delivery,
	// so a stalled store must fail fast rather than push the ack past the
	// platform's deadline (Slack and Discord: 3 s).
	SeenTimeout time.Duration // default 1s
	// RatedTTL is how long a rated logId is remembered (defaults to ActionTTL).
	RatedTTL time.Duration

	// Workers bounds the conversations handled at the same time.
	Workers int // default 1024
	// QueueSize bounds the events waiting in one conversation's queue.
	QueueSize int // default 16
	// TypingInterval renews the typing indicator while KM works.
	TypingInterval time.Duration // default 4s
	// EditInterval is the least time between two edits of a streaming message.
	EditInterval time.Duration // default 1s
	// SendTimeout bounds one adapter Send/Edit (adapters pace and retry inside
	// it), or InboxMaxAge when that is longer: a reply waiting in a hot
	// channel's pacing queue waits its turn rather than being dropped.
	SendTimeout time.Duration // default 30s
	// BusyReplyTimeout bounds the "busy, try again" reply sent when a queue is full.
	BusyReplyTimeout time.Duration // default 5s
	// InboxMaxAge: an accepted event still unanswered this long after it was
	// delivered (it waited out a restart) gets a short apology instead of a
	// stale answer.
	InboxMaxAge time.Duration // bridge.inbox_max_age, default 10m

	// LeaseTTL is how long a replica's lease on a conversation (or a Lead
	// leadership) outlives its last renewal on a Shared store: a dead
	// replica's conversations are taken over by another within about this
	// long. Leases are renewed every quarter of it, and a replica that could
	// not renew stops sending a fifth of it before the lease can pass on.
	LeaseTTL time.Duration // bridge.lease_ttl, default 10s
	// ReplicaID names this replica in leases, logs and metrics (default: the
	// host name). A random part is added per process, so two replicas with
	// one id never take each other's leases for their own.
	ReplicaID string // bridge.replica_id

	// ListCacheTTL is how long FAQ and hot-question lists are cached.
	ListCacheTTL time.Duration // default 5m
	// HotDays and HotCount parameterise hotQuestions (KM caps: 100 days, 50 results).
	HotDays  int // default 30
	HotCount int // default 10

	// TranscriptTurns is how many turns per conversation are kept for escalation.
	TranscriptTurns int // default 50
	// SummaryRunes truncates each turn (a bot answer, a user's text) in the transcript.
	SummaryRunes int // default 500
}

// MinLeaseTTL is the shortest LeaseTTL Validate accepts.
const MinLeaseTTL = 100 * time.Millisecond

// DefaultConfig returns the defaults (without the KM identity).
func DefaultConfig() Config {
	return Config{
		KMTimeout:        10 * time.Second,
		StreamTimeout:    60 * time.Second,
		SessionIdleTTL:   30 * time.Minute,
		SessionRetention: 30 * 24 * time.Hour,
		ActionTTL:        7 * 24 * time.Hour,
		SuggestTTL:       15 * time.Minute,
		DedupeTTL:        time.Hour,
		SeenTimeout:      time.Second,
		Workers:          1024,
		QueueSize:        16,
		TypingInterval:   4 * time.Second,
		EditInterval:     time.Second,
		SendTimeout:      30 * time.Second,
		BusyReplyTimeout: 5 * time.Second,
		InboxMaxAge:      10 * time.Minute,
		LeaseTTL:         10 * time.Second,
		ListCacheTTL:     5 * time.Minute,
		HotDays:          30,
		HotCount:         10,
		TranscriptTurns:  50,
		SummaryRunes:     500,
		ButtonGroups:     8,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	durs := []struct{ v, d *time.Duration }{
		{&c.KMTimeout, &d.KMTimeout}, {&c.StreamTimeout, &d.StreamTimeout},
		{&c.SessionIdleTTL, &d.SessionIdleTTL}, {&c.SessionRetention, &d.SessionRetention},
		{&c.ActionTTL, &d.ActionTTL}, {&c.SuggestTTL, &d.SuggestTTL}, {&c.DedupeTTL, &d.DedupeTTL},
		{&c.TypingInterval, &d.TypingInterval}, {&c.EditInterval, &d.EditInterval},
		{&c.SendTimeout, &d.SendTimeout}, {&c.BusyReplyTimeout, &d.BusyReplyTimeout},
		{&c.ListCacheTTL, &d.ListCacheTTL}, {&c.SeenTimeout, &d.SeenTimeout},
		{&c.InboxMaxAge, &d.InboxMaxAge}, {&c.LeaseTTL, &d.LeaseTTL},
	}
	for _, x := range durs {
		if *x.v == 0 {
			*x.v = *x.d
		}
	}
	ints := []struct{ v, d *int }{
		{&c.Workers, &d.Workers}, {&c.QueueSize, &d.QueueSize}, {&c.HotDays, &d.HotDays},
		{&c.HotCount, &d.HotCount}, {&c.TranscriptTurns, &d.TranscriptTurns},
		{&c.SummaryRunes, &d.SummaryRunes}, {&c.ButtonGroups, &d.ButtonGroups},
	}
	for _, x := range ints {
		if *x.v == 0 {
			*x.v = *x.d
		}
	}
	if c.RatedTTL == 0 {
		c.RatedTTL = c.ActionTTL
	}
	return c
}

// Validate reports every bad value (after defaults are applied), naming the key.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.RobotID <= 0 {
		bad("km.robot_id: must be the KM robot id (a positive integer), got %d", c.RobotID)
	}
	if c.ChannelID <= 0 {
		bad("km.channel_id: must be the KM channel (scene) id (a positive integer), got %d", c.ChannelID)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"km.timeout", c.KMTimeout}, {"stream timeout", c.StreamTimeout},
		{"km.session_idle_ttl", c.SessionIdleTTL}, {"session retention", c.SessionRetention},
		{"action ttl", c.ActionTTL}, {"suggest ttl", c.SuggestTTL}, {"dedupe ttl", c.DedupeTTL},
		{"rated ttl", c.RatedTTL}, {"typing interval", c.TypingInterval},
		{"edit interval", c.EditInterval}, {"send timeout", c.SendTimeout},
		{"busy reply timeout", c.BusyReplyTimeout}, {"list cache ttl", c.ListCacheTTL},
		{"seen timeout", c.SeenTimeout}, {"inbox_max_age", c.InboxMaxAge},
		{"lease_ttl", c.LeaseTTL},
	} {
		if d.v < 0 {
			bad("%s: must be a positive duration, got %s", d.name, d.v)
		}
	}
	if c.LeaseTTL > 0 && c.LeaseTTL < MinLeaseTTL {
		bad("bridge.lease_ttl: must be at least %s (renewals come every quarter of it), got %s", MinLeaseTTL, c.LeaseTTL)
	}
	if c.SessionRetention < c.SessionIdleTTL {
		bad("session retention (%s) must be at least km.session_idle_ttl (%s)", c.SessionRetention, c.SessionIdleTTL)
	}
	if c.Workers < 1 {
		bad("workers: must be at least 1, got %d", c.Workers)
	}
	if c.QueueSize < 1 {
		bad("queue size: must be at least 1, got %d", c.QueueSize)
	}
	if c.HotDays < 1 || c.HotDays > 100 {
		bad("hot days: KM accepts 1..100, got %d", c.HotDays)
	}
	if c.HotCount < 1 || c.HotCount > 50 {
		bad("hot count: KM accepts 1..50, got %d", c.HotCount)
	}
	if c.TranscriptTurns < 1 {
		bad("transcript turns: must be at least 1, got %d", c.TranscriptTurns)
	}
	if c.ButtonGroups < 1 {
		bad("bridge.button_groups: must be at least 1, got %d", c.ButtonGroups)
	}
	if c.SummaryRunes < 1 {
		bad("summary runes: must be at least 1, got %d", c.SummaryRunes)
	}
	if len(errs) > 0 {
		return fmt.Errorf("bridge: config: %w", errors.Join(errs...))
	}
	return nil
}
