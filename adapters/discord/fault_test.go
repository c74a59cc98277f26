package discordadapter_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/kmclient"
)

// killSwitch is a process's network: once killed, nothing it sends reaches
// anyone. Armed, it holds KM's chat calls until the kill (KM is slow, so the
// process dies between the acknowledgement and the answer).
type killSwitch struct {
	base    http.RoundTripper
	armed   atomic.Bool
	dead    chan struct{}
	once    sync.Once
	holding atomic.Int64
}

func newKillSwitch(base http.RoundTripper) *killSwitch {
	return &killSwitch{base: base, dead: make(chan struct{})}
}

var errKilled = errors.New("the process was killed")

func (k *killSwitch) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case <-k.dead:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errKilled
	default:
	}
	if k.armed.Load() && strings.HasSuffix(req.URL.Path, "/v1/chat") {
		k.holding.Add(1)
		select {
		case <-k.dead:
			return nil, errKilled
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	return k.base.RoundTrip(req)
}

func (k *killSwitch) kill() { k.once.Do(func() { close(k.dead) }) }

// crashCopy copies the store's files as they are at the moment of a kill:
// what the disk holds after a real one.
func crashCopy(t *testing.T, path string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(path))
	for _, suffix := range []string{"", ".inbox"} {
		in, err := os.Open(path + suffix)
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
		out.Close()
	}
	return dst
}

// kill -9 between the acknowledgement and the answer: a DM is delivered
// through discordgo and the real core (durable inbox, memory store with its
// snapshot file), KM is slow, the process dies; a new process on the files
// the dead one left replays the inbox and the user gets exactly one answer,
// also when the gateway delivers the same message again after the restart.
// The memory store keeps its dedupe ids in the snapshot, written every
// minute: the snapshot taken after the acknowledgement stands for the one
// that would have been written by then (README, Reliability).
func TestFaultKill9Discord(t *testing.T) {
	w := newWorldWith(t, e2e.WorldOptions{Persist: true})
	var km1 *killSwitch
	p1 := w.e2e.Boot(t, e2e.Options{KM: func(c *kmclient.Config) {
		km1 = newKillSwitch(c.HTTPClient.Transport)
		c.HTTPClient = &http.Client{Transport: km1}
	}})
	tr1 := &http.Transport{}
	t.Cleanup(tr1.CloseIdleConnections)
	dc1 := newKillSwitch(tr1)
	ad1 := w.adapter(t, p1.Host, p1.Logger("discord"), options{opts: []discordadapter.Option{
		option.HTTPClient(&http.Client{Transport: dc1}),
	}})
	p1.Start(t, ad1)
	w.fake.WaitGateway(t)

	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[0].q))
	w.fake.WaitMessage(t, questions[0].a)

	km1.armed.Store(true)
	q := w.fake.DM(alice, questions[1].q)
	w.fake.Dispatch("MESSAGE_CREATE", q)
	waitFor(t, "the question to be accepted and KM asked", func() bool {
		return p1.Store.InboxLen() == 1 && km1.holding.Load() == 1
	})
	if err := p1.Store.Snapshot(context.Background()); err != nil {
		t.Fatal(err)
	}
	state := crashCopy(t, w.e2e.StorePath)
	dc1.kill() // the kill: nothing the first process does from here on reaches anyone
	km1.kill()
	p1.Kill()
	if n := len(w.fake.MessagesWith(sendAgain)); n != 0 {
		t.Fatalf("the accepted question got %d notes asking to send it again", n)
	}

	var mu sync.Mutex
	var answers []error
	w2 := &e2e.World{Sim: w.sim, KMURL: w.e2e.KMURL, StorePath: state}
	p2 := w2.Boot(t, e2e.Options{WrapHost: func(core bridge.Host, _ func()) bridge.Host {
		return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
			err := core.Deliver(ctx, d)
			mu.Lock()
			answers = append(answers, err)
			mu.Unlock()
			return err
		})
	}})
	ad2 := w.adapter(t, p2.Host, p2.Logger("discord"), options{})
	p2.Start(t, ad2)
	if n, err := p2.Core.Replay(context.Background()); err != nil || n != 1 {
		t.Fatalf("Replay = %d, %v; want the accepted question", n, err)
	}
	w.fake.WaitMessage(t, questions[1].a)

	waitFor(t, "the restarted process's gateway", func() bool { return len(w.fake.Identifies()) == 2 })
	w.fake.WaitGateway(t)
	w.fake.Dispatch("MESSAGE_CREATE", q) // the same message again
	waitFor(t, "the redelivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(answers) == 1
	})
	if !errors.Is(answers[0], bridge.ErrDuplicate) {
		t.Errorf("the redelivery after the restart: Deliver = %v, want ErrDuplicate", answers[0])
	}
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[2].q))
	w.fake.WaitMessage(t, questions[2].a) // later than any answer to the redelivery
	for i, qa := range questions[:3] {
		if n := len(w.fake.MessagesWith(qa.a)); n != 1 {
			t.Errorf("question %d (%q) answered %d times, want once", i, qa.q, n)
		}
	}
	if n := len(w.fake.MessagesWith(sendAgain)); n != 0 {
		t.Errorf("%d notes asking to send again", n)
	}
}

// kill -9 inside the delivery of a slash command: the core has it (durable)
// and the process dies before it answers Discord, which shows the user that
// the interaction failed. The new process answers it once, in the user's
// channel (the interaction's webhook died with the first process).
func TestFaultKill9DiscordInteraction(t *testing.T) {
	w := newWorldWith(t, e2e.WorldOptions{Persist: true})
	var km1 *killSwitch
	tr1 := &http.Transport{}
	t.Cleanup(tr1.CloseIdleConnections)
	dc1 := newKillSwitch(tr1)
	var state string
	var target atomic.Value // the id of the interaction to die on
	target.Store("")
	p1 := w.e2e.Boot(t, e2e.Options{
		KM: func(c *kmclient.Config) {
			km1 = newKillSwitch(c.HTTPClient.Transport)
			c.HTTPClient = &http.Client{Transport: km1}
		},
		WrapHost: func(core bridge.Host, kill func()) bridge.Host {
			return bridgetest.WithDeliver(core, func(ctx context.Context, d bridge.Delivery) error {
				if d.ID != target.Load().(string) {
					return core.Deliver(ctx, d)
				}
				km1.armed.Store(true) // the answer must not come from this process
				if err := core.Deliver(ctx, d); err != nil {
					return err
				}
				state = crashCopy(t, w.e2e.StorePath)
				dc1.kill()
				km1.kill()
				kill()
				return context.Canceled // dead before it could answer Discord
			})
		},
	})
	ad1 := w.adapter(t, p1.Host, p1.Logger("discord"), options{opts: []discordadapter.Option{
		option.HTTPClient(&http.Client{Transport: dc1}),
	}})
	p1.Start(t, ad1)
	w.fake.WaitGateway(t)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[0].q))
	w.fake.WaitMessage(t, questions[0].a)
	// The turn removes its inbox entry just after its answer is sent: the
	// kill below must come after that, or the restart answers it again
	// (the window bridge.Inbox documents, not what this test is about).
	waitFor(t, "the first turn's inbox entry removed", func() bool { return p1.Store.InboxLen() == 0 })

	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", questions[1].q)
	target.Store(ix["id"].(string))
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	waitFor(t, "the kill", func() bool { return dc1.killed() })
	if cb := w.fake.CallsTo("POST", `/interactions/\d+/`+ix["token"].(string)+`/callback`); len(cb) != 0 {
		t.Fatalf("a dead process answered the interaction: %v", cb)
	}

	w2 := &e2e.World{Sim: w.sim, KMURL: w.e2e.KMURL, StorePath: state}
	p2 := w2.Boot(t, e2e.Options{})
	p2.Start(t, w.adapter(t, p2.Host, p2.Logger("discord"), options{}))
	if n, err := p2.Core.Replay(context.Background()); err != nil || n != 1 {
		t.Fatalf("Replay = %d, %v; want the accepted /ask", n, err)
	}
	ans := w.fake.WaitMessage(t, questions[1].a)
	if ans.Method != "POST" || ans.Channel != discordtest.DMChannel(alice) {
		t.Errorf("the answer after the restart went by %s %s, want a message in the DM", ans.Method, ans.Path)
	}
	waitFor(t, "the restarted process's gateway", func() bool { return len(w.fake.Identifies()) == 2 })
	w.fake.WaitGateway(t)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[2].q))
	w.fake.WaitMessage(t, questions[2].a)
	if n := len(w.fake.MessagesWith(questions[1].a)); n != 1 {
		t.Errorf("the /ask was answered %d times, want once", n)
	}
}

// killed reports whether the switch was thrown.
func (k *killSwitch) killed() bool {
	select {
	case <-k.dead:
		return true
	default:
		return false
	}
}
