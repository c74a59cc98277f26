package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
)

// slowStore is a Redis store under load: each lease renewal takes renew,
// and the sweep for orphans takes all the time it is given.
type slowStore struct {
	*redisstore.Store
	renew time.Duration
}

func (s slowStore) Renew(ctx context.Context, holder string, names []string, ttl time.Duration) ([]bool, error) {
	select {
	case <-time.After(s.renew):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Store.Renew(ctx, holder, names, ttl)
}

func (s slowStore) Orphans(ctx context.Context) ([]bridge.ConvKey, int, error) {
	<-ctx.Done()
	return nil, 0, ctx.Err()
}

// A replica on a slow store keeps the conversation it is answering: the
// sweep takes what time is left between renewals, never a renewal's, and a
// renewal that takes a fifth of the lease still renews in time. (The keeper
// used to renew, then sweep, then wait a quarter of the lease: a renewal and
// a sweep this slow lost every lease at the next renewal, and the replica
// stopped answering, fenced, while nobody had failed.)
func TestLeasesOutliveASlowSweep(t *testing.T) {
	addr := needRedis(t)
	sim, kmURL := startSim(t)
	const ttl = time.Second
	reg := prometheus.NewRegistry()
	met, _ := bridge.NewMetrics(reg)
	r := startReplica(t, kmURL, addr, newPrefix(), replicaOpts{
		config:  func(c *bridge.Config) { c.LeaseTTL = ttl },
		metrics: met,
		store:   func(s *redisstore.Store) bridge.Store { return slowStore{Store: s, renew: ttl / 5} },
	})
	sim.SetLatency(3*ttl/2, 0) // the turn (initClient, chat) holds the conversation for three leases
	u := bridge.UserInfo{ID: "80001"}
	k := bridge.DMKey("test", "", "slow", u.ID)
	q := sprayQA[0]
	if err := r.core.Deliver(ctx, bridge.Delivery{ID: "slow-1", Event: bridge.Message{Key: k, User: u, Text: q.q}}); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() error {
		return bridgetest.ExactlyOnce(bridgetest.Texts(r.rec.SentTo(k)), []string{q.a}, isApology)
	})
	if v := metricValue(t, reg, "kmbridge_bridge_lease_lost_total"); v != 0 {
		t.Errorf("%v leases lost on a slow store", v)
	}
	if v := metricValue(t, reg, "kmbridge_bridge_fenced_sends_total"); v != 0 {
		t.Errorf("%v sends fenced", v)
	}
}
