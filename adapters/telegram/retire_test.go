package telegram

import (
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// kbOf builds a keyboard from rows of "label=data" (callback) or "label>url".
func kbOf(spec ...string) rows {
	var out rows
	for _, r := range spec {
		var row []tgbotapi.InlineKeyboardButton
		for _, b := range strings.Split(r, ",") {
			if l, u, ok := strings.Cut(b, ">"); ok {
				row = append(row, tgbotapi.InlineKeyboardButton{Text: l, URL: &u})
				continue
			}
			l, d, _ := strings.Cut(b, "=")
			row = append(row, tgbotapi.InlineKeyboardButton{Text: l, CallbackData: &d})
		}
		out = append(out, row)
	}
	return out
}

func specOf(kb rows) string {
	var rs []string
	for _, row := range kb {
		var bs []string
		for _, b := range row {
			if b.URL != nil {
				bs = append(bs, b.Text+">"+*b.URL)
			} else {
				bs = append(bs, b.Text+"="+*b.CallbackData)
			}
		}
		rs = append(rs, strings.Join(bs, ","))
	}
	return strings.Join(rs, " | ")
}

func TestRetire(t *testing.T) {
	h := func(title string) string { return "📂 " + title + "=" + tgfmt.NoopData }
	welcome := kbOf(h("Accounts"), "Reset=t1", "MFA=t2", h("VPN"), "Wi-Fi=t3", "VPN=t4", "Portal>https://e.com", "Reset shortcut=t5")
	tests := []struct {
		name     string
		kb       rows
		token    string
		fallback string
		want     string
		change   bool
	}{
		{"ungrouped: links stay, ✅ choice", kbOf("A=a,Docs>https://d.com", "B=b", "👍=u,👎=d"), "b", "",
			"Docs>https://d.com | ✅ B=kmb:chosen", true},
		{"ungrouped, token gone: the action's label", kbOf("✅ B=kmb:chosen"), "b", "B",
			"✅ B=kmb:chosen", true},
		{"grouped: only the clicked group retires", welcome, "t2", "",
			h("Accounts") + " | ✅ MFA=kmb:chosen | " + h("VPN") + " | Wi-Fi=t3 | VPN=t4 | Portal>https://e.com | Reset shortcut=t5", true},
		{"grouped: the last group keeps its links", welcome, "t3", "",
			h("Accounts") + " | Reset=t1 | MFA=t2 | " + h("VPN") + " | Portal>https://e.com | ✅ Wi-Fi=kmb:chosen", true},
		{"grouped, first group without a header (its title is the text)", kbOf("A1=a1", "A2=a2", h("B"), "B1=b1"), "a1", "",
			"✅ A1=kmb:chosen | " + h("B") + " | B1=b1", true},
		{"grouped, token not there: nothing to change", kbOf(h("A"), "✅ A1=kmb:chosen", h("B"), "B1=b1"), "a1", "A1",
			"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, change := retireChoice(tt.kb, tt.token, tt.fallback)
			if change != tt.change || (change && specOf(got) != tt.want) {
				t.Errorf("retireChoice = %q, %v\nwant          %q, %v", specOf(got), change, tt.want, tt.change)
			}
			if change && len(got) > 0 {
				kb := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: got}
				if err := tgfmt.Validate(tgfmt.Msg{Method: tgfmt.MethodSendMessage, Text: "x", InlineKeyboard: &kb}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	if got := specOf(retireExpired(welcome)); got != "Portal>https://e.com" {
		t.Errorf("retireExpired = %q, want the links only", got)
	}
}
