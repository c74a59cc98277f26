package bridge

import (
	"context"
	"errors"
	"time"
)

// CaseState is where a hand-over case stands.
type CaseState string

// Case states.
const (
	CaseOpen     CaseState = "open"     // waiting for a person
	CaseClaimed  CaseState = "claimed"  // an agent took it
	CaseResolved CaseState = "resolved" // ended: resolved, or handed back to the robot
)

// How a case ended (Case.Ended).
const (
	EndResolved = "resolved" // an agent resolved it
	EndRobot    = "robot"    // an agent handed the user back to the robot
)

// Case is one hand-over: a user's conversation relayed to a thread in the
// agents' channel until an agent ends it. The hand-over (package escalation)
// owns its meaning; stores keep it as an opaque value, indexed by ID and, when
// RemindAt is set and the case is open, by RemindAt.
type Case struct {
	// ID is the case number, "1042": short, for people, never a credential.
	ID string `json:"id"`

	User     ConvKey  `json:"uk"` // the user's conversation
	UserInfo UserInfo `json:"u"`
	// Thread is the case's thread in the agents' channel; without a thread
	// (the agents' adapter cannot start one) it is the channel itself and
	// Threadless is set: agents then answer by replying to the bridge's posts.
	Thread     ConvKey `json:"tk"`
	Threadless bool    `json:"tl,omitempty"`
	Card       MsgRef  `json:"card"` // the card, edited as the case moves on

	State   CaseState `json:"st"`
	Reason  string    `json:"why"`
	Opened  time.Time `json:"at"`
	Claimed time.Time `json:"cat,omitzero"`
	// ClaimedBy is the agent who claimed it (platform user id and name).
	ClaimedBy     string    `json:"cby,omitempty"`
	ClaimedByName string    `json:"cbn,omitempty"`
	Ended         string    `json:"end,omitempty"` // EndResolved or EndRobot
	EndedAt       time.Time `json:"eat,omitzero"`
	EndedByName   string    `json:"ebn,omitempty"`

	// RemindAt is when an unclaimed case gets its one reminder; zero once it
	// is claimed, answered, ended or reminded.
	RemindAt time.Time `json:"rat,omitzero"`
	Reminded bool      `json:"rem,omitempty"`

	// The conversation as the card shows it, kept so the card can be redrawn.
	Transcript []Turn `json:"tr,omitempty"`
	SessionID  int64  `json:"sid,omitempty"`
	// KM's hand-over details, when KM gave them.
	KMServiceID     string `json:"ksid,omitempty"`
	KMServiceStatus *int   `json:"kss,omitempty"`
	KMTips          string `json:"ktips,omitempty"`

	// Knowledge capture: the user's question, the agents' last answer, the
	// FAQ question KM had matched (its text; its id once looked up).
	Question   string `json:"q,omitempty"`
	Answer     string `json:"a,omitempty"`
	Matched    string `json:"m,omitempty"`
	MatchedID  int64  `json:"mid,omitempty"`
	SavedFAQ   int64  `json:"faq,omitempty"`
	AddedToFAQ int64  `json:"sim,omitempty"`

	// SentAnswers are the fingerprints of KM suggestions sent to the user
	// ("Send this answer"): each goes once, however many agents click it.
	SentAnswers []string `json:"sent,omitempty"`

	Rating int `json:"rate,omitempty"` // the user's session rating, 2/3/4
	// ClosedNoted: agents were told once that the thread no longer reaches the user.
	ClosedNoted bool `json:"cn,omitempty"`
}

// Due reports whether the case waits for its reminder at now.
func (c *Case) Due(now time.Time) bool {
	return c.State == CaseOpen && !c.RemindAt.IsZero() && !c.RemindAt.After(now)
}

// ErrNoCase is what CaseStore.UpdateCase returns for a case it does not have.
var ErrNoCase = errors.New("bridge: no such case")

// CaseStore keeps hand-over cases. Store embeds it; memstore and redisstore
// implement it, shared by replicas like the rest of the store. Every entry has
// a TTL chosen by the caller.
type CaseStore interface {
	// NewCase numbers c (c.ID: the next case number, unique across replicas)
	// and stores it for ttl.
	NewCase(ctx context.Context, c Case, ttl time.Duration) (Case, error)
	// Case returns a case; ok is false when it is unknown or expired.
	Case(ctx context.Context, id string) (c Case, ok bool, err error)
	// UpdateCase changes a case atomically, also against other replicas: fn
	// gets the current case and changes it in place; what it leaves is stored
	// for ttl and returned. fn may run more than once (on a conflicting
	// write) and must not do I/O. When fn returns an error nothing is written
	// and that error is returned unwrapped; an unknown case is ErrNoCase.
	UpdateCase(ctx context.Context, id string, ttl time.Duration, fn func(*Case) error) (Case, error)

	// LinkCase points a conversation (the user's, or the case's thread) at a
	// case for ttl.
	LinkCase(ctx context.Context, key ConvKey, id string, ttl time.Duration) error
	// CaseOf returns the case a conversation is linked to.
	CaseOf(ctx context.Context, key ConvKey) (id string, ok bool, err error)
	// UnlinkCase removes the link of key when it still points at id.
	UnlinkCase(ctx context.Context, key ConvKey, id string) error

	// LinkCaseMessage records that the bridge posted message msgID in the
	// channel of in (Platform and Channel) for case id: replies to it belong
	// to the case, and its echo is the bridge's own.
	LinkCaseMessage(ctx context.Context, in ConvKey, msgID, id string, ttl time.Duration) error
	// CaseOfMessage returns the case of a message the bridge posted.
	CaseOfMessage(ctx context.Context, in ConvKey, msgID string) (id string, ok bool, err error)

	// DueCases returns up to max ids of open cases whose RemindAt is set and
	// not after now, earliest first.
	DueCases(ctx context.Context, now time.Time, max int) ([]string, error)
}
