package discordadapter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// sender sends the core's messages: rendered, validated, into the right
// channel or thread, or through the slash command that asked.
type sender struct {
	*base
	api     *rest
	chans   *channels
	life    *lifecycle
	pending *memo.Memo[string, *pendingIx] // conversation → the slash command carrying its answers
	hooked  *memo.Memo[string, hookedMsg]  // message id → the interaction it was sent through
	sent    *memo.Memo[string, *sentMsg]   // message id → what retiring its components needs
}

// sentMsg is a message the bot sent: its conversation and channel, the
// button groups of the neutral message it came from (formatting.Retiring
// finds a clicked group there) and the components last set on it.
type sentMsg struct {
	key     bridge.ConvKey
	channel string
	groups  [][]string // formatting.TokenGroups: the text of a long answer is not kept for a week

	retiring sync.Mutex // one retirement at a time
	mu       sync.Mutex
	comps    []discordgo.MessageComponent
}

// components returns the components last set on the message.
func (sm *sentMsg) components() []discordgo.MessageComponent {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	return sm.comps
}

func (sm *sentMsg) setComponents(c []discordgo.MessageComponent) {
	sm.mu.Lock()
	defer sm.mu.Unlock()
	sm.comps = c
}

// keyOf is the conversation a sent message belongs to.
func (s *sender) keyOf(msgID string) (bridge.ConvKey, bool) {
	sm, ok := s.sent.Get(msgID)
	if !ok {
		return bridge.ConvKey{}, false
	}
	return sm.key, true
}

// plainMax bounds the plain-text fallback of one message.
const plainMax = 20000

// send renders m with discordfmt (one or more Discord messages), checks each
// with discordfmt.Validate and sends them in order: through the
// conversation's slash command while one carries it (the first replaces its
// "is thinking…", the rest are followups), else into the conversation's
// channel or thread (started now if it is the first answer). It returns the
// last message.
func (s *sender) send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	if to.Platform != Platform || (to.Channel == "" && to.Thread == "") {
		return bridge.MsgRef{}, fmt.Errorf("discord: send: %q is not a Discord conversation", to.String())
	}
	return s.sendAll(ctx, to, m, s.render(m))
}

func (s *sender) sendAll(ctx context.Context, to bridge.ConvKey, m formatting.Message, msgs []*discordgo.MessageSend) (bridge.MsgRef, error) {
	var ref bridge.MsgRef
	if len(msgs) == 0 {
		return ref, nil
	}
	if p := s.pendingFor(to); p != nil {
		var err error
		ref, msgs, err = s.sendVia(ctx, p, to, m, msgs)
		if err != nil || len(msgs) == 0 {
			return ref, err
		}
	}
	d := s.chans.dest(ctx, to)
	for i, ms := range msgs {
		if i == 0 && d.replyTo != "" {
			ms.Reference = &discordgo.MessageReference{MessageID: d.replyTo, ChannelID: d.channel, FailIfNotExists: new(bool)}
		}
		sent, err := s.post(ctx, d.channel, ms)
		if err != nil {
			return ref, fmt.Errorf("discord: send part %d of %d: %w", i+1, len(msgs), err)
		}
		ref = bridge.MsgRef{Key: to, ID: sent.ID}
		s.remember(sent.ID, to, d.channel, m, ms)
	}
	return ref, nil
}

// post posts one message into a channel.
func (s *sender) post(ctx context.Context, channel string, ms *discordgo.MessageSend) (*discordgo.Message, error) {
	var sent *discordgo.Message
	ep := discordgo.EndpointChannelMessages(channel)
	err := s.api.call(ctx, bucket(ep), "send a message", func(opts ...discordgo.RequestOption) error {
		var err error
		sent, err = s.api.s.ChannelMessageSendComplex(channel, ms, opts...)
		return err
	})
	if err == nil && (sent == nil || sent.ID == "") {
		err = errors.New("discord: Discord returned no message")
	}
	return sent, err
}

// remember records a sent message for retiring its components later; a
// message without components needs nothing.
func (s *sender) remember(id string, to bridge.ConvKey, channel string, m formatting.Message, ms *discordgo.MessageSend) {
	if len(ms.Components) == 0 {
		s.sent.Put(id, &sentMsg{key: to, channel: channel})
		return
	}
	s.sent.Put(id, &sentMsg{key: to, channel: channel, groups: formatting.TokenGroups(m), comps: ms.Components})
}

// sendVia sends through a slash command's webhook. What it could not send
// (the interaction expired, was deleted, or Discord refused it) is returned,
// for the channel to take over; an error only when ctx ended.
func (s *sender) sendVia(ctx context.Context, p *pendingIx, to bridge.ConvKey, m formatting.Message, msgs []*discordgo.MessageSend) (bridge.MsgRef, []*discordgo.MessageSend, error) {
	var ref bridge.MsgRef
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ref, nil, fmt.Errorf("discord: send: waiting for the interaction's response: %w", ctx.Err())
		}
		s.dropPending(p)
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
			sent, err = s.editOriginal(ctx, p.ix, webhookEdit(ms), "answer a command")
		} else {
			ep := discordgo.EndpointWebhookToken(p.ix.AppID, p.ix.Token) + "?wait=true"
			err = s.api.call(ctx, webhook(p.ix), "send a followup", func(opts ...discordgo.RequestOption) error {
				return s.api.hookRequest(http.MethodPost, ep, webhookParams(ms), &sent, opts...)
			})
		}
		if err == nil && (sent == nil || sent.ID == "") {
			err = errors.New("discord: Discord returned no message")
		}
		if err != nil {
			if ctx.Err() != nil {
				return ref, nil, fmt.Errorf("discord: send part %d of %d: %w", i+1, len(msgs), err)
			}
			s.log.Warn("discord: the interaction cannot carry the answer; sending to the channel", "err", err)
			p.dead.Store(true)
			s.dropPending(p)
			return ref, msgs[i:], nil
		}
		if original {
			p.replaced.Store(true)
			p.timer.Stop()
		}
		ref = bridge.MsgRef{Key: to, ID: sent.ID}
		s.hooked.Put(sent.ID, hookedMsg{ix: p.ix, original: original})
		s.remember(sent.ID, to, p.ix.ChannelID, m, ms)
	}
	return ref, nil, nil
}

// editOriginal edits an interaction's response (a deferred command's
// "is thinking…", or a deferred component's message).
func (s *sender) editOriginal(ctx context.Context, ix *discordgo.Interaction, edit *discordgo.WebhookEdit, what string) (*discordgo.Message, error) {
	return s.editHook(ctx, ix, "@original", edit, what)
}

// editHook edits message id (or "@original") through interaction ix's
// webhook. An HTTP interaction's response was flushed to Discord, not
// necessarily processed by it yet: for a moment the webhook may answer
// "unknown", which is retried briefly.
func (s *sender) editHook(ctx context.Context, ix *discordgo.Interaction, id string, edit *discordgo.WebhookEdit, what string) (*discordgo.Message, error) {
	ep := discordgo.EndpointWebhookMessage(ix.AppID, ix.Token, id)
	for attempt := 0; ; attempt++ {
		var sent *discordgo.Message
		err := s.api.call(ctx, webhook(ix), what, func(opts ...discordgo.RequestOption) error {
			return s.api.hookRequest(http.MethodPatch, ep, edit, &sent, opts...)
		})
		if err == nil || attempt == unknownRetries || !unknownTarget(err) {
			return sent, err
		}
		if outbound.Sleep(ctx, 100*time.Millisecond<<attempt) != nil {
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

// edit replaces the message at ref (streaming answers) with the first part of
// m's rendering; further parts are sent after it. A message sent through an
// interaction is edited through its webhook.
func (s *sender) edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	if ref.ID == "" || (ref.Key.Channel == "" && ref.Key.Thread == "") {
		return errors.New("discord: edit: no message to edit")
	}
	msgs := s.render(m)
	if len(msgs) == 0 {
		return errors.New("discord: edit: nothing to show")
	}
	first := msgs[0]
	channel, err := s.patch(ctx, ref, first)
	if err != nil {
		return err
	}
	s.remember(ref.ID, ref.Key, channel, m, first)
	if len(msgs) > 1 {
		if _, err := s.sendAll(ctx, ref.Key, m, msgs[1:]); err != nil {
			return fmt.Errorf("discord: edit: the rest: %w", err)
		}
	}
	return nil
}

// patch replaces message ref with ms: through the webhook that sent it, or
// in its channel. It returns the channel.
func (s *sender) patch(ctx context.Context, ref bridge.MsgRef, ms *discordgo.MessageSend) (string, error) {
	if hm, ok := s.hooked.Get(ref.ID); ok {
		id := ref.ID
		if hm.original {
			id = "@original"
		}
		_, err := s.editHook(ctx, hm.ix, id, webhookEdit(ms), "edit a message")
		return hm.ix.ChannelID, err
	}
	channel := s.chans.dest(ctx, ref.Key).channel
	if sm, ok := s.sent.Get(ref.ID); ok && sm.channel != "" {
		channel = sm.channel
	}
	return channel, s.patchIn(ctx, channel, ref.ID, messageEdit(channel, ref.ID, ms), "edit a message")
}

// patchIn edits message id in channel.
func (s *sender) patchIn(ctx context.Context, channel, id string, e *discordgo.MessageEdit, what string) error {
	ep := discordgo.EndpointChannelMessage(channel, "")
	return s.api.call(ctx, bucket(ep), what, func(opts ...discordgo.RequestOption) error {
		_, err := s.api.s.ChannelMessageEditComplex(e, opts...)
		return err
	})
}

// typing shows "… is typing" in the conversation's channel for about ten
// seconds (the core renews it), as an advisory call (rest.advisory): it
// never delays a message nor takes one's slot of the global limit. While a
// slash command's "is thinking…" shows, that is indicator enough.
func (s *sender) typing(ctx context.Context, to bridge.ConvKey) error {
	if p := s.pendingFor(to); p != nil && !p.replaced.Load() {
		return nil
	}
	d := s.chans.dest(ctx, to)
	if d.channel == "" {
		return errors.New("discord: typing: no channel")
	}
	ep := discordgo.EndpointChannelTyping(d.channel)
	return s.api.advisory(ctx, bucket(ep), "show typing", func(opts ...discordgo.RequestOption) error {
		return s.api.s.ChannelTyping(d.channel, opts...)
	})
}

// startThread posts m into the channel of in and starts a thread named title
// from it (Discord gives the thread the post's id); the rest of a message too
// long for one post goes into the thread. It returns the thread's key, built
// as a person's message in that thread is keyed (User "" under ScopeThread),
// and the post. When Discord refuses the thread (permissions), the post stays
// and the key returned has no thread: the caller falls back to replies.
func (s *sender) startThread(ctx context.Context, in bridge.ConvKey, title string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	if in.Platform != Platform || in.Channel == "" {
		return bridge.ConvKey{}, bridge.MsgRef{}, fmt.Errorf("discord: start a thread: %q is not a Discord channel", in.String())
	}
	msgs := s.render(m)
	if len(msgs) == 0 {
		return bridge.ConvKey{}, bridge.MsgRef{}, errors.New("discord: start a thread: nothing to post")
	}
	channel := bridge.ConvKey{Platform: Platform, Workspace: in.Workspace, Channel: in.Channel}
	sent, err := s.post(ctx, in.Channel, msgs[0])
	if err != nil {
		return bridge.ConvKey{}, bridge.MsgRef{}, fmt.Errorf("discord: start a thread: %w", err)
	}
	root := bridge.MsgRef{Key: channel, ID: sent.ID}
	s.remember(sent.ID, channel, in.Channel, m, msgs[0])
	th, err := s.chans.start(ctx, in.Channel, sent.ID, cut(threadLine(title), threadNameMax))
	if err != nil {
		s.log.Warn("discord: the thread was not started; the post stays in the channel", "channel", in.Channel, "err", err)
		return channel, root, nil
	}
	guild := th.GuildID
	if guild == "" {
		guild = in.Workspace
	}
	key := bridge.ChannelKey(s.cfg.Scope, Platform, guild, in.Channel, sent.ID, "")
	root.Key.Workspace = guild
	if len(msgs) > 1 {
		if _, err := s.sendAll(ctx, key, m, msgs[1:]); err != nil {
			return key, root, fmt.Errorf("discord: start a thread: the rest: %w", err)
		}
	}
	return key, root, nil
}

// render renders m and validates every part. A part that fails validation is
// a bug in rendering: it is logged, and the whole message goes out as plain
// text rather than not at all.
func (s *sender) render(m formatting.Message) []*discordgo.MessageSend {
	msgs := discordfmt.Render(m)
	for i, ms := range msgs {
		if err := discordfmt.Validate(ms); err != nil {
			s.log.Error("discord: rendered message fails validation; sending plain text instead", "part", i+1, "err", err)
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

// noMentions lets a message ping nobody.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
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
