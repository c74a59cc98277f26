package escalation

import "time"

// Defaults of CardOptions.
const (
	DefaultMaxTurns      = 10
	DefaultMaxTurnRunes  = 300
	DefaultMaxFieldRunes = 200
	DefaultSendTimeout   = 10 * time.Second
)

// CardOptions shape the escalation card and its delivery. Zero fields take the
// defaults.
type CardOptions struct {
	// MaxTurns is how many of the latest transcript turns the card shows.
	MaxTurns int
	// MaxTurnRunes cuts each shown turn; the bridge already cuts turns when it
	// records them, but an agent channel reads better with shorter lines.
	MaxTurnRunes int
	// MaxFieldRunes cuts user-provided values (name, email, ids): a platform lets
	// a user call themselves almost anything.
	MaxFieldRunes int
	// Location is the time zone of transcript times; nil is UTC.
	Location *time.Location
	// SendTimeout bounds one post to a platform (the desk retries a failed one):
	// posts run on conversations' queues, so a slow platform must not hold them.
	SendTimeout time.Duration
}

func (o CardOptions) withDefaults() CardOptions {
	if o.MaxTurns <= 0 {
		o.MaxTurns = DefaultMaxTurns
	}
	if o.MaxTurnRunes <= 0 {
		o.MaxTurnRunes = DefaultMaxTurnRunes
	}
	if o.MaxFieldRunes <= 0 {
		o.MaxFieldRunes = DefaultMaxFieldRunes
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	return o
}
