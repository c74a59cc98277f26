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

// Edit replaces a message (streaming answers, the hand-over's case card):
// editMessageText replaces it with the first rendered text; what follows it
// (further parts of a long answer, pictures) is sent as new messages.
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
	first := msgs[0]

	release, err := s.api.pace.Lane(ctx, orderKey(d.chat))
	if err != nil {
		return fmt.Errorf("telegram: edit: %w", err)
	}
	defer release()

	p := tgbotapi.Params{
		"chat_id":    strconv.FormatInt(d.chat, 10),
		"message_id": strconv.Itoa(msgID),
		"text":       first.Text,
		"parse_mode": tgfmt.ParseMode,
	}
	if first.DisableWebPagePreview {
		p["disable_web_page_preview"] = "true"
	}
	if first.InlineKeyboard != nil {
		b, err := json.Marshal(first.InlineKeyboard)
		if err != nil {
			return fmt.Errorf("telegram: edit: encode keyboard: %w", err)
		}
		p["reply_markup"] = string(b)
	}
	if _, err := s.api.call(ctx, chatCall(d.chat), "editMessageText", p); err != nil && !notModified(err) {
		if !cantParse(err) {
			return err
		}
		s.log.Error("telegram: Telegram refused our HTML although it passed Validate; editing in plain text", "err", err)
		fb := tgfmt.Render(plainMessage(plainText(first)))
		if len(fb) == 0 {
			return err
		}
		p["text"] = fb[0].Text
		if _, err := s.api.call(ctx, chatCall(d.chat), "editMessageText", p); err != nil && !notModified(err) {
			return err
		}
	}
	// An edit without reply_markup leaves the message without a keyboard.
	s.board.set(ref.Key.Channel, ref.ID, m, first.InlineKeyboard)
	rest := msgs[1:]
	if first.ReplyKeyboard != nil {
		// An edit carries inline keyboards only: the reply keyboard comes on a
		// message of its own.
		carrier := tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: keyboardCarrier,
			ReplyKeyboard: first.ReplyKeyboard, ReplyTokens: first.ReplyTokens}
		rest = append([]tgfmt.Msg{carrier}, rest...)
	}
	for i, msg := range rest {
		if _, err := s.sendOne(ctx, &d, msg, 0, ref.Key, m); err != nil {
			return fmt.Errorf("telegram: edit: send part %d of %d: %w", i+2, len(rest)+1, err)
		}
	}
	return nil
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
