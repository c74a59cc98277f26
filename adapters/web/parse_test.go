package webadapter

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in, name, arg string
		ok            bool
	}{
		{"/help", "help", "", true},
		{"/start", "start", "", true},
		{"/FAQ", "faq", "", true},
		{"/hot ", "hot", "", true},
		{"/human now please", "human", "now please", true},
		{"/reset", "reset", "", true},
		{"/resetx", "", "", false},
		{"help", "", "", false},
		{"/", "", "", false},
		{"//help", "", "", false},
		{"/ help", "", "", false},
	}
	for _, tc := range tests {
		name, arg, ok := parseCommand(tc.in)
		if name != tc.name || arg != tc.arg || ok != tc.ok {
			t.Errorf("parseCommand(%q) = %q %q %v, want %q %q %v", tc.in, name, arg, ok, tc.name, tc.arg, tc.ok)
		}
	}
}

func TestNormOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://shop.example", "https://shop.example"},
		{"HTTPS://Shop.Example:443/", "https://shop.example"},
		{"http://shop.example:80", "http://shop.example"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"https://[::1]:8443", "https://[::1]:8443"},
		{"https://[::1]", "https://[::1]"},
		{"shop.example", ""},
		{"ftp://shop.example", ""},
		{"https://shop.example/path", ""},
		{"https://user@shop.example", ""},
		{"https://shop.example?x=1", ""},
		{`http://"`, ""},
		{"http://:80", ""},
		{"http://a.example:99999", ""},
		{"http://a b.example", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, err := normOrigin(tc.in)
		if (err == nil) != (tc.want != "") || got != tc.want {
			t.Errorf("normOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{AllowedOrigins: []string{"https://a.example"}, FrameAncestors: []string{"'self'", "https://b.example", "*"}}).Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	err := (Config{AllowedOrigins: []string{"a.example"}, FrameAncestors: []string{"https://x; script-src *"}}).Validate()
	if err == nil || !strings.Contains(err.Error(), "web.allowed_origins") || !strings.Contains(err.Error(), "web.frame_ancestors") {
		t.Fatalf("Validate = %v, want both keys named", err)
	}
}

func TestCSPFrameAncestors(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "frame-ancestors 'self'"},
		{Config{AllowedOrigins: []string{"https://b.example", "https://a.example"}}, "frame-ancestors 'self' https://a.example https://b.example"},
		{Config{FrameAncestors: []string{"*"}}, "frame-ancestors *"},
		{Config{FrameAncestors: []string{"https://x; script-src *"}}, "frame-ancestors 'none'"},
	}
	for _, tc := range tests {
		csp := newPages(tc.cfg.withDefaults(), nil, slog.New(slog.DiscardHandler), nil).csp
		if !strings.HasSuffix(csp, tc.want) {
			t.Errorf("%+v: CSP %q, want suffix %q", tc.cfg, csp, tc.want)
		}
	}
	if _, err := New(Config{FrameAncestors: []string{"https://x; script-src *"}}, bridgetest.NewHost()); err == nil {
		t.Error("New accepted a frame ancestor that could break out of the header")
	}
}

// Cookies the chat issues verify and name one conversation each; a cookie
// changed in any byte, or made under another secret, does not verify; the
// conversation id shows nothing of the cookie.
func TestIdentity(t *testing.T) {
	id := &identity{secrets: bridgetest.NewHost()}
	other := &identity{secrets: secretHost("another")}
	r, _ := http.NewRequest("GET", "/", nil)
	seen := map[string]bool{}
	for range 100 {
		v, err := id.visitorOf(context.Background(), r)
		if err != nil || v.cookie == nil || !validCID(v.cid) || seen[v.cid] {
			t.Fatalf("visitor %+v, %v: bad, or a repeated id", v, err)
		}
		seen[v.cid] = true
		back, _ := http.NewRequest("GET", "/", nil)
		back.AddCookie(&http.Cookie{Name: cookieName, Value: v.cookie.Value})
		again, err := id.visitorOf(context.Background(), back)
		if err != nil || again.cookie != nil || again.cid != v.cid {
			t.Fatalf("the issued cookie back: %+v, %v", again, err)
		}
		if strings.Contains(v.cookie.Value, v.cid) {
			t.Fatalf("cookie %q holds its conversation id", v.cookie.Value)
		}
		if theirs, _ := other.visitorOf(context.Background(), back); theirs.cookie == nil {
			t.Fatal("a cookie made under another secret verified")
		}
		key, _ := id.secret(context.Background())
		b := []byte(v.cookie.Value)
		for i := range b {
			tampered := append([]byte{}, b...)
			tampered[i] ^= 1
			if _, ok := verify(key, string(tampered)); ok {
				t.Fatalf("cookie changed at byte %d verified", i)
			}
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("a", 21) + "|", strings.Repeat("a", 23)} {
		if validCID(bad) {
			t.Errorf("validCID(%q) = true", bad)
		}
	}
}

// secretHost is a SecretHost with one fixed secret.
type secretHost string

func (s secretHost) Secret(context.Context, string) ([]byte, error) {
	return []byte(strings.Repeat(string(s), 8)), nil
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"/help", "/human now", "/", "hello", "/RESET  x", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		name, arg, ok := parseCommand(s)
		if !ok && (name != "" || arg != "") {
			t.Fatalf("not a command but %q %q", name, arg)
		}
		if ok && commands[name] != name {
			t.Fatalf("unknown command name %q", name)
		}
	})
}

func FuzzNormOrigin(f *testing.F) {
	for _, s := range []string{"https://a.example", "http://[::1]:80", "x", "https://a.example/ b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := normOrigin(s)
		if err != nil {
			return
		}
		if strings.ContainsAny(n, " ;,'\"\r\n") {
			t.Fatalf("origin %q normalises to header-unsafe %q", s, n)
		}
		if n2, err := normOrigin(n); err != nil || n2 != n {
			t.Fatalf("not idempotent: %q → %q → %q, %v", s, n, n2, err)
		}
	})
}

// FuzzFrame feeds arbitrary frames to the browser-facing handler: it must never
// panic, hand the bridge only well-formed events, and echo only valid text.
func FuzzFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"text","text":"hello"}`, `{"type":"text","text":"/human now"}`,
		`{"type":"click","token":"abc","ref":"3","label":"👍"}`, `{"type":"click","token":""}`,
		`{"type":"text","text":"\ud800"}`, `{"type":7}`, `[]`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		host := bridgetest.NewHost()
		a := newAdapter(t, Config{RatePerMinute: 1 << 20, RateBurst: 1 << 20, MaxMessageBytes: 64}, host)
		a.in.intake.Store(true)
		c := testClient(newCID())
		if err := a.live.attach(c); err != nil {
			t.Fatal(err)
		}
		a.live.ready(c, []byte("{}"), 0, false)
		<-c.send
		a.in.onFrame(c, data)
		for _, ev := range host.Events() {
			if ev.Conv() != c.key() {
				t.Fatalf("event for %+v", ev.Conv())
			}
			switch e := ev.(type) {
			case bridge.Message:
				if e.Text == "" || len(e.Text) > 64 || !utf8.ValidString(e.Text) {
					t.Fatalf("bad message text %q", e.Text)
				}
			case bridge.Click:
				if !validToken(e.Token) {
					t.Fatalf("bad token %q", e.Token)
				}
			}
		}
		for len(c.send) > 0 {
			var fr outFrame
			if err := json.Unmarshal(<-c.send, &fr); err != nil {
				t.Fatalf("frame not JSON: %v", err)
			}
			if fr.Type == "msg" && !utf8.ValidString(fr.Text) {
				t.Fatalf("echo of invalid UTF-8 %q", fr.Text)
			}
		}
	})
}
