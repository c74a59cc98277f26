package bridge

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
)

// Tokens gives an adapter tokens for the buttons it builds itself (a home
// screen, a typeahead's own option), through the path the core's own buttons
// take: the same generator and StoredAction, stored for Config.ActionTTL. A
// click on one is therefore an ordinary Click: refused from another
// conversation than key, or from another user than owner ("" lets anyone in
// key click), and dispatched like any other.
//
// tokens is a formatting.Tokens (pass it as Options.Tokens); it only mints, so
// rendering stays pure. save stores the actions minted since the last save: call
// it before the message carrying the buttons leaves, and do not send the
// message when it fails (its buttons would answer "expired"). The actions carry
// no KM session, so a click is answered in the conversation's current one.
// Tokens does no I/O; tokens and save are safe for concurrent use.
func (c *Core) Tokens(key ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error) {
	m := &minter{store: c.store, key: key, owner: owner, ttl: c.cfg.ActionTTL}
	return m.token, m.save
}

// SuggestionTokens is Tokens for typeahead options, which are minted on every
// keystroke: they stay clickable for Config.SuggestTTL, like Suggest's.
func (c *Core) SuggestionTokens(key ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error) {
	m := &minter{store: c.store, key: key, owner: owner, ttl: c.cfg.SuggestTTL}
	return m.token, m.save
}

// minter backs Tokens and SuggestionTokens.
type minter struct {
	store Store
	key   ConvKey
	owner string
	ttl   time.Duration

	mu      sync.Mutex
	pending pendingActions
}

func (m *minter) token(a formatting.Action) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pending.mint(StoredAction{Action: a, Key: m.key, Owner: m.owner})
}

func (m *minter) save(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.pending.save(ctx, m.store, m.ttl); err != nil {
		return fmt.Errorf("bridge: mint: %w", err)
	}
	return nil
}

// pendingActions are minted tokens whose actions are not stored yet: every
// button token of the core, and of adapters through Tokens, is made here.
type pendingActions []pendingAction

type pendingAction struct {
	token string
	act   StoredAction
}

// mint gives an action a fresh token and remembers it until save.
func (p *pendingActions) mint(sa StoredAction) string {
	tok := newToken()
	*p = append(*p, pendingAction{token: tok, act: sa})
	return tok
}

// save stores the actions for ttl and forgets them, also when storing fails:
// the message that would have carried them must then not be sent.
func (p *pendingActions) save(ctx context.Context, s Store, ttl time.Duration) error {
	defer func() { *p = (*p)[:0] }()
	for _, pa := range *p {
		if err := s.PutAction(ctx, pa.token, pa.act, ttl); err != nil {
			return fmt.Errorf("store action: %w", err)
		}
	}
	return nil
}

// newToken returns 16 random bytes as unpadded base64url: 22 characters, within
// Telegram's 64-byte callback_data, Discord's 100-character custom_id and Slack's
// action_id/value limits.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go ≥ 1.24 crashes rather than return an error)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
