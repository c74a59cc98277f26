package escalation

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"", 10, ""},
		{"  Ann  ", 10, "Ann"},
		{"Ann\n\tLee\r\n", 10, "Ann Lee"},
		{"a\x00b\x1bc", 10, "a b c"},
		{"\u202eevil\u202c name", 20, "evil name"},
		{"\xffok", 10, "\uFFFDok"},
		{"abcdefghij", 10, "abcdefghij"},
		{"abcdefghijk", 10, "abcdefghi…"},
		{"hello wonderful world", 20, "hello wonderful wor…"}, // no space near the cut
		{"hello wonderful world and more", 28, "hello wonderful world and…"},
		{"hello wonderful world", 12, "hello wonde…"},
		{"パスワードを忘れました", 6, "パスワード…"},
		{"abc", 1, "…"},
		{"abc", 0, "…"},
	} {
		if got := clean(tc.in, tc.n); got != tc.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"line 1\nline 2", "line 1 · line 2"},
		{"line one\nline two", "line one · line…"},
		{"a \n\n b", "a · b"},
		{"\nlead", "lead"},
		{"trail\n", "trail"},
		{"abcdefgh\nijklmnop", "abcdefgh · ijkl…"},
	} {
		if got := cleanLines(tc.in, 16, " · "); got != tc.want {
			t.Errorf("cleanLines(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "a b", "\u202e", "x\n\ny", strings.Repeat("名 ", 50), "\xff\xfe"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = n%500 + 1
		if n < 1 {
			n = -n + 2
		}
		got := cleanLines(s, n, " · ")
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
		if c := utf8.RuneCountInString(got); c > n {
			t.Fatalf("%d runes, max %d: %q", c, n, got)
		}
		if strings.ContainsAny(got, "\n\r\t\u202e") {
			t.Fatalf("control or bidi character left in %q", got)
		}
	})
}
