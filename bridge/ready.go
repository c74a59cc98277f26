package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

// Readiness: whether this replica can serve now (GET /readyz), so a load
// balancer sends events to replicas that can answer them.

// Readier is an optional Adapter ability: Ready reports why the adapter
// cannot serve now (its gateway is not connected, its webhook could not be
// set), nil when it can. A replica standing by in Coordinator.Lead while
// another polls is ready. It is asked on every readiness check: answer from
// what the adapter already knows, without I/O, and name no secret.
type Readier interface {
	Ready() error
}

// Pinger is an optional Store ability: Ping checks that the store can be
// reached (redisstore: a PING; memstore: its inbox journal is writable).
type Pinger interface {
	Ping(ctx context.Context) error
}

// How often readiness looks at the store and, while no conversation calls
// KM, at KM; and how long one look may take. A readiness probe every few
// seconds from every load balancer costs the store one PING per
// storeCheckEvery and KM at most one list call per kmProbeEvery.
const (
	storeCheckEvery = 5 * time.Second
	storeCheckLimit = time.Second
	kmProbeEvery    = 30 * time.Second
	kmProbeLimit    = 2 * time.Second
	// failedCheckEvery: a failed check is repeated sooner, so a replica is
	// ready again soon after what it depends on is back.
	failedCheckEvery = time.Second
	// kmFailsUnready consecutive KM calls that did not reach KM (refused,
	// timed out, 5xx) make the replica unready; a success ends it. One slow
	// answer is not an outage.
	kmFailsUnready = 3
)

// health is the core's readiness state.
type health struct {
	store cached // the store's Ping
	probe cached // the KM probe, run while KM has been idle

	mu      sync.Mutex
	kmAt    time.Time // the last KM call's end (real time)
	kmFails int       // consecutive calls that did not reach KM
	kmErr   error     // the last of them
}

// Ready reports whether this replica can serve: nil, or an error naming every
// problem (the store unreachable, KM unreachable, a platform not connected).
// The store is checked at most every 5 s; KM is judged by the KM calls
// conversations make, and probed (one FAQ list call, which also refreshes the
// cached list) only when none was made in the last 30 s. Each check is
// bounded (1 s, 2 s); callers arriving during one wait for it.
func (c *Core) Ready(ctx context.Context) error {
	var errs []error
	if p, ok := c.store.(Pinger); ok {
		err := c.health.store.check(ctx, storeCheckEvery, storeCheckLimit, p.Ping)
		c.met.readyCheck("store", err == nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("store: %s", redact(err)))
		}
	}
	err := c.kmReady(ctx)
	c.met.readyCheck("km", err == nil)
	if err != nil {
		errs = append(errs, err)
	}
	c.amu.RLock()
	names := make([]string, 0, len(c.adapters))
	for n := range c.adapters {
		names = append(names, n)
	}
	c.amu.RUnlock()
	slices.Sort(names)
	for _, n := range names {
		r, ok := c.adapter(n).(Readier)
		if !ok {
			continue
		}
		err := r.Ready()
		c.met.readyCheck(n, err == nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s", n, redact(err)))
		}
	}
	return errors.Join(errs...)
}

// kmReady probes KM when no call has reached it lately, then judges.
func (c *Core) kmReady(ctx context.Context) error {
	h := &c.health
	h.mu.Lock()
	idle := time.Since(h.kmAt) > kmProbeEvery
	h.mu.Unlock()
	if idle {
		_ = h.probe.check(ctx, kmProbeEvery, kmProbeLimit, c.probeKM)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.kmFails >= kmFailsUnready {
		return fmt.Errorf("km: unreachable (%d calls in a row failed): %s", h.kmFails, redact(h.kmErr))
	}
	return nil
}

// probeKM asks KM for the FAQ categories (what the faq command shows, so the
// call refreshes the cached list rather than being wasted).
func (c *Core) probeKM(ctx context.Context) error {
	return c.kmCall(ctx, "probe", func(ctx context.Context) error {
		cats, err := c.km.CommonQuestions(ctx, kmclient.CommonQuestionsRequest{
			RobotID: kmclient.ID(c.cfg.RobotID), ChannelID: kmclient.ID(c.cfg.ChannelID), ModelKey: c.cfg.ModelKey,
		})
		if err == nil {
			c.lists.SetDefault(cacheFAQ, cats)
		}
		return err
	})
}

// kmOutcome records how a KM call ended: whether it reached KM.
func (h *health) kmOutcome(op, result string, err error) {
	switch result {
	case "canceled", "store":
		return // says nothing about KM
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.kmAt = time.Now()
	switch result {
	case "timeout", "unavailable":
		h.kmFails++
		if op == "probe" {
			// The probe runs when nothing else tells: it decides alone.
			h.kmFails = max(h.kmFails, kmFailsUnready)
		}
		h.kmErr = err
	default: // KM answered, even if with an error of its own
		h.kmFails, h.kmErr = 0, nil
	}
}

// cached is a check run at most once per period; callers that arrive while
// it runs wait for its result.
type cached struct {
	mu      sync.Mutex
	at      time.Time
	err     error
	running chan struct{}
}

func (k *cached) check(ctx context.Context, every, limit time.Duration, fn func(context.Context) error) error {
	k.mu.Lock()
	if k.err != nil {
		every = min(every, failedCheckEvery) // recover quickly
	}
	if !k.at.IsZero() && time.Since(k.at) < every {
		err := k.err
		k.mu.Unlock()
		return err
	}
	if run := k.running; run != nil {
		k.mu.Unlock()
		select {
		case <-run:
		case <-ctx.Done():
			return fmt.Errorf("not checked yet: %w", ctx.Err())
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		return k.err
	}
	run := make(chan struct{})
	k.running = run
	k.mu.Unlock()

	// Not under ctx alone: a caller giving up must not cache a failure the
	// checked thing did not have.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	err := fn(cctx)
	cancel()

	k.mu.Lock()
	k.at, k.err, k.running = time.Now(), err, nil
	k.mu.Unlock()
	close(run)
	return err
}
