package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// turn is the processing of one event: who, where, in which language, the KM
// session in use and the actions minted while rendering replies.
type turn struct {
	c    *Core
	ctx  context.Context
	a    Adapter
	key  ConvKey
	user UserInfo
	p    i18n.Printer
	log  *slog.Logger

	sess   KMSession // ID 0 until loaded or created
	loaded bool      // sess was looked up in the store
	// The buttons minted while rendering replies, stored just before a reply
	// leaves: the conversation's own, and shared ones (the welcome, the faq
	// and hot lists) that are the same for everyone.
	own, shared *minter
	// replied: the user has been sent something in reply (the welcome of a
	// first contact does not count). A turn cut short by shutdown before it
	// replied stays in the inbox, to be answered after the restart.
	replied bool
}

// process handles one event on a worker under ctx (the core's base context,
// or a conversation lease's), or apologises for it when it waited longer than
// Config.InboxMaxAge (stale). It reports whether the event is finished: false
// only when ctx ended (shutdown, a lost lease) before the turn replied, so the
// event stays in the inbox. It never panics on bad input: a panic would
// kill the process and every other conversation with it, so one is logged and
// the user gets an apology instead.
func (c *Core) process(ctx context.Context, ev Event, stale bool) (finished bool) {
	key := ev.Conv()
	a := c.adapter(key.Platform)
	if a == nil {
		c.log.Error("bridge: adapter went away", "conv", key.String())
		return true
	}
	user := userOf(ev)
	t := &turn{
		c: c, ctx: ctx, a: a, key: key, user: user,
		p:   c.cat.Printer(user.Locale),
		log: c.log.With("conv", key.String()),
		own: c.newMinter(key, user.ID, LaneMessage), shared: c.sharedMinter(key.Platform),
	}
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("bridge: panic while handling event", "kind", kindOf(ev), "panic", fmt.Sprint(r))
			c.met.event(kindOf(ev), "panic")
			t.say("bridge.internal_error")
			finished = true // handling it again would panic again
		}
	}()
	if h, ok := c.handover(); ok && h.Take(t.ctx, ev) {
		c.met.event(kindOf(ev), "handover")
		// Cut short by shutdown (or a lost lease), the relay may not have
		// happened: the event stays in the inbox and is handed over again
		// after the restart (or by the conversation's new owner).
		return ctx.Err() == nil
	}
	var outcome string
	if stale {
		t.say("bridge.inbox_expired")
		outcome = "expired"
	} else {
		switch e := ev.(type) {
		case Message:
			outcome = t.onMessage(e)
		case Click:
			outcome = t.onClick(e)
		case Command:
			outcome = t.onCommand(e)
		}
	}
	if ctx.Err() != nil && !t.replied {
		return false
	}
	if stale {
		c.met.inboxExpired()
	}
	c.met.event(kindOf(ev), outcome)
	return true
}

// opts are the formatting options of this turn: its language and a token minter
// that remembers the actions until they are stored, just before sending.
func (t *turn) opts() formatting.Options {
	return formatting.Options{Tokens: t.mint, P: t.p}
}

// sharedOpts are opts for what is the same for everyone (the welcome, the
// faq and hot lists): their buttons are shared.
func (t *turn) sharedOpts() formatting.Options {
	return formatting.Options{Tokens: t.shared.token, P: t.p}
}

// mint gives an action a token of the conversation, in the session in use.
// The action is stored by send, before the message that carries it leaves, so
// rendering itself stays pure.
func (t *turn) mint(a formatting.Action) string {
	return t.own.tokenIn(a, t.sess.ID)
}

// flush stores the actions minted so far.
func (t *turn) flush() error {
	if err := t.own.save(t.ctx); err != nil {
		t.shared.reset()
		return err
	}
	return t.shared.save(t.ctx)
}

// unmint forgets the actions minted since the last flush: the message that
// would have carried them is not sent.
func (t *turn) unmint() {
	t.own.reset()
	t.shared.reset()
}

// errCutShort refuses sends once shutdown (or a lost lease) has cancelled the
// turn: whatever it has not said yet is said after the restart, or by the
// conversation's new owner, from the inbox.
var errCutShort = errors.New("bridge: turn cut short")

// cut refuses a send of a cancelled turn, counting those a lost lease fenced.
func (t *turn) cut() error {
	if errors.Is(context.Cause(t.ctx), errLeaseLost) {
		t.c.met.fencedSend()
	}
	return errCutShort
}

// sendContext bounds one Send or Edit of the turn: Config.SendTimeout, or
// Config.InboxMaxAge when that is longer. Adapters pace inside Send, and a
// busy channel's queue (a hot Slack channel answers one message a second) can
// be longer than any single call may take: a reply waits its turn there as
// long as a message may wait for its answer at all, rather than being dropped
// after SendTimeout with its KM call spent. Each HTTP attempt stays bounded
// by the adapter's own client timeout, and shutdown still cuts the wait short
// (the event stays in the inbox).
func (t *turn) sendContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.ctx, max(t.c.cfg.SendTimeout, t.c.cfg.InboxMaxAge))
}

// send stores pending actions and sends m. An empty message is not sent.
func (t *turn) send(m formatting.Message) (MsgRef, error) {
	if m.IsEmpty() {
		return MsgRef{}, nil
	}
	if t.ctx.Err() != nil {
		return MsgRef{}, t.cut()
	}
	if err := t.flush(); err != nil {
		t.log.Error("bridge: cannot store button actions; reply not sent", "err", err)
		t.unmint()
		t.sendPlain(t.p.T("bridge.internal_error"))
		return MsgRef{}, err
	}
	ctx, cancel := t.sendContext()
	defer cancel()
	ref, err := t.a.Send(ctx, t.key, m)
	if err != nil {
		t.c.met.send(t.key.Platform, "error")
		t.log.Warn("bridge: send failed", "err", redact(err))
		return ref, fmt.Errorf("bridge: send: %w", err)
	}
	t.c.met.send(t.key.Platform, "ok")
	t.replied = true
	return ref, nil
}

// edit replaces a sent message (streaming); it stores pending actions first.
func (t *turn) edit(ed Editor, ref MsgRef, m formatting.Message) error {
	if t.ctx.Err() != nil {
		return t.cut()
	}
	if err := t.flush(); err != nil {
		t.unmint()
		return err
	}
	ctx, cancel := t.sendContext()
	defer cancel()
	if err := ed.Edit(ctx, ref, m); err != nil {
		t.c.met.send(t.key.Platform, "edit_error")
		return fmt.Errorf("bridge: edit: %w", err)
	}
	t.c.met.send(t.key.Platform, "edit_ok")
	t.replied = true
	return nil
}

// sendPlain sends a notice without buttons; failures are logged by send.
func (t *turn) sendPlain(s string) {
	if t.ctx.Err() != nil {
		_ = t.cut()
		return
	}
	ctx, cancel := t.sendContext()
	defer cancel()
	if _, err := t.a.Send(ctx, t.key, formatting.Plain(s)); err != nil {
		t.c.met.send(t.key.Platform, "error")
		t.log.Warn("bridge: send failed", "err", redact(err))
		return
	}
	t.c.met.send(t.key.Platform, "ok")
	t.replied = true
}

// say sends a catalogue message.
func (t *turn) say(id i18n.MsgID, args ...any) { t.sendPlain(t.p.T(id, args...)) }

// record appends a turn to the transcript; a store failure is logged, not fatal.
// Every turn is cut to SummaryRunes: the transcript lives for SessionRetention,
// and a user's text is as long as the user makes it.
func (t *turn) record(role, text string) { t.recordAt(role, text, t.c.now()) }

// recordAt is record with the turn's time given: a bot's turn is timed when
// its message was ready, not when its send returned.
func (t *turn) recordAt(role, text string, at time.Time) {
	if text == "" {
		return
	}
	tr := Turn{At: at, Role: role, Text: truncateRunes(text, t.c.cfg.SummaryRunes)}
	if role == RoleUser || role == RoleClick {
		tr.User = t.user.ID
	}
	if err := t.c.store.AppendTurn(t.ctx, t.key, tr, t.c.cfg.TranscriptTurns, t.c.cfg.SessionRetention); err != nil {
		t.log.Warn("bridge: transcript append failed", "err", err)
	}
}
