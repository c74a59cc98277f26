package escalation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Defaults of Options.
const (
	DefaultUnclaimedAfter = 5 * time.Minute
	DefaultNotePrefix     = "//"
	DefaultCaseTTL        = 30 * 24 * time.Hour
	DefaultAttempts       = 4
	DefaultBackoff        = 500 * time.Millisecond
	DefaultRemindEvery    = 15 * time.Second
	DefaultAssistTimeout  = 5 * time.Second
)

// KM is what the desk asks KM: agent assist, the session rating and knowledge
// capture. *kmclient.Client implements it.
type KM interface {
	Assist(ctx context.Context, req kmclient.AssistRequest) (*kmclient.Answer, error)
	SurveySession(ctx context.Context, req kmclient.SurveySessionRequest) (*kmclient.SurveySessionResult, error)
	CreateQuestion(ctx context.Context, req kmclient.CreateQuestionRequest) (*kmclient.FAQ, error)
	SearchQuestions(ctx context.Context, req kmclient.SearchQuestionsRequest) ([]kmclient.FAQ, kmclient.Paging, error)
	AddSimilar(ctx context.Context, questionID kmclient.ID, content string) (*kmclient.Similar, error)
}

var _ KM = (*kmclient.Client)(nil)

// Options configure a Desk. Zero fields take the defaults.
type Options struct {
	// Agents is the agents' channel: Platform and Channel (escalation.platform,
	// escalation.channel). Without both there is no one to hand over to.
	Agents bridge.ConvKey
	// Store keeps the cases (required).
	Store bridge.Store
	// KM is asked for suggestions, ratings and knowledge capture (required).
	KM KM
	// Catalog has every word; nil is built-in English.
	Catalog *i18n.Catalog
	// Language is the agents' (escalation.language); "" is the catalogue's default.
	Language string
	// RobotID and ChannelID are the KM robot and scene (km.robot_id, km.channel_id).
	RobotID, ChannelID int64
	// UnclaimedAfter: an unclaimed case gets one reminder after this
	// (escalation.unclaimed_after); negative never reminds.
	UnclaimedAfter time.Duration
	// NotePrefix starts agents' messages that stay internal (escalation.note_prefix).
	NotePrefix string
	// KBCategoryID and KBChannelIDs are where "Save as FAQ" creates questions
	// (escalation.kb_category_id, escalation.kb_channel_ids; no scenes: ChannelID).
	KBCategoryID int64
	KBChannelIDs []int64
	// AfterUnknown offers the user a person after that many unknown answers in
	// a row (escalation.after_unknown); 0 never.
	AfterUnknown int
	// Card shapes the card and bounds each post (Card.SendTimeout).
	Card CardOptions
	// CaseTTL is how long a case is kept after its last change.
	CaseTTL time.Duration
	// Attempts and Backoff bound the retries of a failed post: Backoff after
	// the first failure, doubling.
	Attempts int
	Backoff  time.Duration
	// RemindEvery is how often Run looks for unclaimed cases.
	RemindEvery time.Duration
	// AssistTimeout bounds KM's suggestion for one relayed message.
	AssistTimeout time.Duration
	// Now is the clock of case times and reminders; nil is time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Desk is the hand-over desk: a bridge.Escalator, bridge.Handover,
// bridge.JoinChecker and bridge.HumanOfferer. Build it with NewDesk, give it
// the core's Outbox with Bind once the core exists, and run its reminder loop
// with Run. It is safe for concurrent use; its state is in the store.
type Desk struct {
	o      Options
	agents i18n.Printer
	cat    *i18n.Catalog
	log    *slog.Logger
	out    atomic.Pointer[outboxRef]
}

type outboxRef struct{ bridge.Outbox }

var zeroTime time.Time

var (
	_ bridge.Escalator    = (*Desk)(nil)
	_ bridge.Handover     = (*Desk)(nil)
	_ bridge.JoinChecker  = (*Desk)(nil)
	_ bridge.HumanOfferer = (*Desk)(nil)
)

// NewDesk builds a desk. It does no I/O.
func NewDesk(o Options) (*Desk, error) {
	if o.Store == nil {
		return nil, errors.New("escalation: desk: a store is required")
	}
	if o.KM == nil {
		return nil, errors.New("escalation: desk: a KM client is required")
	}
	if o.AfterUnknown < 0 {
		return nil, fmt.Errorf("escalation: desk: after_unknown must be 0 (off) or more, got %d", o.AfterUnknown)
	}
	if o.UnclaimedAfter == 0 {
		o.UnclaimedAfter = DefaultUnclaimedAfter
	}
	if o.NotePrefix == "" {
		o.NotePrefix = DefaultNotePrefix
	}
	if len(o.KBChannelIDs) == 0 && o.ChannelID != 0 {
		o.KBChannelIDs = []int64{o.ChannelID}
	}
	o.Card = o.Card.withDefaults()
	if o.CaseTTL <= 0 {
		o.CaseTTL = DefaultCaseTTL
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.RemindEvery <= 0 {
		o.RemindEvery = DefaultRemindEvery
	}
	if o.AssistTimeout <= 0 {
		o.AssistTimeout = DefaultAssistTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	cat := o.Catalog
	if cat == nil {
		var err error
		if cat, err = i18n.New("", nil); err != nil {
			return nil, fmt.Errorf("escalation: desk: %w", err)
		}
	}
	d := &Desk{o: o, cat: cat, agents: cat.Printer(o.Language), log: o.Logger.With("component", "handover")}
	return d, nil
}

// Bind gives the desk the core's Outbox (bridge.Core.Outbox): the core takes
// its Escalator when it is built, so the desk comes first. Until then every
// hand-over fails and no event is taken.
func (d *Desk) Bind(out bridge.Outbox) { d.out.Store(&outboxRef{out}) }

func (d *Desk) outbox() bridge.Outbox {
	if r := d.out.Load(); r != nil {
		return r.Outbox
	}
	return nil
}

// configured reports whether there is an agents' channel and an outbox.
func (d *Desk) configured() bool {
	return d.o.Agents.Platform != "" && d.o.Agents.Channel != "" && d.outbox() != nil
}

// inAgents reports whether key is in the agents' channel.
func (d *Desk) inAgents(key bridge.ConvKey) bool {
	return key.Platform == d.o.Agents.Platform && key.Channel == d.o.Agents.Channel
}

// agentsChannel is the key of the agents' channel itself.
func (d *Desk) agentsChannel() bridge.ConvKey {
	return bridge.ConvKey{Platform: d.o.Agents.Platform, Workspace: d.o.Agents.Workspace, Channel: d.o.Agents.Channel}
}

// OfferHumanAfter implements bridge.HumanOfferer.
func (d *Desk) OfferHumanAfter() int {
	if d.o.Agents.Platform == "" || d.o.Agents.Channel == "" {
		return 0
	}
	return d.o.AfterUnknown
}

// Joined implements bridge.JoinChecker: a case's thread (and a handed-over
// conversation) is one the bridge takes part in.
func (d *Desk) Joined(ctx context.Context, key bridge.ConvKey) (bool, error) {
	_, ok, err := d.caseOf(ctx, key)
	if err != nil {
		return false, fmt.Errorf("escalation: joined: %w", err)
	}
	return ok, nil
}

// user is the printer of a case's user.
func (d *Desk) user(c *bridge.Case) i18n.Printer { return d.cat.Printer(c.UserInfo.Locale) }

// update changes a case in the store; see bridge.CaseStore.UpdateCase.
func (d *Desk) update(ctx context.Context, id string, fn func(*bridge.Case) error) (bridge.Case, error) {
	return d.o.Store.UpdateCase(ctx, id, d.o.CaseTTL, fn)
}

// Run sends the reminders of unclaimed cases, every RemindEvery, until ctx
// ends. Replicas may all run it: each reminder is claimed in the store by one.
func (d *Desk) Run(ctx context.Context) error {
	if d.o.UnclaimedAfter < 0 {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(d.o.RemindEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := d.Remind(ctx); err != nil && ctx.Err() == nil {
				d.log.Warn("escalation: reminders failed; trying again later", "err", err)
			}
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retry runs f until it succeeds, Attempts times at most, waiting Backoff
// (doubling) in between; each attempt is bounded by Card.SendTimeout. A
// platform that cannot do a thing at all (bridge.ErrUnsupported) is not
// asked again.
func (d *Desk) retry(ctx context.Context, what string, f func(context.Context) error) error {
	wait := d.o.Backoff
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, d.o.Card.SendTimeout)
		err := f(actx)
		cancel()
		if err == nil || errors.Is(err, bridge.ErrUnsupported) || attempt >= d.o.Attempts {
			return err
		}
		d.log.Warn("escalation: post failed; retrying", "what", what, "attempt", attempt, "err", err)
		if sleep(ctx, wait) != nil {
			return err
		}
		wait *= 2
	}
}
