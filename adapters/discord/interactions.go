package discordadapter

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

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
// was delivered (or failed). A zero ixReply (none) answers nothing: the
// interaction was answered when it was first delivered.
type ixReply struct {
	resp  ixResponse
	acked func(error)
	none  bool
}

// Responses without data.
const (
	pong         = discordgo.InteractionResponsePong
	deferMessage = discordgo.InteractionResponseDeferredChannelMessageWithSource
	deferUpdate  = discordgo.InteractionResponseDeferredMessageUpdate
)

// reply is a response without data.
func reply(t discordgo.InteractionResponseType) ixReply { return ixReply{resp: ixResponse{Type: t}} }

// note is an ephemeral message only the user sees: catalogue text (which an
// operator may have overridden), escaped and checked like every message.
func (r *receiver) note(locale string, id i18n.MsgID) ixReply {
	content := cut(escapeMarkdown(r.printer(locale).T(id)), discordfmt.MaxContent)
	if err := discordfmt.Validate(&discordgo.MessageSend{Content: content, AllowedMentions: noMentions()}); err != nil {
		r.log.Error("discord: note fails validation", "id", id, "err", err)
	}
	return ixReply{resp: ixResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: ixNote{
		Content: content, Flags: discordgo.MessageFlagsEphemeral, AllowedMentions: noMentions(),
	}}}
}

// Interaction deadlines, from the moment an interaction arrived: Discord
// wants the initial response within 3 s; the delivery to the host must leave
// room for it.
const (
	deliverWithin = 2 * time.Second
	respondWithin = discordgo.InteractionDeadline
)

// onEvent handles INTERACTION_CREATE from the gateway (through the generic
// event, whose raw data carries the partial channel). The event is delivered
// right here, in gateway order; the initial response goes out on its own
// goroutine, so a slow REST call never holds up the next event, and the
// answer waits for it (see ack).
func (r *receiver) onEvent(_ *discordgo.Session, e *discordgo.Event) {
	if e == nil || e.Type != "INTERACTION_CREATE" {
		return
	}
	ic, ok := e.Struct.(*discordgo.InteractionCreate)
	if !ok || ic == nil || ic.Interaction == nil {
		return
	}
	ctx, done, ok := r.life.enter()
	if !ok {
		return
	}
	defer done()
	arrived := r.now()
	in := ixIn{Interaction: ic.Interaction, channel: partialChannel(e.RawData)}
	if in.Type == discordgo.InteractionApplicationCommandAutocomplete {
		r.life.background(respondWithin, func(ctx context.Context) {
			r.respond(ctx, in.Interaction, ixReply{resp: r.autocomplete(ctx, in)})
		})
		return
	}
	dctx, cancel := context.WithTimeout(ctx, deliverWithin)
	rep := r.interaction(dctx, in)
	cancel()
	if rep.none {
		return
	}
	left := max(respondWithin-r.now().Sub(arrived), 500*time.Millisecond)
	if !r.life.background(left, func(ctx context.Context) { r.respond(ctx, in.Interaction, rep) }) && rep.acked != nil {
		rep.acked(errors.New("discord: stopped before the interaction was answered"))
	}
}

// respond posts an initial response to the callback endpoint.
func (r *receiver) respond(ctx context.Context, ix *discordgo.Interaction, rep ixReply) {
	ep := discordgo.EndpointInteractionResponse(ix.ID, ix.Token)
	err := r.out.api.call(ctx, webhook(ix), "answer an interaction", func(opts ...discordgo.RequestOption) error {
		return r.out.api.hookRequest(http.MethodPost, ep, rep.resp, nil, opts...)
	})
	if err != nil {
		r.log.Warn("discord: interaction not answered", "type", rep.resp.Type, "err", err)
	}
	if rep.acked != nil {
		rep.acked(err)
	}
}

// interaction turns an interaction (not an autocomplete) into a bridge event,
// delivers it, and says how to answer it.
func (r *receiver) interaction(ctx context.Context, in ixIn) ixReply {
	r.chans.learn(in.channel)
	switch in.Type {
	case discordgo.InteractionPing:
		return reply(pong)
	case discordgo.InteractionApplicationCommand:
		return r.command(ctx, in)
	case discordgo.InteractionMessageComponent:
		return r.component(ctx, in)
	}
	return reply(deferUpdate) // a modal or a future type: acknowledged, nothing to do
}

// refused is the answer to an interaction the host did not accept: Discord
// never delivers it again, so rather than let it fail the user is told, only
// to them, to try again.
func (r *receiver) refused(user bridge.UserInfo, what string, err error) ixReply {
	r.log.Warn("discord: interaction refused by the core; the user is asked to try again", "interaction", what, "err", err)
	return r.note(user.Locale, "discord.unavailable")
}

// command handles a slash command: /ask asks its question (or, with a
// suggestion chosen, clicks that smart hint); the others are bridge commands.
// The response is deferred, and the conversation's answers go through the
// interaction (see pendingIx).
func (r *receiver) command(ctx context.Context, in ixIn) ixReply {
	user := r.interactionUser(in.Interaction)
	if in.GuildID != "" && !r.guildAllowed(in.GuildID) {
		return r.note(user.Locale, "discord.not_here")
	}
	data, ok := in.Data.(discordgo.ApplicationCommandInteractionData)
	if !ok || user.ID == "" {
		return r.note(user.Locale, "discord.unavailable")
	}
	key := r.interactionKey(ctx, in, user)
	var ev bridge.Event
	switch data.Name {
	case cmdAsk:
		q := strings.TrimSpace(optionString(data.Options, optQuestion))
		if tok, hint := strings.CutPrefix(q, hintPrefix); hint && tok != "" {
			ev = bridge.Click{Key: key, User: user, Token: tok}
		} else if q != "" {
			ev = bridge.Message{Key: key, User: user, Text: q, ID: in.ID, Rich: ParseMarkdown(q, nil)}
		} else {
			ev = bridge.Command{Key: key, User: user, Name: bridge.CmdHelp}
		}
	default:
		ev = bridge.Command{Key: key, User: user, Name: data.Name}
	}
	// The interaction carries the answers from now on: the core may answer
	// before Deliver returns.
	p, prev := r.out.carry(in.Interaction, key)
	err := r.host.Deliver(ctx, bridge.Delivery{ID: in.ID, Event: ev})
	switch {
	case errors.Is(err, bridge.ErrDuplicate):
		r.out.restore(p, prev)
		return ixReply{none: true}
	case !bridge.Ack(err):
		r.out.restore(p, prev)
		return r.refused(user, "/"+data.Name, err)
	}
	// ErrBusy: the core tells the user, through the interaction.
	return ixReply{resp: ixResponse{Type: deferMessage}, acked: p.done}
}

// component handles a button press or a select choice: a bridge.Click with
// the token discordfmt put in the component. The response defers the update;
// the core then retires what was clicked (Retire) through this interaction.
// Clicks on a component already retired (a stale client), and further clicks
// of a user on a message while one of theirs is in flight, do nothing.
func (r *receiver) component(ctx context.Context, in ixIn) ixReply {
	data, ok := in.Data.(discordgo.MessageComponentInteractionData)
	if !ok || in.Message == nil {
		return reply(deferUpdate)
	}
	token := discordfmt.ClickToken(data.CustomID, data.Values)
	user := r.interactionUser(in.Interaction)
	if token == "" || user.ID == "" {
		return reply(deferUpdate) // a page indicator or a disabled component
	}
	msgID := in.Message.ID
	if r.clicks.stale(msgID, token) {
		r.log.Debug("discord: click on retired components; ignored", "message", msgID)
		return reply(deferUpdate)
	}
	key, ok := r.out.keyOf(msgID)
	if !ok {
		key = r.interactionKey(ctx, in, user)
	}
	cc, ok := r.clicks.begin(in, key, user.ID, token)
	if !ok {
		r.log.Debug("discord: click while an earlier one on the message is handled; ignored", "message", msgID)
		return reply(deferUpdate)
	}
	click := bridge.Click{Key: key, User: user, Token: token, Ref: bridge.MsgRef{Key: key, ID: msgID}}
	err := r.host.Deliver(ctx, bridge.Delivery{ID: in.ID, Event: click})
	switch {
	case errors.Is(err, bridge.ErrDuplicate):
		r.clicks.abandon(cc)
		return ixReply{none: true}
	case errors.Is(err, bridge.ErrBusy):
		r.clicks.abandon(cc) // refused: the click may come again
	case !bridge.Ack(err):
		r.clicks.abandon(cc)
		return r.refused(user, "click", err)
	}
	return ixReply{resp: ixResponse{Type: deferUpdate}, acked: cc.done}
}

// autocomplete answers /ask's typeahead with KM smart hints: the question as
// the choice's name, its action token (with hintPrefix) as the value. Discord
// wants the answer within 3 s; the KM call is bounded by SuggestTimeout, and
// any failure answers with no choices.
func (r *receiver) autocomplete(ctx context.Context, in ixIn) ixResponse {
	r.chans.learn(in.channel)
	out := ixChoices{Choices: []*discordgo.ApplicationCommandOptionChoice{}}
	resp := ixResponse{Type: discordgo.InteractionApplicationCommandAutocompleteResult, Data: out}
	data, ok := in.Data.(discordgo.ApplicationCommandInteractionData)
	user := r.interactionUser(in.Interaction)
	if !ok || user.ID == "" || (in.GuildID != "" && !r.guildAllowed(in.GuildID)) {
		return resp
	}
	q := focusedString(data.Options)
	if strings.TrimSpace(q) == "" || strings.HasPrefix(q, hintPrefix) {
		return resp
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.SuggestTimeout)
	defer cancel()
	key := r.interactionKey(ctx, in, user)
	buttons, err := r.host.Suggest(ctx, key, user, q)
	if err != nil {
		r.log.Info("discord: no suggestions", "err", err)
		return resp
	}
	for _, b := range buttons {
		name := cut(strings.Join(strings.Fields(b.Label), " "), maxChoiceName)
		value := hintPrefix + b.Token
		if name == "" || b.Token == "" || len(value) > maxChoiceValue || len(out.Choices) == maxChoices {
			continue
		}
		out.Choices = append(out.Choices, &discordgo.ApplicationCommandOptionChoice{Name: name, Value: value})
	}
	resp.Data = out
	return resp
}

// Discord's autocomplete limits.
const (
	maxChoices     = 25
	maxChoiceName  = 100
	maxChoiceValue = 100
)

// interactionUser is the user behind an interaction, with their client
// locale, which is remembered for their later messages (which carry none).
func (r *receiver) interactionUser(ix *discordgo.Interaction) bridge.UserInfo {
	u, nick := ix.User, ""
	if ix.Member != nil && ix.Member.User != nil {
		u, nick = ix.Member.User, ix.Member.Nick
	}
	if u == nil {
		return bridge.UserInfo{Locale: string(ix.Locale)}
	}
	info := bridge.UserInfo{ID: u.ID, Name: firstNonEmpty(nick, u.GlobalName, u.Username), Locale: string(ix.Locale)}
	if info.Locale != "" {
		r.locales.Put(u.ID, info.Locale)
	}
	return info
}

// interactionKey is the conversation of an interaction: the user's DM; in a
// thread, the thread's conversation; elsewhere in a server, the channel's
// conversation (the user's own, but under ScopeChannel).
func (r *receiver) interactionKey(ctx context.Context, in ixIn, user bridge.UserInfo) bridge.ConvKey {
	if in.GuildID == "" {
		return bridge.DMKey(Platform, "", in.ChannelID, user.ID)
	}
	info, known := r.chans.lookup(ctx, in.ChannelID, true)
	if known && info.thread {
		return bridge.ChannelKey(r.cfg.Scope, Platform, in.GuildID, info.parent, in.ChannelID, user.ID)
	}
	return bridge.ChannelKey(r.cfg.Scope, Platform, in.GuildID, in.ChannelID, "", user.ID)
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
