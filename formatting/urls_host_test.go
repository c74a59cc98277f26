package formatting

import "testing"

func TestSafeURLsRefuseImpossibleHosts(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"https://example.com/a.png", true},
		{"https://例え.jp/画像.png", true},
		{"http://10.0.0.1:8080/x", true},
		{"http://[2001:db8::1]/x", true},
		{"https://my_host.internal/x", true},
		{"http://0(00000#00", false}, // found by FuzzEveryRendererFromKM: Discord refused it
		{"http://a%2Fb/x", false},
		{"http://exa mple.com/", false},
		{"http://[zz::1]/", false},
	} {
		if _, ok := SafeImageURL(tt.in); ok != tt.want {
			t.Errorf("SafeImageURL(%q) ok = %v, want %v", tt.in, ok, tt.want)
		}
		if _, ok := SafeLink(tt.in); ok != tt.want {
			t.Errorf("SafeLink(%q) ok = %v, want %v", tt.in, ok, tt.want)
		}
	}
}
