package tgfmt

import (
	"strings"
	"testing"
)

func escapeAttrString(s string) string {
	var b strings.Builder
	escapeAttr(&b, s)
	return b.String()
}

func TestPlainHTTPURL(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"https://example.com", true},
		{"https://help.example.com/billing", true},
		{"http://example.com/pricing?ref=kb&lang=en", true},
		{"https://a-b.example.com/p/q.html#frag", true},
		{"https://ex.com?x=%20y", true},
		{"https://ex.com?", true},
		{"https://ex.com#x?y", true},
		{"https://ex.com#", false}, // String drops the empty fragment
		{"https://ex.com/a%20b", false},
		{"https://ex.com/中文", false},
		{"https://ex.com/a b", false},
		{"https://ex.com/?q='x'", false},
		{"https://ex.com:8080/", false},
		{"https://user@ex.com/", false},
		{"https://[::1]/", false},
		{"https://", false},
		{"https:///path", false},
		{"HTTPS://ex.com", false},
		{" https://ex.com", false},
		{"https://ex.com/\x7f", false},
		{"https://ex_com/", false},
		{"https://ex.com\\@evil/", false},
		{"mailto:a@b.c", false},
		{"ftp://ex.com", false},
	} {
		if got := plainHTTPURL(c.in, false); got != c.want {
			t.Errorf("plainHTTPURL(%q) = %v, want %v", c.in, got, c.want)
		}
		if plainHTTPURL(c.in, false) {
			if u, ok := parsedHTTPURL(c.in); !ok || u != c.in {
				t.Errorf("plainHTTPURL(%q), but parsing gives %q, %v", c.in, u, ok)
			}
		}
		if esc := escapeAttrString(c.in); plainHTTPURL(esc, true) != c.want {
			t.Errorf("plainHTTPURL(%q, true) = %v, want %v", esc, !c.want, c.want)
		}
	}
}

func FuzzPlainHTTPURL(f *testing.F) {
	for _, s := range []string{"https://ex.com/a?b=1&c=2#d", "http://x.io/(p)", "https://ex.com:80", "https://a..b/%", "http://a/\x00", "https://a#b#c", "http://a?b#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainHTTPURL(s, false) {
			if u, ok := parsedHTTPURL(s); !ok || u != s {
				t.Fatalf("plainHTTPURL(%q), but parsing gives %q, %v", s, u, ok)
			}
		}
		// As an attribute value: what checkHref would say of it decoded.
		if plainHTTPURL(s, true) {
			v, err := decodeAttr(s)
			if err != nil {
				t.Fatalf("plainHTTPURL(%q, true), but it does not decode: %v", s, err)
			}
			if err := checkHref(v); err != nil {
				t.Fatalf("plainHTTPURL(%q, true), but checkHref(%q): %v", s, v, err)
			}
		}
	})
}
