package bridge

import (
	"context"
	"errors"
	"fmt"

	"github.com/kmbridge/kmbridge/formatting"
)

// Handover is an optional Escalator ability: the two-way relay of a hand-over
// (package escalation's Desk). The core offers it every event before the robot
// sees one, and gives it the clicks on case buttons.
type Handover interface {
	// Take is offered every event, on the conversation's worker, before the
	// robot sees it. It returns true when the event belongs to a hand-over
	// (a handed-over user's message, relayed to the agents; a person's
	// message in a case thread, relayed to the user; the bridge's own echo or
	// an internal note, dropped): the robot then never sees it. A click on a
	// case button is not taken: the core dispatches it to Do.
	Take(ctx context.Context, ev Event) bool
	// Do runs a clicked case button (an action whose Kind.IsCase). The core
	// has checked the click: a case button minted with an owner is that
	// user's; one without is anyone's in the platform and channel it was
	// sent to.
	Do(ctx context.Context, c CaseClick) ClickStatus
}

// CaseClick is a click on a case button.
type CaseClick struct {
	Key    ConvKey           // where the click happened
	User   UserInfo          // who clicked
	Action formatting.Action // what the button does; Action.Case names the case
}

// Outbox is what the core lends the hand-over to act on every platform
// without importing an adapter: send, edit, start threads, mint buttons.
type Outbox interface {
	// Send sends m to a conversation through the adapter of to.Platform.
	Send(ctx context.Context, to ConvKey, m formatting.Message) (MsgRef, error)
	// Edit replaces a sent message; ErrUnsupported when the adapter cannot edit.
	Edit(ctx context.Context, ref MsgRef, m formatting.Message) error
	// StartThread posts m as the root of a new thread in the channel of in
	// (see ThreadStarter); ErrUnsupported when the adapter cannot start threads.
	StartThread(ctx context.Context, in ConvKey, title string, m formatting.Message) (thread ConvKey, root MsgRef, err error)
	// Tokens mints button tokens stored for Config.ActionTTL, like Host.Mint:
	// call save before the message carrying them leaves.
	Tokens(key ConvKey, owner string) (tokens formatting.Tokens, save func(context.Context) error)
}

// ErrUnsupported is an Outbox's answer when the adapter lacks the ability.
var ErrUnsupported = errors.New("bridge: the platform's adapter cannot do that")

// Outbox returns the core's Outbox: its registered adapters and its store.
func (c *Core) Outbox() Outbox { return outbox{c} }

type outbox struct{ c *Core }

func (o outbox) Send(ctx context.Context, to ConvKey, m formatting.Message) (MsgRef, error) {
	ref, err := o.c.Send(ctx, to, m)
	o.c.met.send(to.Platform, result(err, "ok", "error"))
	return ref, err
}

func (o outbox) Edit(ctx context.Context, ref MsgRef, m formatting.Message) error {
	ed, ok := o.c.adapter(ref.Key.Platform).(Editor)
	if !ok {
		return fmt.Errorf("bridge: edit in %s: %w", ref.Key.Platform, ErrUnsupported)
	}
	err := ed.Edit(ctx, ref, m)
	o.c.met.send(ref.Key.Platform, result(err, "edit_ok", "edit_error"))
	if err != nil {
		return fmt.Errorf("bridge: edit in %s: %w", ref.Key.Platform, err)
	}
	return nil
}

func (o outbox) StartThread(ctx context.Context, in ConvKey, title string, m formatting.Message) (ConvKey, MsgRef, error) {
	ts, ok := o.c.adapter(in.Platform).(ThreadStarter)
	if !ok {
		return ConvKey{}, MsgRef{}, fmt.Errorf("bridge: start a thread in %s: %w", in.Platform, ErrUnsupported)
	}
	thread, root, err := ts.StartThread(ctx, in, title, m)
	o.c.met.send(in.Platform, result(err, "ok", "error"))
	if err != nil {
		return ConvKey{}, MsgRef{}, fmt.Errorf("bridge: start a thread in %s: %w", in.Platform, err)
	}
	return thread, root, nil
}

func (o outbox) Tokens(key ConvKey, owner string) (formatting.Tokens, func(context.Context) error) {
	return o.c.Mint(key, owner, LifeButton)
}

func result(err error, ok, failed string) string {
	if err != nil {
		return failed
	}
	return ok
}

// handover returns the Escalator's Handover ability, if it has one.
func (c *Core) handover() (Handover, bool) {
	h, ok := c.esc.(Handover)
	return h, ok
}

// sameChannel reports whether a click at key may use a case button minted for
// minted: the same platform and channel (an agents' channel, whichever thread
// or message of it the platform reports the click in).
func sameChannel(minted, key ConvKey) bool {
	return minted.Platform == key.Platform && minted.Channel == key.Channel
}
