package bridge

import (
	"context"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
)

// Store keeps the core's state across events and restarts: KM sessions per
// conversation, the actions behind button tokens (a bounded ring per
// conversation, and shared actions once for everyone), delivery ids seen (adapters'
// redelivery dedupe), rated answers and transcripts. Every entry has a TTL chosen
// by the caller. Implementations: bridge/memstore (memory, snapshot file) and
// bridge/redisstore (shared by replicas). Hand-over cases (conversation ↔ agents'
// thread) are CaseStore's, embedded here and implemented in files of their own.
//
// Implementations must be safe for concurrent use. The core never writes one
// conversation's entries from two goroutines at once.
type Store interface {
	// Inbox keeps accepted events until they are processed (inbox.go).
	Inbox

	// Session returns the conversation's KM session; ok is false when there is none.
	Session(ctx context.Context, key ConvKey) (s KMSession, ok bool, err error)
	// PutSession stores the conversation's KM session for ttl.
	PutSession(ctx context.Context, key ConvKey, s KMSession, ttl time.Duration) error

	// ButtonStore keeps the actions behind button tokens (buttons.go).
	ButtonStore

	// Seen records a delivery id and reports whether it had been recorded already
	// (within ttl). It is atomic: of two concurrent calls with one id, one sees false.
	Seen(ctx context.Context, deliveryID string, ttl time.Duration) (bool, error)
	// Forget removes a recorded delivery id, so that its next delivery is
	// handled: the core releases a claim this way when it did not accept the
	// event. Forgetting an unknown id is no error.
	Forget(ctx context.Context, deliveryID string) error

	// Rated reports whether a KM answer (logId) has been rated.
	Rated(ctx context.Context, logID int64) (bool, error)
	// MarkRated records that a KM answer has been rated, for ttl.
	MarkRated(ctx context.Context, logID int64, ttl time.Duration) error

	// AppendTurn adds a turn to the conversation's transcript, keeping the last max
	// turns; the transcript expires ttl after its last append.
	AppendTurn(ctx context.Context, key ConvKey, t Turn, max int, ttl time.Duration) error
	// Transcript returns the conversation's turns, oldest first.
	Transcript(ctx context.Context, key ConvKey) ([]Turn, error)

	// CaseStore keeps hand-over cases.
	CaseStore

	// Close persists what must survive a restart (memstore: the snapshot file) and
	// releases resources. The store is not used afterwards.
	Close(ctx context.Context) error
}

// KMSession is a conversation's KM session.
type KMSession struct {
	ID       int64     `json:"id"`
	Started  time.Time `json:"st"`
	LastUsed time.Time `json:"lu"`
	// WelcomeLog is the logId of the session's welcome (initClient): the log
	// of the welcome's shared buttons (see LogOfWelcome).
	WelcomeLog int64 `json:"wl,omitempty"`
}

// StoredAction is what a button token stands for.
type StoredAction struct {
	Action formatting.Action `json:"a"`
	// Key is the conversation the button was sent to.
	Key ConvKey `json:"k"`
	// Owner is the platform user id allowed to click it; "" lets anyone in Key.
	Owner string `json:"o,omitempty"`
	// SessionID is the KM session the button came from: its logId only means
	// something in that session.
	SessionID int64 `json:"s,omitempty"`
}

// Roles of a transcript turn.
const (
	RoleUser  = "user"  // the user wrote Text
	RoleBot   = "bot"   // the bot answered; Text is a plain-text summary
	RoleClick = "click" // the user clicked a button labelled Text
	RoleNote  = "note"  // something happened (reset, escalation); Text is a Note code
)

// Transcript notes: the Text of RoleNote turns. They are codes, not words, so
// whoever shows a transcript (the escalation card) translates them.
const (
	NoteSilent         = "silent"          // KM answered silently (ansType 13)
	NoteHumanRequested = "human_requested" // the user asked for a human
	NoteReset          = "reset"           // the user started a new session
	NoteEscalated      = "escalated:"      // followed by the Reason constant
)

// Turn is one entry of a conversation's transcript.
type Turn struct {
	At   time.Time `json:"at"`
	Role string    `json:"r"`
	// User is the platform user id for user and click turns.
	User string `json:"u,omitempty"`
	Text string `json:"t"`
	// Bot turns: KM's ansType, and the FAQ question KM matched (hitQuestion),
	// for the hand-over's unknown-answer count and knowledge capture.
	AnsType int    `json:"ans,omitempty"`
	Hit     string `json:"hit,omitempty"`
}
