package bridgetest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

var (
	dm     = bridge.ConvKey{Platform: "test", Channel: "D1", User: "U1"}
	thread = bridge.ConvKey{Platform: "test", Channel: "C1", Thread: "T1"}
)

func msg(k bridge.ConvKey, text string) bridge.Message {
	return bridge.Message{Key: k, User: bridge.UserInfo{ID: "U1"}, Text: text}
}

// Deliver answers as the core does: once per id, a refusal releases the id,
// ErrBusy keeps it; scripted answers come first.
func TestHostDeliver(t *testing.T) {
	h := bridgetest.NewHost()
	ctx := context.Background()
	steps := []struct {
		script []error
		id     string
		want   error
	}{
		{id: "1"},
		{id: "1", want: bridge.ErrDuplicate},
		{script: []error{bridge.ErrClosed}, id: "2", want: bridge.ErrClosed},
		{id: "2"}, // the refusal released the id: the redelivery is accepted
		{script: []error{bridge.ErrBusy}, id: "3", want: bridge.ErrBusy},
		{id: "3", want: bridge.ErrDuplicate}, // busy: acknowledged, so the id is taken
		{id: ""},
		{id: ""}, // no id: no dedupe
	}
	for i, s := range steps {
		h.FailNext(s.script...)
		if err := h.Deliver(ctx, bridge.Delivery{ID: s.id, Event: msg(dm, "hi")}); !errors.Is(err, s.want) || (s.want == nil && err != nil) {
			t.Errorf("step %d: Deliver = %v, want %v", i, err, s.want)
		}
	}
	if n := len(h.Deliveries()); n != 4 {
		t.Errorf("%d deliveries accepted, want 4", n)
	}
	if n := len(h.Tries()); n != len(steps) {
		t.Errorf("%d tries recorded, want %d", n, len(steps))
	}
	if err := h.Deliver(ctx, bridge.Delivery{ID: "x"}); err == nil {
		t.Error("a nil event was accepted")
	}
	h.WaitDeliveries(t, 4, time.Second)
}

func TestHostMint(t *testing.T) {
	h := bridgetest.NewHost()
	tokens, save := h.Mint(dm, "U1", bridge.LifeButton)
	a := tokens(formatting.Action{Kind: formatting.ActSendText, Label: "Wi-Fi", Text: "wifi"})
	b := tokens(formatting.Action{Kind: formatting.ActCommand, Label: "Help", Command: "help"})
	if a != "tok1" || b != "tok2" {
		t.Errorf("tokens %q %q, want tok1 tok2", a, b)
	}
	if h.Minted()[a].Saved {
		t.Error("saved before save")
	}
	if err := save(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := h.Minted()[a]
	if !got.Saved || got.Key != dm || got.Owner != "U1" || got.Life != bridge.LifeButton || got.Action.Text != "wifi" {
		t.Errorf("minted %+v", got)
	}
	if tok, ok := h.Token("Help"); !ok || tok != b {
		t.Errorf("Token(Help) = %q, %v", tok, ok)
	}
	h.FailSave(errors.New("store down"))
	c := tokens(formatting.Action{Label: "x"})
	if err := save(context.Background()); err == nil || h.Minted()[c].Saved {
		t.Error("a failing save saved")
	}
}

func TestHostScripted(t *testing.T) {
	h := bridgetest.NewHost()
	ctx := context.Background()
	if hc, err := h.Home(ctx, dm, bridge.UserInfo{}); err != nil || !hc.FAQ.IsEmpty() {
		t.Errorf("default Home = %+v, %v", hc, err)
	}
	h.SetHome(bridge.HomeContent{Prompts: []string{"Wi-Fi?"}}, nil)
	if hc, _ := h.Home(ctx, dm, bridge.UserInfo{}); len(hc.Prompts) != 1 {
		t.Errorf("Home = %+v", hc)
	}
	h.SetSuggest(func(_ bridge.ConvKey, _ bridge.UserInfo, q string) ([]formatting.Button, error) {
		return []formatting.Button{{Label: q + "?", Token: "s1"}}, nil
	})
	if bs, err := h.Suggest(ctx, dm, bridge.UserInfo{}, "wifi"); err != nil || len(bs) != 1 || bs[0].Label != "wifi?" {
		t.Errorf("Suggest = %v, %v", bs, err)
	}
	if q := h.Queries(); len(q) != 1 || q[0] != "wifi" {
		t.Errorf("Queries = %q", q)
	}
	if in, _ := h.Joined(ctx, thread); in {
		t.Error("joined before anything happened")
	}
	if err := h.Deliver(ctx, bridge.Delivery{ID: "t", Event: msg(thread, "hi")}); err != nil {
		t.Fatal(err)
	}
	if in, _ := h.Joined(ctx, thread); !in {
		t.Error("not joined after a delivery in the thread")
	}
	h.SetJoined(thread, false)
	if in, _ := h.Joined(ctx, thread); in {
		t.Error("SetJoined(false) ignored")
	}
	h.FailJoined(errors.New("store down"))
	if _, err := h.Joined(ctx, thread); err == nil {
		t.Error("FailJoined ignored")
	}
}
