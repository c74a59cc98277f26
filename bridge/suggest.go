package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Suggest returns typeahead suggestions for what the user is typing (KM
// smartHint): each button asks its question as a smart-hint hit (queryType 9) when
// clicked, and stays clickable for Config.SuggestTTL.
//
// It is a direct request/response call, not a queued event: an adapter answering a
// typeahead request (Slack's options load, a web widget) must not wait behind a
// slow KM answer in the conversation's queue. It therefore never creates or
// replaces a KM session (that belongs to the queue): before the conversation's
// first event, or once KM has dropped its session, it returns no suggestions. The
// KM call is bounded by Config.KMTimeout and by ctx.
func (c *Core) Suggest(ctx context.Context, key ConvKey, user UserInfo, query string) ([]formatting.Button, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	s, ok, err := c.store.Session(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("bridge: suggest: load session: %w", err)
	}
	if !ok || s.ID == 0 {
		return nil, nil
	}
	var qs []kmclient.Question
	err = c.kmCall(ctx, "smart_hint", func(ctx context.Context) error {
		var err error
		qs, err = c.km.SmartHint(ctx, kmclient.SmartHintRequest{SessionID: kmclient.ID(s.ID), Keyword: query})
		return err
	})
	if errors.Is(err, kmclient.ErrSessionExpired) {
		return nil, nil
	}
	if err != nil {
		c.log.Warn("bridge: smartHint failed", "conv", key.String(), "err", redact(err))
		return nil, fmt.Errorf("bridge: suggest: %w", err)
	}
	m := c.newMinter(key, user.ID, LaneSuggest)
	buttons := make([]formatting.Button, 0, len(qs))
	for _, q := range qs {
		label := strings.TrimSpace(string(q.Content))
		if label == "" {
			continue
		}
		tok := m.tokenIn(formatting.Action{
			Kind: formatting.ActHit, QueryType: kmclient.QuerySmartHint,
			QuestionID: int64(q.ID), QuestionContent: label, Label: label,
		}, s.ID)
		buttons = append(buttons, formatting.Button{Label: label, Token: tok})
	}
	if err := m.save(ctx); err != nil {
		return nil, fmt.Errorf("bridge: suggest: %w", err)
	}
	return buttons, nil
}
