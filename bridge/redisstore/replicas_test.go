package redisstore_test

// Several replicas for real: cores on one Redis, one KM simulator and one
// platform (a recorder every replica sends to, as every replica posts to the
// same Slack). Events are accepted by whichever replica the load balancer
// picks; one replica at a time answers a conversation, in order.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/formatting"
)

// questions of the sample knowledge base, and a text only their answer has.
var sprayQA = []struct{ q, a string }{
	{"What is the Wi-Fi password?", "ExampleGuest"},
	{"When is payday?", "last working day"},
	{"What are the office hours?", "07:00–20:00"},
}

func isApology(s string) bool {
	return strings.Contains(s, "sorry") || strings.Contains(s, "Sorry")
}

// 1,000 conversations, three messages each, every event delivered to the
// other replica than the one before: every answer once, in order; KM asked
// once per message and one KM session per conversation (two replicas never
// handle one conversation at once).
func TestReplicasSprayed(t *testing.T) {
	addr := needRedis(t)
	sim, kmURL := startSim(t)
	prefix := newPrefix()
	platform := bridgetest.New("test")
	var answers atomic.Int64
	platform.SendHook = func(_ context.Context, _ bridge.ConvKey, m formatting.Message) error {
		if containsAny(bridge.Summary(m, 1<<20), sprayQA) {
			answers.Add(1)
		}
		return nil
	}
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	metA, _ := bridge.NewMetrics(regA)
	metB, _ := bridge.NewMetrics(regB)
	reps := []*replica{
		startReplica(t, kmURL, addr, prefix, replicaOpts{rec: platform, metrics: metA}),
		startReplica(t, kmURL, addr, prefix, replicaOpts{rec: platform, metrics: metB}),
	}
	const convs, perConv = 1000, 3
	var (
		wg      sync.WaitGroup
		next    atomic.Int64
		sent    atomic.Int64 // deliveries, alternating replicas
		retries atomic.Int64
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= convs {
					return
				}
				u := bridge.UserInfo{ID: fmt.Sprint(50_000 + i)}
				k := bridge.DMKey("test", "", fmt.Sprint("spray-", i), u.ID)
				for m := range perConv {
					// Each conversation asks in its own order.
					q := sprayQA[(i+m)%len(sprayQA)].q
					d := bridge.Delivery{ID: fmt.Sprintf("%d-%d", i, m), Event: bridge.Message{Key: k, User: u, Text: q}}
					// A platform redelivers what was not acknowledged (a
					// test machine this busy can take seconds for one
					// Redis round trip); to the other replica, as a load
					// balancer might.
					for try := 0; ; try++ {
						r := reps[sent.Add(1)%2]
						dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
						err := r.core.Deliver(dctx, d)
						cancel()
						if bridge.Ack(err) {
							break
						}
						if try == 5 {
							t.Errorf("deliver %s: %v", d.ID, err)
							return
						}
						retries.Add(1)
					}
				}
			}
		}()
	}
	wg.Wait()
	start := time.Now()
	deadline := start.Add(3 * time.Minute)
	for answers.Load() < convs*perConv {
		if time.Now().After(deadline) {
			t.Fatalf("%d answers of %d after 3 minutes", answers.Load(), convs*perConv)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Let the last removals land: nothing is left to answer twice.
	eventually(t, func() error {
		if ks, err := reps[0].store.InboxConvs(ctx); err != nil || len(ks) != 0 {
			return fmt.Errorf("inbox still holds %d conversations (%v)", len(ks), err)
		}
		return nil
	})
	byConv := map[bridge.ConvKey][]string{}
	for _, s := range platform.Sent() {
		byConv[s.To] = append(byConv[s.To], s.Text())
	}
	bad := 0
	for i := range convs {
		k := bridge.DMKey("test", "", fmt.Sprint("spray-", i), fmt.Sprint(50_000+i))
		var wants []string
		for m := range perConv {
			wants = append(wants, sprayQA[(i+m)%len(sprayQA)].a)
		}
		if err := bridgetest.ExactlyOnce(byConv[k], wants, isApology); err != nil && bad < 5 {
			bad++
			t.Errorf("%s: %v", k.Channel, err)
		}
		for _, r := range byConv[k] {
			if isApology(r) {
				t.Errorf("%s: an apology: %q", k.Channel, r)
			}
		}
	}
	if n := len(sim.CallsTo("POST /v1/chat")); n != convs*perConv {
		t.Errorf("KM chat calls = %d, want one per message: %d", n, convs*perConv)
	}
	if n := len(sim.CallsTo("POST /v1/initClient")); n != convs {
		t.Errorf("KM sessions = %d, want one per conversation: %d", n, convs)
	}
	handoffs := metricValue(t, regA, "kmbridge_bridge_lease_handoffs_total") +
		metricValue(t, regB, "kmbridge_bridge_lease_handoffs_total")
	for _, reg := range []*prometheus.Registry{regA, regB} {
		eventually(t, func() error {
			if v := metricValue(t, reg, "kmbridge_bridge_conversations_owned"); v != 0 {
				return fmt.Errorf("a replica still owns %v conversations", v)
			}
			return nil
		})
	}
	t.Logf("%d events over 2 replicas answered in %s after the last delivery; %v handed to the owner; %d redelivered", convs*perConv, time.Since(start), handoffs, retries.Load())
}

func containsAny(s string, qa []struct{ q, a string }) bool {
	for _, x := range qa {
		if strings.Contains(s, x.a) {
			return true
		}
	}
	return false
}

// metricValue is the value of the metric name in reg (its first series), 0
// when it has none.
func metricValue(t testing.TB, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// A replica dies (its Redis connection cut, abandoned) while it owns a busy
// conversation, its answer stuck on the way to the platform: it stops
// sending once its lease's local deadline passes; another replica takes the
// conversation over within the lease's time and answers every accepted
// message, in order, none twice.
func TestReplicaKilledWhileOwning(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	px := startProxy(t, addr)
	const ttl = time.Second
	short := func(c *bridge.Config) { c.LeaseTTL = ttl }
	regA := prometheus.NewRegistry()
	metA, _ := bridge.NewMetrics(regA)
	regB := prometheus.NewRegistry()
	metB, _ := bridge.NewMetrics(regB)

	recA := bridgetest.New("test")
	stuck := make(chan struct{}, 1)
	recA.SendHook = func(ctx context.Context, to bridge.ConvKey, m formatting.Message) error {
		if containsAny(bridge.Summary(m, 1<<20), sprayQA) {
			select {
			case stuck <- struct{}{}:
			default:
			}
			<-ctx.Done() // the platform never answers
			return ctx.Err()
		}
		return nil
	}
	a := startReplica(t, kmURL, px.Addr, prefix, replicaOpts{config: short, metrics: metA, rec: recA})
	t.Cleanup(func() { // the dead replica stops at once
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_ = a.core.Shutdown(cctx)
	})
	b := startReplica(t, kmURL, addr, prefix, replicaOpts{config: short, metrics: metB})

	u := bridge.UserInfo{ID: "70001"}
	k := bridge.DMKey("test", "", "busy", u.ID)
	var wants []string
	deliver := func(r *replica, m int) {
		t.Helper()
		qa := sprayQA[m%len(sprayQA)]
		if err := r.core.Deliver(ctx, bridge.Delivery{ID: fmt.Sprint("busy-", m), Event: bridge.Message{Key: k, User: u, Text: qa.q}}); err != nil {
			t.Fatal(err)
		}
		wants = append(wants, qa.a)
	}
	deliver(a, 0)
	select {
	case <-stuck:
	case <-time.After(wait):
		t.Fatal("A never tried to answer")
	}
	deliver(b, 1) // handed to A, the owner
	deliver(a, 2)
	deliver(b, 3)
	if v := metricValue(t, regB, "kmbridge_bridge_lease_handoffs_total"); v != 2 {
		t.Errorf("B handed %v events to A, want 2", v)
	}

	cut := time.Now()
	px.SetDown(true) // A is dead to Redis: it cannot renew
	var took time.Duration
	eventually(t, func() error {
		if metricValue(t, regB, "kmbridge_bridge_lease_takeovers_total") < 1 {
			return errors.New("B has not taken the conversation over")
		}
		took = time.Since(cut)
		return nil
	})
	eventually(t, func() error {
		return bridgetest.ExactlyOnce(bridgetest.Texts(b.rec.SentTo(k)), wants, isApology)
	})
	if n := len(recA.SentTo(k)); n != 1 { // the welcome, before the stuck answer
		t.Errorf("A sent %d messages to the conversation, want only its welcome: %q", n, bridgetest.Texts(recA.SentTo(k)))
	}
	for _, s := range bridgetest.Texts(b.rec.SentTo(k)) {
		if isApology(s) {
			t.Errorf("B apologised: %q", s)
		}
	}
	// Redis lets the lease go at most ttl after the cut (ttl after A's last
	// renewal); B's sweeper comes every quarter of ttl; a busy test machine
	// gets a second more.
	if limit := ttl + ttl/4 + time.Second; took > limit {
		t.Errorf("B took over %s after the cut, want within %s", took, limit)
	}
	if v := metricValue(t, regA, "kmbridge_bridge_lease_lost_total"); v < 1 {
		t.Errorf("A's lost leases = %v", v)
	}
	t.Logf("B took over %s after A's Redis connection was cut (lease %s)", took, ttl)
}

// Replay at start takes only conversations nobody owns: a live replica's
// busy conversation stays its own, and it answers all of it.
func TestReplayLeavesLiveWork(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	platform := bridgetest.New("test")
	release := make(chan struct{})
	var once sync.Once
	platform.SendHook = func(ctx context.Context, to bridge.ConvKey, m formatting.Message) error {
		if containsAny(bridge.Summary(m, 1<<20), sprayQA) {
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	defer once.Do(func() { close(release) })
	a := startReplica(t, kmURL, addr, prefix, replicaOpts{rec: platform})
	u := bridge.UserInfo{ID: "70002"}
	k := bridge.DMKey("test", "", "live", u.ID)
	for m := range 3 {
		a.handle(t, bridge.Message{Key: k, User: u, Text: sprayQA[m].q})
	}
	eventually(t, func() error {
		if len(platform.SentTo(k)) == 0 {
			return errors.New("A has not started")
		}
		return nil
	})

	b := startReplica(t, kmURL, addr, prefix, replicaOpts{rec: bridgetest.New("test")})
	if n, err := b.core.Replay(ctx); n != 0 || err != nil {
		t.Errorf("B's Replay = %d, %v; want 0: the conversation is A's", n, err)
	}
	once.Do(func() { close(release) })
	eventually(t, func() error {
		return bridgetest.ExactlyOnce(bridgetest.Texts(platform.SentTo(k)), []string{sprayQA[0].a, sprayQA[1].a, sprayQA[2].a}, isApology)
	})
	if got := b.rec.Sent(); len(got) != 0 {
		t.Errorf("B sent %q", bridgetest.Texts(got))
	}
}

// Lead: one leader among three replicas; when its Redis connection is cut
// another leads within 10 s, never while the first still runs; when a leader
// shuts down, another leads at once.
func TestLeadFailover(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	const ttl = 2 * time.Second
	short := func(c *bridge.Config) { c.LeaseTTL = ttl }

	type run struct {
		who        int
		start, end time.Time
	}
	var (
		mu   sync.Mutex
		runs []*run
	)
	leading := func() []int {
		mu.Lock()
		defer mu.Unlock()
		var out []int
		for _, r := range runs {
			if r.end.IsZero() {
				out = append(out, r.who)
			}
		}
		return out
	}
	proxies := make([]*proxy, 3)
	reps := make([]*replica, 3)
	cancels := make([]context.CancelFunc, 3)
	done := make([]chan error, 3)
	for i := range reps {
		proxies[i] = startProxy(t, addr)
		reps[i] = startReplica(t, kmURL, proxies[i].Addr, prefix, replicaOpts{config: short})
		lctx, cancel := context.WithCancel(ctx)
		cancels[i], done[i] = cancel, make(chan error, 1)
		go func() {
			done[i] <- reps[i].core.Lead(lctx, "telegram:poll", func(ctx context.Context) error {
				r := &run{who: i, start: time.Now()}
				mu.Lock()
				runs = append(runs, r)
				mu.Unlock()
				<-ctx.Done()
				mu.Lock()
				r.end = time.Now()
				mu.Unlock()
				return nil
			})
		}()
	}
	t.Cleanup(func() {
		for i, c := range cancels {
			c()
			<-done[i]
		}
	})
	var first int
	eventually(t, func() error {
		l := leading()
		if len(l) != 1 {
			return fmt.Errorf("leaders %v", l)
		}
		first = l[0]
		return nil
	})

	cut := time.Now()
	proxies[first].SetDown(true)
	var second int
	eventually(t, func() error {
		l := leading()
		if len(l) != 1 || l[0] == first {
			return fmt.Errorf("leaders %v", l)
		}
		second = l[0]
		return nil
	})
	failover := time.Since(cut)
	if failover > 10*time.Second {
		t.Errorf("a new leader after %s, want within 10 s", failover)
	}

	// A graceful stop hands over at once (the lease is released).
	stop := time.Now()
	cancels[second]()
	if err := <-done[second]; !errors.Is(err, context.Canceled) && err != nil {
		t.Errorf("Lead after cancel = %v", err)
	}
	done[second] <- nil // for the cleanup
	eventually(t, func() error {
		l := leading()
		if len(l) != 1 || l[0] == first || l[0] == second {
			return fmt.Errorf("leaders %v", l)
		}
		return nil
	})
	handover := time.Since(stop)
	if handover > ttl {
		t.Errorf("after a graceful stop a new leader came after %s, want less than the lease (%s)", handover, ttl)
	}

	// Never two at once: each run ended before the next began.
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(runs); i++ {
		if prev := runs[i-1]; prev.end.IsZero() || !prev.end.Before(runs[i].start) {
			t.Errorf("run %d (replica %d) began at %s, before run %d (replica %d) ended (%s)",
				i, runs[i].who, runs[i].start.Format(time.StampMilli), i-1, prev.who, prev.end.Format(time.StampMilli))
		}
	}
	t.Logf("failover after a cut Redis connection: %s (lease %s); after a graceful stop: %s", failover, ttl, handover)
}

// Once is true for one replica.
func TestOnceAcrossReplicas(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	var (
		wg    sync.WaitGroup
		first atomic.Int32
	)
	for range 3 {
		r := newReplica(t, kmURL, addr, prefix)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := r.core.Once(ctx, "telegram:commands", time.Minute)
			if err != nil {
				t.Error(err)
			}
			if ok {
				first.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := first.Load(); n != 1 {
		t.Errorf("Once was true on %d replicas, want 1", n)
	}
}

// Readiness on Redis: the store unreachable makes the replica unready, with
// the reason; back, it is ready again.
func TestReadyStore(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	px := startProxy(t, addr)
	r := newReplica(t, kmURL, px.Addr, newPrefix())
	if err := r.core.Ready(ctx); err != nil {
		t.Fatalf("Ready = %v", err)
	}
	down := time.Now()
	px.SetDown(true)
	// The last check is cached for a few seconds.
	eventually2(t, 10*time.Second, func() error {
		err := r.core.Ready(ctx)
		if err == nil || !strings.Contains(err.Error(), "store:") {
			return fmt.Errorf("Ready with Redis down = %v", err)
		}
		return nil
	})
	t.Logf("unready after %s", time.Since(down))
	up := time.Now()
	px.SetDown(false)
	eventually2(t, 15*time.Second, func() error { return r.core.Ready(ctx) })
	t.Logf("ready after %s", time.Since(up))
}

// eventually2 is eventually with its own bound.
func eventually2(t testing.TB, d time.Duration, cond func() error) {
	t.Helper()
	bridgetest.Eventually(t, d, cond)
}

// Two bridge processes booted with the e2e kit on one Redis (as adapters'
// multi-replica tests do): a conversation's events delivered to both, through
// each process's Host, are answered once each, in order.
func TestE2EProcessesOnRedis(t *testing.T) {
	addr := needRedis(t)
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	prefix := newPrefix()
	platform := bridgetest.New("test")
	var procs []*e2e.Process
	for range 2 {
		st, err := redisstore.Open(ctx, redisstore.Options{URL: redisURL(addr), Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		p := w.Boot(t, e2e.Options{Store: st})
		p.Start(t, platform)
		procs = append(procs, p)
	}
	u := bridge.UserInfo{ID: "80001"}
	k := bridge.DMKey("test", "", "e2e", u.ID)
	var wants []string
	for m, qa := range sprayQA {
		d := bridge.Delivery{ID: fmt.Sprint("e2e-", m), Event: bridge.Message{Key: k, User: u, Text: qa.q}}
		if err := procs[m%2].Host.Deliver(ctx, d); err != nil {
			t.Fatal(err)
		}
		wants = append(wants, qa.a)
	}
	// A redelivery to the other process is a duplicate.
	if err := procs[1].Host.Deliver(ctx, bridge.Delivery{ID: "e2e-0", Event: bridge.Message{Key: k, User: u, Text: sprayQA[0].q}}); !errors.Is(err, bridge.ErrDuplicate) {
		t.Errorf("redelivery to the other process = %v, want ErrDuplicate", err)
	}
	eventually(t, func() error {
		return bridgetest.ExactlyOnce(bridgetest.Texts(platform.SentTo(k)), wants, isApology)
	})
	if n := len(w.Sim.CallsTo("POST /v1/chat")); n != len(sprayQA) {
		t.Errorf("KM chat calls = %d, want %d", n, len(sprayQA))
	}
}

// Two Lead calls of one name in one process take turns like two replicas:
// the store alone would renew the lease for either.
func TestLeadTwiceInOneProcess(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	r := startReplica(t, kmURL, addr, newPrefix(), replicaOpts{config: func(c *bridge.Config) { c.LeaseTTL = time.Second }})
	var running, most atomic.Int32
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			_ = r.core.Lead(lctx, "telegram:poll", func(ctx context.Context) error {
				n := running.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				select {
				case <-ctx.Done():
				case <-time.After(300 * time.Millisecond):
				}
				running.Add(-1)
				return nil
			})
		})
	}
	wg.Wait()
	cancel()
	if m := most.Load(); m != 1 {
		t.Errorf("%d runs at once, want 1", m)
	}
}
