package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

// Clicked implements bridge.ClickNotifier: once a click is done (or the answer
// had been rated before), what belongs with the choice is retired with
// discordfmt.RetireRow — the clicked row and the rest of its group disabled,
// the chosen one marked, links kept — and the message's other menus and
// buttons (a welcome's other FAQ categories, the rating under related
// questions) stay live. A click on buttons that expired retires them all
// (discordfmt.Retire; a message's tokens expire together). The edit goes
// through the click's own interaction (an update of the message it deferred);
// should that fail, the message is edited in its channel (the bot's own
// messages can be). Other outcomes leave the message as it was, so the user
// may click again.
//
// The components retired are the ones this adapter last set on the message,
// when it did, rather than the ones the interaction carried: two rows of one
// message clicked in quick succession each carry the components from before
// either retirement, and the second must not bring the first row back.
// Clicks of a conversation reach Clicked one at a time, in order.
func (a *Adapter) Clicked(ctx context.Context, r bridge.ClickResult) {
	ref := r.Click.Ref
	if ref.ID == "" {
		return // a suggestion chosen in /ask: no message carried it
	}
	cc, ok := a.clicks.Take(ref.ID + "|" + r.Click.User.ID)
	if r.Status != bridge.ClickDone && r.Status != bridge.ClickAlreadyRated && r.Status != bridge.ClickExpired {
		return
	}
	if !ok {
		a.log.Info("discord: clicked message unknown (sent before a restart?); its components stay", "message", ref.ID)
		return
	}
	base := cc.components
	if last, ok := a.shown.Get(ref.ID); ok {
		base = last
	}
	var comps []discordgo.MessageComponent
	live := false
	if r.Status == bridge.ClickExpired {
		comps = discordfmt.Retire(base, "")
	} else {
		comps, live = discordfmt.RetireRow(base, r.Click.Token, strings.TrimSpace(r.Action.Label))
	}
	check := &discordgo.MessageSend{Content: cc.content, Embeds: cc.embeds, Components: comps, AllowedMentions: noMentions()}
	if err := discordfmt.Validate(check); err != nil {
		// A bug (or a message Discord reshaped): no component is better than a
		// stale one.
		a.log.Error("discord: retired components fail validation; removing them", "err", err)
		comps, live = []discordgo.MessageComponent{}, false
	}
	err := cc.wait(ctx)
	if err == nil {
		_, err = a.editOriginal(ctx, cc.ix, &discordgo.WebhookEdit{Components: &comps, AllowedMentions: noMentions()}, "retire clicked components")
	}
	if err != nil && ctx.Err() == nil && cc.channel != "" {
		a.log.Info("discord: retiring through the interaction failed; editing the message", "err", err)
		ep := discordgo.EndpointChannelMessage(cc.channel, "")
		err = a.call(ctx, ep, ep, "retire clicked components", func(opts ...discordgo.RequestOption) error {
			_, err := a.s.ChannelMessageEditComplex(&discordgo.MessageEdit{
				Channel: cc.channel, ID: ref.ID, Components: &comps, AllowedMentions: noMentions(),
			}, opts...)
			return err
		})
	}
	if err != nil {
		a.log.Warn("discord: clicked message not updated; its components stay", "message", ref.ID, "err", err)
		return
	}
	a.shown.Put(ref.ID, comps)
	if live {
		return // other choices on the message stay open
	}
	a.retired.Put(ref.ID, struct{}{})
}

// rowRetired reports a click on a component already retired (a client that
// has not seen the retirement yet): in what this adapter last set on the
// message, else in the message the interaction carried.
func (a *Adapter) rowRetired(msgID, customID string, carried []discordgo.MessageComponent) bool {
	if last, ok := a.shown.Get(msgID); ok {
		return discordfmt.Retired(last, customID)
	}
	return discordfmt.Retired(carried, customID)
}
