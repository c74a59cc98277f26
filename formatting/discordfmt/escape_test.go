package discordfmt

import (
	"strings"
	"testing"
	"unicode/utf8"

	F "github.com/kmbridge/kmbridge/formatting"
)

// md renders one paragraph and returns its content.
func md(t *testing.T, spans ...F.Span) string {
	t.Helper()
	out := renderValid(t, F.Message{Blocks: []F.Block{text(para(spans...))}})
	if len(out) != 1 {
		t.Fatalf("%d messages", len(out))
	}
	return out[0].Content
}

func TestEscape(t *testing.T) {
	tests := []struct {
		name  string
		spans []F.Span
		want  string
	}{
		{"plain", []F.Span{txt("hello world")}, "hello world"},
		{"everyone", []F.Span{txt("hi @everyone and @here")}, `hi \@everyone and \@here`},
		{"everyone any case", []F.Span{txt("@EveryOne @HERE")}, `\@EveryOne \@HERE`},
		{"other at signs untouched", []F.Span{txt("mail a@b.jp @someone")}, "mail a@b.jp @someone"},
		{"user role channel mentions", []F.Span{txt("<@123> <@!1> <@&2> <#3>")}, `\<@123\> \<@!1\> \<@&2\> \<\#3\>`},
		{"timestamps emoji commands", []F.Span{txt("<t:1:R> <:x:1> <a:y:2> </c:3>")}, `\<t:1:R\> \<:x:1\> \<a:y:2\> \</c:3\>`},
		{"emphasis characters", []F.Span{txt("*a* _b_ __c__ ~~d~~ ||e|| `f`")}, "\\*a\\* \\_b\\_ \\_\\_c\\_\\_ \\~\\~d\\~\\~ \\|\\|e\\|\\| \\`f\\`"},
		{"backslash", []F.Span{txt(`C:\path\*`)}, `C:\\path\\\*`},
		{"masked link syntax", []F.Span{txt("[click](https://evil.example)")}, `\[click\](<https://evil.example>)`},
		{"heading and quote", []F.Span{txt("# big > quote")}, `\# big \> quote`},
		{"list at line start", []F.Span{txt("- a"), txt("\n"), txt("+ b"), txt("\n"), txt("12. c"), txt("\n"), txt("  - d")}, "\\- a\n\\+ b\n12\\. c\n  \\- d"},
		{"dash mid-line untouched", []F.Span{txt("well-known 3. place")}, "well-known 3. place"},
		{"subtext at line start", []F.Span{txt("-# small")}, `\-\# small`},
		{"CJK", []F.Span{txt("密码重置：请点击「设置」。パスワード")}, "密码重置：请点击「设置」。パスワード"},
		{"CJK with marks", []F.Span{txt("请"), bold("注意"), txt("。")}, "请**注意**。"},
		{"emoji", []F.Span{txt("👍🏽 👨‍👩‍👧 🇯🇵 ❤️ :smile:")}, "👍🏽 👨‍👩‍👧 🇯🇵 ❤️ :smile:"},
		{"bare URL is an autolink", []F.Span{txt("see https://x.example/a_b*c.")}, "see <https://x.example/a_b*c>."},
		{"URL with mass mention", []F.Span{txt("https://x.example/@everyone")}, "<https://x.example/%40everyone>"},
		{"URL inside a word is text", []F.Span{txt("xhttps://x.example")}, "xhttps://x.example"},
		{"link", []F.Span{link("docs", "https://x.example/a b(c)")}, "[docs](https://x.example/a%20b%28c%29)"},
		{"link text equals URL", []F.Span{link("https://x.example/", "https://x.example/")}, "<https://x.example/>"},
		{"link text looks like another URL", []F.Span{link("https://good.example", "https://evil.example")}, "<https://good.example> (<https://evil.example>)"},
		{"link text escaped", []F.Span{link("a]b @here", "https://x.example")}, `[a\]b \@here](https://x.example)`},
		{"link without text", []F.Span{link("", "https://x.example")}, "<https://x.example>"},
		{"mailto", []F.Span{link("write", "mailto:a@b.example?subject=x")}, "write (a@b.example)"},
		{"javascript link dropped, text kept", []F.Span{link("x", "javascript:alert(1)")}, "x"},
		{"bold italic", []F.Span{marked("x", F.Bold|F.Italic)}, "***x***"},
		{"all marks", []F.Span{marked("x", F.Bold|F.Italic|F.Underline|F.Strike)}, "__~~***x***~~__"},
		{"whitespace moves outside markers", []F.Span{txt("a"), bold(" b "), txt("c")}, "a **b** c"},
		{"adjacent markers separated", []F.Span{bold("a"), marked("b", F.Italic)}, "**a**" + zwsp + "*b*"},
		{"same marks merge", []F.Span{bold("a"), bold("b")}, "**ab**"},
		{"code", []F.Span{marked("x := `y`", F.Code)}, "`` x := `y` ``"},
		{"code with mention", []F.Span{marked("@everyone", F.Code)}, "`@" + zwsp + "everyone`"},
		{"code is not escaped", []F.Span{marked("*a*_b_", F.Code)}, "`*a*_b_`"},
		{"bold code", []F.Span{marked("x", F.Code|F.Bold)}, "**`x`**"},
		{"marked link", []F.Span{{Text: "x", Marks: F.Bold, Link: "https://x.example"}}, "[**x**](https://x.example)"},
		{"control characters", []F.Span{txt("a\x00b\x1bc\rd")}, "abc\nd"},
		{"invalid UTF-8", []F.Span{txt("a\xffb")}, "a\uFFFDb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := md(t, tc.spans...); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCodeBlockEscape(t *testing.T) {
	out := renderValid(t, F.Message{Blocks: []F.Block{text(&F.CodeBlock{Lang: "Java Script!", Code: "a ``` b\n@here"})}})
	want := "```javascript\na ``" + zwsp + "` b\n@" + zwsp + "here\n```"
	if out[0].Content != want {
		t.Errorf("got %q\nwant %q", out[0].Content, want)
	}
}

func TestEmbedTextEscaped(t *testing.T) {
	out := renderValid(t, F.Message{Blocks: []F.Block{&F.Card{
		Title:  "*@everyone* <@1>",
		Body:   F.Rich{para(txt("@here __x__"))},
		Fields: []F.Field{{Label: "@everyone", Value: F.Rich{para(txt("<#2>"))}}},
	}}})
	e := out[0].Embeds[0]
	if e.Title != `\*\@everyone\* \<@1\>` || e.Description != `\@here \_\_x\_\_` ||
		e.Fields[0].Name != `\@everyone` || e.Fields[0].Value != `\<\#2\>` {
		t.Errorf("got %s", dump(e))
	}
}

func TestTruncate(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"日本語です", 3, "日本…"}, {"x", 0, "x"[:0]},
	} {
		if got := truncate(tc.s, tc.n); got != tc.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
	if s, cut := fitEscaped(strings.Repeat("*", 300), MaxEmbedTitle); runes(s) > MaxEmbedTitle || !cut || strings.HasSuffix(s, `\`+ellipsis) {
		t.Errorf("fitEscaped: %q (%d)", s, runes(s))
	}
}

// TestInertText holds escapeText's shortcut to what escaping would give, and
// containsURL to its definition.
func TestInertText(t *testing.T) {
	for _, s := range []string{"", "plain words", "  - item", "1. one", "1 one", "a*b", "see https://e.com", "HTTP://E.COM",
		"@everyone", "a@b", "line\nbreak", "ſ", "Kelvin K", "日本語", "x_y", "<@123>", "http", "ahttp://x"} {
		checkInert(t, s)
	}
}

func FuzzInertText(f *testing.F) {
	for _, s := range []string{"plain", "- x", "a https://e.com/x b", "**", "\t1) x"} {
		f.Add(s)
	}
	f.Fuzz(checkInert)
}

func checkInert(t *testing.T, s string) {
	for _, lineStart := range []bool{false, true} {
		if inertText(s, lineStart) {
			if got := string(appendEscaped(nil, s, lineStart)); got != s {
				t.Fatalf("inertText(%q, %v), but escaping gives %q", s, lineStart, got)
			}
		}
	}
	l := strings.ToLower(s)
	if want := strings.Contains(l, "http://") || strings.Contains(l, "https://"); containsURL(s) != want {
		t.Fatalf("containsURL(%q) = %v, want %v", s, !want, want)
	}
}

func TestRuneCount(t *testing.T) {
	for _, s := range []string{"", "abc", "日本語", "a\xffb", "\xe6\x97", "😀x", "\xf0\x9f\x98"} {
		if got, want := runeCount([]byte(s)), utf8.RuneCount([]byte(s)); got != want {
			t.Errorf("runeCount(%q) = %d, want %d", s, got, want)
		}
	}
}
