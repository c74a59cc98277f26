package tgfmt

import (
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting"
)

// RetireGroup retires one group of buttons in a sent message's inline
// keyboard, the one retirement policy (formatting.RetiredGroup): every row
// holding one of g's tokens (as callback_data) loses its action buttons, its
// link buttons staying on a row of their own, and a row with one button
// showing g.Shown (callback_data NoopData: a press does nothing) follows the
// group. Header rows and every other row stay as they were, so the message's
// other groups stay usable. It reports false, returning kb unchanged, when no
// row holds one of the tokens (already retired, or not this message). The
// input is not modified; an empty result is an empty keyboard (edit it in to
// remove the keyboard).
func RetireGroup(kb [][]tgbotapi.InlineKeyboardButton, g formatting.RetiredGroup) ([][]tgbotapi.InlineKeyboardButton, bool) {
	out := make([][]tgbotapi.InlineKeyboardButton, 0, len(kb)+1)
	last := -1 // where the group's last row went in out
	for _, row := range kb {
		if !rowHolds(row, g) {
			out = append(out, row)
			continue
		}
		var keep []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			if b.URL != nil {
				keep = append(keep, b)
			}
		}
		if len(keep) > 0 {
			out = append(out, keep)
		}
		last = len(out)
	}
	if last < 0 {
		return kb, false
	}
	shown := oneLine(g.Shown)
	if isBlank(shown) {
		return out, true
	}
	data := NoopData
	row := []tgbotapi.InlineKeyboardButton{{Text: shown, CallbackData: &data}}
	return append(out[:last], append([][]tgbotapi.InlineKeyboardButton{row}, out[last:]...)...), true
}

func rowHolds(row []tgbotapi.InlineKeyboardButton, g formatting.RetiredGroup) bool {
	for _, b := range row {
		if b.CallbackData != nil && *b.CallbackData != NoopData && g.Holds(*b.CallbackData) {
			return true
		}
	}
	return false
}
