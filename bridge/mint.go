package bridge

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
)

// Tokens gives an adapter tokens for the buttons it builds itself (a home
// screen, a typeahead's own option), through the path the core's own buttons
// take (buttons.go), kept for Config.ActionTTL. A click on one is therefore an
// ordinary Click: refused from another conversation than key, or from another
// user than owner ("" lets anyone in key click), and dispatched like any other.
//
// tokens is a formatting.Tokens (pass it as Options.Tokens); it only mints, so
// rendering stays pure. save stores the actions minted since the last save: call
// it before the message carrying the buttons leaves, and do not send the
// message when it fails (its buttons would answer "expired"). The actions carry
// no KM session, so a click is answered in the conversation's current one.
// Tokens does no I/O; tokens and save are safe for concurrent use.
func (c *Core) Tokens(key ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error) {
	return c.Mint(key, owner, LifeButton)
}

// SuggestionTokens is Tokens for typeahead options, which are minted on every
// keystroke: they stay clickable for Config.SuggestTTL, like Suggest's, in a
// lane of their own that never pushes a message's buttons out.
func (c *Core) SuggestionTokens(key ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error) {
	return c.Mint(key, owner, LifeSuggestion)
}

// Mint implements Host.
func (c *Core) Mint(key ConvKey, owner string, life TokenLife) (formatting.Tokens, func(context.Context) error) {
	var m *minter
	switch {
	case key == (ConvKey{Platform: key.Platform}) && owner == "":
		m = c.sharedMinter(key.Platform)
	case life == LifeSuggestion:
		m = c.newMinter(key, owner, LaneSuggest)
	default:
		m = c.newMinter(key, owner, LaneMessage)
	}
	return m.token, m.save
}

// LogOfWelcome is the LogID of a shared action whose button had a log: the
// only such buttons are the welcome's (shortcuts, task buttons), and their
// log is the clicking conversation's session's KMSession.WelcomeLog.
const LogOfWelcome = -1

// Group bounds per lane of a ring, besides Config.ButtonGroups for messages.
const (
	suggestGroups    = 4 // typeahead lists: the one on screen and a few before
	caseGroups       = 8 // a case's cards (each redraw is a group), notices and rating
	sharedRefreshMax = time.Hour
)

// groupsKept is how many groups a lane keeps.
func (c *Core) groupsKept(l Lane) int {
	switch l {
	case LaneSuggest:
		return suggestGroups
	case LaneCase:
		return caseGroups
	}
	return c.cfg.ButtonGroups
}

// sharedRefresh is how long a shared action, once stored, is not stored
// again; it is stored for ActionTTL plus this, so a button shown just before
// the refresh still works for ActionTTL.
func (c *Core) sharedRefresh() time.Duration {
	return min(c.cfg.ActionTTL/4, sharedRefreshMax)
}

// newMinter mints conversation buttons for key, owned by owner, in lane.
func (c *Core) newMinter(key ConvKey, owner string, lane Lane) *minter {
	return &minter{c: c, key: key, owner: owner, lane: lane, name: key.String()}
}

// sharedMinter mints shared buttons of platform.
func (c *Core) sharedMinter(platform string) *minter {
	return &minter{c: c, key: ConvKey{Platform: platform}, shared: true}
}

// minter makes the tokens of the buttons of one message (or a few) and
// stores their actions on save. Every button token of the core, and of
// adapters through Mint, is made here.
type minter struct {
	c      *Core
	key    ConvKey
	owner  string
	lane   Lane
	name   string // key.String(): the conversation's ring
	shared bool   // every action is shared, whoever mints it

	mu      sync.Mutex
	session int64 // the KM session of what is minted now (see tokenIn)
	groups  []*pendingGroup
	shares  []pendingShare
}

type pendingGroup struct {
	ring RingID
	name string
	g    ButtonGroup
}

type pendingShare struct {
	id SharedID
	a  formatting.Action
}

// token implements formatting.Tokens.
func (m *minter) token(a formatting.Action) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokenLocked(a, m.session)
}

// tokenIn mints a token for an action of KM session sid.
func (m *minter) tokenIn(a formatting.Action, sid int64) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokenLocked(a, sid)
}

func (m *minter) tokenLocked(a formatting.Action, sid int64) string {
	if m.shared {
		// A shared button carries nothing of one conversation: not the log
		// of the welcome it was first shown in, which the click finds in its
		// own conversation's session instead.
		if a.LogID != 0 {
			a.LogID = LogOfWelcome
		}
		id := sharedIDOf(m.key.Platform, a)
		m.shares = append(m.shares, pendingShare{id: id, a: a})
		return TokenRef{Shared: true, ID: id}.String()
	}
	name, lane := m.name, m.lane
	if a.Kind.IsCase() && a.Case != "" {
		// A case's buttons are its own, however busy the channel they are in.
		name, lane = caseRing(a.Case), LaneCase
		if a.Kind == formatting.ActCaseSendAnswer {
			lane = LaneCaseAnswer
		}
	}
	var pg *pendingGroup
	for _, g := range m.groups {
		if g.name == name && g.g.Lane == lane && g.g.SessionID == sid && len(g.g.Actions) < maxGroupButtons {
			pg = g
		}
	}
	if pg == nil {
		pg = &pendingGroup{ring: RingOf(name), name: name, g: ButtonGroup{
			Lane: lane, ID: newGroupID(), Key: m.key, Owner: m.owner, SessionID: sid,
		}}
		m.groups = append(m.groups, pg)
	}
	pg.g.Actions = append(pg.g.Actions, a)
	return TokenRef{Ring: pg.ring, Lane: lane, Group: pg.g.ID, Index: len(pg.g.Actions) - 1}.String()
}

// reset forgets what was minted and not saved: the message that would have
// carried it is not sent.
func (m *minter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.groups, m.shares = m.groups[:0], m.shares[:0]
}

// save stores the actions minted since the last save and forgets them, also
// when storing fails: the message that would have carried them must then not
// be sent.
func (m *minter) save(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	defer func() { m.groups, m.shares = m.groups[:0], m.shares[:0] }()
	c := m.c
	ttl := c.cfg.ActionTTL
	if m.lane == LaneSuggest {
		ttl = c.cfg.SuggestTTL
	}
	exp := time.Now().Add(ttl)
	for _, pg := range m.groups {
		pg.g.Expires = exp
		if err := c.store.PutButtons(ctx, pg.ring, pg.name, pg.g, c.groupsKept(pg.g.Lane)); err != nil {
			return fmt.Errorf("bridge: store buttons: %w", err)
		}
	}
	refresh := c.sharedRefresh()
	for _, ps := range m.shares {
		if _, fresh := c.sharedSaved.Get(ps.id); fresh {
			continue
		}
		sa := StoredAction{Action: ps.a, Key: ConvKey{Platform: m.key.Platform}}
		if err := c.store.PutShared(ctx, ps.id, sa, c.cfg.ActionTTL+refresh); err != nil {
			return fmt.Errorf("bridge: store shared button: %w", err)
		}
		c.sharedSaved.PutFor(ps.id, struct{}{}, refresh)
	}
	return nil
}

// newGroupID returns a random group id of groupBits bits, never 0.
func newGroupID() uint64 {
	for {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails (Go ≥ 1.24 crashes rather than return an error)
		if id := binary.BigEndian.Uint64(b[:]) >> (64 - groupBits); id != 0 {
			return id
		}
	}
}
