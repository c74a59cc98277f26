package slackfmt

import (
	"strings"
	"testing"
)

func TestEscapeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "hello world", "hello world"},
		{"entities", "a & b < c > d", "a &amp; b &lt; c &gt; d"},
		{"channel", "<!channel> hi", "&lt;!channel&gt; hi"},
		{"here", "<!here>", "&lt;!here&gt;"},
		{"everyone", "<!everyone>", "&lt;!everyone&gt;"},
		{"user", "<@U123>", "&lt;@U123&gt;"},
		{"conversation", "<#C123|general>", "&lt;#C123|general&gt;"},
		{"subteam", "<!subteam^S1|@team>", "&lt;!subteam^S1|@team&gt;"},
		{"link syntax", "<https://evil.example|click>", "&lt;https://evil.example|click&gt;"},
		{"literal at-channel", "@channel and @Here and @everyone", "@\u2060channel and @\u2060Here and @\u2060everyone"},
		{"other at", "mail me@example.com @bob", "mail me@example.com @bob"},
		{"bold pair", "*bold*", "∗bold∗"},
		{"italic pair", "_it_", "ˍitˍ"},
		{"strike pair", "~gone~", "∼gone∼"},
		{"code pair", "`code`", "ˋcodeˋ"},
		{"fence", "```x```", "ˋˋˋxˋˋˋ"},
		{"snake case stays", "snake_case_name", "snake_case_name"},
		{"product stays", "2*3=6", "2*3=6"},
		{"spaced star stays", "a * b", "a * b"},
		{"star at edge", "* item", "∗ item"},
		{"tilde approx", "~5 days", "∼5 days"},
		{"full-width", "＊強調＊ ＿下線＿ ｀x｀", "﹡強調﹡ ⸏下線⸏ ˋxˋ"},
		{"cjk next to marker", "中*文*字", "中∗文∗字"},
		{"emoji", "👍 great *job*", "👍 great ∗job∗"},
		{"emoji zwj", "👩‍💻 dev", "👩‍💻 dev"},
		{"cjk", "你好，世界。こんにちは", "你好，世界。こんにちは"},
		{"control chars", "a\x00b\x07c\rd\te", "abcd\te"},
		{"c1 control", "a\u0085b", "ab"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"newline kept", "a\nb", "a\nb"},
		{"already escaped", "&amp;", "&amp;amp;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeText(tt.in); got != tt.want {
				t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err := checkMrkdwn(escapeText(tt.in)); err != nil {
				t.Errorf("escaped text is not valid mrkdwn: %v", err)
			}
		})
	}
}

func TestEscapeCode(t *testing.T) {
	if got, want := escapeCode("a`b <x> & @here"), "aˋb &lt;x&gt; &amp; @\u2060here"; got != want {
		t.Errorf("escapeCode = %q, want %q", got, want)
	}
	if got, want := escapeCodeLine("``` `` ````*_~"), "``ˋ `` ``ˋ`*_~"; got != want {
		t.Errorf("escapeCodeLine = %q, want %q", got, want)
	}
}

func TestEscapeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://ex.com/a?b=1&c=2", "https://ex.com/a?b=1&amp;c=2"},
		{"https://ex.com/a|b", "https://ex.com/a%7Cb"},
		{"https://ex.com/a b>c<d\"e", "https://ex.com/a%20b%3Ec%3Cd%22e"},
		{"https://ex.com/中文", "https://ex.com/中文"},
	}
	for _, tt := range tests {
		if got := escapeURL(tt.in); got != tt.want {
			t.Errorf("escapeURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncateAndLength(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 75, "short"},
		{strings.Repeat("a", 80), 75, strings.Repeat("a", 74) + "…"},
		{strings.Repeat("中", 80), 75, strings.Repeat("中", 74) + "…"},
		{strings.Repeat("😀", 40), 75, strings.Repeat("😀", 37) + "…"}, // 2 UTF-16 units each
	}
	for _, tt := range tests {
		got := truncate(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if lenU(got) > tt.max {
			t.Errorf("truncate(%q, %d) is %d units long", tt.in, tt.max, lenU(got))
		}
	}
	if lenU("a中😀") != 4 {
		t.Errorf("lenU counts UTF-16 units: got %d, want 4", lenU("a中😀"))
	}
}

func TestToken(t *testing.T) {
	for in, want := range map[string]string{
		"abc": "abc", "abc#2": "abc", "abc#x": "abc#x", "#2": "#2", "a#": "a#", "a#1#3": "a#1",
	} {
		if got := Token(in); got != want {
			t.Errorf("Token(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"https://ex.com/img/cat%20photo.png?x=1": "cat photo.png",
		"https://ex.com/":                        "ex.com",
		"https://ex.com":                         "ex.com",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// cleanPlainRef is cleanPlain as first written, in four passes: the one-pass
// version and its no-copy fast path must agree with it on everything.
func cleanPlainRef(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case dropRune(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func TestCleanPlain(t *testing.T) {
	for _, in := range []string{
		"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\nb", "a\r\nb", "a\x00b", "a \x00 b", "\x00", "\x00 a",
		"a\u00a0b", "a\u0085b", "a\u3000b", "a\u2028b", "a\vb", "a\fb", "\xff", "a\xff\xfeb", "\uFFFD", "x\uFFFD y",
		"中文 日本語", "👍 ok", "  many   spaces  ", "a\u200bb",
	} {
		got, want := cleanPlain(in), cleanPlainRef(in)
		if got != want {
			t.Errorf("cleanPlain(%q) = %q, want %q", in, got, want)
		}
		if isCleanPlain(in) != (want == in) {
			t.Errorf("isCleanPlain(%q) = %v, but cleanPlain changes it: %v", in, isCleanPlain(in), want != in)
		}
	}
}

func FuzzCleanPlain(f *testing.F) {
	for _, s := range []string{"a b", " a\tb\n", "\x00\xff\u00a0\u0085\u3000", "x\r\ny"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := cleanPlain(in), cleanPlainRef(in); got != want {
			t.Fatalf("cleanPlain(%q) = %q, want %q", in, got, want)
		}
		if isCleanPlain(in) != (cleanPlainRef(in) == in) {
			t.Fatalf("isCleanPlain(%q) = %v", in, isCleanPlain(in))
		}
	})
}
