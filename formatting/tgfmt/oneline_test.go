package tgfmt

import (
	"strings"
	"testing"
)

// oneLineRef is oneLine's definition, the three passes it does in one.
func oneLineRef(s string) string { return strings.Join(strings.Fields(clean(s)), " ") }

func TestOneLine(t *testing.T) {
	for _, in := range []string{
		"", " ", "a", "a b", " a", "a ", "a  b", "a\tb", "a\nb", "a\r\nb", "a\rb", "a\x00b", "a \x00 b", "\x00", "\x00 a",
		"a\u00a0b", "a\u0085b", "a \u0085b", "a\u3000b", "a\u2028b", "a\vb", "a\fb", "\xff", "a\xff\xfeb", "\uFFFD", "x\uFFFD y",
		"a\x7fb", "a\u0090b", "Related question number 1?", "👍", "日本語 テキスト", "  lots   of\t\tspace  ",
	} {
		if got, want := oneLine(in), oneLineRef(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"a b", " a\tb\n", "a\u00a0\u3000b", "\xff\x00\r\n", "x\u0085y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if got, want := oneLine(in), oneLineRef(in); got != want {
			t.Fatalf("oneLine(%q) = %q, want %q", in, got, want)
		}
	})
}
