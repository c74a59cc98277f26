package telegramadapter

import (
	"math"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting"
)

func ent(typ string, off, n int) tgbotapi.MessageEntity {
	return tgbotapi.MessageEntity{Type: typ, Offset: off, Length: n}
}

func dumpRich(r formatting.Rich) string {
	if r == nil {
		return "<nil>"
	}
	return formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: r}}})
}

func TestRichOf(t *testing.T) {
	link := func(off, n int, u string) tgbotapi.MessageEntity {
		e := ent("text_link", off, n)
		e.URL = u
		return e
	}
	pre := func(off, n int, lang string) tgbotapi.MessageEntity {
		e := ent("pre", off, n)
		e.Language = lang
		return e
	}
	P := func(spans ...formatting.Span) *formatting.Para { return &formatting.Para{Spans: spans} }
	S := func(text string, m formatting.Mark) formatting.Span { return formatting.Span{Text: text, Marks: m} }
	L := func(text, u string) formatting.Span { return formatting.Span{Text: text, Link: u} }
	tests := []struct {
		name     string
		text     string
		entities []tgbotapi.MessageEntity
		cut      []bool
		want     formatting.Rich
	}{
		{"no entities", "plain words", nil, nil, nil},
		{"only a mention formats nothing", "@bot hi", []tgbotapi.MessageEntity{ent("mention", 0, 4)}, nil, nil},
		{"nested marks", "bold and italic", []tgbotapi.MessageEntity{ent("italic", 9, 6), ent("bold", 0, 15)}, nil,
			formatting.Rich{P(S("bold and ", formatting.Bold), S("italic", formatting.Bold|formatting.Italic))}},
		{"all the inline marks", "b i u s c x", []tgbotapi.MessageEntity{ent("bold", 0, 1), ent("italic", 2, 1),
			ent("underline", 4, 1), ent("strikethrough", 6, 1), ent("code", 8, 1), ent("spoiler", 10, 1)}, nil,
			formatting.Rich{P(S("b", formatting.Bold), S(" ", 0), S("i", formatting.Italic), S(" ", 0), S("u", formatting.Underline),
				S(" ", 0), S("s", formatting.Strike), S(" ", 0), S("c", formatting.Code), S(" x", 0))}},
		{"offsets in UTF-16 units", "😀 big", []tgbotapi.MessageEntity{ent("bold", 3, 3)}, nil,
			formatting.Rich{P(S("😀 ", 0), S("big", formatting.Bold))}},
		{"a link", "see the docs", []tgbotapi.MessageEntity{link(8, 4, "https://e.com/d")}, nil,
			formatting.Rich{P(S("see the ", 0), L("docs", "https://e.com/d"))}},
		{"an unsafe link keeps its text only", "click me", []tgbotapi.MessageEntity{link(0, 8, "javascript:alert(1)"), ent("bold", 0, 5)}, nil,
			formatting.Rich{P(S("click", formatting.Bold), S(" me", 0))}},
		{"a bare url", "go to example.com now", []tgbotapi.MessageEntity{ent("url", 6, 11)}, nil,
			formatting.Rich{P(S("go to ", 0), L("example.com", "https://example.com"), S(" now", 0))}},
		{"an email", "mail a@b.example", []tgbotapi.MessageEntity{ent("email", 5, 11)}, nil,
			formatting.Rich{P(S("mail ", 0), L("a@b.example", "mailto:a@b.example"))}},
		{"paragraphs and line breaks", "Title\n\nline one\nline two", []tgbotapi.MessageEntity{ent("bold", 0, 5)}, nil,
			formatting.Rich{P(S("Title", formatting.Bold)), P(S("line one", 0), S("\n", 0), S("line two", 0))}},
		{"a code block", "run:\nls -la\n", []tgbotapi.MessageEntity{pre(5, 6, "sh")}, nil,
			formatting.Rich{P(S("run:", 0)), &formatting.CodeBlock{Lang: "sh", Code: "ls -la"}}},
		{"a quote holding code", "q: said\ncode", []tgbotapi.MessageEntity{ent("blockquote", 0, 12), pre(8, 4, "<bad lang>")}, nil,
			formatting.Rich{&formatting.Quote{Body: formatting.Rich{P(S("q: said", 0)), &formatting.CodeBlock{Code: "code"}}}}},
		{"overlapping blocks: the later is no block", "0123456789abcdef", []tgbotapi.MessageEntity{pre(0, 10, ""), ent("blockquote", 5, 10)}, nil,
			formatting.Rich{&formatting.CodeBlock{Code: "0123456789"}, P(S("abcdef", 0))}},
		{"an entity past the end is ignored", "short", []tgbotapi.MessageEntity{ent("bold", 1, math.MaxInt), ent("italic", 0, 99), ent("bold", -1, 2), ent("italic", 0, 5)}, nil,
			formatting.Rich{P(S("short", formatting.Italic))}},
		{"the bot's mention is left out", "@bot use *this*", []tgbotapi.MessageEntity{ent("mention", 0, 4), ent("bold", 9, 6)},
			[]bool{true, true, true, true}, formatting.Rich{P(S("use ", 0), S("*this*", formatting.Bold))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := richOf(tt.text, tt.entities, tt.cut)
			if g, w := dumpRich(got), dumpRich(tt.want); g != w {
				t.Errorf("richOf(%q) =\n%s\nwant\n%s", tt.text, g, w)
			}
		})
	}
}

func FuzzRichOf(f *testing.F) {
	f.Add("😀 @kmhelp_bot *bold* https://e.com\n\n> quote", []byte{0, 3, 11, 1, 15, 6, 6, 22, 13, 8, 39, 7})
	f.Add("short", []byte{2, 1, 255, 9, 0, 200})
	f.Add("a\nb", []byte{7, 0, 3, 8, 0, 3})
	types := []string{"mention", "bold", "italic", "underline", "strikethrough", "code", "spoiler", "pre", "blockquote", "text_link", "url", "email"}
	f.Fuzz(func(t *testing.T, text string, spec []byte) {
		var es []tgbotapi.MessageEntity
		for i := 0; i+2 < len(spec); i += 3 {
			e := tgbotapi.MessageEntity{Type: types[int(spec[i])%len(types)], Offset: int(spec[i+1]) - 2, Length: int(spec[i+2])}
			if spec[i+2] == 255 {
				e.Length = math.MaxInt
			}
			if e.Type == "text_link" {
				e.URL = text
			}
			es = append(es, e)
		}
		var cut []bool
		if len(spec) > 0 && spec[0]%2 == 1 {
			cut = make([]bool, len(spec))
			for i := range cut {
				cut[i] = spec[i]%3 == 0
			}
		}
		var check func(r formatting.Rich)
		check = func(r formatting.Rich) {
			for _, b := range r {
				switch x := b.(type) {
				case *formatting.Para:
					if len(x.Spans) == 0 {
						t.Fatal("an empty paragraph")
					}
					for _, s := range x.Spans {
						if s.Text == "" {
							t.Fatal("an empty span")
						}
						if s.Link != "" {
							if l, ok := formatting.SafeLink(s.Link); !ok || l != s.Link {
								t.Fatalf("an unsafe link %q", s.Link)
							}
						}
					}
				case *formatting.CodeBlock:
					if strings.TrimSpace(x.Code) == "" {
						t.Fatal("an empty code block")
					}
				case *formatting.Quote:
					if len(x.Body) == 0 {
						t.Fatal("an empty quote")
					}
					check(x.Body)
				default:
					t.Fatalf("unexpected block %T", b)
				}
			}
		}
		check(richOf(text, es, cut))
	})
}
