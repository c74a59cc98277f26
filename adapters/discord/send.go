package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

// plainMax bounds the plain-text fallback of one message.
const plainMax = 20000

// Send implements bridge.Adapter: it renders m with discordfmt (one or more
// Discord messages), checks each with discordfmt.Validate and sends them in
// order: through the conversation's slash command while one carries it (the
// first replaces its "is thinking…", the rest are followups), else into the
// conversation's channel or thread (started now if it is the first answer).
// It returns the last message.
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	if to.Platform != Platform || (to.Channel == "" && to.Thread == "") {
		return bridge.MsgRef{}, fmt.Errorf("discord: send: %q is not a Discord conversation", to.String())
	}
	return a.sendAll(ctx, to, a.render(m))
}

func (a *Adapter) sendAll(ctx context.Context, to bridge.ConvKey, msgs []*discordgo.MessageSend) (bridge.MsgRef, error) {
	var ref bridge.MsgRef
	if len(msgs) == 0 {
		return ref, nil
	}
	if p := a.pendingFor(to); p != nil {
		var err error
		ref, msgs, err = a.sendVia(ctx, p, to, msgs)
		if err != nil || len(msgs) == 0 {
			return ref, err
		}
	}
	d := a.dest(ctx, to)
	for i, ms := range msgs {
		if i == 0 && d.replyTo != "" {
			ms.Reference = &discordgo.MessageReference{MessageID: d.replyTo, ChannelID: d.channel, FailIfNotExists: new(bool)}
		}
		var sent *discordgo.Message
		ep := discordgo.EndpointChannelMessages(d.channel)
		err := a.call(ctx, ep, ep, "send a message", func(opts ...discordgo.RequestOption) error {
			var err error
			sent, err = a.s.ChannelMessageSendComplex(d.channel, ms, opts...)
			return err
		})
		if err != nil {
			return ref, fmt.Errorf("discord: send part %d of %d: %w", i+1, len(msgs), err)
		}
		if sent == nil || sent.ID == "" {
			return ref, fmt.Errorf("discord: send part %d of %d: Discord returned no message", i+1, len(msgs))
		}
		ref = bridge.MsgRef{Key: to, ID: sent.ID}
		a.sentKeys.Put(sent.ID, to)
	}
	return ref, nil
}

// sendVia sends through a slash command's webhook. What it could not send
// (the interaction expired, was deleted, or Discord refused it) is returned,
// for the channel to take over; an error only when ctx ended.
func (a *Adapter) sendVia(ctx context.Context, p *pendingIx, to bridge.ConvKey, msgs []*discordgo.MessageSend) (bridge.MsgRef, []*discordgo.MessageSend, error) {
	var ref bridge.MsgRef
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ref, nil, fmt.Errorf("discord: send: waiting for the interaction's response: %w", ctx.Err())
		}
		a.dropPending(p)
		return ref, msgs, nil
	}
	for i, ms := range msgs {
		if p.dead.Load() {
			return ref, msgs[i:], nil
		}
		var sent *discordgo.Message
		var err error
		original := !p.replaced.Load()
		if original {
			sent, err = a.editOriginal(ctx, p.ix, webhookEdit(ms), "answer a command")
		} else {
			ep := discordgo.EndpointWebhookToken(p.ix.AppID, p.ix.Token) + "?wait=true"
			err = a.call(ctx, "webhook:"+p.ix.ID, "", "send a followup", func(opts ...discordgo.RequestOption) error {
				return a.hookRequest(http.MethodPost, ep, webhookParams(ms), &sent, opts...)
			})
		}
		if err == nil && (sent == nil || sent.ID == "") {
			err = errors.New("discord: Discord returned no message")
		}
		if err != nil {
			if ctx.Err() != nil {
				return ref, nil, fmt.Errorf("discord: send part %d of %d: %w", i+1, len(msgs), err)
			}
			a.log.Warn("discord: the interaction cannot carry the answer; sending to the channel", "err", err)
			p.dead.Store(true)
			a.dropPending(p)
			return ref, msgs[i:], nil
		}
		if original {
			p.replaced.Store(true)
			p.timer.Stop()
		}
		ref = bridge.MsgRef{Key: to, ID: sent.ID}
		a.hooked.Put(sent.ID, hookedMsg{ix: p.ix, original: original})
		a.sentKeys.Put(sent.ID, to)
	}
	return ref, nil, nil
}

// editOriginal edits an interaction's response (a deferred command's
// "is thinking…", or a deferred component's message). An HTTP interaction's
// response was flushed to Discord, not necessarily processed by it yet: for a
// moment the webhook may answer "unknown", which is retried briefly.
func (a *Adapter) editOriginal(ctx context.Context, ix *discordgo.Interaction, edit *discordgo.WebhookEdit, what string) (*discordgo.Message, error) {
	ep := discordgo.EndpointWebhookMessage(ix.AppID, ix.Token, "@original")
	for attempt := 0; ; attempt++ {
		var sent *discordgo.Message
		err := a.call(ctx, "webhook:"+ix.ID, "", what, func(opts ...discordgo.RequestOption) error {
			return a.hookRequest(http.MethodPatch, ep, edit, &sent, opts...)
		})
		if err == nil || attempt == unknownRetries || !unknownTarget(err) {
			return sent, err
		}
		if sleepWithin(ctx, 100*time.Millisecond<<attempt) != nil {
			return nil, err
		}
	}
}

// unknownRetries bounds the retries of an edit Discord does not know yet
// (100 ms, 200 ms, 400 ms).
const unknownRetries = 3

// unknownTarget reports Discord's "Unknown Message/Webhook/Interaction".
func unknownTarget(err error) bool {
	st, code := discordCode(err)
	return st == http.StatusNotFound && (code == 10008 || code == 10015 || code == 10062)
}

// Edit implements bridge.Editor (streaming answers): the message at ref
// becomes the first part of m's rendering, further parts are sent after it.
// A message sent through an interaction is edited through its webhook.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	if ref.ID == "" || (ref.Key.Channel == "" && ref.Key.Thread == "") {
		return errors.New("discord: edit: no message to edit")
	}
	msgs := a.render(m)
	if len(msgs) == 0 {
		return errors.New("discord: edit: nothing to show")
	}
	first := msgs[0]
	var err error
	if hm, ok := a.hooked.Get(ref.ID); ok {
		id := ref.ID
		if hm.original {
			id = "@original"
		}
		ep := discordgo.EndpointWebhookMessage(hm.ix.AppID, hm.ix.Token, id)
		err = a.call(ctx, "webhook:"+hm.ix.ID, "", "edit a message", func(opts ...discordgo.RequestOption) error {
			return a.hookRequest(http.MethodPatch, ep, webhookEdit(first), nil, opts...)
		})
	} else {
		d := a.dest(ctx, ref.Key)
		ep := discordgo.EndpointChannelMessage(d.channel, "")
		err = a.call(ctx, ep, ep, "edit a message", func(opts ...discordgo.RequestOption) error {
			_, err := a.s.ChannelMessageEditComplex(messageEdit(d.channel, ref.ID, first), opts...)
			return err
		})
	}
	if err != nil {
		return err
	}
	if len(msgs) > 1 {
		if _, err := a.sendAll(ctx, ref.Key, msgs[1:]); err != nil {
			return fmt.Errorf("discord: edit: the rest: %w", err)
		}
	}
	return nil
}

// Typing implements bridge.Typer: the channel shows "… is typing" for about
// ten seconds (the core renews it). While a slash command's "is thinking…"
// shows, that is indicator enough.
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	if p := a.pendingFor(to); p != nil && !p.replaced.Load() {
		return nil
	}
	d := a.dest(ctx, to)
	if d.channel == "" {
		return errors.New("discord: typing: no channel")
	}
	ep := discordgo.EndpointChannelTyping(d.channel)
	return a.call(ctx, ep, ep, "show typing", func(opts ...discordgo.RequestOption) error {
		return a.s.ChannelTyping(d.channel, opts...)
	})
}

// render renders m and validates every part. A part that fails validation is
// a bug in rendering: it is logged, and the whole message goes out as plain
// text rather than not at all.
func (a *Adapter) render(m formatting.Message) []*discordgo.MessageSend {
	msgs := discordfmt.Render(m)
	for i, ms := range msgs {
		if err := discordfmt.Validate(ms); err != nil {
			a.log.Error("discord: rendered message fails validation; sending plain text instead", "part", i+1, "err", err)
			return plainMessages(bridge.Summary(m, plainMax))
		}
	}
	return msgs
}

// webhookEdit replaces a webhook message with ms (every field, so nothing of
// the deferred response or the earlier text stays).
func webhookEdit(ms *discordgo.MessageSend) *discordgo.WebhookEdit {
	content, embeds, comps := ms.Content, nonNilEmbeds(ms.Embeds), nonNilComponents(ms.Components)
	return &discordgo.WebhookEdit{Content: &content, Embeds: &embeds, Components: &comps, AllowedMentions: mentionsOf(ms)}
}

func webhookParams(ms *discordgo.MessageSend) *discordgo.WebhookParams {
	return &discordgo.WebhookParams{
		Content: ms.Content, Embeds: ms.Embeds, Components: nonNilComponents(ms.Components),
		AllowedMentions: mentionsOf(ms),
	}
}

func messageEdit(channel, id string, ms *discordgo.MessageSend) *discordgo.MessageEdit {
	content, embeds, comps := ms.Content, nonNilEmbeds(ms.Embeds), nonNilComponents(ms.Components)
	return &discordgo.MessageEdit{
		Channel: channel, ID: id, Content: &content, Embeds: &embeds, Components: &comps,
		AllowedMentions: mentionsOf(ms),
	}
}

func mentionsOf(ms *discordgo.MessageSend) *discordgo.MessageAllowedMentions {
	if ms.AllowedMentions != nil {
		return ms.AllowedMentions
	}
	return noMentions()
}

func nonNilEmbeds(e []*discordgo.MessageEmbed) []*discordgo.MessageEmbed {
	if e == nil {
		return []*discordgo.MessageEmbed{}
	}
	return e
}

func nonNilComponents(c []discordgo.MessageComponent) []discordgo.MessageComponent {
	if c == nil {
		return []discordgo.MessageComponent{}
	}
	return c
}
