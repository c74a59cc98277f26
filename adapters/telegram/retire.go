package telegramadapter

import (
	"context"
	"log/slog"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
)

// rows is an inline keyboard's rows.
type rows = [][]tgbotapi.InlineKeyboardButton

// isNoop reports callback_data that is no action: a header row, a retired
// group's "✓ choice", or the "✅" marker of keyboards retired before.
func isNoop(data string) bool { return data == tgfmt.NoopData || data == noopData }

// board is what the adapter last put on its messages that carry buttons: the
// token groups of the neutral message each was rendered from
// (formatting.TokenGroups, so formatting.RetiringAmong finds the clicked
// button's whole group; not the message, whose text is not kept for a week) and the inline keyboard last set on it (so two
// groups of one message clicked in quick succession each retire from what the
// other left, never from the keyboard the callback carried from before).
// Bounded; what it forgot is learnt again from the next callback's keyboard.
type board struct {
	groups *memo.Memo[string, [][]string]
	kbs    *memo.Memo[string, rows]
}

// boardTTL is how long the board remembers a message: as long as its buttons
// work (bridge.Config.ActionTTL's default).
const boardTTL = 7 * 24 * time.Hour

func newBoard(size int, now func() time.Time) *board {
	return &board{
		groups: memo.New[string, [][]string](size, boardTTL, now),
		kbs:    memo.New[string, rows](size, boardTTL, now),
	}
}

// boardKey names a message of a chat.
func boardKey(chat, msgID string) string { return chat + "|" + msgID }

// set records what a message now shows: m (zero when unknown) and its inline
// keyboard (nil: none, so nothing to retire there).
func (b *board) set(chat, msgID string, m formatting.Message, kb *tgbotapi.InlineKeyboardMarkup) {
	k := boardKey(chat, msgID)
	if kb == nil || len(kb.InlineKeyboard) == 0 {
		b.groups.Take(k)
		b.kbs.Take(k)
		return
	}
	b.groups.Put(k, formatting.TokenGroups(m))
	b.kbs.Put(k, kb.InlineKeyboard)
}

// seen learns a message's keyboard from a callback, when the board has none
// (sent before a restart, or forgotten).
func (b *board) seen(ref bridge.MsgRef, kb *tgbotapi.InlineKeyboardMarkup) {
	if kb == nil || len(kb.InlineKeyboard) == 0 {
		return
	}
	k := boardKey(ref.Key.Channel, ref.ID)
	if _, ok := b.kbs.Get(k); !ok {
		b.kbs.Put(k, kb.InlineKeyboard)
	}
}

// clicks answers button presses and retires clicked groups of buttons.
type clicks struct {
	api   *api
	send  *sender
	board *board
	cat   *i18n.Catalog
	log   *slog.Logger
}

// retire implements bridge.Retirer: the group of r.Token, found in the neutral
// message the keyboard was rendered from (only the token's own row when the
// adapter no longer has it), is replaced by r.Shown in the keyboard last set
// on the message. A group retired already (a stale client's second click)
// changes nothing, and that is success.
func (c *clicks) retire(ctx context.Context, r bridge.Retirement) error {
	if r.Ref.ID == "" {
		return nil
	}
	k := boardKey(r.Ref.Key.Channel, r.Ref.ID)
	kb, ok := c.board.kbs.Get(k)
	if !ok {
		c.log.Debug("telegram: retire: the message's keyboard is not known; nothing changed")
		return nil
	}
	groups, _ := c.board.groups.Get(k)
	out, changed := tgfmt.RetireGroup(kb, formatting.RetiringAmong(groups, r.Token, r.Shown, r.Expired))
	if !changed {
		return nil
	}
	mk := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: out}
	if len(out) > 0 {
		if err := tgfmt.Validate(tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: keyboardCarrier, InlineKeyboard: &mk}); err != nil {
			c.log.Warn("telegram: retired keyboard is invalid; removing it", "err", err)
			mk.InlineKeyboard = nil
		}
	}
	if err := c.send.editMarkup(ctx, r.Ref, mk); err != nil {
		return err
	}
	c.board.kbs.Put(k, mk.InlineKeyboard)
	return nil
}

// answer stops the button's spinner (answerCallbackQuery), with text as a
// short notice when it is not empty. The answer to the click itself comes as
// a message.
func (c *clicks) answer(ctx context.Context, id, text string) {
	p := tgbotapi.Params{"callback_query_id": id}
	if text != "" {
		p["text"] = text
	}
	if _, err := c.api.call(ctx, globalCall(), "answerCallbackQuery", p); err != nil {
		if tooOld(err) {
			c.log.Debug("telegram: callback answered too late", "err", err)
			return
		}
		c.log.Warn("telegram: answerCallbackQuery failed", "err", err)
	}
}

// refusedNotice is what a click the core could not take shows: Telegram
// delivers the click again (the update was not confirmed), so it will be
// handled shortly, and clicking again would only do it twice.
func (c *clicks) refusedNotice(locale string) string {
	return c.cat.Printer(locale).T("telegram.click_pending")
}
