package httpserver

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/internal/testlog"
)

func prefixes(t testing.TB, ss ...string) []netip.Prefix {
	t.Helper()
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestClientIP(t *testing.T) {
	proxies := prefixes(t, "10.0.0.0/8", "2001:db8:ffff::/48")
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string // "" for the zero Addr
	}{
		{"no proxies trusted: header ignored", "203.0.113.7:5555", []string{"198.51.100.1"}, nil, "203.0.113.7"},
		{"untrusted peer: header ignored (spoofing)", "203.0.113.7:5555", []string{"198.51.100.1"}, proxies, "203.0.113.7"},
		{"trusted peer, no header", "10.1.2.3:80", nil, proxies, "10.1.2.3"},
		{"trusted peer, one hop", "10.1.2.3:80", []string{"198.51.100.1"}, proxies, "198.51.100.1"},
		{"client-supplied entry left of the real one is not believed", "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1"}, proxies, "198.51.100.1"},
		{"chain of trusted proxies", "10.1.2.3:80", []string{"198.51.100.1, 10.9.9.9, 10.8.8.8"}, proxies, "198.51.100.1"},
		{"several header lines read as one list", "10.1.2.3:80", []string{"1.1.1.1, 198.51.100.1", "10.9.9.9"}, proxies, "198.51.100.1"},
		{"all trusted: left-most", "10.1.2.3:80", []string{"10.5.5.5, 10.6.6.6"}, proxies, "10.5.5.5"},
		{"garbage stops at the hop that wrote it", "10.1.2.3:80", []string{"198.51.100.1, unknown, 10.6.6.6"}, proxies, "10.6.6.6"},
		{"garbage right after the peer", "10.1.2.3:80", []string{"198.51.100.1, _hidden"}, proxies, "10.1.2.3"},
		{"empty entries skipped", "10.1.2.3:80", []string{"198.51.100.1, , ", ""}, proxies, "198.51.100.1"},
		{"entries with ports", "10.1.2.3:80", []string{"198.51.100.1:4711"}, proxies, "198.51.100.1"},
		{"IPv6 entry with port", "10.1.2.3:80", []string{"[2001:db8::7]:4711"}, proxies, "2001:db8::7"},
		{"IPv6 entry bracketed", "10.1.2.3:80", []string{"[2001:db8::7]"}, proxies, "2001:db8::7"},
		{"IPv6 peer trusted", "[2001:db8:ffff::1]:443", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"IPv4-mapped peer matches an IPv4 prefix", "[::ffff:10.1.2.3]:80", []string{"::ffff:198.51.100.1"}, proxies, "198.51.100.1"},
		{"zone dropped", "[fe80::1%eth0]:80", nil, nil, "fe80::1"},
		{"peer without port", "203.0.113.7", nil, nil, "203.0.113.7"},
		{"peer not an address", "pipe", []string{"198.51.100.1"}, proxies, ""},
		{"empty peer", "", nil, proxies, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ClientIP(tt.remote, tt.xff, tt.trusted)
			want := netip.Addr{}
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got != want {
				t.Fatalf("ClientIP(%q, %q) = %v, want %v", tt.remote, tt.xff, got, want)
			}
		})
	}
}

func TestRequestIP(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.2:1234"
	r.Header.Add("X-Forwarded-For", "1.1.1.1, 198.51.100.1")
	r.Header.Add("X-Forwarded-For", "10.0.0.3")
	if got := RequestIP(r, prefixes(t, "10.0.0.0/24")); got != netip.MustParseAddr("198.51.100.1") {
		t.Fatalf("RequestIP = %v", got)
	}
	if got := RequestIP(r, nil); got != netip.MustParseAddr("10.0.0.2") {
		t.Fatalf("RequestIP without trusted proxies = %v", got)
	}
}

// ClientIP never panics, never invents an address (the answer is the peer or
// one of the header's entries), and never believes the header from an
// untrusted peer.
func FuzzClientIP(f *testing.F) {
	f.Add("10.1.2.3:80", "198.51.100.1, 10.9.9.9", "10.0.0.0/8")
	f.Add("203.0.113.7:1", "1.1.1.1", "0.0.0.0/0")
	f.Add("[::ffff:10.0.0.1]:1", "[2001:db8::1]:5, garbage", "::/0")
	f.Add("", ",,,", "")
	f.Fuzz(func(t *testing.T, remote, xff, trustedS string) {
		var trusted []netip.Prefix
		for _, s := range strings.Split(trustedS, ";") {
			if p, err := netip.ParsePrefix(s); err == nil {
				trusted = append(trusted, p.Masked())
			}
		}
		lines := strings.Split(xff, "\n")
		got := ClientIP(remote, lines, trusted)
		peer, ok := parseHop(remote)
		if !ok {
			if got.IsValid() {
				t.Fatalf("no peer address but got %v", got)
			}
			return
		}
		if !inAny(peer, trusted) && got != peer {
			t.Fatalf("untrusted peer %v: got %v", peer, got)
		}
		if got == peer {
			return
		}
		for _, line := range lines {
			for _, hop := range strings.Split(line, ",") {
				if a, ok := parseHop(strings.TrimSpace(hop)); ok && a == got {
					return
				}
			}
		}
		t.Fatalf("ClientIP(%q, %q) = %v: neither the peer nor an entry", remote, lines, got)
	})
}

// Behind trusted proxies the access log names the client, not only the proxy.
func TestAccessLogNamesTheClientBehindTrustedProxies(t *testing.T) {
	log, buf := testlog.New()
	s := New(Options{Logger: log, TrustedProxies: prefixes(t, "10.0.0.0/8")})
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.RemoteAddr = "10.0.0.2:1234"
	req.Header.Set("X-Forwarded-For", "198.51.100.1")
	s.Handler().ServeHTTP(httptest.NewRecorder(), req)
	if out := buf.String(); !strings.Contains(out, "remote=10.0.0.2:1234") || !strings.Contains(out, "client=198.51.100.1") {
		t.Fatalf("access log:\n%s", out)
	}
}
