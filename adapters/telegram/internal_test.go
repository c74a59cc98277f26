package telegram

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

// mapCore is a Core whose Seen is a map (and can fail).
type mapCore struct {
	mu   sync.Mutex
	seen map[string]bool
	fail bool
}

func (c *mapCore) Seen(_ context.Context, platform, id string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail {
		return false, errors.New("store down")
	}
	k := platform + ":" + id
	was := c.seen[k]
	c.seen[k] = true
	return was, nil
}

func (c *mapCore) Suggest(context.Context, bridge.ConvKey, bridge.UserInfo, string) ([]formatting.Button, error) {
	return nil, nil
}

func newTestAdapter(t *testing.T, core Core) *Adapter {
	t.Helper()
	a, err := New(Config{Token: "1:secret-token-xyz", APIEndpoint: "http://127.0.0.1:1/bot%s/%s"}, Deps{Core: core})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The dedupe chain: an accepted update is a duplicate however often it comes
// again; a refused one is handled on its next delivery, then deduped.
func TestClaimChain(t *testing.T) {
	type step struct {
		refuse  bool // the core refuses this delivery
		wantDup bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"accepted then redelivered", []step{{}, {wantDup: true}, {wantDup: true}, {wantDup: true}}},
		{"refused then redelivered", []step{{refuse: true}, {}, {wantDup: true}, {wantDup: true}}},
		{"refused twice", []step{{refuse: true}, {refuse: true}, {}, {wantDup: true}}},
		{"refused, accepted, redelivered twice", []step{{refuse: true}, {}, {wantDup: true}, {wantDup: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, core := range []Core{&mapCore{seen: map[string]bool{}}, nil} {
				a := newTestAdapter(t, core)
				ctx := context.Background()
				for i, s := range tt.steps {
					attempt, dup := a.claim(ctx, 42)
					if dup != s.wantDup {
						t.Fatalf("delivery %d (core %T): dup = %v, want %v", i+1, core, dup, s.wantDup)
					}
					if !dup && s.refuse {
						a.refuse(ctx, 42, attempt)
					}
				}
				if _, dup := a.claim(ctx, 43); dup {
					t.Errorf("another update is not a duplicate")
				}
			}
		})
	}
}

// A failing store lets updates through rather than lose them.
func TestClaimStoreDown(t *testing.T) {
	core := &mapCore{seen: map[string]bool{}, fail: true}
	a := newTestAdapter(t, core)
	for range 2 {
		if _, dup := a.claim(context.Background(), 7); dup {
			t.Fatal("a store failure dropped an update")
		}
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestPacer(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	newP := func(cfg Config) *pacer {
		p := newPacer(cfg.withDefaults())
		p.now = clock.now
		return p
	}
	ctx := context.Background()

	t.Run("one a second per chat after a burst", func(t *testing.T) {
		p := newP(Config{GlobalPerSecond: -1, PerChatBurst: 2})
		l, _ := p.acquire(ctx, 5)
		defer p.release(5, l)
		for i, want := range []time.Duration{0, 0, time.Second, 2 * time.Second} {
			if got := p.delay(l); got != want {
				t.Errorf("call %d: delay %s, want %s", i+1, got, want)
			}
		}
	})
	t.Run("twenty a minute per group", func(t *testing.T) {
		p := newP(Config{PerChatInterval: -1, GlobalPerSecond: -1})
		l, _ := p.acquire(ctx, -100)
		defer p.release(-100, l)
		for i := range 20 {
			if d := p.delay(l); d != 0 {
				t.Fatalf("call %d waits %s within the burst", i+1, d)
			}
		}
		if d := p.delay(l); d != 3*time.Second {
			t.Errorf("21st call waits %s, want 3s", d)
		}
	})
	t.Run("thirty a second overall", func(t *testing.T) {
		p := newP(Config{PerChatInterval: -1})
		for i := range 30 {
			if d := p.delay(nil); d != 0 {
				t.Fatalf("call %d waits %s within the burst", i+1, d)
			}
		}
		if d := p.delay(nil); d <= 0 || d > 40*time.Millisecond {
			t.Errorf("31st call waits %s, want ~33ms", d)
		}
	})
	t.Run("a 429 holds the chat", func(t *testing.T) {
		p := newP(Config{PerChatInterval: -1, GlobalPerSecond: -1})
		l, _ := p.acquire(ctx, 9)
		p.block(l, 5*time.Second)
		if !p.blocked(9) || p.blocked(10) {
			t.Errorf("blocked(9)=%v blocked(10)=%v", p.blocked(9), p.blocked(10))
		}
		if d := p.delay(l); d != 5*time.Second {
			t.Errorf("delay after a 429 = %s, want 5s", d)
		}
		p.release(9, l)
		clock.t = clock.t.Add(time.Minute)
		if p.blocked(9) {
			t.Error("still blocked after retry_after")
		}
	})
	t.Run("the lane keeps order and honours ctx", func(t *testing.T) {
		p := newP(Config{})
		l, err := p.acquire(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		if _, err := p.acquire(cctx, 1); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("second acquire = %v, want a deadline error", err)
		}
		got := make(chan struct{})
		go func() {
			l2, err := p.acquire(ctx, 1)
			if err == nil {
				p.release(1, l2)
			}
			close(got)
		}()
		p.release(1, l)
		<-got
	})
}

func TestSleepCtxDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := sleepCtx(ctx, time.Minute); !errors.Is(err, errDeadline) {
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
	if _, err := New(Config{Token: "1:x"}, Deps{HTTPClient: &httpClientNoTimeout}); err == nil {
		t.Error("a client without timeout was accepted")
	}
}

// The token is in every request URL; a transport error must not carry it.
func TestErrorsHideTheToken(t *testing.T) {
	a := newTestAdapter(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := a.call(ctx, "getMe", nil)
	if err == nil {
		t.Fatal("getMe against a closed port succeeded")
	}
	if strings.Contains(err.Error(), "secret-token-xyz") {
		t.Errorf("error leaks the token: %v", err)
	}
}

var httpClientNoTimeout = http.Client{}
