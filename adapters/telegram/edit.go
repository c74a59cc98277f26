package telegramadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// Edit replaces a message (streaming answers, the hand-over's case card) with
// m's rendering, part by part: each text part takes the place of one of the
// message's parts (editMessageText; a message Send or Edit put out in several
// parts is remembered as such), what is left over of the old message goes
// (deleteMessage) and what the new rendering has more of (further parts of a
// long answer, pictures, a reply keyboard) is sent as new messages.
// "Message is not modified" is success. A rendering that starts with a picture
// or a place cannot replace a text: Edit returns an error and the core sends
// it anew.
func (s *sender) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	d, err := s.target(ref.Key)
	if err != nil {
		return err
	}
	msgID, err := strconv.Atoi(ref.ID)
	if err != nil || msgID <= 0 {
		return fmt.Errorf("telegram: edit: bad message id %q", ref.ID)
	}
	msgs := tgfmt.Render(m)
	if len(msgs) == 0 {
		return nil
	}
	if msgs[0].Method != tgfmt.MethodSendMessage {
		return errNotEditable
	}
	if err := tgfmt.Validate(msgs[0]); err != nil {
		s.log.Error("telegram: rendered message is invalid (a renderer bug); editing in plain text", "err", err)
		fb := tgfmt.Render(plainMessage(plainText(msgs[0])))
		if len(fb) == 0 {
			fb = tgfmt.Render(formatting.Plain(s.cat.Printer("").T("telegram.unrenderable")))
		}
		msgs = append(fb, msgs[1:]...)
	}
	if first := msgs[0]; first.ReplyKeyboard != nil {
		// An edit carries inline keyboards only: the reply keyboard comes on a
		// message of its own, right after.
		carrier := tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: keyboardCarrier,
			ReplyKeyboard: first.ReplyKeyboard, ReplyTokens: first.ReplyTokens}
		first.ReplyKeyboard, first.ReplyTokens = nil, nil
		msgs = append([]tgfmt.Msg{first, carrier}, msgs[1:]...)
	}

	release, err := s.api.pace.Lane(ctx, orderKey(d.chat))
	if err != nil {
		return fmt.Errorf("telegram: edit: %w", err)
	}
	defer release()

	old := s.partsOf(ref.Key.Channel, msgID)
	ids := make([]int, 0, len(msgs))
	i := 0
	for ; i < len(msgs) && i < len(old); i++ {
		if i > 0 && !inPlace(msgs[i]) {
			break
		}
		if err := s.editText(ctx, d, old[i], msgs[i]); err != nil {
			return err
		}
		s.board.set(ref.Key.Channel, strconv.Itoa(old[i]), m, msgs[i].InlineKeyboard)
		ids = append(ids, old[i])
	}
	for _, id := range old[i:] {
		s.deleteMessage(ctx, d.chat, id)
	}
	for j, msg := range msgs[i:] {
		id, err := s.sendOne(ctx, &d, msg, 0, ref.Key, m)
		if err != nil {
			return fmt.Errorf("telegram: edit: send part %d of %d: %w", i+j+1, len(msgs), err)
		}
		ids = append(ids, id)
	}
	s.rememberParts(ref.Key.Channel, ids, msgID, old[0], old[len(old)-1])
	return nil
}

// inPlace reports whether a rendered part can take an old part's place: a
// text without a reply keyboard.
func inPlace(msg tgfmt.Msg) bool {
	return msg.Method == tgfmt.MethodSendMessage && msg.ReplyKeyboard == nil && tgfmt.Validate(msg) == nil
}

// editText replaces the text (and inline keyboard) of message id with msg's;
// HTML Telegram refuses goes again as plain text.
func (s *sender) editText(ctx context.Context, d dest, id int, msg tgfmt.Msg) error {
	p := tgbotapi.Params{
		"chat_id":    strconv.FormatInt(d.chat, 10),
		"message_id": strconv.Itoa(id),
		"text":       msg.Text,
		"parse_mode": tgfmt.ParseMode,
	}
	if msg.DisableWebPagePreview {
		p["disable_web_page_preview"] = "true"
	}
	if msg.InlineKeyboard != nil {
		b, err := json.Marshal(msg.InlineKeyboard)
		if err != nil {
			return fmt.Errorf("telegram: edit: encode keyboard: %w", err)
		}
		p["reply_markup"] = string(b)
	}
	_, err := s.api.call(ctx, chatCall(d.chat), "editMessageText", p)
	if err == nil || notModified(err) {
		return nil
	}
	if !cantParse(err) {
		return err
	}
	s.log.Error("telegram: Telegram refused our HTML although it passed Validate; editing in plain text", "err", err)
	fb := tgfmt.Render(plainMessage(plainText(msg)))
	if len(fb) == 0 {
		return err
	}
	p["text"] = fb[0].Text
	if _, err := s.api.call(ctx, chatCall(d.chat), "editMessageText", p); err != nil && !notModified(err) {
		return err
	}
	return nil
}

// deleteMessage removes a part an edit left over; a failure (the message is
// too old to delete, already gone) is logged and leaves it.
func (s *sender) deleteMessage(ctx context.Context, chat int64, id int) {
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "message_id": strconv.Itoa(id)}
	if _, err := s.api.call(ctx, chatCall(chat), "deleteMessage", p); err != nil {
		s.log.Warn("telegram: edit: a part left over could not be deleted", "err", err)
	}
}

// keyboardCarrier is the text of a message that only carries a keyboard (as
// tgfmt's own carrier: language-neutral).
const keyboardCarrier = "👇"

// editMarkup replaces a message's inline keyboard (an empty one removes it).
func (s *sender) editMarkup(ctx context.Context, ref bridge.MsgRef, kb tgbotapi.InlineKeyboardMarkup) error {
	d, err := s.target(ref.Key)
	if err != nil {
		return err
	}
	if kb.InlineKeyboard == nil {
		kb.InlineKeyboard = rows{}
	}
	b, err := json.Marshal(kb)
	if err != nil {
		return fmt.Errorf("telegram: encode keyboard: %w", err)
	}
	release, err := s.api.pace.Lane(ctx, orderKey(d.chat))
	if err != nil {
		return fmt.Errorf("telegram: edit keyboard: %w", err)
	}
	defer release()
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(d.chat, 10), "message_id": ref.ID, "reply_markup": string(b)}
	if _, err := s.api.call(ctx, chatCall(d.chat), "editMessageReplyMarkup", p); err != nil && !notModified(err) {
		return err
	}
	return nil
}
