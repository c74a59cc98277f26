package tgfmt

import (
	"strconv"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/text/width"

	"github.com/kmbridge/kmbridge/formatting"
)

// Layout thresholds: labels up to shortLabel display columns share a row (at most
// autoRow of them); any longer label gets a row of its own, so suggested questions
// read as a list while 👍/👎 or Prev/Next sit side by side.
const (
	shortLabel = 14
	autoRow    = 4
)

// carrierText is the text of a message that exists only to carry a keyboard when
// the Message itself gives no words for it (Telegram cannot send a keyboard alone).
const carrierText = "👇"

// btn is a button Telegram can show: exactly one of data and url is set.
type btn struct {
	label, data, url string
}

// inlineButton converts a model button. It reports false when Telegram cannot carry
// it (no token and no http(s) URL, a token outside callback_data's 1–64 bytes, or
// NoopData, which header rows reserve); the caller then shows the button as text
// instead of losing it.
func inlineButton(b formatting.Button) (btn, bool) {
	label := buttonLabel(b)
	if validCallbackData(b.Token) && b.Token != NoopData {
		return btn{label: label, data: b.Token}, true
	}
	if b.Token == "" && b.URL != "" {
		if u, ok := httpURL(b.URL); ok {
			return btn{label: label, url: u}, true
		}
	}
	return btn{label: label}, false
}

func validCallbackData(s string) bool {
	return len(s) >= 1 && len(s) <= MaxCallbackData && utf8.ValidString(s)
}

// buttonLabel is the label as Telegram can show it: one line of plain text, never
// empty.
func buttonLabel(b formatting.Button) string {
	l := oneLine(b.Label)
	if isBlank(l) {
		if l = urlName(b.URL); isBlank(l) {
			l = "•"
		}
	}
	return l
}

// buttonTextLine is how a button Telegram cannot carry is shown: its label, with
// the address of a mailto:/tel: target, as a text line.
func buttonTextLine(b btn, src formatting.Button) line {
	text := b.label
	if addr, ok := contactAddr(src.URL); ok && addr != text {
		text += " (" + addr + ")"
	}
	return line{runs: []run{{text: bullets[0], deco: true}, {text: text}}}
}

// buttonGroup converts buttons, returning the ones Telegram can carry and text
// lines for the others.
func buttonGroup(items []formatting.Button) ([]btn, []line) {
	ok := make([]btn, 0, len(items))
	var text []line
	for _, it := range items {
		b, good := inlineButton(it)
		if good {
			ok = append(ok, b)
		} else {
			text = append(text, buttonTextLine(b, it))
		}
	}
	return ok, text
}

// layout arranges buttons in rows: columns wide when given (capped at maxRow),
// else balanced rows of short labels or one long label a row.
func layout[T any](items []T, label func(T) string, columns, maxRow int) [][]T {
	if len(items) == 0 {
		return nil
	}
	per := columns
	if per <= 0 {
		per = 1
		short := true
		for _, it := range items {
			if displayWidth(label(it)) > shortLabel {
				short = false
				break
			}
		}
		if short {
			rows := (len(items) + autoRow - 1) / autoRow
			per = (len(items) + rows - 1) / rows
		}
	}
	per = min(per, maxRow)
	rows := make([][]T, 0, (len(items)+per-1)/per)
	for i := 0; i < len(items); i += per {
		rows = append(rows, items[i:min(i+per, len(items))])
	}
	return rows
}

func btnLabel(b btn) string { return b.label }

// displayWidth approximates how wide s shows: East Asian wide characters and emoji
// count two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			if r >= 0x1F000 {
				n += 2
			} else {
				n++
			}
		}
	}
	return n
}

func countButtons(kb *tgbotapi.InlineKeyboardMarkup) int {
	if kb == nil {
		return 0
	}
	n := 0
	for _, row := range kb.InlineKeyboard {
		n += len(row)
	}
	return n
}

// takeRows takes whole rows from the front while they hold at most n buttons.
func takeRows(rows [][]btn, n int) (taken, rest [][]btn) {
	i, count := 0, 0
	for i < len(rows) && count+len(rows[i]) <= n {
		count += len(rows[i])
		i++
	}
	return rows[:i], rows[i:]
}

// appendRows adds rows to kb (a new keyboard when nil). The rows' buttons are
// one array, each row capped at its end; their callback_data and url point into
// rows, which nothing changes once laid out.
func appendRows(kb *tgbotapi.InlineKeyboardMarkup, rows [][]btn) *tgbotapi.InlineKeyboardMarkup {
	if kb == nil {
		kb = &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: make([][]tgbotapi.InlineKeyboardButton, 0, len(rows))}
	}
	n := 0
	for _, row := range rows {
		n += len(row)
	}
	buttons := make([]tgbotapi.InlineKeyboardButton, 0, n)
	for _, row := range rows {
		start := len(buttons)
		for j := range row {
			b := &row[j]
			tb := tgbotapi.InlineKeyboardButton{Text: b.label}
			if b.url != "" {
				tb.URL = &b.url
			} else {
				tb.CallbackData = &b.data
			}
			buttons = append(buttons, tb)
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, buttons[start:len(buttons):len(buttons)])
	}
	return kb
}

// replyKeyboard builds the one-time reply keyboard for input hints and the map from
// each label back to its token. Telegram sends a pressed reply button as its text,
// so labels must be unique: a repeated label gets " (2)", " (3)", … Hints beyond
// Telegram's button limit are returned as lines.
func replyKeyboard(hints []formatting.Button) (*tgbotapi.ReplyKeyboardMarkup, map[string]string, []line) {
	var labels []string
	var extra []line
	tokens := make(map[string]string, len(hints))
	for _, h := range hints {
		label := buttonLabel(h)
		if len(labels) >= MaxReplyButtons {
			extra = append(extra, buttonTextLine(btn{label: label}, h))
			continue
		}
		unique := label
		for n := 2; ; n++ {
			if _, dup := tokens[unique]; !dup {
				break
			}
			unique = label + " (" + strconv.Itoa(n) + ")"
		}
		tokens[unique] = h.Token
		labels = append(labels, unique)
	}
	if len(labels) == 0 {
		return nil, nil, extra
	}
	kb := &tgbotapi.ReplyKeyboardMarkup{ResizeKeyboard: true, OneTimeKeyboard: true}
	for _, row := range layout(labels, func(s string) string { return s }, 0, MaxReplyRow) {
		kr := make([]tgbotapi.KeyboardButton, 0, len(row))
		for _, l := range row {
			kr = append(kr, tgbotapi.KeyboardButton{Text: l})
		}
		kb.Keyboard = append(kb.Keyboard, kr)
	}
	return kb, tokens, extra
}
