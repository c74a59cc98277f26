package tgfmt

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting/fmttest"
)

func liveTokens(msgs []Msg) []string {
	var out []string
	for _, m := range msgs {
		if m.InlineKeyboard == nil {
			continue
		}
		for _, row := range m.InlineKeyboard.InlineKeyboard {
			for _, b := range row {
				if b.CallbackData != nil && *b.CallbackData != NoopData {
					out = append(out, *b.CallbackData)
				}
			}
		}
	}
	return out
}

// The one retirement policy on Telegram keyboards: only the clicked group's
// rows go, its links stay, the choice shows on a no-op row after it, headers
// and the other groups stay usable.
func TestRetireGroup(t *testing.T) {
	for _, tc := range fmttest.RetireCases() {
		t.Run(tc.Name, func(t *testing.T) {
			msgs := Render(fmttest.RetireMessage())
			before := dump(msgs)
			changed := false
			out := make([]Msg, len(msgs))
			for i, m := range msgs {
				out[i] = m
				if m.InlineKeyboard == nil {
					continue
				}
				rows, ok := RetireGroup(m.InlineKeyboard.InlineKeyboard, tc.Group)
				changed = changed || ok
				out[i].InlineKeyboard = &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}
			}
			mustValid(t, out)
			if dump(msgs) != before {
				t.Error("RetireGroup modified its input")
			}
			tc.Check(t, changed, liveTokens(out))
			got := dump(out)
			if tc.Changes && !strings.Contains(got, "["+tc.Group.Shown+" ▸ "+NoopData+"]") {
				t.Errorf("%q not shown:\n%s", tc.Group.Shown, got)
			}
			if strings.Count(got, "https://example.com/") != strings.Count(before, "https://example.com/") {
				t.Errorf("a link was dropped:\n%s", got)
			}
			golden(t, "retire_"+tc.Name, out)
		})
	}
}
