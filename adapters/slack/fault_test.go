package slackadapter

// The adapter's part of the fault suite (go test -run Fault ./...): kill -9
// between Slack's acknowledgement and the answer. A process is killed in
// process: its adapter stops (e2e's Kill) and nothing it does afterwards
// reaches Slack, and the next process starts on a copy of the store's files
// as they were at the kill, which is what the disk holds after a real one.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/kmclient"
)

// killable is a transport that fails every request once the process is dead.
type killable struct {
	rt   http.RoundTripper
	dead atomic.Bool
}

func (k *killable) RoundTrip(r *http.Request) (*http.Response, error) {
	if k.dead.Load() {
		return nil, errors.New("the process is dead")
	}
	return k.rt.RoundTrip(r)
}

// doomed boots a process whose KM never answers (it dies while it waits) and
// whose calls to Slack can be cut off. wrap, when set, interposes on Deliver
// as e2e.Options.WrapHost does; kill there kills the process.
func doomed(t *testing.T, w *e2e.World, fake *slacktest.Server, wrap func(core bridge.Host, kill func()) bridge.Host) (*env, func()) {
	t.Helper()
	hang := make(chan struct{})
	km := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
		http.Error(w, "gone", http.StatusServiceUnavailable)
	}))
	t.Cleanup(km.Close)
	cut := &killable{}
	var e *env
	kill := func() {
		cut.dead.Store(true)
		e.p.Kill()
	}
	o := envOpts{
		core:    func(c *bridge.Config) { c.KMTimeout = time.Minute },
		km:      func(c *kmclient.Config) { c.BaseURL = km.URL + "/api" },
		slackRT: func(rt http.RoundTripper) http.RoundTripper { cut.rt = rt; return cut },
	}
	if wrap != nil {
		o.wrap = func(core bridge.Host, _ func()) bridge.Host { return wrap(core, kill) }
	}
	e = bootEnv(t, w, fake, o)
	// Before the process's own cleanup: let its stuck turn end, so that it
	// stops (its answer goes nowhere: the process is dead).
	t.Cleanup(func() { close(hang) })
	return e, kill
}

// crashCopy copies the store's files as they are now (the snapshot, when one
// was written, and the inbox journal) and returns a world on the copy.
func crashCopy(t *testing.T, w *e2e.World) *e2e.World {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(w.StorePath))
	for _, suffix := range []string{"", ".inbox"} {
		in, err := os.Open(w.StorePath + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(dst + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, in); err != nil {
			t.Fatal(err)
		}
		in.Close()
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return &e2e.World{Sim: w.Sim, KMURL: w.KMURL, StorePath: dst}
}

// restart starts the next process on w and replays its inbox before
// anything new arrives.
func restart(t *testing.T, w *e2e.World, fake *slacktest.Server) *env {
	t.Helper()
	e := bootEnv(t, w, fake, envOpts{})
	if _, err := e.core.Replay(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// answers counts the messages in channel that show want.
func answers(t *testing.T, fake *slacktest.Server, channel, want string) int {
	n := 0
	for _, m := range fake.Posted(channel) {
		if strings.Contains(text(t, m), want) {
			n++
		}
	}
	return n
}

// TestFaultKill9Slack: an event Slack saw acknowledged, the process killed
// before it answered, a new process on the same state: the user gets one
// answer, also when Slack delivers the event again after the restart. The
// redelivery is known as one by the claim the first process made: memstore
// has it on disk once its periodic snapshot ran (Redis at once), which the
// cases with a redelivery take as done before the kill.
func TestFaultKill9Slack(t *testing.T) {
	for _, tc := range []struct {
		name string
		// insideDeliver: killed after the host had the event (durable) and
		// before the adapter answered Slack, which then sees no ack.
		insideDeliver bool
		snapshot      bool // the store's snapshot ran before the kill
		redeliver     bool
	}{
		{name: "acked, no redelivery"},
		{name: "acked, redelivered after the restart", snapshot: true, redeliver: true},
		{name: "killed before the ack, redelivered", insideDeliver: true, snapshot: true, redeliver: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := e2e.NewWorld(t, e2e.WorldOptions{Persist: true})
			fake := slacktest.NewServer(t)
			var wrap func(bridge.Host, func()) bridge.Host
			if tc.insideDeliver {
				wrap = func(core bridge.Host, kill func()) bridge.Host {
					return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
						if err := core.Deliver(ctx, d); err != nil {
							return err
						}
						kill()
						return context.Canceled // dead before it could answer Slack
					})
				}
			}
			p1, kill := doomed(t, w, fake, wrap)
			id, ev := slacktest.NewEventID(), slacktest.IMMessage("D1", "U1", qWifi)
			code, _ := p1.post(PathEvents, "application/json", slacktest.Callback(id, ev))
			if want := http.StatusOK; tc.insideDeliver {
				if code == want {
					t.Fatalf("HTTP %d from a process that died before answering", code)
				}
			} else if code != want {
				t.Fatalf("HTTP %d, want %d", code, want)
			}
			if tc.snapshot {
				if err := p1.store.Snapshot(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			kill()
			w2 := crashCopy(t, w)
			if n := len(fake.Posted("D1")); n != 0 {
				t.Fatalf("the first process answered (%d messages) before it died", n)
			}

			p2 := restart(t, w2, fake)
			eventually(t, "the answer after the restart", func() bool { return answers(t, fake, "D1", "ExampleGuest") >= 1 })
			if tc.redeliver {
				p2.event(id, ev, withHeader("X-Slack-Retry-Num", "1"), withHeader("X-Slack-Retry-Reason", "http_timeout"))
			}
			// A barrier: the conversation's next question is answered after
			// anything the redelivery could have caused.
			p2.askDM("D1", "U1", qPassword, "Reset your password")
			if n := answers(t, fake, "D1", "ExampleGuest"); n != 1 {
				t.Errorf("%d answers to the acknowledged question, want exactly 1", n)
			}
			if n := len(w.Sim.CallsTo("POST /v1/chat")); n != 2 {
				t.Errorf("KM chat calls = %d, want 2 (the question once, the barrier)", n)
			}
		})
	}
}
