package weburl

import (
	"net/url"
	"testing"
)

// parsed is what Plain stands in for: url.Parse reads u as http(s) with a host.
func parsed(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

func TestPlain(t *testing.T) {
	for _, c := range []struct {
		in   string
		want bool
	}{
		{"https://example.com", true},
		{"http://example.com/pricing?ref=kb&lang=en", true},
		{"https://a-b.example.com/p/q.html#frag", true},
		{"https://ex.com?x", true},
		{"https://ex.com#x", true},
		{"https://ex.com/中文", true},
		{"https://ex.com/a%20b", false}, // parsed instead
		{"https://ex.com/a%zz", false},
		{"https://ex.com:8080/", false},
		{"https://user@ex.com/", false},
		{"https://[::1]/", false},
		{"https://", false},
		{"https:///path", false},
		{"HTTPS://ex.com", false},
		{"https://ex.com/\x7f", false},
		{"https://ex.com/a\nb", false},
		{"https://ex_com/", false},
		{"https://ex.com\\@evil/", false},
		{"mailto:a@b.c", false},
		{"ftp://ex.com", false},
	} {
		if got := Plain(c.in); got != c.want {
			t.Errorf("Plain(%q) = %v, want %v", c.in, got, c.want)
		}
		if Plain(c.in) && !parsed(c.in) {
			t.Errorf("Plain(%q), but url.Parse does not read it as http(s) with a host", c.in)
		}
	}
}

func FuzzPlain(f *testing.F) {
	for _, s := range []string{"https://ex.com/a?b=1&c=2#d", "http://x.io/(p)", "https://ex.com:80", "https://a..b/%", "http://a/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		if Plain(u) && !parsed(u) {
			t.Fatalf("Plain(%q), but url.Parse does not read it as http(s) with a host", u)
		}
	})
}
