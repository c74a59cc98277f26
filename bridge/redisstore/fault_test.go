package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/kmclient"
)

// hangKM hangs every question and initClient while hang is set, until the
// call's context ends: a KM that stopped answering.
type hangKM struct {
	bridge.KM
	hang atomic.Bool
}

func (h *hangKM) wait(ctx context.Context) error {
	if h.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	return nil
}

func (h *hangKM) InitClient(ctx context.Context, req kmclient.InitClientRequest) (*kmclient.InitClientResponse, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.KM.InitClient(ctx, req)
}

func (h *hangKM) Chat(ctx context.Context, req kmclient.ChatRequest) (*kmclient.Answer, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.KM.Chat(ctx, req)
}

// kill -9 between accept and answer, on Redis: replica A accepts messages and
// dies (its Redis connection cut, its KM hung, nothing it does afterwards
// reaches anyone); replica B, started on the same Redis, takes A's
// conversations once their leases run out and answers each accepted message
// once, in order, and nothing A answered before.
func TestFaultKill9Redis(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	px := startProxy(t, addr)
	km := &hangKM{}
	shortLease := func(c *bridge.Config) { c.LeaseTTL = time.Second }
	a := startReplica(t, kmURL, px.Addr, prefix, replicaOpts{
		wrap:   []func(bridge.KM) bridge.KM{func(k bridge.KM) bridge.KM { km.KM = k; return km }},
		config: shortLease,
	})
	t.Cleanup(func() { // the dead replica stops at once, before its graceful cleanup
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_ = a.core.Shutdown(cctx)
	})
	questions := []struct{ q, a string }{
		{"What is the Wi-Fi password?", "ExampleGuest"},
		{"When is payday?", "last working day"},
		{"What are the office hours?", "07:00–20:00"},
	}
	type conv struct {
		key   bridge.ConvKey
		user  bridge.UserInfo
		wants []string
	}
	convs := make([]*conv, 5)
	for i := range convs {
		u := bridge.UserInfo{ID: fmt.Sprint(30_000 + i)}
		convs[i] = &conv{key: bridge.DMKey("test", "", fmt.Sprint("k", i), u.ID), user: u}
	}
	deliver := func(c *conv, m int) {
		t.Helper()
		q := questions[m%len(questions)]
		d := bridge.Delivery{ID: fmt.Sprint(c.key.Channel, "-", m), Event: bridge.Message{Key: c.key, User: c.user, Text: q.q}}
		if err := a.core.Deliver(ctx, d); err != nil {
			t.Fatal(err)
		}
		c.wants = append(c.wants, q.a)
	}
	countIn := func(ss []bridgetest.Sent, c *conv) int {
		n := 0
		for _, s := range ss {
			if s.To != c.key {
				continue
			}
			for _, q := range questions {
				if strings.Contains(s.Text(), q.a) {
					n++
					break
				}
			}
		}
		return n
	}

	for _, c := range convs { // answered before the kill
		deliver(c, 0)
		deliver(c, 1)
	}
	eventually(t, func() error {
		for _, c := range convs {
			if n := countIn(a.rec.Sent(), c); n < 2 {
				return fmt.Errorf("%s: %d answers before the kill", c.key.Channel, n)
			}
		}
		return nil
	})
	km.hang.Store(true)
	for _, c := range convs { // accepted, not answered
		for m := 2; m < 5; m++ {
			deliver(c, m)
		}
	}
	// Let A's workers finish removing what they answered: its inbox then
	// holds exactly the unanswered.
	raw := rawClient(t, addr)
	eventually(t, func() error {
		n := 0
		for _, c := range convs {
			n += int(raw.HLen(ctx, prefix+"{inbox}:conv:"+c.key.String()).Val())
		}
		if n != 3*len(convs) {
			return fmt.Errorf("%d entries in Redis, want %d", n, 3*len(convs))
		}
		return nil
	})
	sentA := a.rec.Sent()
	px.SetDown(true) // kill -9

	// B replays what no live replica owns; A's conversations are still
	// leased (A cannot tell it is dead), so B's sweeper takes them once the
	// leases run out.
	b := startReplica(t, kmURL, addr, prefix, replicaOpts{config: shortLease})
	start := time.Now()
	n, err := b.core.Replay(ctx)
	if err != nil {
		t.Fatalf("Replay = %d, %v", n, err)
	}
	eventually(t, func() error {
		for _, c := range convs {
			if got := countIn(sentA, c) + countIn(b.rec.Sent(), c); got < len(c.wants) {
				return fmt.Errorf("%s: %d answers of %d", c.key.Channel, got, len(c.wants))
			}
		}
		return nil
	})
	t.Logf("B answered A's %d accepted messages in %s (lease 1s; %d replayed at once)", 3*len(convs), time.Since(start), n)
	for _, c := range convs {
		replies := append(bridgetest.Texts(filterTo(sentA, c.key)), bridgetest.Texts(b.rec.SentTo(c.key))...)
		if err := bridgetest.ExactlyOnce(replies, c.wants, func(string) bool { return false }); err != nil {
			t.Errorf("%s: %v", c.key.Channel, err)
		}
	}
	eventually(t, func() error {
		if ks, err := b.store.InboxConvs(ctx); err != nil || len(ks) != 0 {
			return fmt.Errorf("inbox after B's drain: %v %v", ks, err)
		}
		return nil
	})
}

func filterTo(ss []bridgetest.Sent, k bridge.ConvKey) []bridgetest.Sent {
	var out []bridgetest.Sent
	for _, s := range ss {
		if s.To == k {
			out = append(out, s)
		}
	}
	return out
}
