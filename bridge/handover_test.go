package bridge_test

// The core's side of the hand-over: the Handover hook before the robot, case
// buttons dispatched to Do with their own authorisation, the unknown-answer
// offer, KM's hand-over details on the Escalation, and the Outbox.

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// fakeHandover takes the events of the conversations in taken and records
// case clicks; it offers a person after offer unknown answers.
type fakeHandover struct {
	recEscalator
	mu    sync.Mutex
	taken map[bridge.ConvKey]bool
	seen  []bridge.Event
	did   []bridge.CaseClick
	offer int
	// status is what Do answers; "" is ClickDone.
	status bridge.ClickStatus
}

func (f *fakeHandover) Take(_ context.Context, ev bridge.Event) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, ev)
	_, click := ev.(bridge.Click)
	return f.taken[ev.Conv()] && !click
}

func (f *fakeHandover) Do(_ context.Context, c bridge.CaseClick) bridge.ClickStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.did = append(f.did, c)
	if f.status != "" {
		return f.status
	}
	return bridge.ClickDone
}

func (f *fakeHandover) OfferHumanAfter() int { return f.offer }

func (f *fakeHandover) Did() []bridge.CaseClick {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bridge.CaseClick(nil), f.did...)
}

// TestHandoverTakesBeforeTheRobot: a taken event never reaches KM or gets a
// robot's reply; others are answered as before.
func TestHandoverTakesBeforeTheRobot(t *testing.T) {
	km := newFakeKM()
	h := &fakeHandover{taken: map[bridge.ConvKey]bool{annDM: true}}
	e := newEnv(t, km, envOpt{escalator: h})
	mustHandle(t, e.core, msg(annDM, ann, "relay me"))
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "faq"})
	// A photo without words is queued too: a hand-over relays it as a link.
	mustHandle(t, e.core, bridge.Message{Key: annDM, User: ann, Files: []bridge.Attachment{{Name: "screen.png", URL: "https://files.example.com/1"}}})
	mustHandle(t, e.core, msg(bobDM, bob, "answer me"))
	e.rec.WaitSent(t, bobDM, 1, wait)
	// Ann's events were queued before Bob's answer on another worker: wait for
	// the hook to have seen all four.
	bridgetest.Eventually(t, wait, func() error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if len(h.seen) < 4 {
			return errors.New("the hook has not seen every event")
		}
		return nil
	})
	if n := len(e.rec.SentTo(annDM)); n != 0 {
		t.Errorf("a taken conversation got %d robot replies", n)
	}
	for _, c := range km.Calls("") {
		if strings.Contains(c.Text, "relay me") {
			t.Errorf("KM saw a taken message: %+v", c)
		}
	}
}

// TestCaseButtons: a case button goes to Do; one minted without an owner for a
// channel works from any thread of that channel, and nowhere else; one with an
// owner only for that user.
func TestCaseButtons(t *testing.T) {
	h := &fakeHandover{}
	e := newEnv(t, newFakeKM(), envOpt{escalator: h})
	channel := bridge.ConvKey{Platform: "test", Channel: "C-AGENTS"}
	tokens, save := e.core.Outbox().Tokens(channel, "")
	claim := tokens(formatting.Action{Kind: formatting.ActCaseClaim, Case: "7", Label: "Claim"})
	otokens, osave := e.core.Outbox().Tokens(annDM, ann.ID)
	rate := otokens(formatting.Action{Kind: formatting.ActCaseRate, Case: "7", Option: 2})
	if err := errors.Join(save(context.Background()), osave(context.Background())); err != nil {
		t.Fatal(err)
	}
	inThread := bridge.ConvKey{Platform: "test", Channel: "C-AGENTS", Thread: "171.2"}
	elsewhere := bridge.ConvKey{Platform: "test", Channel: "C-OTHER", Thread: "171.2"}
	mustHandle(t, e.core, bridge.Click{Key: inThread, User: bob, Token: claim})
	mustHandle(t, e.core, bridge.Click{Key: elsewhere, User: bob, Token: claim})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: bob, Token: rate}) // not Bob's
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: rate})
	e.rec.WaitClicks(t, 4, wait)
	// Clicks in different conversations run at once: compare without order.
	got := map[string]bridge.ClickStatus{}
	for _, c := range e.rec.Clicks() {
		got[c.Click.Key.Channel+"/"+c.Click.User.ID+"/"+string(c.Status)] = c.Status
	}
	for _, want := range []string{"C-AGENTS/" + bob.ID + "/done", "C-OTHER/" + bob.ID + "/foreign", "dm-ann/" + bob.ID + "/foreign", "dm-ann/" + ann.ID + "/done"} {
		if _, ok := got[want]; !ok {
			t.Errorf("no click outcome %s in %v", want, got)
		}
	}
	did := map[formatting.ActionKind]bridge.CaseClick{}
	for _, c := range h.Did() {
		did[c.Action.Kind] = c
	}
	if len(h.Did()) != 2 {
		t.Fatalf("Do got %+v", h.Did())
	}
	if c := did[formatting.ActCaseClaim]; c.Action.Case != "7" || c.Key != inThread || c.User.ID != bob.ID {
		t.Errorf("claim reached Do as %+v", c)
	}
	if c := did[formatting.ActCaseRate]; c.User.ID != ann.ID || c.Action.Option != 2 {
		t.Errorf("rating reached Do as %+v", c)
	}
}

// TestCaseButtonWithoutHandover: with an Escalator that has no desk, a case
// button is an expired one.
func TestCaseButtonWithoutHandover(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{escalator: &recEscalator{}})
	tokens, save := e.core.Outbox().Tokens(annDM, "")
	tok := tokens(formatting.Action{Kind: formatting.ActCaseResolve, Case: "1"})
	if err := save(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok})
	if got := e.rec.WaitClicks(t, 1, wait); got[0].Status != bridge.ClickExpired {
		t.Errorf("status %s", got[0].Status)
	}
}

// TestOfferHumanAfterUnknown: escalation.after_unknown = 2 offers a person
// after the 2nd and 4th unknown answer in a row, not after the 3rd, and a
// known answer starts the count again.
func TestOfferHumanAfterUnknown(t *testing.T) {
	km := newFakeKM()
	km.answer = func(q string) *kmclient.Answer {
		at := kmclient.AnsTypeUnknown
		if q == "known" {
			at = kmclient.AnsTypeAnswer
		}
		return &kmclient.Answer{AnsType: at, MsgType: kmclient.MsgPlain, AnsContent: kmclient.StringContent("reply to " + q)}
	}
	h := &fakeHandover{offer: 2}
	e := newEnv(t, km, envOpt{escalator: h})
	offers := func() int {
		n := 0
		for _, s := range e.rec.SentTo(annDM) {
			for _, b := range bridgetest.Buttons(s.Msg) {
				if b.Label == "Talk to a human" {
					n++
				}
			}
		}
		return n
	}
	steps := []struct {
		q      string
		offers int
	}{{"a", 0}, {"b", 1}, {"c", 1}, {"d", 2}, {"known", 2}, {"e", 2}, {"f", 3}}
	for _, s := range steps {
		n := len(e.rec.SentTo(annDM))
		mustHandle(t, e.core, msg(annDM, ann, s.q))
		e.rec.WaitSent(t, annDM, n+1, wait)
		// The offer, when there is one, is sent right after the answer.
		if s.offers > offers() {
			e.rec.WaitSent(t, annDM, n+2, wait)
		}
		if got := offers(); got != s.offers {
			t.Fatalf("after %q: %d offers, want %d", s.q, got, s.offers)
		}
	}
	// The offer's button hands over.
	b, _ := bridgetest.Button(e.rec.SentTo(annDM), "Talk to a human")
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: b.Token})
	bridgetest.Eventually(t, wait, func() error {
		if len(h.Got()) != 1 || h.Got()[0].Reason != bridge.ReasonUser {
			return errors.New("no hand-over from the offer's button")
		}
		return nil
	})
}

// TestEscalationCarriesKMDetails: customerServiceId, customerServiceStatus and
// switchStaffTips of the answer that hands over reach the Escalator.
func TestEscalationCarriesKMDetails(t *testing.T) {
	km := newFakeKM()
	status := 1
	km.answer = func(q string) *kmclient.Answer {
		return &kmclient.Answer{AnsType: kmclient.AnsTypeAnswer, MsgType: kmclient.MsgPlain, AnsContent: kmclient.StringContent("connecting"),
			SwitchStaffType: kmclient.SwitchStaffTransfer, SwitchStaffTips: " queue is short ", CustomerServiceID: "cs-42", CustomerServiceStatus: &status, HitQuestion: "Harassment"}
	}
	esc := &recEscalator{}
	e := newEnv(t, km, envOpt{escalator: esc})
	mustHandle(t, e.core, msg(annDM, ann, "I want to report harassment"))
	bridgetest.Eventually(t, wait, func() error {
		if len(esc.Got()) != 1 {
			return errors.New("not escalated")
		}
		return nil
	})
	got := esc.Got()[0]
	if got.Reason != bridge.ReasonSwitchStaff || got.KMServiceID != "cs-42" || got.KMServiceStatus == nil || *got.KMServiceStatus != 1 || got.KMTips != "queue is short" {
		t.Errorf("escalation %+v", got)
	}
	var hit string
	for _, tr := range got.Transcript {
		if tr.Role == bridge.RoleBot {
			hit = tr.Hit
		}
	}
	if hit != "Harassment" {
		t.Errorf("the transcript's bot turn has hit %q", hit)
	}
}

// TestOutbox: send, edit and threads through the registered adapters, and
// ErrUnsupported for what an adapter cannot do.
func TestOutbox(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	basic := bridgetest.New("basic")
	e.core.Register(bridgetest.Basic(basic))
	out := e.core.Outbox()
	ctx := context.Background()
	channel := bridge.ConvKey{Platform: "test", Channel: "C1"}
	th, root, err := out.StartThread(ctx, channel, "Case #1", formatting.Plain("card"))
	if err != nil || th.Thread != root.ID || th.Channel != "C1" {
		t.Fatalf("StartThread = %v %v %v", th, root, err)
	}
	if err := out.Edit(ctx, root, formatting.Plain("card, claimed")); err != nil || len(e.rec.Edits()) != 1 {
		t.Errorf("Edit: %v, %d edits", err, len(e.rec.Edits()))
	}
	bk := bridge.ConvKey{Platform: "basic", Channel: "C2"}
	if _, _, err := out.StartThread(ctx, bk, "t", formatting.Plain("x")); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("StartThread on a basic adapter: %v", err)
	}
	if err := out.Edit(ctx, bridge.MsgRef{Key: bk, ID: "1"}, formatting.Plain("x")); !errors.Is(err, bridge.ErrUnsupported) {
		t.Errorf("Edit on a basic adapter: %v", err)
	}
	if _, err := out.Send(ctx, bk, formatting.Plain("x")); err != nil || len(basic.Sent()) != 1 {
		t.Errorf("Send on a basic adapter: %v", err)
	}
	if _, err := out.Send(ctx, bridge.ConvKey{Platform: "nowhere"}, formatting.Plain("x")); err == nil {
		t.Error("Send to a platform with no adapter succeeded")
	}
}

// TestRedrawnClickRetiresNothing: a card the hand-over redraws keeps its
// buttons (no Retire); a plain case button (a rating) is retired as any other.
func TestRedrawnClickRetiresNothing(t *testing.T) {
	h := &fakeHandover{status: bridge.ClickRedrawn}
	e := newEnv(t, newFakeKM(), envOpt{escalator: h})
	tokens, save := e.core.Outbox().Tokens(annDM, "")
	tok := tokens(formatting.Action{Kind: formatting.ActCaseClaim, Case: "1", Label: "Claim"})
	if err := save(context.Background()); err != nil {
		t.Fatal(err)
	}
	ref := bridge.MsgRef{Key: annDM, ID: "card-1"}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok, Ref: ref})
	if got := e.rec.WaitClicks(t, 1, wait); got[0].Status != bridge.ClickRedrawn {
		t.Errorf("status %s", got[0].Status)
	}
	if r := e.rec.Retirements(); len(r) != 0 {
		t.Errorf("a redrawn card was retired: %+v", r)
	}
}
