package bridge

import (
	"context"
	"errors"
)

// Escalation reasons.
const (
	ReasonUser        = "user"         // the user asked (command human, a "talk to a human" button)
	ReasonKMTransfer  = "km_transfer"  // KM answered with ansType 21 (transfer intent)
	ReasonSwitchStaff = "switch_staff" // KM answered with switchStaffType 2
)

// Escalation is a hand-over of a conversation to human agents.
type Escalation struct {
	Key        ConvKey
	User       UserInfo
	Reason     string // one of the Reason constants
	Transcript []Turn // the conversation so far, oldest first
	SessionID  int64  // the KM session, for the agent's reference
	// KM's hand-over details from the answer that asked for a person, when it
	// gave them: customerServiceId, customerServiceStatus, switchStaffTips.
	KMServiceID     string
	KMServiceStatus *int
	KMTips          string
}

// Escalator hands conversations to human agents. It is called from the
// conversation's queue, so it should return promptly.
type Escalator interface {
	Escalate(ctx context.Context, e Escalation) error
}

// HumanOfferer is an optional Escalator ability: after that many unknown
// answers (ansType 6) in a row the core offers the user a person (a button);
// 0 never. Only an Escalator with agents behind it can sensibly offer them.
type HumanOfferer interface {
	OfferHumanAfter() int
}

// ErrNoAgents is what an Escalator returns when there is nowhere to hand over to;
// the core then tells the user that no agent channel is configured.
var ErrNoAgents = errors.New("bridge: no agent channel is configured")

// NoAgents is the default Escalator: there are no human agents.
type NoAgents struct{}

// Escalate always returns ErrNoAgents.
func (NoAgents) Escalate(context.Context, Escalation) error { return ErrNoAgents }

func isNoAgents(err error) bool { return errors.Is(err, ErrNoAgents) }
