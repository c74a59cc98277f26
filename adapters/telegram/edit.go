package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// Edit implements bridge.Editor (streaming answers): editMessageText replaces
// the message with the first rendered text; what follows it (further parts of a
// long answer, pictures) is sent as new messages. "Message is not modified" is
// success. A rendering that starts with a picture or a place cannot replace a
// text: Edit returns an error and the core sends it anew.
func (a *Adapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	chat, thread, err := a.target(ref.Key)
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
		a.log.Error("telegram: rendered message is invalid (a renderer bug); editing in plain text", "err", err)
		fb := tgfmt.Render(plainMessage(plainText(msgs[0])))
		if len(fb) == 0 {
			fb = tgfmt.Render(formatting.Plain(a.printer("").T("telegram.unrenderable")))
		}
		msgs = append(fb, msgs[1:]...)
	}
	first := msgs[0]

	l, err := a.pace.acquire(ctx, chat)
	if err != nil {
		return fmt.Errorf("telegram: edit: %w", err)
	}
	defer a.pace.release(chat, l)

	p := tgbotapi.Params{
		"chat_id":    strconv.FormatInt(chat, 10),
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
	if _, err := a.do(ctx, l, "editMessageText", p); err != nil && !notModified(err) {
		if !cantParse(err) {
			return err
		}
		a.log.Error("telegram: Telegram refused our HTML although it passed Validate; editing in plain text", "err", err)
		fb := tgfmt.Render(plainMessage(plainText(first)))
		if len(fb) == 0 {
			return err
		}
		p["text"] = fb[0].Text
		if _, err := a.do(ctx, l, "editMessageText", p); err != nil && !notModified(err) {
			return err
		}
	}
	rest := msgs[1:]
	if first.ReplyKeyboard != nil {
		// An edit carries inline keyboards only: the reply keyboard comes on a
		// message of its own.
		carrier := tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: keyboardCarrier,
			ReplyKeyboard: first.ReplyKeyboard, ReplyTokens: first.ReplyTokens}
		rest = append([]tgfmt.Msg{carrier}, rest...)
	}
	for i, msg := range rest {
		if _, err := a.sendOne(ctx, l, &chat, thread, msg, 0, ref.Key); err != nil {
			return fmt.Errorf("telegram: edit: send part %d of %d: %w", i+2, len(rest)+1, err)
		}
	}
	return nil
}

// keyboardCarrier is the text of a message that only carries a keyboard (as
// tgfmt's own carrier: language-neutral).
const keyboardCarrier = "👇"

// retirement is a clicked message's keyboard as the callback carried it, kept
// until the core reports how the click ended (Clicked).
type retirement struct {
	kb rows
}

func retireKey(token string, ref bridge.MsgRef) string {
	return token + "|" + shownKey(ref)
}

// shownKey names a message whose keyboard the adapter has set.
func shownKey(ref bridge.MsgRef) string { return ref.Key.Channel + "|" + ref.ID }

// planRetire remembers the clicked message's keyboard until the core reports
// how the click ended (Clicked).
func (a *Adapter) planRetire(in inbound) {
	cb := in.cb
	if cb.Message == nil || cb.Message.ReplyMarkup == nil {
		return
	}
	ev := in.ev.(bridge.Click)
	a.retiring.Put(retireKey(ev.Token, ev.Ref), retirement{kb: cb.Message.ReplyMarkup.InlineKeyboard})
}

func chosenRow(label string) []tgbotapi.InlineKeyboardButton {
	label = strings.TrimSpace(label)
	if label == "" {
		return nil
	}
	data := noopData
	return []tgbotapi.InlineKeyboardButton{{Text: "✅ " + label, CallbackData: &data}}
}

// Clicked implements bridge.ClickNotifier. A choice that was made (or a rating
// KM already had) leaves its message with the link buttons and "✅ label" — on
// a keyboard of several groups under header rows, only the clicked group; an
// expired button's message loses its action buttons. A click refused for
// belonging to someone else, or that failed, leaves the buttons as they were.
//
// The keyboard retired is the one this adapter last set on the message, when it
// did, rather than the one the callback carried: two groups of one message
// clicked in quick succession each carry the keyboard from before either
// retirement, and the second must not bring the first group's buttons back.
// Clicks of a conversation reach Clicked one at a time, in order.
func (a *Adapter) Clicked(ctx context.Context, r bridge.ClickResult) {
	ref := r.Click.Ref
	if ref.ID == "" {
		return
	}
	plan, ok := a.retiring.Take(retireKey(r.Click.Token, ref))
	if !ok {
		return
	}
	base := plan.kb
	if kb, ok := a.shown.Get(shownKey(ref)); ok {
		base = kb
	}
	var out rows
	switch r.Status {
	case bridge.ClickDone, bridge.ClickAlreadyRated:
		if out, ok = retireChoice(base, r.Click.Token, r.Action.Label); !ok {
			return
		}
	case bridge.ClickExpired:
		out = retireExpired(base)
	default:
		return
	}
	kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: out}
	if len(kb.InlineKeyboard) > 0 {
		if err := tgfmt.Validate(tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: keyboardCarrier, InlineKeyboard: &kb}); err != nil {
			a.log.Warn("telegram: retired keyboard is invalid; removing it", "err", err)
			kb.InlineKeyboard = nil
		}
	}
	if err := a.editMarkup(ctx, ref, kb); err != nil {
		a.log.Warn("telegram: could not retire the clicked buttons", "err", err)
		return
	}
	a.shown.Put(shownKey(ref), kb.InlineKeyboard)
}

// editMarkup replaces a message's inline keyboard (an empty one removes it).
func (a *Adapter) editMarkup(ctx context.Context, ref bridge.MsgRef, kb tgbotapi.InlineKeyboardMarkup) error {
	chat, _, err := a.target(ref.Key)
	if err != nil {
		return err
	}
	if kb.InlineKeyboard == nil {
		kb.InlineKeyboard = [][]tgbotapi.InlineKeyboardButton{}
	}
	b, err := json.Marshal(kb)
	if err != nil {
		return fmt.Errorf("telegram: encode keyboard: %w", err)
	}
	l, err := a.pace.acquire(ctx, chat)
	if err != nil {
		return err
	}
	defer a.pace.release(chat, l)
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(chat, 10), "message_id": ref.ID, "reply_markup": string(b)}
	if _, err := a.do(ctx, l, "editMessageReplyMarkup", p); err != nil && !notModified(err) {
		return err
	}
	return nil
}

// answerCallback stops the button's spinner at once; the answer itself comes
// as a message.
func (a *Adapter) answerCallback(ctx context.Context, id string) {
	if _, err := a.do(ctx, nil, "answerCallbackQuery", tgbotapi.Params{"callback_query_id": id}); err != nil {
		if strings.Contains(apiMessage(err), "query is too old") {
			a.log.Debug("telegram: callback answered too late", "err", err)
			return
		}
		a.log.Warn("telegram: answerCallbackQuery failed", "err", err)
	}
}
