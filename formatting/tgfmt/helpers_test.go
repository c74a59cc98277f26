package tgfmt

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dump is a readable form of rendered messages, for golden files and failures.
func dump(msgs []Msg) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "--- %d %s", i+1, m.Method)
		switch m.Method {
		case MethodSendPhoto:
			fmt.Fprintf(&b, " %s", m.Photo)
		case MethodSendAudio:
			fmt.Fprintf(&b, " %s", m.Audio)
		case MethodSendVenue, MethodSendLocation:
			if v := m.Venue; v != nil {
				fmt.Fprintf(&b, " %v,%v title=%q address=%q", v.Lat, v.Lng, v.Title, v.Address)
			}
		}
		if m.DisableWebPagePreview {
			b.WriteString(" [no preview]")
		}
		b.WriteString("\n")
		if m.Text != "" {
			b.WriteString(m.Text + "\n")
		}
		if m.Caption != "" {
			b.WriteString("caption:\n" + m.Caption + "\n")
		}
		if kb := m.InlineKeyboard; kb != nil {
			b.WriteString("keyboard:\n")
			for _, row := range kb.InlineKeyboard {
				b.WriteString(" ")
				for _, bt := range row {
					switch {
					case bt.CallbackData != nil:
						fmt.Fprintf(&b, " [%s ▸ %s]", bt.Text, *bt.CallbackData)
					case bt.URL != nil:
						fmt.Fprintf(&b, " [%s ↗ %s]", bt.Text, *bt.URL)
					default:
						fmt.Fprintf(&b, " [%s ?]", bt.Text)
					}
				}
				b.WriteString("\n")
			}
		}
		if kb := m.ReplyKeyboard; kb != nil {
			fmt.Fprintf(&b, "reply keyboard (one-time=%v, resized=%v):\n", kb.OneTimeKeyboard, kb.ResizeKeyboard)
			for _, row := range kb.Keyboard {
				b.WriteString(" ")
				for _, bt := range row {
					fmt.Fprintf(&b, " [%s]", bt.Text)
				}
				b.WriteString("\n")
			}
		}
		if len(m.ReplyTokens) > 0 {
			keys := make([]string, 0, len(m.ReplyTokens))
			for k := range m.ReplyTokens {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			b.WriteString("reply tokens:")
			for _, k := range keys {
				fmt.Fprintf(&b, " %q=%s", k, m.ReplyTokens[k])
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// mustValid fails t for every message that does not pass Validate.
func mustValid(t testing.TB, msgs []Msg) {
	t.Helper()
	for i, m := range msgs {
		if err := Validate(m); err != nil {
			t.Errorf("message %d invalid: %v\n%s", i+1, err, dump(msgs[i:i+1]))
		}
	}
}

// render renders m and checks every message.
func render(t testing.TB, m formatting.Message) []Msg {
	t.Helper()
	msgs := Render(m)
	mustValid(t, msgs)
	return msgs
}

// golden compares dump(msgs) with testdata/golden/<name>.golden.
func golden(t *testing.T, name string, msgs []Msg) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".golden")
	got := dump(msgs)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update to accept):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// Builders for hand-made messages.

func txt(spans ...formatting.Span) *formatting.Text {
	return &formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: spans}}}
}

func rich(blocks ...formatting.RichBlock) *formatting.Text {
	return &formatting.Text{Rich: formatting.Rich(blocks)}
}

func para(spans ...formatting.Span) *formatting.Para { return &formatting.Para{Spans: spans} }

func s(text string) formatting.Span { return formatting.Span{Text: text} }

func sm(text string, m formatting.Mark) formatting.Span { return formatting.Span{Text: text, Marks: m} }

func link(text, href string) formatting.Span { return formatting.Span{Text: text, Link: href} }

func msg(blocks ...formatting.Block) formatting.Message { return formatting.Message{Blocks: blocks} }

func tokBtn(label, token string) formatting.Button {
	return formatting.Button{Label: label, Token: token}
}

func urlBtn(label, u string) formatting.Button { return formatting.Button{Label: label, URL: u} }

func onlyText(t *testing.T, msgs []Msg) string {
	t.Helper()
	if len(msgs) != 1 || msgs[0].Method != MethodSendMessage {
		t.Fatalf("want one text message, got:\n%s", dump(msgs))
	}
	return msgs[0].Text
}
