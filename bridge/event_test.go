package bridge

import (
	"strings"
	"testing"
)

// stringRef is ConvKey.String as first specified, kept as the reference.
func stringRef(k ConvKey) string {
	esc := func(s string) string { return strings.NewReplacer("%", "%25", "|", "%7C").Replace(s) }
	return esc(k.Platform) + "|" + esc(k.Workspace) + "|" + esc(k.Channel) + "|" + esc(k.Thread) + "|" + esc(k.User)
}

func FuzzConvKeyString(f *testing.F) {
	f.Add("slack", "T1", "C1", "171.2", "U1")
	f.Add("a|b", "%7C", "%", "||", "")
	f.Add("", "", "", "", "")
	f.Add("日本", "x%25|y", "\x00", "%|%", "é|")
	f.Fuzz(func(t *testing.T, p, w, c, th, u string) {
		k := ConvKey{p, w, c, th, u}
		if got, want := k.String(), stringRef(k); got != want {
			t.Fatalf("String(%q) = %q, want %q", k, got, want)
		}
	})
}

func BenchmarkConvKeyString(b *testing.B) {
	k := ConvKey{Platform: "telegram", Channel: "100000000", User: "100000000"}
	b.ReportAllocs()
	for b.Loop() {
		_ = k.String()
	}
}
