package bridge

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the core's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	events     *prometheus.CounterVec   // kind, outcome
	kmCalls    *prometheus.CounterVec   // op, result
	kmDuration *prometheus.HistogramVec // op
	sends      *prometheus.CounterVec   // platform, result
	busy       *prometheus.CounterVec   // platform
	inbox      prometheus.Gauge         // accepted events not yet processed, in this process
	replayed   prometheus.Counter
	expired    prometheus.Counter

	// Several replicas (a Shared store).
	acquired  *prometheus.CounterVec // kind: conv, lead
	lost      *prometheus.CounterVec // kind
	takeovers prometheus.Counter
	handoffs  prometheus.Counter
	fenced    prometheus.Counter
	ownedG    prometheus.Gauge
	leaderG   *prometheus.GaugeVec // name
	pendingG  prometheus.Gauge
	ready     *prometheus.GaugeVec // check: store, km, platform names
}

// NewMetrics creates the metrics and registers them with reg; a nil reg gives nil
// (no metrics).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	if reg == nil {
		return nil, nil
	}
	m := &Metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "events_total",
			Help: "Events handled by the core, by kind and outcome.",
		}, []string{"kind", "outcome"}),
		kmCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "km_calls_total",
			Help: "KM calls made by the core, by operation and result (ok, timeout, unavailable, api, expired, malformed, canceled).",
		}, []string{"op", "result"}),
		kmDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "km_call_seconds",
			Help:    "Duration of KM calls made by the core.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"op"}),
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "sends_total",
			Help: "Messages sent or edited through adapters, by platform and result.",
		}, []string{"platform", "result"}),
		busy: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "busy_total",
			Help: "Events refused because their conversation's queue was full.",
		}, []string{"platform"}),
		inbox: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "inbox_depth",
			Help: "Accepted events this process holds in the durable inbox and has not processed yet (queued, in progress, or replayed).",
		}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "inbox_replayed_total",
			Help: "Events taken from the durable inbox at start (accepted before a restart, not processed then).",
		}),
		expired: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "inbox_expired_total",
			Help: "Events that waited longer than bridge.inbox_max_age and got an apology instead of an answer.",
		}),
		acquired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "lease_acquisitions_total",
			Help: "Leases this replica took: conv (a conversation, to handle its events) or lead (a Lead singleton).",
		}, []string{"kind"}),
		lost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "lease_lost_total",
			Help: "Leases this replica lost while working (not renewed in time, or another replica holds them), by kind.",
		}, []string{"kind"}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "lease_takeovers_total",
			Help: "Conversations with waiting events and no owner (their replica died or left) that this replica's sweeper took over.",
		}),
		handoffs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "lease_handoffs_total",
			Help: "Events accepted by this replica and left to the replica that owns their conversation.",
		}),
		fenced: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "fenced_sends_total",
			Help: "Sends refused because this replica lost the conversation's lease; the event stays for the new owner.",
		}),
		ownedG: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "conversations_owned",
			Help: "Conversations whose lease this replica holds now (it is handling their events).",
		}),
		leaderG: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "leader",
			Help: "1 while this replica holds the named Lead singleton (Telegram polling, …), else 0.",
		}, []string{"name"}),
		pendingG: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "inbox_pending",
			Help: "Accepted events not processed yet in the shared inbox, all replicas together, at this replica's last sweep.",
		}),
		ready: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "kmbridge", Subsystem: "bridge", Name: "ready",
			Help: "1 when the named readiness check (store, km, a platform) passed at its last run, else 0.",
		}, []string{"check"}),
	}
	for _, c := range []prometheus.Collector{m.events, m.kmCalls, m.kmDuration, m.sends, m.busy, m.inbox, m.replayed, m.expired,
		m.acquired, m.lost, m.takeovers, m.handoffs, m.fenced, m.ownedG, m.leaderG, m.pendingG, m.ready} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("bridge: metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) event(kind, outcome string) {
	if m != nil {
		m.events.WithLabelValues(kind, outcome).Inc()
	}
}

func (m *Metrics) km(op, result string, d time.Duration) {
	if m != nil {
		m.kmCalls.WithLabelValues(op, result).Inc()
		m.kmDuration.WithLabelValues(op).Observe(d.Seconds())
	}
}

func (m *Metrics) send(platform, result string) {
	if m != nil {
		m.sends.WithLabelValues(platform, result).Inc()
	}
}

func (m *Metrics) refused(platform string) {
	if m != nil {
		m.busy.WithLabelValues(platform).Inc()
	}
}

func (m *Metrics) inboxAdd(n int) {
	if m != nil {
		m.inbox.Add(float64(n))
	}
}

func (m *Metrics) inboxReplayed(n int) {
	if m != nil {
		m.replayed.Add(float64(n))
	}
}

func (m *Metrics) inboxExpired() {
	if m != nil {
		m.expired.Inc()
	}
}

func (m *Metrics) leaseAcquired(kind string) {
	if m != nil {
		m.acquired.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) leaseLost(kind string) {
	if m != nil {
		m.lost.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) takeover() {
	if m != nil {
		m.takeovers.Inc()
	}
}

func (m *Metrics) handoff() {
	if m != nil {
		m.handoffs.Inc()
	}
}

func (m *Metrics) fencedSend() {
	if m != nil {
		m.fenced.Inc()
	}
}

func (m *Metrics) owned(n int) {
	if m != nil {
		m.ownedG.Add(float64(n))
	}
}

func (m *Metrics) leader(name string, on bool) {
	if m != nil {
		v := 0.0
		if on {
			v = 1
		}
		m.leaderG.WithLabelValues(name).Set(v)
	}
}

func (m *Metrics) pending(n int) {
	if m != nil {
		m.pendingG.Set(float64(n))
	}
}

func (m *Metrics) readyCheck(check string, ok bool) {
	if m != nil {
		v := 0.0
		if ok {
			v = 1
		}
		m.ready.WithLabelValues(check).Set(v)
	}
}
