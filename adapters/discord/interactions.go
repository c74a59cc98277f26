package discord

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
	"github.com/kmbridge/kmbridge/i18n"
)

// hintPrefix marks an autocomplete choice's value as the action token of a KM
// smart hint: /ask with it is the click of that hint (KM hit, queryType 9),
// not a question typed by the user.
const hintPrefix = "kmb:hint:"

// ixIn is an interaction as it arrived, with the partial channel Discord sends
// along (discordgo v0.29 does not decode it).
type ixIn struct {
	*discordgo.Interaction
	channel *discordgo.Channel
}

// decodeInteraction decodes an interaction payload (an HTTP body, or a gateway
// event's data).
func decodeInteraction(raw []byte) (ixIn, error) {
	var ix discordgo.Interaction
	if err := json.Unmarshal(raw, &ix); err != nil {
		return ixIn{}, err
	}
	return ixIn{Interaction: &ix, channel: partialChannel(raw)}, nil
}

func partialChannel(raw []byte) *discordgo.Channel {
	var v struct {
		Channel *discordgo.Channel `json:"channel"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	return v.Channel
}

// ixResponse is an interaction's initial response as Discord wants it; it is
// written as the HTTP answer, or posted to the callback endpoint.
type ixResponse struct {
	Type discordgo.InteractionResponseType `json:"type"`
	Data any                               `json:"data,omitempty"`
}

// ixNote is the data of a message response (an ephemeral note).
type ixNote struct {
	Content         string                            `json:"content"`
	Flags           discordgo.MessageFlags            `json:"flags,omitempty"`
	AllowedMentions *discordgo.MessageAllowedMentions `json:"allowed_mentions"`
}

// ixChoices is the data of an autocomplete response.
type ixChoices struct {
	Choices []*discordgo.ApplicationCommandOptionChoice `json:"choices"`
}

// ixReply is how to answer an interaction, and what to run once the answer
// was delivered (or failed).
type ixReply struct {
	resp  ixResponse
	acked func(error)
}

// Responses without data.
const (
	pong         = discordgo.InteractionResponsePong
	deferMessage = discordgo.InteractionResponseDeferredChannelMessageWithSource
	deferUpdate  = discordgo.InteractionResponseDeferredMessageUpdate
)

// reply is a response without data.
func reply(t discordgo.InteractionResponseType) ixReply { return ixReply{resp: ixResponse{Type: t}} }

// noMentions lets a message ping nobody.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// note is an ephemeral message only the user sees: catalogue text (which an
// operator may have overridden), escaped and checked like every message.
func (a *Adapter) note(locale string, id i18n.MsgID) ixResponse {
	content := cut(escapeMarkdown(a.printer(locale).T(id)), discordfmt.MaxContent)
	if err := discordfmt.Validate(&discordgo.MessageSend{Content: content, AllowedMentions: noMentions()}); err != nil {
		a.log.Error("discord: note fails validation", "id", id, "err", err)
	}
	return ixResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: ixNote{
		Content: content, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
	}}
}

// onEvent handles INTERACTION_CREATE from the gateway (through the generic
// event, whose raw data carries the partial channel). The event is handed to
// the core right here, in gateway order; the initial response goes out on its
// own goroutine, so a slow REST call never holds up the next event, and the
// answer waits for it (see ack).
func (a *Adapter) onEvent(_ *discordgo.Session, e *discordgo.Event) {
	if e == nil || e.Type != "INTERACTION_CREATE" {
		return
	}
	ic, ok := e.Struct.(*discordgo.InteractionCreate)
	if !ok || ic == nil || ic.Interaction == nil {
		return
	}
	h, ctx, done := a.enter()
	defer done()
	if h == nil {
		return
	}
	in := ixIn{Interaction: ic.Interaction, channel: partialChannel(e.RawData)}
	if in.Type == discordgo.InteractionApplicationCommandAutocomplete {
		a.background(discordgo.InteractionDeadline, func(ctx context.Context) {
			a.respond(ctx, in.Interaction, a.autocomplete(ctx, in), nil)
		})
		return
	}
	r, ok := a.interaction(ctx, h, in)
	if !ok {
		return
	}
	if !a.background(discordgo.InteractionDeadline, func(ctx context.Context) { a.respond(ctx, in.Interaction, r.resp, r.acked) }) && r.acked != nil {
		r.acked(errors.New("discord: stopped before the interaction was answered"))
	}
}

// respond posts an initial response to the callback endpoint.
func (a *Adapter) respond(ctx context.Context, ix *discordgo.Interaction, resp ixResponse, acked func(error)) {
	ep := discordgo.EndpointInteractionResponse(ix.ID, ix.Token)
	err := a.call(ctx, ep, "", "answer an interaction", func(opts ...discordgo.RequestOption) error {
		return a.hookRequest(http.MethodPost, ep, resp, nil, opts...)
	})
	if err != nil {
		a.log.Warn("discord: interaction not answered", "type", resp.Type, "err", err)
	}
	if acked != nil {
		acked(err)
	}
}

// interaction turns an interaction (not an autocomplete) into a bridge event
// and says how to answer it. ok is false for a redelivery, which gets no
// answer of its own (the first delivery had one).
func (a *Adapter) interaction(ctx context.Context, h bridge.Handler, in ixIn) (ixReply, bool) {
	a.learnChannel(in.channel)
	switch in.Type {
	case discordgo.InteractionPing:
		return reply(pong), true
	case discordgo.InteractionApplicationCommand:
		return a.command(ctx, h, in)
	case discordgo.InteractionMessageComponent:
		return a.component(ctx, h, in)
	}
	return reply(deferUpdate), true // a modal or a future type: acknowledged, nothing to do
}

// command handles a slash command: /ask asks its question (or, with a
// suggestion chosen, clicks that smart hint); the others are bridge commands.
// The response is deferred, and the conversation's answers go through the
// interaction (see pendingIx).
func (a *Adapter) command(ctx context.Context, h bridge.Handler, in ixIn) (ixReply, bool) {
	user := a.interactionUser(in.Interaction)
	if in.GuildID != "" && !a.guildAllowed(in.GuildID) {
		return ixReply{resp: a.note(user.Locale, "discord.not_here")}, true
	}
	data, ok := in.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok || user.ID == "" {
		return ixReply{resp: a.note(user.Locale, "discord.unavailable")}, true
	}
	if a.seen(ctx, "ix:"+in.ID) {
		return ixReply{}, false
	}
	key := a.interactionKey(ctx, in, user)
	var ev bridge.Event
	switch data.Name {
	case cmdAsk:
		q := strings.TrimSpace(optionString(data.Options, optQuestion))
		if tok, hint := strings.CutPrefix(q, hintPrefix); hint && tok != "" {
			ev = bridge.Click{Key: key, User: user, Token: tok}
		} else if q != "" {
			ev = bridge.Message{Key: key, User: user, Text: q, ID: in.ID}
		} else {
			ev = bridge.Command{Key: key, User: user, Name: bridge.CmdHelp}
		}
	default:
		ev = bridge.Command{Key: key, User: user, Name: data.Name}
	}
	p := a.newPending(in.Interaction, key)
	a.pending.Put(p.key, p)
	if err := h(ctx, ev); err != nil && !errors.Is(err, bridge.ErrBusy) {
		// ErrBusy: the core tells the user, through p. Otherwise nobody will.
		a.dropPending(p)
		a.log.Warn("discord: command not accepted by the core", "command", data.Name, "err", err)
		return ixReply{resp: a.note(user.Locale, "discord.unavailable")}, true
	}
	return ixReply{resp: ixResponse{Type: deferMessage}, acked: p.done}, true
}

// component handles a button press or a select choice: a bridge.Click with the
// token discordfmt put in the component. The response defers the update; once
// the core reports the click done (Clicked), the clicked row (its group) is
// retired through this interaction. While one click of a user on a message is
// in flight, their further clicks on it do nothing; clicks on a retired
// message or a retired row of it (a stale client) neither.
func (a *Adapter) component(ctx context.Context, h bridge.Handler, in ixIn) (ixReply, bool) {
	data, ok := in.Data.(discordgo.MessageComponentInteractionData)
	if !ok || in.Message == nil {
		return reply(deferUpdate), true
	}
	token := discordfmt.ClickToken(data.CustomID, data.Values)
	user := a.interactionUser(in.Interaction)
	if token == "" || user.ID == "" {
		return reply(deferUpdate), true // a page indicator or a disabled component
	}
	if a.seen(ctx, "ix:"+in.ID) {
		return ixReply{}, false
	}
	msgID := in.Message.ID
	if _, gone := a.retired.Get(msgID); gone {
		a.log.Debug("discord: click on a retired message; ignored", "message", msgID)
		return reply(deferUpdate), true
	}
	if a.rowRetired(msgID, data.CustomID, in.Message.Components) {
		a.log.Debug("discord: click on retired components; ignored", "message", msgID)
		return reply(deferUpdate), true
	}
	key, ok := a.sentKeys.Get(msgID)
	if !ok {
		key = a.interactionKey(ctx, in, user)
	}
	cc := &clickCtx{
		ack: newAck(in.Interaction), channel: in.ChannelID,
		content: in.Message.Content, embeds: in.Message.Embeds, components: in.Message.Components,
	}
	flight := msgID + "|" + user.ID
	if !a.clicks.Add(flight, cc) {
		a.log.Debug("discord: click while an earlier one on the message is handled; ignored", "message", msgID)
		return reply(deferUpdate), true
	}
	click := bridge.Click{Key: key, User: user, Token: token, Ref: bridge.MsgRef{Key: key, ID: msgID}}
	if err := h(ctx, click); err != nil {
		a.clicks.RemoveIf(flight, func(v *clickCtx) bool { return v == cc })
		if !errors.Is(err, bridge.ErrBusy) {
			a.log.Warn("discord: click not accepted by the core", "err", err)
			return ixReply{resp: a.note(user.Locale, "discord.unavailable")}, true
		}
	}
	return ixReply{resp: ixResponse{Type: deferUpdate}, acked: cc.done}, true
}

// autocomplete answers /ask's typeahead with KM smart hints: the question as
// the choice's name, its action token (with hintPrefix) as the value. Discord
// wants the answer within 3 s; the KM call is bounded by SuggestTimeout, and
// any failure answers with no choices.
func (a *Adapter) autocomplete(ctx context.Context, in ixIn) ixResponse {
	a.learnChannel(in.channel)
	out := ixChoices{Choices: []*discordgo.ApplicationCommandOptionChoice{}}
	resp := ixResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: out}
	data, ok := in.Data.(discordgo.ApplicationCommandInteractionData)
	user := a.interactionUser(in.Interaction)
	if !ok || a.core == nil || user.ID == "" || (in.GuildID != "" && !a.guildAllowed(in.GuildID)) {
		return resp
	}
	q := focusedString(data.Options)
	if strings.TrimSpace(q) == "" || strings.HasPrefix(q, hintPrefix) {
		return resp
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.SuggestTimeout)
	defer cancel()
	key := a.interactionKey(ctx, in, user)
	buttons, err := a.core.Suggest(ctx, key, user, q)
	if err != nil {
		a.log.Info("discord: no suggestions", "err", err)
		return resp
	}
	for _, b := range buttons {
		name := cut(strings.Join(strings.Fields(b.Label), " "), maxChoiceName)
		if name == "" || b.Token == "" || len(out.Choices) == maxChoices {
			continue
		}
		out.Choices = append(out.Choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: hintPrefix + b.Token})
	}
	resp.Data = out
	return resp
}

// Discord's autocomplete limits.
const (
	maxChoices    = 25
	maxChoiceName = 100
)

// interactionUser is the user behind an interaction, with their client
// locale, which is remembered for their later messages (which carry none).
func (a *Adapter) interactionUser(ix *discordgo.Interaction) bridge.UserInfo {
	u, nick := ix.User, ""
	if ix.Member != nil && ix.Member.User != nil {
		u, nick = ix.Member.User, ix.Member.Nick
	}
	if u == nil {
		return bridge.UserInfo{Locale: string(ix.Locale)}
	}
	info := bridge.UserInfo{ID: u.ID, Name: firstNonEmpty(nick, u.GlobalName, u.Username), Locale: string(ix.Locale)}
	if info.Locale != "" {
		a.locales.Put(u.ID, info.Locale)
	}
	return info
}

// interactionKey is the conversation of an interaction: the user's DM; in a
// thread, the thread's conversation; elsewhere in a server, the user's own
// conversation in that channel.
func (a *Adapter) interactionKey(ctx context.Context, in ixIn, user bridge.UserInfo) bridge.ConvKey {
	if in.GuildID == "" {
		return bridge.DMKey(Platform, "", in.ChannelID, user.ID)
	}
	info, known := a.channelInfo(ctx, in.ChannelID, true)
	if known && info.thread {
		return bridge.ChannelKey(bridge.ScopeThread, Platform, in.GuildID, info.parent, in.ChannelID, user.ID)
	}
	return bridge.ChannelKey(bridge.ScopeThread, Platform, in.GuildID, in.ChannelID, "", user.ID)
}

// optionString is the string value of a command option.
func optionString(opts []*discordgo.ApplicationCommandInteractionDataOption, name string) string {
	for _, o := range opts {
		if o != nil && o.Name == name {
			s, _ := o.Value.(string)
			return s
		}
	}
	return ""
}

// focusedString is the value of the option being typed.
func focusedString(opts []*discordgo.ApplicationCommandInteractionDataOption) string {
	for _, o := range opts {
		if o != nil && o.Focused {
			s, _ := o.Value.(string)
			return s
		}
	}
	return ""
}
