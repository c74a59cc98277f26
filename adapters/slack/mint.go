package slackadapter

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// minter gives actions tokens for the buttons the adapter builds itself (the
// Home tab, the typeahead's "ask" option), the way the core does for its own:
// the action is stored behind a fresh token in the core's store, owned by the
// user and bound to the conversation a click will belong to. A click on one is
// an ordinary bridge.Click.
type minter struct {
	key     bridge.ConvKey
	owner   string
	pending []pendingAction
}

type pendingAction struct {
	token string
	act   bridge.StoredAction
}

// token implements formatting.Tokens.
func (m *minter) token(a formatting.Action) string {
	tok := newToken()
	m.pending = append(m.pending, pendingAction{token: tok, act: bridge.StoredAction{Action: a, Key: m.key, Owner: m.owner}})
	return tok
}

// flush stores the minted actions for ttl.
func (m *minter) flush(ctx context.Context, store bridge.Store, ttl time.Duration) error {
	for _, p := range m.pending {
		if err := store.PutAction(ctx, p.token, p.act, ttl); err != nil {
			return fmt.Errorf("slack: store action: %w", err)
		}
	}
	m.pending = m.pending[:0]
	return nil
}

// newToken is 16 random bytes as unpadded base64url (22 characters), like the
// core's tokens.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
