package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 15 * time.Second

var (
	ann   = bridge.UserInfo{ID: "U-ann", Name: "Ann", Locale: "en"}
	annDM = bridge.DMKey("test", "", "D-ann", ann.ID)
)

func ask(t *testing.T, p *e2e.Process, text string) {
	t.Helper()
	if err := p.Core.Deliver(context.Background(), bridge.Delivery{Event: bridge.Message{Key: annDM, User: ann, Text: text}}); err != nil {
		t.Fatal(err)
	}
}

func waitText(t *testing.T, rec *bridgetest.Recorder, want string) {
	t.Helper()
	bridgetest.Eventually(t, wait, func() error {
		for _, s := range rec.SentTo(annDM) {
			if strings.Contains(s.Text(), want) {
				return nil
			}
		}
		for _, e := range rec.Edits() {
			if strings.Contains(e.Text(), want) {
				return nil
			}
		}
		return fmt.Errorf("no %q in %q", want, bridgetest.Texts(rec.SentTo(annDM)))
	})
}

// A question goes through the real core and kmclient to the simulator and
// its answer comes back to the adapter.
func TestBootAnswers(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	p := w.Boot(t, e2e.Options{})
	rec := bridgetest.New("test")
	p.Start(t, rec)
	ask(t, p, "How do I reset my password?")
	waitText(t, rec, "Reset your password")
	if n := len(w.Sim.CallsTo("POST /v1/chat")) + len(w.Sim.CallsTo("POST /v2/newChat")); n == 0 {
		t.Error("the simulator saw no chat call")
	}
}

// Streaming through the real core: the answer arrives by edits.
func TestBootStreaming(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{Sim: kmsim.Options{StreamChunkDelay: 20 * time.Millisecond}})
	p := w.Boot(t, e2e.Options{Config: func(c *bridge.Config) { c.Streaming, c.EditInterval = true, time.Millisecond }})
	rec := bridgetest.New("test")
	p.Start(t, rec)
	ask(t, p, "How do I reset my password?")
	bridgetest.Eventually(t, wait, func() error {
		for _, e := range rec.Edits() {
			if strings.Contains(e.Text(), "Reset your password") {
				return nil
			}
		}
		return fmt.Errorf("no edit with the answer; sent %q", bridgetest.Texts(rec.SentTo(annDM)))
	})
}

// KM faults are the simulator's: when KM is down the user hears the
// catalogue's apology, in the catalogue the process was booted with.
func TestBootKMDown(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	cat, err := i18n.New("ja", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := w.Boot(t, e2e.Options{Catalog: cat, KM: func(c *kmclient.Config) { c.MaxRetries = -1 }})
	rec := bridgetest.New("test")
	p.Start(t, rec)
	w.Sim.SetDown(true)
	if err := p.Core.Deliver(context.Background(), bridge.Delivery{Event: bridge.Message{Key: annDM, User: bridge.UserInfo{ID: ann.ID}, Text: "hello"}}); err != nil {
		t.Fatal(err)
	}
	waitText(t, rec, cat.Printer("").T("bridge.km_unavailable"))
}

// A persistent world keeps the store across a restart: a delivery id seen
// by the first process is a duplicate for the second.
func TestBootRestart(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{Persist: true})
	p1 := w.Boot(t, e2e.Options{})
	rec := bridgetest.New("test")
	p1.Start(t, rec)
	d := bridge.Delivery{ID: "ev-1", Event: bridge.Message{Key: annDM, User: ann, Text: "What is the Wi-Fi password?"}}
	if err := p1.Core.Deliver(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	waitText(t, rec, "Wi-Fi")
	p1.Stop()
	p1.Stop() // a second Stop does nothing

	p2 := w.Boot(t, e2e.Options{})
	p2.Start(t, bridgetest.New("test"))
	if err := p2.Core.Deliver(context.Background(), d); err != bridge.ErrDuplicate {
		t.Errorf("redelivery after a restart = %v, want ErrDuplicate", err)
	}
	if _, ok, err := p2.Store.Session(context.Background(), annDM); err != nil || !ok {
		t.Errorf("the KM session did not survive the restart: %v %v", ok, err)
	}
}

// A process can die inside Deliver (WrapHost, Kill): the event was not
// accepted, and a restart in the same world handles its redelivery.
func TestBootKilledInsideDeliver(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{Persist: true})
	p1 := w.Boot(t, e2e.Options{WrapHost: func(core bridge.Host, kill func()) bridge.Host {
		return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
			kill()
			return context.Canceled
		})
	}})
	p1.Start(t, bridgetest.New("test"))
	d := bridge.Delivery{ID: "ev-1", Event: bridge.Message{Key: annDM, User: ann, Text: "What is the Wi-Fi password?"}}
	if err := p1.Host.Deliver(context.Background(), d); err == nil {
		t.Fatal("the wrapped Deliver accepted")
	}
	p1.Stop()
	p2 := w.Boot(t, e2e.Options{})
	rec := bridgetest.New("test")
	p2.Start(t, rec)
	if err := p2.Host.Deliver(context.Background(), d); err != nil {
		t.Fatalf("redelivery after the crash = %v", err)
	}
	waitText(t, rec, "Wi-Fi")
}
