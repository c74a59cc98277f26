package discordadapter

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting/discordfmt"
)

func TestPlainMessages(t *testing.T) {
	for _, s := range []string{
		"hello", "**bold** _it_ ~~s~~ `code` ||spoiler|| > quote # head - item [x](http://y) <@123> @everyone :smile:",
		strings.Repeat("line of text\n", 400), strings.Repeat("字", 5000), "",
	} {
		msgs := plainMessages(s)
		var got strings.Builder
		for _, m := range msgs {
			if err := discordfmt.Validate(m); err != nil {
				t.Errorf("invalid fallback for %.30q: %v", s, err)
			}
			got.WriteString(unescape(m.Content))
		}
		if strings.TrimSpace(s) != "" && got.String() != s {
			t.Errorf("fallback lost text: %.60q → %.60q", s, got.String())
		}
	}
	m := plainMessages("@everyone *x*")[0].Content
	if m != `\@everyone \*x\*` {
		t.Errorf("escaped = %q", m)
	}
}

func unescape(s string) string {
	var b strings.Builder
	esc := false
	for _, r := range s {
		if r == '\\' && !esc {
			esc = true
			continue
		}
		esc = false
		b.WriteRune(r)
	}
	return b.String()
}

func TestChunkText(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want []string
	}{
		{"abc", 5, []string{"abc"}},
		{"abcdef", 3, []string{"abc", "def"}},
		{"ab cd ef", 5, []string{"ab ", "cd ef"}},
		{"aaaa\nbb\ncc", 8, []string{"aaaa\nbb\n", "cc"}},
		{"日本語テキスト", 3, []string{"日本語", "テキス", "ト"}},
	} {
		got := chunkText(c.s, c.n)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("chunkText(%q, %d) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// FuzzPlainMessages: whatever the text, the fallback is valid Discord and
// loses nothing but invalid UTF-8 and NULs.
func FuzzPlainMessages(f *testing.F) {
	for _, s := range []string{"hello", "**x**\n> y", strings.Repeat("é ", 1500), "\x00\xff", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		msgs := plainMessages(s)
		var got strings.Builder
		for _, m := range msgs {
			if err := discordfmt.Validate(m); err != nil {
				t.Fatalf("invalid: %v", err)
			}
			got.WriteString(unescape(m.Content))
		}
		want := strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
		if strings.TrimSpace(want) != "" && strings.TrimSpace(got.String()) != strings.TrimSpace(want) && len(msgs) > 0 {
			// Pieces that are only white space are dropped: compare without them.
			if strings.Join(strings.Fields(got.String()), " ") != strings.Join(strings.Fields(want), " ") {
				t.Fatalf("lost text: %q → %q", want, got.String())
			}
		}
		if !utf8.ValidString(got.String()) {
			t.Fatalf("invalid UTF-8 out")
		}
	})
}

func BenchmarkPlainMessages(b *testing.B) {
	s := strings.Repeat("**bold** text é 字\n", 2000)
	b.ReportAllocs()
	for range b.N {
		plainMessages(s)
	}
}
