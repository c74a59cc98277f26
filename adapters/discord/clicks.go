package discord

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

// Clicked implements bridge.ClickNotifier: once a click is done (or the answer
// had been rated before), the clicked message's components are retired with
// discordfmt.Retire — action buttons and menus disabled, the chosen one
// marked, links kept — through the click's own interaction (an update of the
// message it deferred). Should that fail, the message is edited in its channel
// (the bot's own messages can be). Other outcomes leave the message as it was,
// so the user may click again.
func (a *Adapter) Clicked(ctx context.Context, r bridge.ClickResult) {
	ref := r.Click.Ref
	if ref.ID == "" {
		return // a suggestion chosen in /ask: no message carried it
	}
	cc, ok := a.clicks.take(ref.ID + "|" + r.Click.User.ID)
	if r.Status != bridge.ClickDone && r.Status != bridge.ClickAlreadyRated {
		return
	}
	if !ok {
		a.log.Info("discord: clicked message unknown (sent before a restart?); its components stay", "message", ref.ID)
		return
	}
	comps := discordfmt.Retire(cc.components, strings.TrimSpace(r.Action.Label))
	check := &discordgo.MessageSend{Content: cc.content, Embeds: cc.embeds, Components: comps, AllowedMentions: noMentions()}
	if err := discordfmt.Validate(check); err != nil {
		// A bug (or a message Discord reshaped): no component is better than a
		// stale one.
		a.log.Error("discord: retired components fail validation; removing them", "err", err)
		comps = []discordgo.MessageComponent{}
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
	a.retired.put(ref.ID, struct{}{})
}
