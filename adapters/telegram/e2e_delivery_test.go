package telegramadapter_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// recHost is the core as the adapter sees it, with what a test needs on top:
// it records every delivery, refuses the next ones with scripted errors, and
// reports threads as joined (as the hand-over does for its case topics).
type recHost struct {
	bridge.Host
	mu     sync.Mutex
	got    []bridge.Delivery
	fail   []error
	joined map[bridge.ConvKey]bool
}

func newRecHost() *recHost { return &recHost{joined: map[bridge.ConvKey]bool{}} }

// wrap is an options.wrapHost that puts h in front of the core.
func (h *recHost) wrap(core bridge.Host, _ func()) bridge.Host {
	h.Host = core
	return h
}

func (h *recHost) Deliver(ctx context.Context, d bridge.Delivery) error {
	h.mu.Lock()
	h.got = append(h.got, d)
	var err error
	if len(h.fail) > 0 {
		err, h.fail = h.fail[0], h.fail[1:]
	}
	h.mu.Unlock()
	if err != nil {
		return err
	}
	return h.Host.Deliver(ctx, d)
}

func (h *recHost) Joined(ctx context.Context, key bridge.ConvKey) (bool, error) {
	h.mu.Lock()
	in := h.joined[key]
	h.mu.Unlock()
	if in {
		return true, nil
	}
	return h.Host.Joined(ctx, key)
}

func (h *recHost) failNext(errs ...error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.fail = append(h.fail, errs...)
}

func (h *recHost) join(key bridge.ConvKey) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.joined[key] = true
}

func (h *recHost) deliveries() []bridge.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]bridge.Delivery(nil), h.got...)
}

// messages returns the Message events delivered so far.
func (h *recHost) messages() []bridge.Message {
	var out []bridge.Message
	for _, d := range h.deliveries() {
		if m, ok := d.Event.(bridge.Message); ok {
			out = append(out, m)
		}
	}
	return out
}

// An update the core refuses for any reason but shutdown (its store is
// down) is not confirmed, so Telegram delivers it again: it is answered once,
// not dropped (it used to be logged as dropped and confirmed).
func TestRefusedUpdateIsRedelivered(t *testing.T) {
	w := newWorld(t, nil)
	h := newRecHost()
	h.failNext(errors.New("store down"))
	p := w.boot(t, options{wrapHost: h.wrap})
	const q = "What is the Wi-Fi password?"
	id := w.fake.Push(telegramtest.Private(alice, q))
	w.fake.WaitSend(t, "ExampleGuest")
	waitFor(t, "the update to be confirmed", func() bool { ok, _ := w.fake.Acked(id); return ok })
	if _, refused := w.fake.Acked(id); !refused {
		t.Error("the refused update was confirmed before it was accepted")
	}
	ds := h.deliveries()
	if len(ds) != 2 || ds[0].ID != ds[1].ID || ds[0].ID != strconv.Itoa(telegramtest.BotID)+":"+strconv.Itoa(id) {
		t.Errorf("deliveries = %+v, want the update twice with the delivery id %d:%d", ds, telegramtest.BotID, id)
	}
	w.answeredOnce(t, q, "ExampleGuest")
	if !strings.Contains(p.logs.String(), "Telegram will deliver it again") {
		t.Errorf("the refusal was not logged:\n%s", p.logs.String())
	}
}

// A click the core cannot take stops the button's spinner with a notice that
// it will be taken shortly (it comes again, unconfirmed), and it is: once.
func TestRefusedClickSaysSoAndIsTakenLater(t *testing.T) {
	w := newWorld(t, nil)
	h := newRecHost()
	w.boot(t, options{wrapHost: h.wrap})
	w.fake.Push(telegramtest.Private(alice, "How do I reset my password?"))
	ans := w.fake.WaitSend(t, "Reset your password")
	const mfa = "How do I set up multi-factor authentication?"

	h.failNext(errors.New("store down"))
	w.fake.Click(t, alice, ans, mfa)
	w.fake.WaitSend(t, "Multi-factor authentication")
	cbs := w.fake.WaitCalls(t, 2, "answerCallbackQuery")
	notice := catalogue(t).Printer("en").T("telegram.click_pending")
	if got := cbs[0].Params.Get("text"); got != notice || cbs[0].Params.Get("show_alert") == "true" {
		t.Errorf("the refused click was answered %q (alert %s), want the notice %q", got, cbs[0].Params.Get("show_alert"), notice)
	}
	if n := len(w.simCalls("POST /v1/hit")); n != 1 {
		t.Errorf("hit calls = %d, want 1", n)
	}
}

// The old pacer's bug must not come back: a long 429 on one chat booked the
// global slot ahead and held every other chat back. With the default limits,
// another chat's message goes at once while the first waits out retry_after.
func TestLongRateLimitHoldsOnlyItsChat(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{tg: func(c *telegramadapter.Config) {
		c.PerChatInterval, c.GroupPerMinute, c.GlobalPerSecond = 0, 0, 0 // the defaults
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	groupA := bridge.ChannelKey(bridge.ScopeUser, "telegram", "", "-1001", "", "1")
	groupB := bridge.ChannelKey(bridge.ScopeUser, "telegram", "", "-1002", "", "1")
	w.fake.FailNext("sendMessage", 1, http.StatusTooManyRequests, 3, "Too Many Requests: retry after 3")
	start := time.Now()
	doneA := make(chan error, 1)
	go func() {
		_, err := p.ad.Send(ctx, groupA, formatting.Plain("to A"))
		doneA <- err
	}()
	waitFor(t, "the 429", func() bool {
		for _, c := range w.fake.CallsTo("sendMessage") {
			if c.Status == http.StatusTooManyRequests {
				return true
			}
		}
		return false
	})
	if _, err := p.ad.Send(ctx, groupB, formatting.Plain("to B")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the other chat's message took %s behind a 3s retry_after", d)
	}
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 2900*time.Millisecond {
		t.Errorf("the rate-limited chat's message went after %s, before retry_after", d)
	}
}
