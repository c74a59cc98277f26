package bridgetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

var _ bridge.Host = (*Host)(nil)

// Host is a recording fake of bridge.Host for adapter unit tests: it keeps
// what the adapter delivered, answers Deliver as the core would (dedupe by
// delivery id) or with scripted errors, mints numbered tokens into a map, and
// answers Home, Suggest and Joined as the test set them. Safe for concurrent
// use; the zero value is not ready: use NewHost.
type Host struct {
	mu       sync.Mutex
	tries    []bridge.Delivery // every Deliver call
	accepted []bridge.Delivery
	script   []error
	claimed  map[string]bool // platform + ":" + id of accepted deliveries
	joined   map[bridge.ConvKey]bool
	tokens   map[string]Minted
	minted   int
	saveErr  error
	queries  []string

	home      bridge.HomeContent
	homeErr   error
	suggest   func(key bridge.ConvKey, user bridge.UserInfo, query string) ([]formatting.Button, error)
	joinedErr error

	coord coordState // bridge.Coordinator (coordinator.go)
	hist  histories  // HistoryHost and SecretHost (history.go)
}

// Minted is one token the Host minted.
type Minted struct {
	Token  string
	Key    bridge.ConvKey
	Owner  string
	Life   bridge.TokenLife
	Action formatting.Action
	Saved  bool // a save after it was minted succeeded
}

// NewHost returns a Host that accepts every delivery once.
func NewHost() *Host {
	return &Host{claimed: map[string]bool{}, joined: map[bridge.ConvKey]bool{}, tokens: map[string]Minted{}, hist: newHistories()}
}

// Deliver implements bridge.Host. It records the call, then answers the next
// scripted error (FailNext) if there is one, else as the core does: a
// delivery id accepted before is ErrDuplicate, anything else is accepted. An
// answer for which bridge.Ack holds (nil, ErrBusy) claims the id; any other
// leaves it free, as the core releases its claim, so a redelivery is
// accepted. An accepted event in a thread makes the thread joined, as in the
// core.
func (h *Host) Deliver(ctx context.Context, d bridge.Delivery) error {
	if d.Event == nil {
		return errors.New("bridgetest: deliver: nil event")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tries = append(h.tries, d)
	id := d.Event.Conv().Platform + ":" + d.ID
	var err error
	switch {
	case len(h.script) > 0:
		err = h.script[0]
		h.script = h.script[1:]
	case d.ID != "" && h.claimed[id]:
		return bridge.ErrDuplicate
	}
	if !bridge.Ack(err) {
		return err
	}
	if d.ID != "" {
		h.claimed[id] = true
	}
	if err == nil {
		h.accepted = append(h.accepted, d)
		if k := d.Event.Conv(); k.Thread != "" {
			h.joined[k] = true
		}
	}
	return err
}

// FailNext makes the next len(errs) Deliver calls answer errs, in order
// (bridge.ErrClosed for a refusal at shutdown, bridge.ErrBusy, any error for a
// failed store); a nil entry answers as usual.
func (h *Host) FailNext(errs ...error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.script = append(h.script, errs...)
}

// Deliveries returns the deliveries accepted so far, in order.
func (h *Host) Deliveries() []bridge.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.accepted)
}

// Events returns the events of the accepted deliveries, in order.
func (h *Host) Events() []bridge.Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]bridge.Event, len(h.accepted))
	for i, d := range h.accepted {
		out[i] = d.Event
	}
	return out
}

// Tries returns every Deliver call so far, accepted or not, in order.
func (h *Host) Tries() []bridge.Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.tries)
}

// WaitDeliveries polls until n deliveries have been accepted, failing the test
// after timeout, and returns them.
func (h *Host) WaitDeliveries(t testing.TB, n int, timeout time.Duration) []bridge.Delivery {
	t.Helper()
	var got []bridge.Delivery
	Eventually(t, timeout, func() error {
		if got = h.Deliveries(); len(got) < n {
			return fmt.Errorf("%d deliveries accepted, want %d (%d tried)", len(got), n, len(h.Tries()))
		}
		return nil
	})
	return got
}

// Mint implements bridge.Host: tokens are "tok1", "tok2", … in the order
// minted, recorded with what they were minted for; save marks the ones
// minted since the last save as saved, or fails with the error set by
// FailSave.
func (h *Host) Mint(key bridge.ConvKey, owner string, life bridge.TokenLife) (formatting.Tokens, func(context.Context) error) {
	var pending []string
	var pmu sync.Mutex
	tokens := func(a formatting.Action) string {
		h.mu.Lock()
		h.minted++
		tok := "tok" + strconv.Itoa(h.minted)
		h.tokens[tok] = Minted{Token: tok, Key: key, Owner: owner, Life: life, Action: a}
		h.mu.Unlock()
		pmu.Lock()
		pending = append(pending, tok)
		pmu.Unlock()
		return tok
	}
	save := func(context.Context) error {
		pmu.Lock()
		defer pmu.Unlock()
		h.mu.Lock()
		defer h.mu.Unlock()
		defer func() { pending = pending[:0] }()
		if h.saveErr != nil {
			return h.saveErr
		}
		for _, tok := range pending {
			m := h.tokens[tok]
			m.Saved = true
			h.tokens[tok] = m
		}
		return nil
	}
	return tokens, save
}

// FailSave makes every later save of minted tokens fail with err (nil: succeed).
func (h *Host) FailSave(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.saveErr = err
}

// Minted returns the tokens minted so far, by token.
func (h *Host) Minted() map[string]Minted {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]Minted, len(h.tokens))
	for k, v := range h.tokens {
		out[k] = v
	}
	return out
}

// Token returns the token last minted for a button labelled label.
func (h *Host) Token(label string) (string, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := h.minted; i > 0; i-- {
		tok := "tok" + strconv.Itoa(i)
		if m, ok := h.tokens[tok]; ok && m.Action.Label == label {
			return tok, true
		}
	}
	return "", false
}

// SetHome sets what Home answers.
func (h *Host) SetHome(hc bridge.HomeContent, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.home, h.homeErr = hc, err
}

// Home implements bridge.Host with what SetHome set (empty by default).
func (h *Host) Home(ctx context.Context, key bridge.ConvKey, user bridge.UserInfo) (bridge.HomeContent, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.home, h.homeErr
}

// SetSuggest sets how Suggest answers; fn's buttons are returned as they are.
func (h *Host) SetSuggest(fn func(key bridge.ConvKey, user bridge.UserInfo, query string) ([]formatting.Button, error)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.suggest = fn
}

// Suggest implements bridge.Host: it records the query and answers with the
// function SetSuggest set (no suggestions by default).
func (h *Host) Suggest(ctx context.Context, key bridge.ConvKey, user bridge.UserInfo, query string) ([]formatting.Button, error) {
	h.mu.Lock()
	h.queries = append(h.queries, query)
	fn := h.suggest
	h.mu.Unlock()
	if fn == nil {
		return nil, nil
	}
	return fn(key, user, query)
}

// Queries returns the Suggest queries so far, in order.
func (h *Host) Queries() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.queries)
}

// SetJoined sets whether the bridge takes part in the thread of key.
func (h *Host) SetJoined(key bridge.ConvKey, in bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.joined[key] = in
}

// FailJoined makes Joined fail with err (nil: answer again).
func (h *Host) FailJoined(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.joinedErr = err
}

// Joined implements bridge.Host: threads set by SetJoined, or with an
// accepted delivery.
func (h *Host) Joined(ctx context.Context, key bridge.ConvKey) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.joinedErr != nil {
		return false, h.joinedErr
	}
	return h.joined[key], nil
}

// WithDeliver returns h with Deliver replaced by deliver, for tests that
// interpose on deliveries (a crash inside Deliver, a slow store); deliver may
// call h.Deliver itself.
func WithDeliver(h bridge.Host, deliver func(ctx context.Context, d bridge.Delivery) error) bridge.Host {
	return deliverHost{Host: h, deliver: deliver}
}

type deliverHost struct {
	bridge.Host
	deliver func(ctx context.Context, d bridge.Delivery) error
}

func (h deliverHost) Deliver(ctx context.Context, d bridge.Delivery) error { return h.deliver(ctx, d) }
