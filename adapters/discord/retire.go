package discordadapter

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// clicker carries out the one retirement policy on Discord: the core decides
// what a click retires (bridge.Retirement), discordfmt.RetireGroup replaces
// that group's rows in the components last set on the message, and the edit
// goes through the click's own interaction when there is one. It also keeps
// double clicks and stale clients from acting twice.
type clicker struct {
	*base
	api     *rest
	out     *sender
	held    held                          // clicks being handled, per message and user
	byToken *memo.Memo[string, *clickCtx] // message|token → the click's interaction
	retired *memo.Memo[string, struct{}]  // message|token of the groups retired
}

// clickCtx is a click in flight: its interaction (whose webhook edits the
// message, once the deferred update went out) and who clicked what where.
type clickCtx struct {
	*ack
	msg, user, token string
	conv             bridge.ConvKey
	channel          string
	carried          []discordgo.MessageComponent // the message's components as the interaction showed them
	until            time.Time                    // held no longer than this
}

// begin registers a click of user on token in the message in carries, unless
// a click of theirs on that message is still being handled (a double click:
// the second would act twice). The hold ends when the click is retired, when
// a message goes to its conversation (its answer, or the apology for a
// refusal), when the message is redrawn (a hand-over's card), or after
// inflightTTL.
func (c *clicker) begin(in ixIn, conv bridge.ConvKey, user, token string) (*clickCtx, bool) {
	cc := &clickCtx{ack: newAck(in.Interaction), msg: in.Message.ID, user: user, token: token, conv: conv,
		channel: in.ChannelID, carried: in.Message.Components, until: c.now().Add(inflightTTL)}
	if !c.held.hold(cc, c.now()) {
		return nil, false
	}
	c.byToken.Put(cc.msg+"|"+token, cc)
	return cc, true
}

// abandon forgets a click the host did not take.
func (c *clicker) abandon(cc *clickCtx) {
	c.held.release(func(h *clickCtx) bool { return h == cc })
	c.byToken.RemoveIf(cc.msg+"|"+cc.token, func(v *clickCtx) bool { return v == cc })
}

// answered is told of every message sent to a conversation: the clicks held
// there have been handled (answered, or apologised for).
func (c *clicker) answered(conv bridge.ConvKey) {
	c.held.release(func(h *clickCtx) bool { return h.conv == conv })
}

// redrawn is told of every edit: the clicks held on that message have been
// handled (a hand-over's card redrawn after its button ran: bridge.ClickRedrawn).
func (c *clicker) redrawn(msgID string) {
	c.held.release(func(h *clickCtx) bool { return h.msg == msgID })
}

// held are the clicks being handled, one per message and user.
type held struct {
	mu sync.Mutex
	m  map[string]*clickCtx // message|user
}

// maxHeld bounds the clicks held at once; past it a click is not held, only
// delivered.
const maxHeld = 10000

func (h *held) hold(cc *clickCtx, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = map[string]*clickCtx{}
	}
	k := cc.msg + "|" + cc.user
	if old, ok := h.m[k]; ok && now.Before(old.until) {
		return false
	}
	if len(h.m) >= maxHeld {
		for k, v := range h.m {
			if !now.Before(v.until) {
				delete(h.m, k)
			}
		}
		if len(h.m) >= maxHeld {
			return true
		}
	}
	h.m[k] = cc
	return true
}

// release ends the holds that match.
func (h *held) release(match func(*clickCtx) bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, v := range h.m {
		if match(v) {
			delete(h.m, k)
		}
	}
}

// stale reports a click on a component already retired (a client that has
// not seen the retirement yet). Tokens this adapter did not retire are not
// judged: a redrawn message's new buttons, or a message sent before a
// restart, whose old tokens the core answers for.
func (c *clicker) stale(msgID, token string) bool {
	_, gone := c.retired.Get(msgID + "|" + token)
	return gone
}

// retire implements bridge.Retirer: the group holding r.Token (found in the
// neutral message sent, else the token's own row) gives way, in the
// components last set on the message, to r.Shown, and the message's other
// groups stay usable. The edit goes through the click's interaction (an
// update of the message it deferred); without one, or should that fail, the
// message is edited in its channel (the bot's own messages can be), or
// through the webhook that sent it. A group no longer there is nothing to
// change.
func (c *clicker) retire(ctx context.Context, r bridge.Retirement) error {
	if r.Ref.ID == "" || r.Token == "" {
		return nil
	}
	cc, hasClick := c.byToken.Take(r.Ref.ID + "|" + r.Token)
	if hasClick {
		defer c.held.release(func(h *clickCtx) bool { return h == cc })
	}
	sm, ok := c.out.sent.Get(r.Ref.ID)
	if !ok && hasClick && cc.carried != nil {
		// Sent before a restart: the interaction showed its components, and
		// without the neutral message only the token's own rows retire.
		sm = &sentMsg{key: r.Ref.Key, channel: cc.channel, comps: cc.carried}
		c.out.sent.Put(r.Ref.ID, sm)
		ok = true
	}
	if !ok || sm.components() == nil {
		c.log.Info("discord: clicked message unknown (sent before a restart?); its components stay", "message", r.Ref.ID)
		return nil
	}
	sm.retiring.Lock()
	defer sm.retiring.Unlock()
	g := formatting.RetiringAmong(sm.groups, r.Token, r.Shown, r.Expired)
	comps, changed := discordfmt.RetireGroup(sm.components(), g)
	if !changed {
		return nil
	}
	if len(comps) == 0 {
		comps = []discordgo.MessageComponent{}
	}
	// Retired from now on, for clicks that come while the edit is on its way
	// (a client quicker than Discord's answer); undone if the edit fails.
	for _, tok := range g.Tokens {
		c.retired.Put(r.Ref.ID+"|"+tok, struct{}{})
	}
	var err error
	if hasClick {
		if err = cc.wait(ctx); err == nil {
			_, err = c.out.editOriginal(ctx, cc.ix, &discordgo.WebhookEdit{Components: &comps, AllowedMentions: noMentions()}, "retire clicked components")
		}
		if err != nil && ctx.Err() == nil {
			c.log.Info("discord: retiring through the interaction failed; editing the message", "err", err)
			err = c.edit(ctx, r.Ref, sm, comps)
		}
	} else {
		err = c.edit(ctx, r.Ref, sm, comps)
	}
	if err != nil {
		for _, tok := range g.Tokens {
			c.retired.Take(r.Ref.ID + "|" + tok)
		}
		return err
	}
	sm.setComponents(comps)
	return nil
}

// edit sets the components of a sent message, without an interaction.
func (c *clicker) edit(ctx context.Context, ref bridge.MsgRef, sm *sentMsg, comps []discordgo.MessageComponent) error {
	if hm, ok := c.out.hooked.Get(ref.ID); ok {
		id := ref.ID
		if hm.original {
			id = "@original"
		}
		_, err := c.out.editHook(ctx, hm.ix, id, &discordgo.WebhookEdit{Components: &comps, AllowedMentions: noMentions()}, "retire clicked components")
		return err
	}
	if sm.channel == "" {
		return errors.New("discord: retire: the message's channel is unknown")
	}
	return c.out.patchIn(ctx, sm.channel, ref.ID, &discordgo.MessageEdit{
		Channel: sm.channel, ID: ref.ID, Components: &comps, AllowedMentions: noMentions(),
	}, "retire clicked components")
}
