package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// target is the chat (after any group → supergroup migration) and forum topic
// of a conversation.
func (a *Adapter) target(k bridge.ConvKey) (chat int64, thread int, err error) {
	if k.Platform != Platform {
		return 0, 0, fmt.Errorf("telegram: conversation of platform %q", k.Platform)
	}
	chat, err = strconv.ParseInt(k.Channel, 10, 64)
	if err != nil || chat == 0 {
		return 0, 0, fmt.Errorf("telegram: conversation has no chat id (%q)", k.Channel)
	}
	if to, ok := a.migrated.Get(chat); ok {
		chat = to
	}
	if k.Thread != "" {
		thread, err = strconv.Atoi(k.Thread)
		if err != nil || thread <= 0 {
			return 0, 0, fmt.Errorf("telegram: conversation has a bad topic id (%q)", k.Thread)
		}
	}
	return chat, thread, nil
}

// Send implements bridge.Adapter: it renders m with tgfmt and sends the parts in
// order, holding the chat's lane so that no other message to the chat (another
// user's answer in a group) lands between them. In a group the first part
// replies to the user's last message. The returned ref is the last part.
func (a *Adapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	chat, thread, err := a.target(to)
	if err != nil {
		return bridge.MsgRef{}, err
	}
	msgs := tgfmt.Render(m)
	if len(msgs) == 0 {
		return bridge.MsgRef{}, nil
	}
	l, err := a.pace.acquire(ctx, chat)
	if err != nil {
		return bridge.MsgRef{}, fmt.Errorf("telegram: send: %w", err)
	}
	defer a.pace.release(chat, l)
	replyTo := 0
	if chat < 0 {
		replyTo, _ = a.lastMsg.Get(to.String())
	}
	last := 0
	for i, msg := range msgs {
		id, err := a.sendOne(ctx, l, &chat, thread, msg, replyTo, to)
		if err != nil {
			return bridge.MsgRef{}, fmt.Errorf("telegram: send part %d of %d: %w", i+1, len(msgs), err)
		}
		last, replyTo = id, 0
	}
	return bridge.MsgRef{Key: to, ID: strconv.Itoa(last)}, nil
}

// sendOne sends one rendered message on a held lane. A message that fails
// Validate (a renderer bug), or that Telegram cannot show (entities it cannot
// parse, a picture or sound it cannot fetch), goes out as plain text instead:
// never nothing.
func (a *Adapter) sendOne(ctx context.Context, l *lane, chat *int64, thread int, msg tgfmt.Msg, replyTo int, key bridge.ConvKey) (int, error) {
	if err := tgfmt.Validate(msg); err != nil {
		a.log.Error("telegram: rendered message is invalid (a renderer bug); sending it as plain text", "err", err)
		return a.sendFallback(ctx, l, chat, thread, msg, replyTo, key)
	}
	p, err := a.params(*chat, thread, msg, replyTo)
	if err != nil {
		return 0, err
	}
	resp, err := a.do(ctx, l, msg.Method, p)
	if to, ok := migratedTo(err); ok {
		a.log.Info("telegram: group became a supergroup; following it", "to", to)
		a.migrated.Put(*chat, to)
		*chat = to
		p["chat_id"] = strconv.FormatInt(to, 10)
		resp, err = a.do(ctx, l, msg.Method, p)
	}
	switch {
	case err == nil:
	case cantParse(err):
		a.log.Error("telegram: Telegram refused our HTML although it passed Validate; sending plain text", "err", err)
		return a.sendFallback(ctx, l, chat, thread, msg, replyTo, key)
	case badRequest(err) && msg.Method != tgfmt.MethodSendMessage:
		a.log.Warn("telegram: media refused; sending it as text", "method", msg.Method, "err", err)
		return a.sendFallback(ctx, l, chat, thread, msg, replyTo, key)
	default:
		return 0, err
	}
	if msg.ReplyKeyboard != nil && len(msg.ReplyTokens) > 0 {
		a.rememberReplyKeyboard(key, msg.ReplyTokens)
	}
	return messageID(resp), nil
}

// sendFallback sends msg's content as escaped plain text, keeping its keyboard
// when the keyboard itself is valid.
func (a *Adapter) sendFallback(ctx context.Context, l *lane, chat *int64, thread int, msg tgfmt.Msg, replyTo int, key bridge.ConvKey) (int, error) {
	parts := tgfmt.Render(plainMessage(plainText(msg)))
	if len(parts) == 0 {
		parts = tgfmt.Render(formatting.Plain(a.printer("").T("telegram.unrenderable")))
	}
	last := &parts[len(parts)-1]
	if msg.InlineKeyboard != nil {
		last.InlineKeyboard = msg.InlineKeyboard
	} else if msg.ReplyKeyboard != nil {
		last.ReplyKeyboard, last.ReplyTokens = msg.ReplyKeyboard, msg.ReplyTokens
	}
	if tgfmt.Validate(*last) != nil {
		last.InlineKeyboard, last.ReplyKeyboard, last.ReplyTokens = nil, nil, nil
	}
	id := 0
	for _, part := range parts {
		if err := tgfmt.Validate(part); err != nil {
			return 0, fmt.Errorf("telegram: plain-text fallback is invalid too: %w", err)
		}
		p, err := a.params(*chat, thread, part, replyTo)
		if err != nil {
			return 0, err
		}
		resp, err := a.do(ctx, l, part.Method, p)
		if err != nil {
			return 0, err
		}
		if part.ReplyKeyboard != nil {
			a.rememberReplyKeyboard(key, part.ReplyTokens)
		}
		id, replyTo = messageID(resp), 0
	}
	return id, nil
}

// params are the Bot API parameters of a rendered message. The library's
// configs cannot carry message_thread_id or reply_parameters, so the adapter
// builds the parameters and sends them with MakeRequest.
func (a *Adapter) params(chat int64, thread int, msg tgfmt.Msg, replyTo int) (tgbotapi.Params, error) {
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10)}
	if thread != 0 {
		p["message_thread_id"] = strconv.Itoa(thread)
	}
	switch msg.Method {
	case tgfmt.MethodSendMessage:
		p["text"] = msg.Text
		p["parse_mode"] = tgfmt.ParseMode
		if msg.DisableWebPagePreview {
			p["disable_web_page_preview"] = "true"
		}
	case tgfmt.MethodSendPhoto, tgfmt.MethodSendAudio:
		if msg.Method == tgfmt.MethodSendPhoto {
			p["photo"] = msg.Photo
		} else {
			p["audio"] = msg.Audio
		}
		if msg.Caption != "" {
			p["caption"] = msg.Caption
			p["parse_mode"] = tgfmt.ParseMode
		}
	case tgfmt.MethodSendVenue, tgfmt.MethodSendLocation:
		v := msg.Venue
		p["latitude"] = strconv.FormatFloat(v.Lat, 'f', -1, 64)
		p["longitude"] = strconv.FormatFloat(v.Lng, 'f', -1, 64)
		if msg.Method == tgfmt.MethodSendVenue {
			p["title"], p["address"] = v.Title, v.Address
		}
	default:
		return nil, fmt.Errorf("telegram: unknown method %q", msg.Method)
	}
	var markup any
	switch {
	case msg.InlineKeyboard != nil:
		markup = msg.InlineKeyboard
	case msg.ReplyKeyboard != nil:
		kb := *msg.ReplyKeyboard
		// In a group only the user who asked sees the keyboard: it replies to
		// their message.
		kb.Selective = chat < 0
		markup = &kb
	}
	if markup != nil {
		b, err := json.Marshal(markup)
		if err != nil {
			return nil, fmt.Errorf("telegram: encode keyboard: %w", err)
		}
		p["reply_markup"] = string(b)
	}
	if replyTo > 0 {
		p["reply_parameters"] = `{"message_id":` + strconv.Itoa(replyTo) + `,"allow_sending_without_reply":true}`
	}
	return p, nil
}

// rememberReplyKeyboard keeps a conversation's reply-keyboard labels: a pressed
// button comes back as a message with its label.
func (a *Adapter) rememberReplyKeyboard(key bridge.ConvKey, tokens map[string]string) {
	m := make(map[string]string, len(tokens))
	for label, tok := range tokens {
		m[strings.TrimSpace(label)] = tok
	}
	a.replyKB.Put(key.String(), m)
}

func (a *Adapter) replyToken(key bridge.ConvKey, text string) (string, bool) {
	m, ok := a.replyKB.Get(key.String())
	if !ok {
		return "", false
	}
	tok, ok := m[text]
	return tok, ok && tok != ""
}

// sayNonText answers content the bot cannot read with what it understands.
func (a *Adapter) sayNonText(ctx context.Context, in inbound) {
	if in.group && in.msgID != 0 {
		a.lastMsg.Put(in.key.String(), in.msgID)
	}
	text := a.printer(in.user.Locale).T("telegram.non_text")
	if _, err := a.Send(ctx, in.key, formatting.Plain(text)); err != nil {
		a.log.Warn("telegram: reply to non-text message failed", "err", err)
	}
}

// Typing implements bridge.Typer: sendChatAction "typing", which Telegram shows
// for up to 5 seconds (the core renews it every 4). It is advisory: paced only
// globally, never retried, and skipped for a chat waiting out a 429.
func (a *Adapter) Typing(ctx context.Context, to bridge.ConvKey) error {
	chat, thread, err := a.target(to)
	if err != nil {
		return err
	}
	if a.pace.blocked(chat) {
		return nil
	}
	if err := a.pace.wait(ctx, nil); err != nil {
		return fmt.Errorf("telegram: typing: %w", err)
	}
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "action": "typing"}
	if thread != 0 {
		p["message_thread_id"] = strconv.Itoa(thread)
	}
	_, err = a.call(ctx, "sendChatAction", p)
	return err
}

// errNotEditable: the new content does not start with text, so the message
// cannot be edited into it; the core then sends it anew.
var errNotEditable = errors.New("telegram: edit: the new content does not start with text")
