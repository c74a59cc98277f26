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
	}
	for _, c := range []prometheus.Collector{m.events, m.kmCalls, m.kmDuration, m.sends, m.busy} {
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
