package kmclient

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNewValidates(t *testing.T) {
	ok := Config{BaseURL: "https://km.udesk.cn/api", Email: "a@b.c", Token: "zz-secret-zz"}
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr string // substring; "" = valid
	}{
		{"valid", func(*Config) {}, ""},
		{"v2", func(c *Config) { c.SignVersion = "v2" }, ""},
		{"v1", func(c *Config) { c.SignVersion = "v1" }, ""},
		{"http", func(c *Config) { c.BaseURL = "http://127.0.0.1:8080/api/" }, ""},
		{"custom signer needs no credentials", func(c *Config) { c.Email, c.Token, c.Signer = "", "", NewSignerV1("x", "y") }, ""},
		{"no base URL", func(c *Config) { c.BaseURL = "" }, "BaseURL is required"},
		{"relative base URL", func(c *Config) { c.BaseURL = "/api" }, "BaseURL"},
		{"ftp base URL", func(c *Config) { c.BaseURL = "ftp://km.udesk.cn/api" }, "absolute http(s)"},
		{"base URL with query", func(c *Config) { c.BaseURL = "https://km.udesk.cn/api?x=1" }, "query"},
		{"no email", func(c *Config) { c.Email = " " }, "Email is required"},
		{"no token", func(c *Config) { c.Token = "" }, "Token is required"},
		{"bad sign version", func(c *Config) { c.SignVersion = "v3" }, `SignVersion "v3"`},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok
			tt.mod(&cfg)
			c, err := New(cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("New error %v, want one containing %q", err, tt.wantErr)
			case tt.wantErr != "" && strings.Contains(err.Error(), "zz-secret-zz"):
				t.Fatalf("error %q leaks the token", err)
			case err == nil && c == nil:
				t.Fatal("nil client")
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: "https://km.udesk.cn/api/", Email: "a@b.c", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != 10*time.Second || c.streamTimeout != 60*time.Second || c.maxRetries != 2 || c.base != "https://km.udesk.cn/api" {
		t.Errorf("defaults: timeout %s stream %s retries %d base %q", c.timeout, c.streamTimeout, c.maxRetries, c.base)
	}
	if _, ok := c.signer.(signerV1); !ok {
		t.Errorf("default signer %T, want v1", c.signer)
	}
	c, _ = New(Config{BaseURL: "https://x", Email: "a@b.c", Token: "tok", SignVersion: "v2", MaxRetries: -1})
	if _, ok := c.signer.(signerV2); !ok || c.maxRetries != 0 {
		t.Errorf("v2 config: signer %T, retries %d", c.signer, c.maxRetries)
	}
}

func TestConfigNeverPrintsToken(t *testing.T) {
	cfg := Config{BaseURL: "https://x", Email: "a@b.c", Token: "super-secret-token"}
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "km", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%v", &cfg), buf.String(),
		fmt.Sprint(NewSignerV1("a@b.c", cfg.Token)), fmt.Sprint(NewSignerV2("a@b.c", cfg.Token))} {
		if strings.Contains(s, cfg.Token) {
			t.Errorf("%q shows the token", s)
		}
	}
}

// The expected digests were computed outside Go:
//
//	printf 'a@b.c&tok&1529402445' | sha1sum
//	printf 'a@b.c&tok&1529402445&0123456789abcdef&v2' | sha256sum
func TestSignVectors(t *testing.T) {
	if got, want := SignV1("a@b.c", "tok", 1529402445), "d854366051555e8da5e8f603488ea444dfe92b6a"; got != want {
		t.Errorf("SignV1 = %s, want %s", got, want)
	}
	if got, want := SignV2("a@b.c", "tok", 1529402445, "0123456789abcdef"), "a618fd8d5fb454394b6986bb07de483c67a13bda68c94a912e6cbe0710e69e68"; got != want {
		t.Errorf("SignV2 = %s, want %s", got, want)
	}
	now := time.Unix(1529402445, 0)

	q := url.Values{}
	NewSignerV1("a@b.c", "tok").Sign(q, now)
	if want := (url.Values{"email": {"a@b.c"}, "timestamp": {"1529402445"}, "sign": {"d854366051555e8da5e8f603488ea444dfe92b6a"}}); q.Encode() != want.Encode() {
		t.Errorf("v1 query %s, want %s", q.Encode(), want.Encode())
	}

	s := signerV2{email: "a@b.c", token: "tok", nonce: func() string { return "0123456789abcdef" }}
	q = url.Values{}
	s.Sign(q, now)
	want := url.Values{"email": {"a@b.c"}, "timestamp": {"1529402445"}, "nonce": {"0123456789abcdef"}, "sign_version": {"v2"},
		"sign": {"a618fd8d5fb454394b6986bb07de483c67a13bda68c94a912e6cbe0710e69e68"}}
	if q.Encode() != want.Encode() {
		t.Errorf("v2 query %s, want %s", q.Encode(), want.Encode())
	}

	// The real v2 signer draws a fresh nonce each time.
	q1, q2 := url.Values{}, url.Values{}
	NewSignerV2("a@b.c", "tok").Sign(q1, now)
	NewSignerV2("a@b.c", "tok").Sign(q2, now)
	if n := q1.Get("nonce"); len(n) != 32 || n == q2.Get("nonce") {
		t.Errorf("nonces %q and %q", n, q2.Get("nonce"))
	}
	if q1.Get("sign") != SignV2("a@b.c", "tok", 1529402445, q1.Get("nonce")) {
		t.Error("v2 sign does not match its nonce")
	}
}

func TestSignV2OnTheWire(t *testing.T) {
	fake, srv := newFakeKM(t, http.StatusOK, seedResponse(t, "000 POST /v1/surveyQuestion"))
	c := newTestClient(t, srv, func(c *Config) { c.SignVersion = "v2" })
	if err := c.SurveyQuestion(t.Context(), SurveyQuestionRequest{SessionID: 1, QuestionSurveyOptionID: 1}); err != nil {
		t.Fatal(err)
	}
	q := url.Values((<-fake.reqs).query)
	ts := q.Get("timestamp")
	var n int64
	fmt.Sscan(ts, &n)
	if q.Get("email") != testEmail || q.Get("sign_version") != "v2" || q.Get("nonce") == "" ||
		q.Get("sign") != SignV2(testEmail, testToken, n, q.Get("nonce")) {
		t.Errorf("v2 query %v", q)
	}
}

func TestBaseURLJoin(t *testing.T) {
	for _, base := range []string{"/api", "/api/"} {
		fake, srv := newFakeKM(t, http.StatusOK, seedResponse(t, "000 PUT /v1/sessions/:id/switchStaff"))
		c := newTestClient(t, srv, func(c *Config) { c.BaseURL = srv.URL + base })
		if err := c.SwitchStaff(t.Context(), 7); err != nil {
			t.Fatal(err)
		}
		if p := (<-fake.reqs).path; p != "/api/v1/sessions/7/switchStaff" {
			t.Errorf("base %q: path %q", base, p)
		}
	}
}
