package discordadapter

import (
	"context"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// receiver turns what Discord delivers (messages over the gateway,
// interactions over the gateway or HTTP) into bridge events for the host,
// and answers Discord as the delivery rules say.
type receiver struct {
	*base
	host   bridge.Host
	life   *lifecycle
	gw     *gateway
	chans  *channels
	out    *sender
	clicks *clicker

	guilds     map[string]bool            // Config.GuildIDs
	configured map[string]bool            // Config.Channels
	locales    *memo.Memo[string, string] // user id → client locale (from interactions)
	active     *recent                    // channels where the bot was spoken to lately
}

// onMessageCreate handles MESSAGE_CREATE. It runs on the gateway's reader
// (SyncEvents), so messages reach the host in Discord's order.
func (r *receiver) onMessageCreate(_ *discordgo.Session, mc *discordgo.MessageCreate) {
	if mc == nil || mc.Message == nil {
		return
	}
	ctx, done, ok := r.life.enter()
	if !ok {
		return
	}
	defer done()
	r.active.heard(r.now())
	r.message(ctx, mc.Message)
}

// message delivers one message, if it is for the bot.
func (r *receiver) message(ctx context.Context, m *discordgo.Message) {
	in, ok := r.inbound(ctx, m)
	if !ok {
		return
	}
	r.seen(m)
	r.deliver(ctx, m.ID, in)
}

// inbound is what a message means for the bot: an event for the host, or a
// note for the user (content it cannot read).
type inbound struct {
	key  bridge.ConvKey
	user bridge.UserInfo
	ev   bridge.Event
	note i18n.MsgID
}

// inbound decides whether a message is for the bot and in which conversation.
// DMs always are (one conversation per user). In a server: a message in a
// thread the bot started, in a thread of a configured channel, in a thread
// the bridge takes part in (host.Joined: it answered there, or a hand-over's
// case thread), or mentioning the bot in a thread belongs to that thread's
// conversation; a message in a configured channel, or mentioning the bot,
// starts a thread of its own (the thread's id will be the message's id:
// Discord names a thread started from a message after it), created when the
// first answer goes out. Conversations follow Config.Scope. Bots, the bot
// itself, webhooks (the bridge's own relays included) and system messages are
// ignored.
func (r *receiver) inbound(ctx context.Context, m *discordgo.Message) (inbound, bool) {
	bot := r.gw.botUserID()
	if m.Author == nil || m.Author.Bot || m.Author.ID == bot || m.WebhookID != "" || m.Author.System {
		return inbound{}, false
	}
	if m.Type != discordgo.MessageTypeDefault && m.Type != discordgo.MessageTypeReply {
		return inbound{}, false
	}
	user := r.messageUser(m)
	text := messageText(m, bot)
	files := attachments(m)
	mentioned := mentions(m, bot)
	opening := false // the message opens a conversation of its own (a new thread)
	var key bridge.ConvKey
	switch {
	case m.GuildID == "":
		key = bridge.DMKey(Platform, "", m.ChannelID, m.Author.ID)
	case !r.guildAllowed(m.GuildID):
		return inbound{}, false
	default:
		configured := r.configured[m.ChannelID]
		info, known := r.chans.lookup(ctx, m.ChannelID, mentioned || configured)
		if known && info.thread {
			key = bridge.ChannelKey(r.cfg.Scope, Platform, m.GuildID, info.parent, m.ChannelID, m.Author.ID)
			ours := mentioned || configured || r.configured[info.parent] || info.mine || (bot != "" && info.owner == bot)
			if !ours && !r.joined(ctx, key) {
				return inbound{}, false
			}
			break
		}
		if !mentioned && !configured {
			return inbound{}, false
		}
		opening = true
		key = bridge.ChannelKey(r.cfg.Scope, Platform, m.GuildID, m.ChannelID, m.ID, m.Author.ID)
	}
	in := inbound{key: key, user: user}
	switch {
	case text != "" || (len(files) > 0 && !opening):
		// Files alone are delivered where a hand-over may relay them (a DM, a
		// thread); the robot ignores a message without text.
		msg := bridge.Message{Key: key, User: user, Text: text, ID: m.ID, Files: files,
			Rich: ParseMarkdown(m.Content, r.mentionNames(m, bot))}
		if m.MessageReference != nil {
			msg.ReplyTo = m.MessageReference.MessageID
		}
		in.ev = msg
	case len(files) > 0 || len(m.StickerItems) > 0:
		if m.GuildID != "" && !mentioned {
			return inbound{}, false // a picture posted in a channel is not a question
		}
		in.note = "discord.text_only"
	case mentioned:
		in.ev = bridge.Command{Key: key, User: user, Name: bridge.CmdHelp}
	default:
		return inbound{}, false
	}
	if opening {
		r.chans.plan(m.ID, m.ChannelID, r.threadName(text, user))
	}
	return in, true
}

// joined asks the host whether the bridge takes part in the thread of key:
// as that conversation, or as the thread itself (per-user scopes key the
// thread's conversations by author; a hand-over's case is the whole thread).
func (r *receiver) joined(ctx context.Context, key bridge.ConvKey) bool {
	ctx, cancel := context.WithTimeout(ctx, r.cfg.LookupTimeout)
	defer cancel()
	keys := []bridge.ConvKey{key}
	if key.User != "" {
		th := key
		th.User = ""
		keys = append(keys, th)
	}
	for _, k := range keys {
		in, err := r.host.Joined(ctx, k)
		if err != nil {
			r.log.Warn("discord: thread membership unknown; the message is not taken", "conv", k.String(), "err", err)
			continue
		}
		if in {
			return true
		}
	}
	return false
}

// deliver hands an inbound message to the host, or sends its note. The
// gateway never delivers a message again: one the host refuses (shutting
// down, the store failing) is lost unless the user sends it again, so the
// user is asked to.
func (r *receiver) deliver(ctx context.Context, id string, in inbound) {
	if in.note != "" {
		r.out.notify(in.key, in.user.Locale, in.note)
		return
	}
	err := r.host.Deliver(ctx, bridge.Delivery{ID: id, Event: in.ev})
	if bridge.Ack(err) {
		return
	}
	r.log.Warn("discord: message refused by the core; the user is asked to send it again", "conv", in.key.String(), "err", err)
	r.out.notify(in.key, in.user.Locale, "discord.send_again")
}

// notify sends a note of the catalogue to a conversation, in the
// background: an event handler does not wait for Discord.
func (s *sender) notify(key bridge.ConvKey, locale string, id i18n.MsgID) {
	text := s.printer(locale).T(id)
	s.life.background(s.cfg.HTTPTimeout, func(ctx context.Context) {
		if _, err := s.send(ctx, key, formatting.Plain(text)); err != nil {
			s.log.Warn("discord: note not sent", "note", id, "err", err)
		}
	})
}

func (r *receiver) guildAllowed(guild string) bool {
	return len(r.guilds) == 0 || r.guilds[guild]
}

// messageUser is the author of a message. Discord gives no locale with a
// message: the one the user's last interaction carried is used, else the
// server's.
func (r *receiver) messageUser(m *discordgo.Message) bridge.UserInfo {
	u := bridge.UserInfo{ID: m.Author.ID, Name: firstNonEmpty(m.Author.GlobalName, m.Author.Username)}
	if m.Member != nil && m.Member.Nick != "" {
		u.Name = m.Member.Nick
	}
	if loc, ok := r.locales.Get(m.Author.ID); ok {
		u.Locale = loc
	} else if m.GuildID != "" {
		if g, err := r.chans.state.Guild(m.GuildID); err == nil && g != nil {
			u.Locale = g.PreferredLocale
		}
	}
	return u
}

// mentionNames names the users, roles and channels a message mentions, for
// ParseMarkdown; the bot's own mention reads as nothing.
func (r *receiver) mentionNames(m *discordgo.Message, bot string) Names {
	users := map[string]string{}
	for _, u := range m.Mentions {
		if u != nil {
			users[u.ID] = firstNonEmpty(u.GlobalName, u.Username)
		}
	}
	return func(kind byte, id string) (string, bool) {
		switch kind {
		case '@':
			if id == bot && bot != "" {
				return "", true
			}
			name, ok := users[id]
			if !ok {
				return "", false
			}
			return "@" + name, true
		case '#':
			if c, err := r.chans.state.Channel(id); err == nil && c != nil && c.Name != "" {
				return "#" + c.Name, true
			}
		case '&':
			if g, err := r.chans.state.Role(m.GuildID, id); err == nil && g != nil && g.Name != "" {
				return "@" + g.Name, true
			}
		}
		return "", false
	}
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

// attachments are a message's files and stickers as links on Discord's CDN
// (public, signed by Discord: no credential of the bot's).
func attachments(m *discordgo.Message) []bridge.Attachment {
	var out []bridge.Attachment
	for _, f := range m.Attachments {
		if f == nil {
			continue
		}
		u, ok := formatting.SafeImageURL(f.URL)
		if !ok {
			u = ""
		}
		out = append(out, bridge.Attachment{Name: f.Filename, MIME: f.ContentType, URL: u, Size: int64(f.Size)})
	}
	for _, s := range m.StickerItems {
		if s == nil || !snowflake(s.ID) || s.FormatType == discordgo.StickerFormatTypeLottie {
			continue // a Lottie sticker is an animation no other platform shows
		}
		ext := ".png"
		if s.FormatType == discordgo.StickerFormatTypeGIF {
			ext = ".gif"
		}
		out = append(out, bridge.Attachment{Name: s.Name, URL: "https://media.discordapp.net/stickers/" + s.ID + ext})
	}
	return out
}

// threadName names the thread started for a question: its first line, cut to
// fit (Discord allows 100 characters), or "Question from name".
func (r *receiver) threadName(text string, user bridge.UserInfo) string {
	line := threadLine(text)
	if line == "" {
		line = r.printer(user.Locale).T("discord.thread_name", firstNonEmpty(user.Name, user.ID))
	}
	return cut(line, threadNameMax)
}

// threadLine is the first line of s, its white space collapsed.
func threadLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.Join(strings.Fields(line), " ")
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
