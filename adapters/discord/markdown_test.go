package discordadapter

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

// testNames knows user 7 (Bob), role 8 (Support) and channel 9 (help); the
// bot is 42.
func testNames(kind byte, id string) (string, bool) {
	switch {
	case kind == '@' && id == "42":
		return "", true
	case kind == '@' && id == "7":
		return "@Bob", true
	case kind == '&' && id == "8":
		return "@Support", true
	case kind == '#' && id == "9":
		return "#help", true
	}
	return "", false
}

func TestParseMarkdown(t *testing.T) {
	B, I, U, S, C := formatting.Bold, formatting.Italic, formatting.Underline, formatting.Strike, formatting.Code
	sp := func(text string, m formatting.Mark) formatting.Span { return formatting.Span{Text: text, Marks: m} }
	ln := func(text, url string) formatting.Span { return formatting.Span{Text: text, Link: url} }
	br := formatting.Span{Text: "\n"}
	para := func(s ...formatting.Span) formatting.RichBlock { return &formatting.Para{Spans: s} }
	item := func(s ...formatting.Span) formatting.Rich { return formatting.Rich{para(s...)} }
	for _, tc := range []struct {
		name, in string
		want     formatting.Rich
	}{
		{"plain", "hello world", formatting.Rich{para(sp("hello world", 0))}},
		{"empty", "  \n\n ", nil},
		{"bold italic underline strike", "**b** *i* _j_ __u__ ~~s~~ ***bi***",
			formatting.Rich{para(sp("b", B), sp(" ", 0), sp("i", I), sp(" ", 0), sp("j", I), sp(" ", 0), sp("u", U), sp(" ", 0), sp("s", S), sp(" ", 0), sp("bi", B|I))}},
		{"nested", "**bold _and italic_ here**",
			formatting.Rich{para(sp("bold ", B), sp("and italic", B|I), sp(" here", B))}},
		{"underline italic", "__*both*__", formatting.Rich{para(sp("both", U|I))}},
		{"snake_case stays", "call my_func_name now", formatting.Rich{para(sp("call my_func_name now", 0))}},
		{"lone stars stay", "2 * 3 * 4 and ** not", formatting.Rich{para(sp("2 * 3 * 4 and ** not", 0))}},
		{"unclosed", "**open and `tick", formatting.Rich{para(sp("**open and `tick", 0))}},
		{"escapes", `\*not italic\* \_no\_ \\`, formatting.Rich{para(sp(`*not italic* _no_ \`, 0))}},
		{"inline code", "run `rm -rf **x**` now", formatting.Rich{para(sp("run ", 0), sp("rm -rf **x**", C), sp(" now", 0))}},
		{"double backticks", "``a `b` c``", formatting.Rich{para(sp("a `b` c", C))}},
		{"code inside bold", "**see `x`**", formatting.Rich{para(sp("see ", B), sp("x", B|C))}},
		{"spoiler reads plainly", "the answer is ||42||", formatting.Rich{para(sp("the answer is 42", 0))}},
		{"code block with language", "before\n```go\nfmt.Println(\"**x**\")\n```\nafter",
			formatting.Rich{para(sp("before", 0)), &formatting.CodeBlock{Lang: "go", Code: `fmt.Println("**x**")`}, para(sp("after", 0))}},
		{"code block one line", "```plain text```", formatting.Rich{&formatting.CodeBlock{Code: "plain text"}}},
		{"unclosed fence", "```go\nx", formatting.Rich{para(sp("```go", 0), br, sp("x", 0))}},
		{"masked link", "see [the **guide**](https://help.example.com/a?b=1) ok",
			formatting.Rich{para(sp("see ", 0), ln("the ", "https://help.example.com/a?b=1"),
				formatting.Span{Text: "guide", Marks: B, Link: "https://help.example.com/a?b=1"}, sp(" ok", 0))}},
		{"masked link in angles", "[x](<https://e.example/p>)", formatting.Rich{para(ln("x", "https://e.example/p"))}},
		{"unsafe link stays text", "[click](javascript:alert(1))", formatting.Rich{para(sp("[click](javascript:alert(1))", 0))}},
		{"bare link", "go to https://e.example/a_b*c. Thanks", formatting.Rich{para(sp("go to ", 0), ln("https://e.example/a_b*c", "https://e.example/a_b*c"), sp(". Thanks", 0))}},
		{"link in parens", "(see https://e.example/x)", formatting.Rich{para(sp("(see ", 0), ln("https://e.example/x", "https://e.example/x"), sp(")", 0))}},
		{"angle link", "<https://e.example/q>", formatting.Rich{para(ln("https://e.example/q", "https://e.example/q"))}},
		{"mentions", "<@42> ask <@!7> or <@&8> in <#9>, not <@5> <#6>",
			formatting.Rich{para(sp("ask @Bob or @Support in #help, not <@5> <#6>", 0))}},
		{"emoji and timestamp", "hi <:wave:123> at <t:1700000000:R>", formatting.Rich{para(sp("hi :wave: at <t:1700000000:R>", 0))}},
		{"line breaks and paragraphs", "one\ntwo\n\nthree", formatting.Rich{para(sp("one", 0), br, sp("two", 0)), para(sp("three", 0))}},
		{"headings and subtext", "# Title\n## Sub **bold**\n### Small\n#### not\n-# fine print",
			formatting.Rich{
				&formatting.Heading{Level: 1, Spans: []formatting.Span{sp("Title", 0)}},
				&formatting.Heading{Level: 2, Spans: []formatting.Span{sp("Sub ", 0), sp("bold", B)}},
				&formatting.Heading{Level: 3, Spans: []formatting.Span{sp("Small", 0)}},
				para(sp("#### not", 0)), para(sp("fine print", 0)),
			}},
		{"lists", "- one\n- **two**\n  - nested\n* three\n1. first\n2. second\n\n3. again",
			formatting.Rich{
				&formatting.List{Items: []formatting.Rich{
					item(sp("one", 0)),
					append(item(sp("two", B)), &formatting.List{Items: []formatting.Rich{item(sp("nested", 0))}}),
					item(sp("three", 0)),
				}},
				&formatting.List{Ordered: true, Items: []formatting.Rich{item(sp("first", 0)), item(sp("second", 0))}},
				&formatting.List{Ordered: true, Start: 3, Items: []formatting.Rich{item(sp("again", 0))}},
			}},
		{"quotes", "> quoted **x**\n> more\nafter", formatting.Rich{
			&formatting.Quote{Body: formatting.Rich{para(sp("quoted ", 0), sp("x", B), br, sp("more", 0))}},
			para(sp("after", 0)),
		}},
		{"quote rest", "intro\n>>> all\n\nof this\n> is quoted", formatting.Rich{
			para(sp("intro", 0)),
			&formatting.Quote{Body: formatting.Rich{para(sp("all", 0)), para(sp("of this", 0), br, sp("> is quoted", 0))}},
		}},
		{"not a quote", ">no space", formatting.Rich{para(sp(">no space", 0))}},
		{"CJK", "**重要**：パスワードを_リセット_", formatting.Rich{para(sp("重要", B), sp("：パスワードを", 0), sp("リセット", I))}},
		{"crlf", "a\r\nb", formatting.Rich{para(sp("a", 0), br, sp("b", 0))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ParseMarkdown(tc.in, testNames)
			if g, w := formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: got}}}),
				formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: tc.want}}}); g != w {
				t.Errorf("ParseMarkdown(%q)\ngot:\n%s\nwant:\n%s", tc.in, g, w)
			}
		})
	}
}

// A long text is taken as it is written.
func TestParseMarkdownLong(t *testing.T) {
	s := strings.Repeat("**a** ", maxMarkdown/5)
	got := ParseMarkdown(s, nil)
	if len(got) != 1 || strings.Contains(formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: got}}}), "bold") {
		t.Errorf("a text over %d bytes was parsed", maxMarkdown)
	}
}

// FuzzParseMarkdown: whatever a user writes parses without panicking into
// rich text whose links are all safe, whose text is valid UTF-8, and which
// discordfmt renders into valid Discord messages (an agent's relayed
// message, on its way back).
func FuzzParseMarkdown(f *testing.F) {
	for _, s := range []string{
		"**b** *i* __u__ ~~s~~ `c` ||sp||", "```go\nx\n```", "[l](https://a.example) <https://b.example> https://c.example",
		"> q\n>>> rest", "- a\n  - b\n1. c", "# h\n-# s", "<@1> <@!2> <@&3> <#4> <:e:5> <t:6>", `\*x\*`,
		"***", "**_~~`||", "[[x]](y)", "_a_b_", "\x00\xff", strings.Repeat("*a", 300),
		strings.Repeat("[", 2000), strings.Repeat("_a ", 700), strings.Repeat("https://a.b/", 200),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseMarkdown(s, testNames)
		var check func(r formatting.Rich)
		spans := func(ss []formatting.Span) {
			for _, sp := range ss {
				if !utf8.ValidString(sp.Text) {
					t.Fatalf("invalid UTF-8 in %q", sp.Text)
				}
				if sp.Link != "" {
					if u, ok := formatting.SafeLink(sp.Link); !ok || u != sp.Link {
						t.Fatalf("unsafe link %q", sp.Link)
					}
				}
			}
		}
		check = func(r formatting.Rich) {
			for _, b := range r {
				switch x := b.(type) {
				case *formatting.Para:
					spans(x.Spans)
				case *formatting.Heading:
					spans(x.Spans)
				case *formatting.List:
					for _, it := range x.Items {
						check(it)
					}
				case *formatting.Quote:
					check(x.Body)
				case *formatting.CodeBlock:
					if !utf8.ValidString(x.Code) {
						t.Fatalf("invalid UTF-8 in code")
					}
				}
			}
		}
		check(r)
		for _, ms := range discordfmt.Render(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: r}}}) {
			if err := discordfmt.Validate(ms); err != nil {
				t.Fatalf("rendered back: %v", err)
			}
		}
	})
}

func BenchmarkParseMarkdown(b *testing.B) {
	s := strings.Repeat("**Bold** and _italic_ with `code`, a [link](https://e.example/x) and <@7>.\n- item\n> quote\n", 20)
	b.ReportAllocs()
	for range b.N {
		ParseMarkdown(s, testNames)
	}
}
