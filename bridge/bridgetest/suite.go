package bridgetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// The adapter conformance suite: what every adapter must do the same way,
// checked through the adapter's real SDK against its fake platform. Each
// adapter's test package implements Driver and calls AdapterSuite:
//
//	func TestConformance(t *testing.T) { bridgetest.AdapterSuite(t, &driver{}) }
//
// The suite plays the core: it gives the adapter a recording Host
// (bridgetest.Host), reads what the adapter delivered, and calls Send, Edit
// and Retire as the core does. Do not run it in parallel with other tests of
// the package: it checks that no goroutine is left behind.

// Driver drives one adapter and its fake platform for AdapterSuite. Methods
// fail t rather than return errors; everything a driver starts is stopped by
// its own t.Cleanup.
type Driver interface {
	// Boot builds a new adapter on host against a new fake platform. The
	// suite runs it (Run) and cancels it; cleanups Boot registers (closing
	// the fake, the adapter's Close) run before the suite's leak check.
	Boot(t *testing.T, host bridge.Host) bridge.Adapter
	// Ready returns once the running adapter receives events: its first
	// poll, the gateway's READY, its routes served.
	Ready(t *testing.T)
	// UserSays has the platform deliver a message from user to the bot (a DM,
	// or wherever the bot answers without a mention) and returns once the
	// adapter has dealt with it, telling whether the platform saw it
	// acknowledged.
	UserSays(t *testing.T, user, text string) Inbound
	// Redeliver has the platform deliver in again, as it does when it saw no
	// acknowledgement (or replays after a reconnect).
	Redeliver(t *testing.T, in Inbound) Inbound
	// Click has the platform deliver user's click on the button (or menu
	// option) carrying token in the message at ref.
	Click(t *testing.T, user string, ref bridge.MsgRef, token string) Inbound
	// Unknown has the platform deliver an event of a type the adapter does
	// not handle.
	Unknown(t *testing.T) Inbound
	// Fail429 makes the platform refuse the next n message posts and edits
	// with a 429 asking to wait retryAfter; served tells how many it has
	// refused so far.
	Fail429(t *testing.T, n int, retryAfter time.Duration) (served func() int)
	// Posts returns the bot's messages as the platform holds them now (edits
	// applied), in the order they were first posted.
	Posts(t *testing.T) []Post
}

// Skipper is an optional Driver ability: the suite's cases that cannot apply
// to the platform, by name (the Case constants), each with its reason, e.g.
// the web chat has no platform rate limit to answer 429.
type Skipper interface {
	Skips() map[string]string
}

// The suite's cases, by name.
const (
	CaseRunStops        = "RunStopsOnCancel"
	CaseRedeliveredOnce = "RedeliveredOnce"
	CaseRefusedNotAcked = "RefusedNotAcked"
	CaseUnknownIgnored  = "UnknownIgnored"
	CaseEdit            = "EditAnswer"
	CaseClickRetires    = "ClickRetires"
	CaseRateLimited     = "RateLimitedInOrder"
)

// Inbound is one delivery as the fake platform made it.
type Inbound struct {
	// ID is the platform's id of the delivery: what the adapter must pass as
	// Delivery.ID (Slack event_id, Telegram update_id, Discord message or
	// interaction id, the web client's message id).
	ID string
	// Acked: the platform saw the delivery acknowledged (HTTP 2xx, the update
	// confirmed, the interaction answered, the browser told).
	Acked bool
	// Raw is the driver's own record of the delivery, for Redeliver.
	Raw any
}

// Post is one of the bot's messages as the platform holds it.
type Post struct {
	ID      string // the platform's message id: bridge.MsgRef.ID
	Text    string // what it shows as text, markup removed
	Buttons []PostButton
}

// PostButton is a button or menu option of a Post, in order.
type PostButton struct {
	Label string
	Token string // the action token it carries; "" for a link or a no-op
	URL   string
	Live  bool // it can be clicked now: not disabled, not a no-op
}

// Shows reports whether s shows in the post: in its text or on a button.
func (p Post) Shows(s string) bool {
	if strings.Contains(p.Text, s) {
		return true
	}
	return slices.ContainsFunc(p.Buttons, func(b PostButton) bool { return strings.Contains(b.Label, s) })
}

// Live reports whether a button carrying token can be clicked.
func (p Post) Live(token string) bool {
	return slices.ContainsFunc(p.Buttons, func(b PostButton) bool { return b.Live && b.Token == token })
}

func (p Post) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "post %s: %q", p.ID, p.Text)
	for _, bt := range p.Buttons {
		state := "dead"
		if bt.Live {
			state = "live"
		}
		fmt.Fprintf(&b, " [%s %s %s%s]", bt.Label, state, bt.Token, bt.URL)
	}
	return b.String()
}

// SuiteWait bounds every wait of the suite.
const SuiteWait = 15 * time.Second

// AdapterSuite runs the conformance cases against the adapter d drives, each
// on a freshly booted adapter.
func AdapterSuite(t *testing.T, d Driver) {
	var skips map[string]string
	if s, ok := d.(Skipper); ok {
		skips = s.Skips()
	}
	cases := []struct {
		name string
		run  func(t *testing.T, d Driver)
	}{
		{CaseRunStops, caseRunStops},
		{CaseRedeliveredOnce, caseRedeliveredOnce},
		{CaseRefusedNotAcked, caseRefusedNotAcked},
		{CaseUnknownIgnored, caseUnknownIgnored},
		{CaseEdit, caseEdit},
		{CaseClickRetires, caseClickRetires},
		{CaseRateLimited, caseRateLimited},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if why, ok := skips[c.name]; ok {
				t.Skip(why)
			}
			c.run(t, d)
		})
	}
}

// rig is one booted, running adapter and the Host it delivers to.
type rig struct {
	host *Host
	ad   bridge.Adapter
	stop func() error // cancels Run and returns what it returned
}

// boot checks for leaks once everything is torn down, boots an adapter on a
// new Host, runs it and waits until it is ready.
func boot(t *testing.T, d Driver) *rig {
	t.Helper()
	leaks := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if !t.Failed() {
			if err := goleak.Find(leaks); err != nil {
				t.Errorf("goroutines left behind once the adapter stopped and its fake closed: %v", err)
			}
		}
	})
	r := &rig{host: NewHost()}
	r.ad = d.Boot(t, r.host)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.ad.Run(ctx) }()
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(SuiteWait):
				runErr = fmt.Errorf("run did not return within %s of cancel", SuiteWait)
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v after cancel", err)
		}
	})
	d.Ready(t)
	return r
}

// said delivers a message from user and returns the delivery the host
// accepted for it.
func (r *rig) said(t *testing.T, d Driver, user, text string) (Inbound, bridge.Delivery) {
	t.Helper()
	n, tries := len(r.host.Deliveries()), len(r.host.Tries())
	in := d.UserSays(t, user, text)
	// UserSays returns once the adapter has dealt with the message: Deliver
	// has been called (a second's grace for a driver that sees the ack first).
	Eventually(t, time.Second, func() error {
		if len(r.host.Tries()) == tries {
			return fmt.Errorf("the message %q never reached Host.Deliver", text)
		}
		return nil
	})
	got := r.host.WaitDeliveries(t, n+1, SuiteWait)
	return in, got[n]
}

// caseRunStops: Run returns promptly when its context ends, without an
// error, and leaves no goroutine behind (checked by boot's cleanup).
func caseRunStops(t *testing.T, d Driver) {
	r := boot(t, d)
	r.said(t, d, "alice", "hello")
	if err := r.stop(); err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v after cancel, want nil", err)
	}
}

// caseRedeliveredOnce: a delivery carries the platform's id; its redelivery
// is acknowledged and goes no further than the core's dedupe.
func caseRedeliveredOnce(t *testing.T, d Driver) {
	r := boot(t, d)
	in, del := r.said(t, d, "alice", "hello")
	if !in.Acked {
		t.Error("an accepted delivery was not acknowledged")
	}
	if in.ID == "" || del.ID != in.ID {
		t.Errorf("Delivery.ID = %q, want the platform's id %q", del.ID, in.ID)
	}
	m, ok := del.Event.(bridge.Message)
	if !ok || m.Text != "hello" || m.User.ID == "" || m.Key.Platform != r.ad.Name() {
		t.Fatalf("delivered %#v, want a Message %q from a user, on platform %q", del.Event, "hello", r.ad.Name())
	}
	tries := len(r.host.Tries())
	again := d.Redeliver(t, in)
	if !again.Acked {
		t.Error("a redelivery (a duplicate) was not acknowledged: the platform will keep sending it")
	}
	Eventually(t, SuiteWait, func() error {
		if n := len(r.host.Tries()); n != tries+1 {
			return fmt.Errorf("the redelivery reached Deliver %d times, want once", n-tries)
		}
		return nil
	})
	if got := r.host.Tries()[tries]; got.ID != in.ID {
		t.Errorf("the redelivery's Delivery.ID = %q, want %q (the same, for the core's dedupe)", got.ID, in.ID)
	}
	if n := len(r.host.Deliveries()); n != 1 {
		t.Errorf("%d deliveries accepted, want 1", n)
	}
}

// caseRefusedNotAcked: what the core refuses is not acknowledged, so the
// platform delivers it again: after a failure (a store down) the redelivery
// is accepted; a refusal at shutdown (ErrClosed, last here: an adapter may
// stop receiving after it) is not acknowledged either. What the core refuses
// as busy is acknowledged: the user has been told to try again.
func caseRefusedNotAcked(t *testing.T, d Driver) {
	r := boot(t, d)
	for _, tc := range []struct {
		refusal   error
		acked     bool
		redeliver bool
	}{
		{bridge.ErrBusy, true, false},
		{errors.New("store down"), false, true},
		{bridge.ErrClosed, false, false},
	} {
		r.host.FailNext(tc.refusal)
		accepted := len(r.host.Deliveries())
		in := d.UserSays(t, "alice", "refused: "+tc.refusal.Error())
		if in.Acked != tc.acked {
			t.Errorf("refused with %v: acknowledged = %v, want %v", tc.refusal, in.Acked, tc.acked)
		}
		if !tc.redeliver {
			continue
		}
		again := d.Redeliver(t, in)
		if !again.Acked {
			t.Errorf("refused with %v, then accepted: the redelivery was not acknowledged", tc.refusal)
		}
		got := r.host.WaitDeliveries(t, accepted+1, SuiteWait)
		if got[accepted].ID != in.ID {
			t.Errorf("the accepted redelivery has id %q, want %q", got[accepted].ID, in.ID)
		}
	}
}

// caseUnknownIgnored: an event of a type the adapter does not handle is
// acknowledged (else the platform keeps sending it) and delivers nothing,
// and the adapter goes on working.
func caseUnknownIgnored(t *testing.T, d Driver) {
	r := boot(t, d)
	in := d.Unknown(t)
	if !in.Acked {
		t.Error("an unknown event was not acknowledged")
	}
	if n := len(r.host.Tries()); n != 0 {
		t.Errorf("an unknown event reached Deliver: %v", r.host.Tries())
	}
	r.said(t, d, "alice", "still there?")
	if len(d.Posts(t)) != 0 {
		t.Errorf("the adapter posted on its own: %v", d.Posts(t))
	}
}

// caseEdit: the ref Send returns names the message, and Edit replaces it in
// place.
func caseEdit(t *testing.T, d Driver) {
	r := boot(t, d)
	_, del := r.said(t, d, "alice", "hello")
	ed, ok := r.ad.(bridge.Editor)
	if !ok {
		t.Fatal("the adapter is not a bridge.Editor")
	}
	ctx, cancel := context.WithTimeout(context.Background(), SuiteWait)
	defer cancel()
	ref, err := r.ad.Send(ctx, del.Event.Conv(), formatting.Plain("first words"))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if ref.ID == "" {
		t.Fatal("Send returned an empty ref")
	}
	if err := ed.Edit(ctx, ref, formatting.Plain("second words")); err != nil {
		t.Fatalf("Edit: %v", err)
	}
	posts := d.Posts(t)
	if len(posts) != 1 {
		t.Fatalf("%d posts, want the one message edited: %v", len(posts), posts)
	}
	if p := posts[0]; p.ID != ref.ID || !p.Shows("second words") || p.Shows("first words") {
		t.Errorf("after the edit: %v, want post %s showing only the second words", p, ref.ID)
	}
}

// Tokens of the message the retirement case sends: two groups next to each
// other (as an answer's related questions and its rating render), and a link.
const (
	tokQ1   = "conf-q1"
	tokQ2   = "conf-q2"
	tokUp   = "conf-up"
	tokDown = "conf-down"
	linkURL = "https://example.com/map"
)

func twoGroups() formatting.Message {
	return formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "The office opens at nine."}}}}},
		&formatting.Buttons{Items: []formatting.Button{
			{Label: "Opening hours", Token: tokQ1}, {Label: "Parking", Token: tokQ2}, {Label: "Map", URL: linkURL},
		}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "👍", Token: tokUp}, {Label: "👎", Token: tokDown}}},
	}}
}

// caseClickRetires: a click is delivered with its token and message; the
// core's retirement (Retirer) retires the clicked group, showing the choice,
// and leaves the other group usable and the link in place; an expired click
// retires its group saying so; retiring again changes nothing and succeeds.
func caseClickRetires(t *testing.T, d Driver) {
	r := boot(t, d)
	_, del := r.said(t, d, "alice", "hello")
	rt, ok := r.ad.(bridge.Retirer)
	if !ok {
		t.Fatal("the adapter is not a bridge.Retirer")
	}
	ctx, cancel := context.WithTimeout(context.Background(), SuiteWait)
	defer cancel()
	key := del.Event.Conv()
	ref, err := r.ad.Send(ctx, key, twoGroups())
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	post := func() Post {
		t.Helper()
		for _, p := range d.Posts(t) {
			if p.ID == ref.ID {
				return p
			}
		}
		t.Fatalf("no post %s in %v", ref.ID, d.Posts(t))
		return Post{}
	}
	for _, tok := range []string{tokQ1, tokQ2, tokUp, tokDown} {
		if !post().Live(tok) {
			t.Fatalf("button %s not live after Send: %v", tok, post())
		}
	}

	n := len(r.host.Deliveries())
	in := d.Click(t, "alice", ref, tokQ2)
	if !in.Acked {
		t.Error("the click was not acknowledged")
	}
	got := r.host.WaitDeliveries(t, n+1, SuiteWait)[n]
	c, ok := got.Event.(bridge.Click)
	if !ok || c.Token != tokQ2 || c.Ref.ID != ref.ID || c.Key != key || c.User.ID == "" {
		t.Fatalf("delivered %#v, want a Click on %s in message %s of %v", got.Event, tokQ2, ref.ID, key)
	}

	steps := []struct {
		r          bridge.Retirement
		live, dead []string
		shown      []string
	}{
		{bridge.Retirement{Ref: c.Ref, Token: tokQ2, Shown: "✓ Parking"},
			[]string{tokUp, tokDown}, []string{tokQ1, tokQ2}, []string{"✓ Parking"}},
		{bridge.Retirement{Ref: c.Ref, Token: tokDown, Shown: "⌛ These buttons have expired.", Expired: true},
			nil, []string{tokQ1, tokQ2, tokUp, tokDown}, []string{"✓ Parking", "⌛ These buttons have expired."}},
		{bridge.Retirement{Ref: c.Ref, Token: tokQ1, Shown: "✓ Opening hours"}, // already retired: nothing to change
			nil, []string{tokQ1, tokQ2, tokUp, tokDown}, []string{"✓ Parking", "⌛ These buttons have expired."}},
	}
	for i, s := range steps {
		if err := rt.Retire(ctx, s.r); err != nil {
			t.Fatalf("step %d: Retire(%+v) = %v", i, s.r, err)
		}
		p := post()
		for _, tok := range s.live {
			if !p.Live(tok) {
				t.Errorf("step %d: %s was retired with another group: %v", i, tok, p)
			}
		}
		for _, tok := range s.dead {
			if p.Live(tok) {
				t.Errorf("step %d: %s is still live: %v", i, tok, p)
			}
		}
		for _, w := range s.shown {
			if !p.Shows(w) {
				t.Errorf("step %d: %q does not show: %v", i, w, p)
			}
		}
		if !slices.ContainsFunc(p.Buttons, func(b PostButton) bool { return b.URL == linkURL }) {
			t.Errorf("step %d: the link went with the group: %v", i, p)
		}
		if !p.Shows("The office opens at nine.") {
			t.Errorf("step %d: the message's text is gone: %v", i, p)
		}
	}
}

// caseRateLimited: a send refused with 429 waits Retry-After and goes again,
// before a later send to the same conversation, and nothing is lost or
// doubled.
func caseRateLimited(t *testing.T, d Driver) {
	r := boot(t, d)
	_, del := r.said(t, d, "alice", "hello")
	key := del.Event.Conv()
	ctx, cancel := context.WithTimeout(context.Background(), SuiteWait)
	defer cancel()
	served := d.Fail429(t, 1, time.Second)
	errs := make(chan error, 2)
	go func() {
		_, err := r.ad.Send(ctx, key, formatting.Plain("message one"))
		errs <- err
	}()
	Eventually(t, SuiteWait, func() error {
		if served() < 1 {
			return errors.New("the platform has not answered 429 yet")
		}
		return nil
	})
	go func() {
		_, err := r.ad.Send(ctx, key, formatting.Plain("message two"))
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("Send through a 429: %v", err)
		}
	}
	if _, err := r.ad.Send(ctx, key, formatting.Plain("message three")); err != nil {
		t.Errorf("Send after the 429: %v", err)
	}
	var order []string
	for _, p := range d.Posts(t) {
		for _, w := range []string{"message one", "message two", "message three"} {
			if p.Shows(w) {
				order = append(order, w)
			}
		}
	}
	if want := []string{"message one", "message two", "message three"}; !slices.Equal(order, want) {
		t.Errorf("posted %q, want %q: each once, in order", order, want)
	}
}
