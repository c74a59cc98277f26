package kmsim

import (
	"log/slog"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// Credentials and ids of the sample knowledge base, used by the zero-config demo
// and by tests: a client configured with these talks to New(SampleKB(), Options{}).
const (
	SampleEmail     = "helpdesk-admin@example.com"
	SampleToken     = "kmsim-sample-token"
	SampleRobotID   = 83
	SampleChannelID = 82
	SampleModelKey  = "helpdesk"
)

// Options configure a Sim. The zero value serves the sample credentials under /api.
type Options struct {
	// BasePath is the path prefix of every endpoint; default "/api", so a client's
	// base URL is http://host/api.
	BasePath string

	// Email and Token are the credentials requests must be signed with; default
	// SampleEmail and SampleToken.
	Email, Token string
	// SignVersion restricts the accepted signature scheme: "" accepts v1 and v2,
	// "v1" or "v2" only that one (as a tenant configured for one scheme would).
	SignVersion string
	// NoAuth skips signature checks altogether.
	NoAuth bool
	// MaxSkew is how far a request's timestamp may be from the clock; default 5 min.
	MaxSkew time.Duration

	// Now is the clock; default time.Now. Tests inject a fake one.
	Now func() time.Time
	// Location is the time zone of the "2006-01-02 15:04:05" times KM shows;
	// default UTC.
	Location *time.Location

	// SessionIdleTTL expires a session unused for this long; default 30 min.
	SessionIdleTTL time.Duration
	// FirstSessionID is the first sessionId handed out; default 450000.
	FirstSessionID int64
	// FirstLogID is the first logId handed out; default 790000.
	FirstLogID int64
	// MaxSessions bounds the sessions kept (live and recorded); the oldest are
	// forgotten first. Default 10000.
	MaxSessions int
	// MaxLogsPerSession bounds a session's transcript; default 1000.
	MaxLogsPerSession int

	// MaxCalls bounds the call recorder (a ring buffer); default 1000, negative
	// disables recording.
	MaxCalls int

	// Seed seeds the simulator's own random source (fault decisions, jitter), so
	// runs are reproducible. Default 1.
	Seed uint64

	// StreamChunkDelay is slept before each streamed chunk (SetStreamDelay changes it).
	StreamChunkDelay time.Duration
	// StreamAsDocumented makes a streaming newChat look exactly like the 001 seed's
	// example: data: lines without blank lines, no final full-answer event, [DONE],
	// and the connection left open. The default also sends the whole answer as a
	// last event, so that a streamed answer keeps its buttons and suggestions.
	StreamAsDocumented bool

	// ErrorHTTPStatus is the HTTP status of code-400 business failures; default
	// 200, the envelope carrying the failure.
	ErrorHTTPStatus int

	// Logger receives one debug line per call; default discards.
	Logger *slog.Logger

	// Examples, when set, puts the simulator in verbatim mode: after the usual
	// faults and signature check, every endpoint answers with the first response
	// or failure example of Examples for its route (a streaming newChat with the
	// stream example), byte for byte as the seed documents print it, whatever the
	// request and the knowledge base say. Load them with seedex.Load.
	Examples []seedex.Example
}

func (o Options) withDefaults() Options {
	if o.BasePath == "" {
		o.BasePath = "/api"
	}
	if o.BasePath == "/" {
		o.BasePath = ""
	}
	for len(o.BasePath) > 0 && o.BasePath[len(o.BasePath)-1] == '/' {
		o.BasePath = o.BasePath[:len(o.BasePath)-1]
	}
	if o.BasePath != "" && o.BasePath[0] != '/' {
		o.BasePath = "/" + o.BasePath
	}
	if o.Email == "" {
		o.Email = SampleEmail
	}
	if o.Token == "" {
		o.Token = SampleToken
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.SessionIdleTTL <= 0 {
		o.SessionIdleTTL = 30 * time.Minute
	}
	if o.FirstSessionID <= 0 {
		o.FirstSessionID = 450000
	}
	if o.FirstLogID <= 0 {
		o.FirstLogID = 790000
	}
	if o.MaxSessions <= 0 {
		o.MaxSessions = 10000
	}
	if o.MaxLogsPerSession <= 0 {
		o.MaxLogsPerSession = 1000
	}
	if o.MaxCalls == 0 {
		o.MaxCalls = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.ErrorHTTPStatus == 0 {
		o.ErrorHTTPStatus = 200
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}
