package bridge

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

func TestTokenRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for i := range 1000 {
		refs := []TokenRef{
			{Ring: RingOf(fmt.Sprint("conv", i)), Lane: Lane(i % int(NumLanes)), Group: newGroupID(), Index: i % 300},
			{Shared: true, ID: sharedIDOf("slack", formatting.Action{Kind: formatting.ActHit, QuestionID: int64(i)})},
		}
		for _, ref := range refs {
			tok := ref.String()
			if len(tok) != 22 {
				t.Fatalf("token %q: %d chars", tok, len(tok))
			}
			if b, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(b) != 16 {
				t.Fatalf("token %q is not 16 bytes of base64url: %v", tok, err)
			}
			if seen[tok] {
				t.Fatalf("duplicate token %q", tok)
			}
			seen[tok] = true
			got, ok := ParseToken(tok)
			if !ok || got != ref {
				t.Fatalf("ParseToken(%q) = %+v %v, want %+v", tok, got, ok, ref)
			}
		}
	}
	for _, bad := range []string{"", "tok-1", "AAAAAAAAAAAAAAAAAAAAAA", "!!!!!!!!!!!!!!!!!!!!!!"} {
		if _, ok := ParseToken(bad); ok {
			t.Errorf("ParseToken(%q) ok", bad)
		}
	}
}

func TestParseConvKey(t *testing.T) {
	for _, k := range []ConvKey{
		{}, {Platform: "slack"}, {Platform: "slack", Workspace: "T1", Channel: "C|1", Thread: "1%7C2", User: "U%"},
	} {
		if got, ok := ParseConvKey(k.String()); !ok || got != k {
			t.Errorf("ParseConvKey(%q) = %+v %v", k.String(), got, ok)
		}
	}
	if _, ok := ParseConvKey("case|1"); ok {
		t.Error("a case ring's name parsed as a conversation")
	}
}

func TestGroupRoundTrip(t *testing.T) {
	g := ButtonGroup{Lane: LaneCase, ID: 77, Key: ConvKey{Platform: "slack", Channel: "C1"}, Owner: "U1", SessionID: 9,
		Expires: time.UnixMilli(1_700_000_000_000), Actions: []formatting.Action{
			{Kind: formatting.ActHit, QuestionID: 3, QuestionContent: "Q", Label: "Q", LogID: 5},
			{Kind: formatting.ActRateAnswer, LogID: 5, Option: 1},
			{Kind: formatting.ActCaseClaim, Case: "12", Content: []byte("x")},
		}}
	got, err := DecodeGroup(AppendGroup(nil, g))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(g) || !got.Expires.Equal(g.Expires) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, g)
	}
	if h, ok := ReadGroupHead(AppendGroup(nil, g)); !ok || h.ID != 77 || h.Lane != LaneCase || h.Expires != g.Expires.UnixMilli() {
		t.Errorf("ReadGroupHead = %+v %v", h, ok)
	}
}

func TestKMResult(t *testing.T) {
	tests := []struct {
		err  error
		want string
		msg  i18n.MsgID
	}{
		{nil, "ok", ""},
		{context.DeadlineExceeded, "timeout", "bridge.km_timeout"},
		{fmt.Errorf("kmclient: chat: %w", context.DeadlineExceeded), "timeout", "bridge.km_timeout"},
		{&kmclient.APIError{Code: 400, Message: kmclient.MsgSessionExpired}, "expired", "bridge.km_error"},
		{&kmclient.APIError{HTTPStatus: 502, Message: "Bad Gateway"}, "unavailable", "bridge.km_unavailable"},
		{&kmclient.APIError{HTTPStatus: 200, Code: 500, Message: "boom"}, "api", "bridge.km_error"},
		{&kmclient.APIError{HTTPStatus: 200, Message: "non-JSON response"}, "malformed", "bridge.km_malformed"},
		{&url.Error{Op: "Post", URL: "http://x", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, "unavailable", "bridge.km_unavailable"},
		{fmt.Errorf("decode: %w", errMalformed), "malformed", "bridge.km_malformed"},
		{errors.New("something"), "unavailable", "bridge.km_unavailable"},
		{fmt.Errorf("load: %w: %w", errStore, errors.New("disk")), "store", "bridge.internal_error"},
	}
	for _, tc := range tests {
		if got := kmResult(tc.err); got != tc.want {
			t.Errorf("kmResult(%v) = %q, want %q", tc.err, got, tc.want)
		}
		if tc.err != nil {
			if got := apologyFor(tc.err); got != tc.msg {
				t.Errorf("apologyFor(%v) = %q, want %q", tc.err, got, tc.msg)
			}
		}
	}
}

func TestRedact(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "http://km/api/v1/chat?email=a%40b&timestamp=1&sign=deadbeef&nonce=xyz", Err: errors.New("EOF")}
	got := redact(err)
	if strings.Contains(got, "deadbeef") || strings.Contains(got, "xyz") || !strings.Contains(got, "sign=REDACTED") {
		t.Errorf("redact = %q", got)
	}
}

func TestTruncateRunes(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"こんにちは", 3, "こん…"},
		{"abc", 1, "…"},
	}
	for _, tc := range tests {
		if got := truncateRunes(tc.in, tc.n); got != tc.want {
			t.Errorf("truncateRunes(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestSummary(t *testing.T) {
	m := formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{
			&formatting.Para{Spans: []formatting.Span{{Text: "Hello "}, {Text: "world", Marks: formatting.Bold}}},
			&formatting.List{Items: []formatting.Rich{{&formatting.Para{Spans: []formatting.Span{{Text: "one"}}}}}},
		}},
		&formatting.Buttons{Title: "Related", Items: []formatting.Button{{Label: "A", Token: "t"}, {Label: "B", URL: "https://x"}}},
		&formatting.Card{Title: "Card", Body: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "body"}}}}},
	}}
	want := "Hello world\n- one\nRelated\n[A] [B]\nCard\nbody"
	if got := Summary(m, 1000); got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	if got := Summary(m, 5); got != "Hell…" {
		t.Errorf("Summary truncated = %q", got)
	}
}

func TestScope(t *testing.T) {
	tests := []struct {
		scope              Scope
		thread, user, want string
	}{
		{ScopeThread, "T", "U", "p|w|c|T|"},
		{ScopeThread, "", "U", "p|w|c||U"},
		{ScopeUser, "", "U", "p|w|c||U"},
		{ScopeUser, "T", "U", "p|w|c|T|U"},
		{ScopeChannel, "", "U", "p|w|c||"},
		{ScopeChannel, "T", "U", "p|w|c|T|"},
	}
	for _, tc := range tests {
		if got := ChannelKey(tc.scope, "p", "w", "c", tc.thread, tc.user).String(); got != tc.want {
			t.Errorf("ChannelKey(%s, %q, %q) = %q, want %q", tc.scope, tc.thread, tc.user, got, tc.want)
		}
	}
	if got := DMKey("p", "", "d", "U").String(); got != "p||d||U" {
		t.Errorf("DMKey = %q", got)
	}
	for in, want := range map[string]Scope{"": ScopeThread, "thread": ScopeThread, "user": ScopeUser, "channel": ScopeChannel} {
		if got, err := ParseScope(in); err != nil || got != want {
			t.Errorf("ParseScope(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseScope("room"); err == nil {
		t.Error("ParseScope(room) accepted")
	}
}

func TestConfigValidate(t *testing.T) {
	ok := Config{RobotID: 1, ChannelID: 2}
	if err := ok.Validate(); err != nil {
		t.Fatalf("minimal config: %v", err)
	}
	tests := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"robot", func(c *Config) { c.RobotID = 0 }, "km.robot_id"},
		{"channel", func(c *Config) { c.ChannelID = -1 }, "km.channel_id"},
		{"timeout", func(c *Config) { c.KMTimeout = -time.Second }, "km.timeout"},
		{"workers", func(c *Config) { c.Workers = -1 }, "workers"},
		{"queue", func(c *Config) { c.QueueSize = -1 }, "queue size"},
		{"hot days", func(c *Config) { c.HotDays = 101 }, "hot days"},
		{"hot count", func(c *Config) { c.HotCount = 51 }, "hot count"},
		{"retention", func(c *Config) { c.SessionIdleTTL = time.Hour; c.SessionRetention = time.Minute }, "retention"},
	}
	for _, tc := range tests {
		c := ok
		tc.mod(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want an error naming %q", tc.name, err, tc.want)
		}
	}
	d := ok.withDefaults()
	if d.ActionTTL != 7*24*time.Hour || d.TypingInterval != 4*time.Second || d.ListCacheTTL != 5*time.Minute || d.RatedTTL != d.ActionTTL {
		t.Errorf("defaults = %+v", d)
	}
}

// Every bridge.* message the code uses exists, in every language, and every
// bridge.* message in the catalogue is used.
func TestCatalogueCoversCode(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	idRE := regexp.MustCompile(`"(bridge\.[a-z_]+)"`)
	used := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range idRE.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, id := range cat.IDs() {
		if strings.HasPrefix(string(id), "bridge.") {
			known[string(id)] = true
		}
	}
	for id := range used {
		if !known[id] {
			t.Errorf("%s is used but not in the catalogue", id)
		}
	}
	for id := range known {
		if !used[id] {
			t.Errorf("%s is in the catalogue but unused", id)
		}
		en := cat.Printer("en").T(i18n.MsgID(id), "x", "/")
		for _, l := range []string{"zh", "ja"} {
			if got := cat.Printer(l).T(i18n.MsgID(id), "x", "/"); got == en {
				t.Errorf("%s has no %s translation", id, l)
			}
		}
		if strings.Contains(en, "%!") {
			t.Errorf("%s: bad format: %q", id, en)
		}
	}
}
