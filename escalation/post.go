package escalation

import (
	"context"
	"errors"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// errSkip: an update found nothing to do (another agent or replica did it).
var errSkip = errors.New("escalation: nothing to change")

// post sends m into the case's thread, retried with backoff, and records it
// as the bridge's own.
func (d *Desk) post(ctx context.Context, c *bridge.Case, m formatting.Message) (bridge.MsgRef, error) {
	return d.postMinted(ctx, c, func(formatting.Tokens) formatting.Message { return m }, d.outbox())
}

// postMinted is post of a message with buttons: build gets tokens minted for
// the thread (anyone in the agents' channel may click), stored before each
// attempt.
func (d *Desk) postMinted(ctx context.Context, c *bridge.Case, build func(formatting.Tokens) formatting.Message, out bridge.Outbox) (bridge.MsgRef, error) {
	if out == nil {
		return bridge.MsgRef{}, errNoOutbox
	}
	if c.Thread == (bridge.ConvKey{}) {
		// A click on a card just posted can load its case before the case
		// records its thread (open.go records it right after the card): by
		// the time there is something to say, the store has it.
		if cur, ok, err := d.o.Store.Case(ctx, c.ID); err == nil && ok {
			c = &cur
		}
	}
	var ref bridge.MsgRef
	err := d.retry(ctx, "thread", func(ctx context.Context) error {
		tokens, save := out.Tokens(c.Thread, "")
		m := build(tokens)
		if err := save(ctx); err != nil {
			return err
		}
		var err error
		ref, err = out.Send(ctx, c.Thread, m)
		return err
	})
	if err != nil {
		return bridge.MsgRef{}, err
	}
	d.linkPost(ctx, ref, c.ID)
	return ref, nil
}

// sendUser sends m to the case's user, retried with backoff, and records it
// as the bridge's own (users and agents may share a platform).
func (d *Desk) sendUser(ctx context.Context, c *bridge.Case, m formatting.Message) (bridge.MsgRef, error) {
	out := d.outbox()
	if out == nil {
		return bridge.MsgRef{}, errNoOutbox
	}
	var ref bridge.MsgRef
	err := d.retry(ctx, "user", func(ctx context.Context) error {
		var err error
		ref, err = out.Send(ctx, c.User, m)
		return err
	})
	if err != nil {
		return bridge.MsgRef{}, err
	}
	d.linkPost(ctx, ref, c.ID)
	return ref, nil
}

// toThread posts a notice into the case's thread; a failure is logged.
func (d *Desk) toThread(ctx context.Context, c *bridge.Case, text string) {
	if _, err := d.post(ctx, c, formatting.Plain(text)); err != nil {
		d.log.Warn("escalation: a notice to the agents failed", "case", c.ID, "err", err)
	}
}

// toUser sends a notice to the case's user; a failure is logged.
func (d *Desk) toUser(ctx context.Context, c *bridge.Case, text string) {
	if _, err := d.sendUser(ctx, c, formatting.Plain(text)); err != nil {
		d.log.Warn("escalation: a notice to the user failed", "case", c.ID, "err", err)
	}
}

// redraw edits the case's card to its current state. When the card cannot
// be edited, the new state is posted into the thread instead.
func (d *Desk) redraw(ctx context.Context, c *bridge.Case) {
	out := d.outbox()
	if out == nil || c.Card.ID == "" {
		return
	}
	in := d.agentsChannel()
	err := d.retry(ctx, "card", func(ctx context.Context) error {
		m, save := d.card(out, c, in)
		if err := save(ctx); err != nil {
			return err
		}
		return out.Edit(ctx, c.Card, m)
	})
	if err == nil {
		return
	}
	d.log.Warn("escalation: the card could not be edited; posting its state instead", "case", c.ID, "err", err)
	if _, err := d.postMinted(ctx, c, func(tokens formatting.Tokens) formatting.Message {
		return CaseStatus(*c, d.agents, d.o.Card, tokens)
	}, out); err != nil {
		d.log.Warn("escalation: posting the case's state failed", "case", c.ID, "err", err)
	}
}
