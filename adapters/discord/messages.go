package discord

import (
	"context"
	"errors"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// onMessageCreate handles MESSAGE_CREATE. It runs on the gateway's reader
// (SyncEvents), so messages reach the core in Discord's order.
func (a *Adapter) onMessageCreate(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	if mc == nil || mc.Message == nil {
		return
	}
	h, ctx, done := a.enter()
	defer done()
	if h == nil {
		return
	}
	in, ok := a.inbound(ctx, mc.Message)
	if !ok {
		return
	}
	if a.seen(ctx, "msg:"+mc.ID) {
		a.log.Debug("discord: message delivered again; ignored", "message", mc.ID)
		return
	}
	a.deliver(ctx, h, in)
}

// inbound is what a message means for the bot: an event for the core, or a
// note for the user (content it cannot read).
type inbound struct {
	key  bridge.ConvKey
	user bridge.UserInfo
	ev   bridge.Event
	note i18n.MsgID
}

// inbound decides whether a message is for the bot and in which conversation.
// DMs always are (one conversation per user). In a server: a message in a
// thread the bot started, in a thread of a configured channel, or mentioning
// the bot in a thread belongs to that thread's conversation; a message in a
// configured channel, or mentioning the bot, starts a thread of its own (the
// thread's id will be the message's id: Discord names a thread started from a
// message after it), created when the first answer goes out. Bots, the bot
// itself, webhooks and system messages are ignored.
func (a *Adapter) inbound(ctx context.Context, m *discordgo.Message) (inbound, bool) {
	bot := a.botUserID()
	if m.Author == nil || m.Author.Bot || m.Author.ID == bot || m.WebhookID != "" || m.Author.System {
		return inbound{}, false
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return inbound{}, false
	}
	user := a.messageUser(m)
	text := messageText(m, bot)
	mentioned := mentions(m, bot)
	var key bridge.ConvKey
	switch {
	case m.GuildID == "":
		key = bridge.DMKey(Platform, "", m.ChannelID, m.Author.ID)
	case !a.guildAllowed(m.GuildID):
		return inbound{}, false
	default:
		configured := a.channels[m.ChannelID]
		info, known := a.channelInfo(ctx, m.ChannelID, mentioned || configured)
		if known && info.thread {
			if !mentioned && !configured && !a.channels[info.parent] && (bot == "" || info.owner != bot) {
				return inbound{}, false
			}
			key = bridge.ChannelKey(bridge.ScopeThread, Platform, m.GuildID, info.parent, m.ChannelID, m.Author.ID)
			break
		}
		if !mentioned && !configured {
			return inbound{}, false
		}
		key = bridge.ChannelKey(bridge.ScopeThread, Platform, m.GuildID, m.ChannelID, m.ID, m.Author.ID)
		if text != "" || mentioned { // (a redelivery keeps the first one's state)
			a.starts.Add(m.ID, &threadStart{channel: m.ChannelID, name: a.threadName(text, user)})
		}
	}
	in := inbound{key: key, user: user}
	switch {
	case text != "":
		in.ev = bridge.Message{Key: key, User: user, Text: text, ID: m.ID}
	case len(m.Attachments) > 0 || len(m.StickerItems) > 0:
		if m.GuildID != "" && !mentioned {
			return inbound{}, false // a picture posted in a channel is not a question
		}
		in.note = "discord.text_only"
	case mentioned:
		in.ev = bridge.Command{Key: key, User: user, Name: bridge.CmdHelp}
	default:
		return inbound{}, false
	}
	return in, true
}

// deliver hands an inbound message to the core, or sends its note.
func (a *Adapter) deliver(ctx context.Context, h bridge.Handler, in inbound) {
	if in.note != "" {
		text := a.printer(in.user.Locale).T(in.note)
		a.background(a.cfg.HTTPTimeout, func(ctx context.Context) {
			if _, err := a.Send(ctx, in.key, formatting.Plain(text)); err != nil {
				a.log.Warn("discord: note not sent", "err", err)
			}
		})
		return
	}
	err := h(ctx, in.ev)
	switch {
	case err == nil:
	case errors.Is(err, bridge.ErrBusy):
		a.log.Info("discord: conversation busy; the user was asked to wait", "conv", in.key.String())
	default:
		// The gateway will not deliver it again: say so rather than stay silent.
		a.log.Warn("discord: message not accepted by the core", "conv", in.key.String(), "err", err)
		text := a.printer(in.user.Locale).T("discord.unavailable")
		a.background(a.cfg.HTTPTimeout, func(ctx context.Context) {
			if _, err := a.Send(ctx, in.key, formatting.Plain(text)); err != nil {
				a.log.Warn("discord: apology not sent", "err", err)
			}
		})
	}
}

// messageUser is the author of a message. Discord gives no locale with a
// message: the one the user's last interaction carried is used, else the
// server's.
func (a *Adapter) messageUser(m *discordgo.Message) bridge.UserInfo {
	u := bridge.UserInfo{ID: m.Author.ID, Name: firstNonEmpty(m.Author.GlobalName, m.Author.Username)}
	if m.Member != nil && m.Member.Nick != "" {
		u.Name = m.Member.Nick
	}
	if loc, ok := a.locales.Get(m.Author.ID); ok {
		u.Locale = loc
	} else if m.GuildID != "" {
		if g, err := a.s.State.Guild(m.GuildID); err == nil && g != nil {
			u.Locale = g.PreferredLocale
		}
	}
	return u
}

// mentions reports whether m mentions the bot (a reply to the bot's message
// counts: Discord lists the replied-to author).
func mentions(m *discordgo.Message, bot string) bool {
	if bot == "" {
		return false
	}
	for _, u := range m.Mentions {
		if u != nil && u.ID == bot {
			return true
		}
	}
	return false
}

// messageText is what the user wrote, without mentions of the bot; mentions of
// other users read as @name, so KM sees words rather than ids.
func messageText(m *discordgo.Message, bot string) string {
	s := m.Content
	if bot != "" {
		s = strings.NewReplacer("<@"+bot+">", " ", "<@!"+bot+">", " ").Replace(s)
	}
	if strings.Contains(s, "<@") {
		var pairs []string
		for _, u := range m.Mentions {
			if u == nil || u.ID == bot {
				continue
			}
			name := "@" + firstNonEmpty(u.GlobalName, u.Username)
			pairs = append(pairs, "<@"+u.ID+">", name, "<@!"+u.ID+">", name)
		}
		if len(pairs) > 0 {
			s = strings.NewReplacer(pairs...).Replace(s)
		}
	}
	return strings.TrimSpace(s)
}

// threadName names the thread started for a question: its first line, cut to
// fit (Discord allows 100 characters), or "Question from name".
func (a *Adapter) threadName(text string, user bridge.UserInfo) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	line = strings.Join(strings.Fields(line), " ")
	if line == "" {
		line = a.printer(user.Locale).T("discord.thread_name", firstNonEmpty(user.Name, user.ID))
	}
	return cut(line, threadNameMax)
}

// threadNameMax leaves room below Discord's 100.
const threadNameMax = 90

// cut shortens s to at most n runes, ending with "…" when it had to cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
