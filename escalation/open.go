package escalation

import (
	"context"
	"errors"
	"fmt"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// errNoOutbox: the desk was never bound to a core.
var errNoOutbox = errors.New("escalation: the desk is not bound to a bridge core (call Bind)")

// Escalate implements bridge.Escalator: it opens a case. The card goes to the
// agents' channel as the root of the case's thread (or, when the agents'
// adapter cannot start threads, as a plain post agents reply to), retried
// with backoff; then the user's conversation is linked to the case, so that
// what the user writes next goes to the agents. A user already handed over
// keeps the open case.
func (d *Desk) Escalate(ctx context.Context, e bridge.Escalation) error {
	if d.o.Agents.Platform == "" || d.o.Agents.Channel == "" {
		return bridge.ErrNoAgents
	}
	out := d.outbox()
	if out == nil {
		return errNoOutbox
	}
	st := d.o.Store
	if id, ok, err := st.CaseOf(ctx, e.Key); err != nil {
		return fmt.Errorf("escalation: open case: %w", err)
	} else if ok {
		if c, ok, err := st.Case(ctx, id); err == nil && ok && c.State != bridge.CaseResolved && c.User == e.Key {
			return nil
		}
	}
	now := d.o.Now()
	c := bridge.Case{
		User: e.Key, UserInfo: e.User, State: bridge.CaseOpen, Reason: e.Reason, Opened: now,
		Transcript: append([]bridge.Turn(nil), e.Transcript...), SessionID: e.SessionID,
		KMServiceID: e.KMServiceID, KMServiceStatus: e.KMServiceStatus, KMTips: e.KMTips,
	}
	c.Question, c.Matched = question(e.Transcript, e.Reason)
	if d.o.UnclaimedAfter > 0 {
		c.RemindAt = now.Add(d.o.UnclaimedAfter)
	}
	c, err := st.NewCase(ctx, c, d.o.CaseTTL)
	if err != nil {
		return fmt.Errorf("escalation: open case: %w", err)
	}
	log := d.log.With("case", c.ID)
	thread, root, threadless, err := d.postCard(ctx, out, &c)
	if err != nil {
		// Nobody will see this case: end it, so it is never reminded of.
		if _, uerr := d.update(context.WithoutCancel(ctx), c.ID, func(c *bridge.Case) error {
			c.State, c.RemindAt = bridge.CaseResolved, zeroTime
			return nil
		}); uerr != nil {
			log.Warn("escalation: closing a case whose card failed", "err", uerr)
		}
		return fmt.Errorf("escalation: post the card of case %s to %s channel %s: %w", c.ID, d.o.Agents.Platform, d.o.Agents.Channel, err)
	}
	// The thread first: agents can answer as soon as they see the card, and
	// until the link exists their messages there are not the bridge's
	// (Host.Joined). Take knows a linked thread before the case records it.
	if !threadless {
		if err := st.LinkCase(ctx, thread, c.ID, d.o.CaseTTL); err != nil {
			return fmt.Errorf("escalation: open case: link thread: %w", err)
		}
	}
	c, err = d.update(ctx, c.ID, func(c *bridge.Case) error {
		c.Thread, c.Card, c.Threadless = thread, root, threadless
		return nil
	})
	if err != nil {
		return fmt.Errorf("escalation: open case: %w", err)
	}
	d.linkPost(ctx, root, c.ID)
	if err := st.LinkCase(ctx, c.User, c.ID, d.o.CaseTTL); err != nil {
		return fmt.Errorf("escalation: open case: link conversation: %w", err)
	}
	log.Info("escalation: case opened", "reason", e.Reason, "threadless", threadless)
	return nil
}

// postCard posts the case's card: as a thread root when the agents' adapter
// can start threads, else as a plain post in the channel.
func (d *Desk) postCard(ctx context.Context, out bridge.Outbox, c *bridge.Case) (thread bridge.ConvKey, root bridge.MsgRef, threadless bool, err error) {
	in := d.agentsChannel()
	title := d.agents.T("escalation.thread_title", c.ID, clean(c.UserInfo.Name, 60))
	err = d.retry(ctx, "card", func(ctx context.Context) error {
		m, save := d.card(out, c, in)
		if err := save(ctx); err != nil {
			return err
		}
		thread, root, err = out.StartThread(ctx, in, title, m)
		return err
	})
	if err == nil && thread.Thread == "" {
		// The adapter posted the card but has no thread of its own to show
		// for it (a reply chain it does not track): agents reply to the
		// bridge's posts, as without threads. Linking the channel itself would
		// send everything said there to this user.
		c.Threadless = true
		return in, root, true, nil
	}
	if !errors.Is(err, bridge.ErrUnsupported) {
		return thread, root, false, err
	}
	c.Threadless = true
	err = d.retry(ctx, "card", func(ctx context.Context) error {
		m, save := d.card(out, c, in)
		if err := save(ctx); err != nil {
			return err
		}
		root, err = out.Send(ctx, in, m)
		return err
	})
	return in, root, true, err
}

// card renders the case's card with buttons minted for the agents' channel
// (anyone there may use them); save stores them.
func (d *Desk) card(out bridge.Outbox, c *bridge.Case, in bridge.ConvKey) (formatting.Message, func(context.Context) error) {
	tokens, save := out.Tokens(in, "")
	return CaseCard(*c, d.agents, d.o.Card, tokens), save
}

// linkPost records a message the bridge posted for a case: replies to it
// belong to the case, and its echo is the bridge's own. A failure only costs
// that (logged).
func (d *Desk) linkPost(ctx context.Context, ref bridge.MsgRef, id string) {
	if ref.ID == "" {
		return
	}
	if err := d.o.Store.LinkCaseMessage(ctx, ref.Key, ref.ID, id, d.o.CaseTTL); err != nil {
		d.log.Warn("escalation: recording a posted message failed", "case", id, "err", err)
	}
}

// question finds, in the conversation before the hand-over, the question the
// robot could not settle (the user's last words; before a transfer intent, the
// words before the request for a person) and the FAQ question KM matched for
// it, for knowledge capture.
func question(tr []bridge.Turn, reason string) (q, matched string) {
	skip := reason == bridge.ReasonKMTransfer
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].Role != bridge.RoleUser {
			continue
		}
		if skip {
			skip = false
			continue
		}
		for _, t := range tr[i+1:] {
			if t.Role == bridge.RoleBot && t.Hit != "" {
				matched = t.Hit
				break
			}
		}
		return tr[i].Text, matched
	}
	return "", ""
}
