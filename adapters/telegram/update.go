package telegramadapter

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
)

// update is a decoded Bot API update plus what the library (Bot API ~5.5) does
// not know: the forum topic of a message and of a clicked message.
type update struct {
	tgbotapi.Update
	msgThread int // Message's topic; 0 outside forum topics
	cbThread  int // CallbackQuery.Message's topic
}

// topicFields are the Bot API 6.3 fields v5.5.1 lacks.
type topicFields struct {
	ThreadID int  `json:"message_thread_id"`
	IsTopic  bool `json:"is_topic_message"`
}

// thread is the forum topic of a message: message_thread_id counts only with
// is_topic_message (outside forums it names a reply thread, which Telegram
// refuses as a send target).
func (t *topicFields) thread() int {
	if t == nil || !t.IsTopic || t.ThreadID <= 0 {
		return 0
	}
	return t.ThreadID
}

// decodeUpdate decodes one update as the Bot API sends it.
func decodeUpdate(raw []byte) (update, error) {
	var u update
	if err := json.Unmarshal(raw, &u.Update); err != nil {
		return update{}, fmt.Errorf("telegram: decode update: %w", err)
	}
	var extra struct {
		Message       *topicFields `json:"message"`
		CallbackQuery *struct {
			Message *topicFields `json:"message"`
		} `json:"callback_query"`
	}
	if err := json.Unmarshal(raw, &extra); err != nil {
		return update{}, fmt.Errorf("telegram: decode update topics: %w", err)
	}
	u.msgThread = extra.Message.thread()
	if extra.CallbackQuery != nil {
		u.cbThread = extra.CallbackQuery.Message.thread()
	}
	return u, nil
}

// inKind is what an update asks of the adapter.
type inKind int

const (
	inIgnore   inKind = iota // nothing: not for us, or nothing we handle
	inEvent                  // a bridge event (message, command, reply-keyboard click)
	inCallback               // an inline-keyboard press: answer it, maybe an event
	inInline                 // an inline query: suggestions
	inNonText                // a sticker, voice, photo without caption…: say what we understand
)

// inbound is an update translated for the adapter.
type inbound struct {
	kind inKind
	why  string // why an update is ignored (a debug log's token, e.g. "not_addressed")
	ev   bridge.Event
	key  bridge.ConvKey
	user bridge.UserInfo
	// msgID is the user's message (in groups the replies answer it).
	msgID int
	group bool
	// ifJoined: a message in a forum topic that is not addressed to the bot;
	// it is delivered only when the topic (thread) is one the bridge takes
	// part in (bridge.Host.Joined), e.g. a hand-over case's topic.
	ifJoined bool
	thread   bridge.ConvKey
	cb       *tgbotapi.CallbackQuery
	iq       *tgbotapi.InlineQuery
}

// noopData is the callback_data of the "✅ chosen" button that retired keyboards
// carried before the one retirement policy (tgfmt.NoopData since): such
// keyboards may still be on users' screens. It contains a ':' so that it can
// never be an action token.
const noopData = "kmb:chosen"

// classifier turns updates into inbound values. It is pure but for the two
// lookups into the adapter's memory and the file links it signs.
type classifier struct {
	botID    int64
	botName  string // username without '@'
	scope    bridge.Scope
	replyKey func(key bridge.ConvKey, text string) (string, bool) // reply-keyboard label → token
	inline   func(userID, text string) (string, bool)             // chosen inline result → token
	fileURL  func(fileID string) string                           // a file's link through the bridge; "" none
}

func (c *classifier) classify(u update) inbound {
	switch {
	case u.Message != nil:
		return c.message(u.Message, u.msgThread)
	case u.CallbackQuery != nil:
		return c.callback(u.CallbackQuery, u.cbThread)
	case u.InlineQuery != nil:
		if u.InlineQuery.From == nil {
			return inbound{why: "inline_no_sender"}
		}
		return inbound{kind: inInline, iq: u.InlineQuery, user: userInfo(u.InlineQuery.From)}
	}
	return inbound{why: "unhandled_update_type"}
}

func userInfo(u *tgbotapi.User) bridge.UserInfo {
	name := strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))
	if name == "" {
		name = u.UserName
	}
	return bridge.UserInfo{ID: strconv.FormatInt(u.ID, 10), Name: name, Locale: u.LanguageCode}
}

// convKey is the conversation of user in chat (thread: forum topic, 0 none).
func (c *classifier) convKey(chat *tgbotapi.Chat, thread int, user string) bridge.ConvKey {
	id := strconv.FormatInt(chat.ID, 10)
	if chat.Type == "private" {
		return bridge.DMKey(Platform, "", id, user)
	}
	th := ""
	if thread != 0 {
		th = strconv.Itoa(thread)
	}
	return bridge.ChannelKey(c.scope, Platform, "", id, th, user)
}

func (c *classifier) message(m *tgbotapi.Message, thread int) inbound {
	if m.Chat == nil || m.From == nil {
		return inbound{why: "no_chat_or_sender"}
	}
	if m.From.IsBot {
		return inbound{why: "from_bot"}
	}
	private := m.Chat.Type == "private"
	if !private && m.Chat.Type != "group" && m.Chat.Type != "supergroup" {
		return inbound{why: "chat_type_" + m.Chat.Type}
	}
	user := userInfo(m.From)
	in := inbound{key: c.convKey(m.Chat, thread, user.ID), user: user, msgID: m.MessageID, group: !private}

	text, entities := m.Text, m.Entities
	if text == "" {
		text, entities = m.Caption, m.CaptionEntities
	}

	if name, arg, target, ok := parseCommand(text); ok {
		switch {
		case target != "" && !strings.EqualFold(target, c.botName):
			return inbound{why: "other_bot_command"}
		case !private && target == "" && !knownCommand(name):
			return inbound{why: "unknown_group_command"}
		}
		if name == bridge.CmdStart {
			arg = deepLinkQuestion(arg)
		}
		in.kind, in.ev = inEvent, bridge.Command{Key: in.key, User: user, Name: name, Arg: arg}
		return in
	}

	trimmed := strings.TrimSpace(text)
	viaMe := m.ViaBot != nil && m.ViaBot.ID == c.botID
	if trimmed != "" {
		if tok, ok := c.replyKey(in.key, trimmed); ok {
			in.kind, in.ev = inEvent, bridge.Click{Key: in.key, User: user, Token: tok}
			return in
		}
		if viaMe && private {
			if tok, ok := c.inline(user.ID, trimmed); ok {
				in.kind, in.ev = inEvent, bridge.Click{Key: in.key, User: user, Token: tok}
				return in
			}
		}
	}

	addressed, mentioned := private || viaMe, false
	replyTo := ""
	if r := m.ReplyToMessage; r != nil && r.MessageID != thread {
		// In a forum every message "replies" to its topic's first message:
		// that is no reply (and, when the bot opened the topic, no address).
		replyTo = strconv.Itoa(r.MessageID)
		addressed = addressed || (!private && r.From != nil && r.From.ID == c.botID)
	}
	var cut []bool
	if !private {
		text, cut, mentioned = stripMention(text, entities, c.botID, c.botName)
		addressed = addressed || mentioned
		trimmed = strings.TrimSpace(text)
	}
	files := c.attachments(m)
	if !addressed {
		if thread == 0 || (trimmed == "" && len(files) == 0) {
			return inbound{why: "not_addressed"}
		}
		in.ifJoined = true
		in.thread = bridge.ChannelKey(bridge.ScopeThread, Platform, "", in.key.Channel, strconv.Itoa(thread), "")
	}
	switch {
	case trimmed != "" || len(files) > 0:
		in.kind, in.ev = inEvent, bridge.Message{
			Key: in.key, User: user, Text: trimmed, ID: strconv.Itoa(m.MessageID),
			Rich: richOf(rawText(m), rawEntities(m), cut), Files: files, ReplyTo: replyTo,
		}
	case nonText(m):
		in.kind = inNonText
	case mentioned:
		// A bare "@bot" asks what the bot does.
		in.kind, in.ev = inEvent, bridge.Command{Key: in.key, User: user, Name: bridge.CmdHelp}
	default:
		return inbound{why: "no_text"}
	}
	return in
}

// rawText and rawEntities are a message's text and its entities, or its
// caption and the caption's.
func rawText(m *tgbotapi.Message) string {
	if m.Text != "" {
		return m.Text
	}
	return m.Caption
}

func rawEntities(m *tgbotapi.Message) []tgbotapi.MessageEntity {
	if m.Text != "" {
		return m.Entities
	}
	return m.CaptionEntities
}

// attachments are the files sent with m (a photo in its largest size, a
// document, an audio, a voice note, a video) as links through the bridge:
// Telegram's own file links carry the bot token.
func (c *classifier) attachments(m *tgbotapi.Message) []bridge.Attachment {
	var out []bridge.Attachment
	add := func(id, name, mime string, size int) {
		if id == "" {
			return
		}
		a := bridge.Attachment{Name: name, MIME: mime, Size: int64(max(size, 0))}
		if c.fileURL != nil {
			a.URL = c.fileURL(id)
		}
		out = append(out, a)
	}
	if len(m.Photo) > 0 {
		p := m.Photo[0]
		for _, s := range m.Photo[1:] {
			if s.Width*s.Height > p.Width*p.Height || (s.Width*s.Height == p.Width*p.Height && s.FileSize > p.FileSize) {
				p = s
			}
		}
		add(p.FileID, "", "image/jpeg", p.FileSize)
	}
	if d := m.Document; d != nil {
		add(d.FileID, d.FileName, d.MimeType, d.FileSize)
	}
	if a := m.Audio; a != nil {
		add(a.FileID, a.FileName, a.MimeType, a.FileSize)
	}
	if v := m.Voice; v != nil {
		add(v.FileID, "", v.MimeType, v.FileSize)
	}
	if v := m.Video; v != nil {
		add(v.FileID, v.FileName, v.MimeType, v.FileSize)
	}
	return out
}

func (c *classifier) callback(cb *tgbotapi.CallbackQuery, thread int) inbound {
	if cb.From == nil {
		return inbound{why: "callback_no_sender"}
	}
	user := userInfo(cb.From)
	in := inbound{kind: inCallback, cb: cb, user: user}
	m := cb.Message
	if m == nil || m.Chat == nil || cb.Data == "" || isNoop(cb.Data) {
		// A button on an inline message (we put none there), a game, a header
		// row (tgfmt.NoopData) or the "chosen" marker of a retired keyboard:
		// answered, nothing else.
		return in
	}
	in.key = c.convKey(m.Chat, thread, user.ID)
	in.group = m.Chat.Type != "private"
	in.ev = bridge.Click{
		Key: in.key, User: user, Token: cb.Data,
		Ref: bridge.MsgRef{Key: in.key, ID: strconv.Itoa(m.MessageID)},
	}
	return in
}

// nonText reports content that is neither text nor a file the bridge can
// link: stickers, round video notes, places, contacts, polls, dice.
func nonText(m *tgbotapi.Message) bool {
	return m.Sticker != nil || m.VideoNote != nil || m.Animation != nil ||
		m.Location != nil || m.Venue != nil || m.Contact != nil || m.Poll != nil || m.Dice != nil
}

// menuCommands are the bridge commands the bot offers, in menu order.
func menuCommands() []string {
	return []string{bridge.CmdStart, bridge.CmdFAQ, bridge.CmdHot, bridge.CmdHuman, bridge.CmdReset, bridge.CmdHelp}
}

func knownCommand(name string) bool {
	for _, c := range menuCommands() {
		if c == name {
			return true
		}
	}
	return false
}

// parseCommand splits "/name@target rest" (name: 1–32 of a-z, 0-9, _). It reads
// the text rather than the bot_command entity so that a bad entity offset can
// never cut the text wrong.
func parseCommand(text string) (name, arg, target string, ok bool) {
	if !strings.HasPrefix(text, "/") {
		return "", "", "", false
	}
	word, rest := text[1:], ""
	if i := strings.IndexAny(word, " \t\n\r"); i >= 0 {
		word, rest = word[:i], word[i+1:]
	}
	word, target, at := strings.Cut(word, "@")
	if !commandName(word) || (at && !commandName(target)) {
		return "", "", "", false
	}
	return strings.ToLower(word), strings.TrimSpace(rest), target, true
}

func commandName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// inlineStartParam is the /start payload of the inline panel's "open the chat"
// button: it asks nothing.
const inlineStartParam = "inline"

// deepLinkQuestion turns a /start payload (t.me/bot?start=…, 1–64 of A-Z, a-z,
// 0-9, _ and -) into the question it carries: "b64-" + base64url of UTF-8 text
// for any text, otherwise underscores stand for spaces ("reset_my_password").
// Typed arguments ("/start how do I…") are taken as they are.
func deepLinkQuestion(arg string) string {
	arg = strings.TrimSpace(arg)
	if arg == "" || arg == inlineStartParam {
		return ""
	}
	if strings.ContainsAny(arg, " \t\n") {
		return arg
	}
	if enc, ok := strings.CutPrefix(arg, "b64-"); ok {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
		if err == nil && utf8.Valid(b) && strings.TrimSpace(string(b)) != "" {
			return strings.TrimSpace(string(b))
		}
	}
	return strings.TrimSpace(strings.ReplaceAll(arg, "_", " "))
}

// stripMention removes mentions of the bot (by @username or text_mention) and
// reports whether there was one; cut marks the UTF-16 units of the mentions
// the entities gave (nil when there were none), for the rich text to leave out
// too. Entity offsets are UTF-16 units; a bad one is ignored, never trusted.
func stripMention(text string, entities []tgbotapi.MessageEntity, botID int64, botName string) (string, []bool, bool) {
	if text == "" {
		return text, nil, false
	}
	var units []uint16
	var cut []bool
	found := false
	for _, e := range entities {
		if e.Type != "mention" && e.Type != "text_mention" {
			continue
		}
		if units == nil {
			units = utf16.Encode([]rune(text))
			cut = make([]bool, len(units))
		}
		if !inRange(e, len(units)) {
			continue
		}
		span := units[e.Offset : e.Offset+e.Length]
		switch {
		case e.Type == "mention" && botName != "" && strings.EqualFold(string(utf16.Decode(span)), "@"+botName):
		case e.Type == "text_mention" && e.User != nil && e.User.ID == botID:
		default:
			continue
		}
		found = true
		for i := e.Offset; i < e.Offset+e.Length; i++ {
			cut[i] = true
		}
	}
	if found {
		kept := units[:0:0]
		for i, u := range units {
			if !cut[i] {
				kept = append(kept, u)
			}
		}
		return strings.Join(strings.Fields(string(utf16.Decode(kept))), " "), cut, true
	}
	// No entities (a client or a forwarded text without them): look for the
	// @username as a word.
	if botName == "" {
		return text, nil, false
	}
	words := strings.Fields(text)
	out := words[:0:0]
	for _, w := range words {
		if strings.EqualFold(strings.TrimRight(w, ",.:;!?"), "@"+botName) {
			found = true
			continue
		}
		out = append(out, w)
	}
	if !found {
		return text, nil, false
	}
	return strings.Join(out, " "), nil, true
}
