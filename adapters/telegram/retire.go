package telegram

import (
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// rows is an inline keyboard's rows.
type rows = [][]tgbotapi.InlineKeyboardButton

// isHeader reports a tgfmt header row: the title of the button group below it.
func isHeader(row []tgbotapi.InlineKeyboardButton) bool {
	return len(row) == 1 && row[0].CallbackData != nil && *row[0].CallbackData == tgfmt.NoopData
}

// isNoop reports callback_data that is no action: a header row or a "✅" marker.
func isNoop(data string) bool { return data == tgfmt.NoopData || data == noopData }

// linkRows keeps the link buttons of kb.
func linkRows(kb rows) rows {
	var out rows
	for _, row := range kb {
		var keep []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			if b.URL != nil {
				keep = append(keep, b)
			}
		}
		if len(keep) > 0 {
			out = append(out, keep)
		}
	}
	return out
}

// retireChoice is kb once the button with token was chosen: the link buttons stay
// and the action buttons give way to one "✅ label" (label is the pressed
// button's, else fallback). A keyboard of several groups under header rows (one
// message for what used to be one message per group) retires only the clicked
// group, its header kept, so the other groups stay as usable as they were on
// messages of their own. It reports false when there is nothing to change: a
// grouped keyboard without the token, whose group was retired already.
func retireChoice(kb rows, token, fallback string) (rows, bool) {
	at, label := -1, ""
	grouped := false
	for i, row := range kb {
		grouped = grouped || isHeader(row)
		for _, b := range row {
			if at < 0 && b.CallbackData != nil && *b.CallbackData == token {
				at, label = i, b.Text
			}
		}
	}
	if strings.TrimSpace(label) == "" {
		label = fallback
	}
	if !grouped {
		out := linkRows(kb)
		if c := chosenRow(label); c != nil {
			out = append(out, c)
		}
		return out, true
	}
	if at < 0 {
		return kb, false
	}
	start, end := at, at+1
	for start > 0 && !isHeader(kb[start]) {
		start--
	}
	for end < len(kb) && !isHeader(kb[end]) {
		end++
	}
	out := append(rows{}, kb[:start]...)
	body := kb[start:end]
	if isHeader(body[0]) {
		out = append(out, body[0])
		body = body[1:]
	}
	out = append(out, linkRows(body)...)
	if c := chosenRow(label); c != nil {
		out = append(out, c)
	}
	return append(out, kb[end:]...), true
}

// retireExpired is kb once its buttons are known to have expired: only the link
// buttons stay (the tokens of one message expire together).
func retireExpired(kb rows) rows { return linkRows(kb) }
