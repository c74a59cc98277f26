package discordadapter

import (
	"context"
	"errors"

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
	api      *rest
	out      *sender
	inflight *memo.Memo[string, *clickCtx] // message|user → the user's click in flight
	byToken  *memo.Memo[string, *clickCtx] // message|token → the click's interaction
}

// clickCtx is a click in flight: its interaction (whose webhook edits the
// message, once the deferred update went out) and who clicked what where.
type clickCtx struct {
	*ack
	msg, user, token string
	channel          string
	carried          []discordgo.MessageComponent // the message's components as the interaction showed them
}

// begin registers a click of user on token in the message in carries, unless
// a click of theirs on that message is still in flight (a double click: the
// second would act twice). The guard lasts until the click is retired or
// inflightTTL passes (a click that retires nothing: refused, failed).
func (c *clicker) begin(in ixIn, user, token string) (*clickCtx, bool) {
	cc := &clickCtx{ack: newAck(in.Interaction), msg: in.Message.ID, user: user, token: token,
		channel: in.ChannelID, carried: in.Message.Components}
	if !c.inflight.Add(cc.msg+"|"+user, cc) {
		return nil, false
	}
	c.byToken.Put(cc.msg+"|"+token, cc)
	return cc, true
}

// abandon forgets a click the host did not take.
func (c *clicker) abandon(cc *clickCtx) {
	same := func(v *clickCtx) bool { return v == cc }
	c.inflight.RemoveIf(cc.msg+"|"+cc.user, same)
	c.byToken.RemoveIf(cc.msg+"|"+cc.token, same)
}

// stale reports a click on a component already retired (a client that has
// not seen the retirement yet): the token is on none of the components last
// set on the message. Unknown messages (sent before a restart) are not
// judged: the core's answer to an old token stands.
func (c *clicker) stale(msgID, token string) bool {
	sm, ok := c.out.sent.Get(msgID)
	if !ok {
		return false
	}
	comps := sm.components()
	if comps == nil {
		return false
	}
	_, holds := discordfmt.RetireGroup(comps, formatting.RetiredGroup{Tokens: []string{token}})
	return !holds
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
		defer c.inflight.RemoveIf(cc.msg+"|"+cc.user, func(v *clickCtx) bool { return v == cc })
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
	g := formatting.Retiring(sm.groups, r.Token, r.Shown, r.Expired)
	comps, changed := discordfmt.RetireGroup(sm.components(), g)
	if !changed {
		return nil
	}
	if len(comps) == 0 {
		comps = []discordgo.MessageComponent{}
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
