package telegramadapter

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
	"github.com/kmbridge/kmbridge/adapters/internal/outbound/outboundtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

func newTestAdapter(t *testing.T) *Adapter {
	t.Helper()
	a, err := New(Config{Token: "1:secret-token-xyz", APIEndpoint: "http://127.0.0.1:1/bot%s/%s"}, bridgetest.NewHost())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The adapter's limits on the shared pacer: one message a second per chat
// after a burst, twenty a minute per group, thirty a second overall, a 429
// holding its chat, and the order lane a message of several parts holds.
func TestPacer(t *testing.T) {
	ctx := context.Background()
	newP := func(cfg Config) (*outbound.Pacer, *outboundtest.Clock) {
		clock := outboundtest.NewClock(time.Unix(1000, 0))
		return newPacer(cfg.withDefaults(), clock), clock
	}
	// at waits for a slot on c's keys and returns when the call may go, as
	// an offset from the clock's start.
	at := func(t *testing.T, p *outbound.Pacer, clock *outboundtest.Clock, c outbound.Call) time.Duration {
		t.Helper()
		if err := p.Wait(ctx, append([]outbound.Key{c.Lane}, c.Keys...)...); err != nil {
			t.Fatal(err)
		}
		return clock.Now().Sub(time.Unix(1000, 0))
	}

	t.Run("one a second per chat after a burst", func(t *testing.T) {
		p, clock := newP(Config{GlobalPerSecond: -1, PerChatBurst: 2})
		for i, want := range []time.Duration{0, 0, time.Second, 2 * time.Second} {
			if got := at(t, p, clock, chatCall(5)); got != want {
				t.Errorf("call %d goes at +%s, want +%s", i+1, got, want)
			}
		}
	})
	t.Run("twenty a minute per group", func(t *testing.T) {
		p, clock := newP(Config{PerChatInterval: -1, GlobalPerSecond: -1})
		for i := range 20 {
			if d := at(t, p, clock, chatCall(-100)); d != 0 {
				t.Fatalf("call %d waits %s within the burst", i+1, d)
			}
		}
		if d := at(t, p, clock, chatCall(-100)); d != 3*time.Second {
			t.Errorf("21st call goes at +%s, want +3s", d)
		}
	})
	t.Run("thirty a second overall", func(t *testing.T) {
		p, clock := newP(Config{PerChatInterval: -1})
		for i := range 30 {
			if d := at(t, p, clock, globalCall()); d != 0 {
				t.Fatalf("call %d waits %s within the burst", i+1, d)
			}
		}
		if d := at(t, p, clock, globalCall()); d <= 0 || d > 40*time.Millisecond {
			t.Errorf("31st call goes at +%s, want ~33ms", d)
		}
	})
	t.Run("a 429 holds the chat", func(t *testing.T) {
		p, clock := newP(Config{PerChatInterval: -1, GlobalPerSecond: -1})
		p.BlockUntil(chatKey(9), clock.Now().Add(5*time.Second))
		if !p.Blocked(chatKey(9)) || p.Blocked(chatKey(10)) {
			t.Errorf("blocked(9)=%v blocked(10)=%v", p.Blocked(chatKey(9)), p.Blocked(chatKey(10)))
		}
		if d := at(t, p, clock, chatCall(9)); d != 5*time.Second {
			t.Errorf("call after a 429 goes at +%s, want +5s", d)
		}
		clock.Advance(time.Minute)
		if p.Blocked(chatKey(9)) {
			t.Error("still blocked after retry_after")
		}
	})
	t.Run("the order lane keeps order and honours ctx", func(t *testing.T) {
		p, _ := newP(Config{})
		release, err := p.Lane(ctx, orderKey(1))
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if _, err := p.Lane(cctx, orderKey(1)); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second Lane = %v, want a deadline error", err)
		}
		got := make(chan struct{})
		go func() {
			if r, err := p.Lane(ctx, orderKey(1)); err == nil {
				r()
			}
			close(got)
		}()
		release()
		<-got
	})
}

func TestSleepDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := outbound.Sleep(ctx, time.Minute); !errors.Is(err, outbound.ErrDeadline) {
		t.Errorf("sleep past the deadline = %v", err)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct {
		msg  tgfmt.Msg
		want string
	}{
		{tgfmt.Msg{Text: `<b>Reset</b> at <a href="https://id.example.com/reset">the portal</a> &amp; <i>wait</i>`},
			"Reset at the portal (https://id.example.com/reset) & wait"},
		{tgfmt.Msg{Text: `<a href="https://x.example/">https://x.example/</a>`}, "https://x.example/"},
		{tgfmt.Msg{Text: `broken <b`}, "broken"},
		{tgfmt.Msg{Text: `<`}, "<"},
		{tgfmt.Msg{Text: `1 < 2 <b>x</b>`}, "1 < 2 x"},
		{tgfmt.Msg{Photo: "https://kb.example.com/a.png", Caption: "<b>Plan</b>"}, "Plan\nhttps://kb.example.com/a.png"},
		{tgfmt.Msg{Venue: &tgfmt.Venue{Lat: 1.5, Lng: -2, Title: "HQ", Address: "HQ"}}, "HQ\n1.5, -2"},
	}
	for _, tt := range tests {
		if got := plainText(tt.msg); got != tt.want {
			t.Errorf("plainText(%+v) = %q, want %q", tt.msg, got, tt.want)
		}
	}
	for _, m := range tgfmt.Render(plainMessage("a < b\n\n & c")) {
		if err := tgfmt.Validate(m); err != nil {
			t.Errorf("plain message invalid: %v", err)
		}
	}
}

func FuzzStripHTML(f *testing.F) {
	for _, s := range []string{`<b>x</b>`, `<a href="u">t</a>`, `<a href="`, `&amp;<`, `<<>>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := stripHTML(s)
		for _, m := range tgfmt.Render(plainMessage(out)) {
			if err := tgfmt.Validate(m); err != nil {
				t.Fatalf("fallback of %q is invalid: %v", s, err)
			}
		}
	})
}

func TestConfigValidate(t *testing.T) {
	const tok = "123:very-secret"
	tests := []struct {
		cfg  Config
		want []string
	}{
		{Config{}, []string{"telegram.token: required"}},
		{Config{Token: "nocolon"}, []string{"telegram.token"}},
		{Config{Token: tok, APIEndpoint: "http://x/"}, []string{"telegram.api_endpoint"}},
		{Config{Token: tok, WebhookURL: "https://x/telegram/webhook"}, []string{"telegram.webhook_secret"}},
		{Config{Token: tok, WebhookURL: "https://x/telegram/webhook", WebhookSecret: "bad secret!"}, []string{"telegram.webhook_secret"}},
		{Config{Token: tok, WebhookURL: "ftp://x", WebhookSecret: "ok"}, []string{"telegram.webhook_url"}},
		{Config{Token: tok, Scope: "team"}, []string{"bridge.channel_scope"}},
		{Config{Token: tok, PollTimeout: 30 * time.Second, HTTPTimeout: 31 * time.Second}, []string{"http timeout"}},
		{Config{Token: tok}, nil},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if len(tt.want) == 0 {
			if err != nil {
				t.Errorf("Validate(%+v) = %v", tt.cfg, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Validate(%+v) = nil, want %v", tt.cfg, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Validate error %q does not name %q", err, w)
			}
		}
		if strings.Contains(err.Error(), "very-secret") {
			t.Errorf("Validate error leaks the token: %v", err)
		}
	}
}

func TestNewRefusesClientWithoutTimeout(t *testing.T) {
	if _, err := New(Config{Token: "1:x"}, bridgetest.NewHost(), option.HTTPClient(&httpClientNoTimeout)); err == nil {
		t.Error("a client without timeout was accepted")
	}
	if _, err := New(Config{Token: "1:x"}, nil); err == nil {
		t.Error("a nil host was accepted")
	}
}

// The token is in every request URL; a transport error must not carry it.
func TestErrorsHideTheToken(t *testing.T) {
	a := newTestAdapter(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := a.recv.api.request(ctx, "getMe", nil)
	if err == nil {
		t.Fatal("getMe against a closed port succeeded")
	}
	if strings.Contains(err.Error(), "secret-token-xyz") {
		t.Errorf("error leaks the token: %v", err)
	}
}

var httpClientNoTimeout = http.Client{}
