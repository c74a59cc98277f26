package bridge_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

func TestDeliverDedupesAndAcks(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	ctx := context.Background()
	d := bridge.Delivery{ID: "ev1", Event: msg(annDM, ann, "hello")}
	if err := e.core.Deliver(ctx, d); err != nil {
		t.Fatalf("first delivery: %v", err)
	}
	err := e.core.Deliver(ctx, d)
	if !errors.Is(err, bridge.ErrDuplicate) || !bridge.Ack(err) {
		t.Fatalf("redelivery = %v, want ErrDuplicate (acknowledged)", err)
	}
	got := e.rec.WaitSent(t, annDM, 2, wait)
	if got[1].Text() != "A: hello" {
		t.Errorf("answer = %q", got[1].Text())
	}
	if n := len(km.Calls("chat")); n != 1 {
		t.Errorf("chat calls = %d, want 1", n)
	}
}

func TestDeliverRefusedAtShutdownIsReleased(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	ctx := context.Background()
	if err := e.core.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	d := bridge.Delivery{ID: "ev2", Event: msg(annDM, ann, "hello")}
	err := e.core.Deliver(ctx, d)
	if !errors.Is(err, bridge.ErrClosed) || bridge.Ack(err) {
		t.Fatalf("delivery at shutdown = %v, want ErrClosed, not acknowledged", err)
	}
}

func TestDeliverReleasesClaimWhenRefused(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	ctx := context.Background()
	// An event for a platform with no adapter is refused after the claim: the
	// claim must be released so that its redelivery is not a "duplicate".
	k := bridge.DMKey("nowhere", "", "D1", ann.ID)
	d := bridge.Delivery{ID: "ev3", Event: msg(k, ann, "hello")}
	for i := 0; i < 2; i++ {
		err := e.core.Deliver(ctx, d)
		if err == nil || errors.Is(err, bridge.ErrDuplicate) || bridge.Ack(err) {
			t.Fatalf("attempt %d: %v, want a refusal that is not acknowledged", i, err)
		}
	}
}

func TestJoinedByEventThenBySession(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	ctx := context.Background()
	k := bridge.ChannelKey(bridge.ScopeThread, "test", "T1", "C1", "th1", ann.ID)
	if in, err := e.core.Joined(ctx, k); err != nil || in {
		t.Fatalf("joined before any event = %v, %v", in, err)
	}
	if err := e.core.Deliver(ctx, bridge.Delivery{ID: "m1", Event: msg(k, ann, "hi")}); err != nil {
		t.Fatal(err)
	}
	if in, err := e.core.Joined(ctx, k); err != nil || !in {
		t.Fatalf("joined after an event = %v, %v", in, err)
	}
	e.rec.WaitSent(t, k, 2, wait)
	other := bridge.ChannelKey(bridge.ScopeThread, "test", "T1", "C1", "th2", ann.ID)
	if in, _ := e.core.Joined(ctx, other); in {
		t.Error("another thread is joined")
	}
}

func TestHomeMintsStoredButtons(t *testing.T) {
	km := newFakeKM()
	km.cats = []kmclient.QuestionCategory{{ID: 1, Name: "Billing", QuestionList: []kmclient.Question{{ID: 11, Content: "How do I pay?"}}}}
	km.hot = []kmclient.Question{{ID: 21, Content: "Where is  my\norder?"}}
	e := newEnv(t, km, envOpt{})
	ctx := context.Background()
	home, err := e.core.Home(ctx, annDM, ann)
	if err != nil {
		t.Fatal(err)
	}
	if home.FAQ.IsEmpty() || home.Hot.IsEmpty() {
		t.Fatalf("home lacks a part: %+v", home)
	}
	if strings.Join(home.Prompts, "|") != "Where is my order?" {
		t.Errorf("prompts = %q", home.Prompts)
	}
	// Every button of the home is stored, shared: clickable in any
	// conversation of the platform, stored once for everyone.
	for _, m := range []formatting.Message{home.FAQ, home.Hot} {
		for _, b := range m.Blocks {
			bs, ok := b.(*formatting.Buttons)
			if !ok {
				continue
			}
			for _, btn := range bs.Items {
				sa, ok, err := e.store.Action(ctx, btn.Token)
				if err != nil || !ok || sa.Key != (bridge.ConvKey{Platform: annDM.Platform}) || sa.Owner != "" {
					t.Errorf("button %q: stored %+v %v %v", btn.Label, sa, ok, err)
				}
			}
		}
	}
}

// Files without text (a screenshot with no caption) are accepted, not
// dropped: a hand-over relays them; outside one the user hears that the robot
// reads text, and KM is not asked.
func TestDeliverFilesWithoutText(t *testing.T) {
	km := newFakeKM()
	e := newEnv(t, km, envOpt{})
	m := msg(annDM, ann, "")
	m.Files = []bridge.Attachment{{Name: "screen.png", MIME: "image/png"}}
	if err := e.core.Deliver(context.Background(), bridge.Delivery{ID: "ev-files", Event: m}); err != nil {
		t.Fatal(err)
	}
	got := e.rec.WaitSent(t, annDM, 1, wait)
	if want := "I can only read text"; !strings.Contains(got[len(got)-1].Text(), want) {
		t.Errorf("reply = %q, want %q", got[len(got)-1].Text(), want)
	}
	if n := len(km.Calls("chat")); n != 0 {
		t.Errorf("chat calls = %d, want 0", n)
	}
}
