package bridge_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// KM failures are logged with the conversation and counted, and no log line
// carries the token or a signature.
func TestSimFailureLoggedAndCounted(t *testing.T) {
	sim, km := startSim(t, kmsim.Options{})
	log, logs := testlog.New()
	reg := prometheus.NewRegistry()
	met, err := bridge.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := memstore.Open(memstore.Options{})
	cfg := bridge.Config{}
	simConfig(&cfg)
	core, err := bridge.New(cfg, bridge.Deps{KM: km, Store: st, Metrics: met,
		Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	rec := bridgetest.New("test")
	core.Register(rec)
	defer core.Shutdown(context.Background())

	mustHandle(t, core, msg(annDM, ann, qPassword))
	rec.WaitSent(t, annDM, 2, wait)
	sim.SetErrorRate(1, 502, 0)
	mustHandle(t, core, msg(annDM, ann, "What is the Wi-Fi password?"))
	rec.WaitSent(t, annDM, 3, wait)
	sim.SetFaults(kmsim.Faults{})

	out := logs.String()
	if !strings.Contains(out, "conv="+annDM.String()) || !strings.Contains(out, "call failed") {
		t.Errorf("log lacks the failure or the conversation:\n%s", out)
	}
	for _, secret := range []string{kmsim.SampleToken, "sign="} {
		if strings.Contains(out, secret) && !strings.Contains(out, "sign=REDACTED") {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
	if n := counter(t, reg, "kmbridge_bridge_km_calls_total", "op", "chat", "result", "unavailable"); n != 1 {
		t.Errorf("unavailable chat calls counted: %v", n)
	}
	if n := counter(t, reg, "kmbridge_bridge_km_calls_total", "op", "chat", "result", "ok"); n != 1 {
		t.Errorf("ok chat calls counted: %v", n)
	}
	if n := counter(t, reg, "kmbridge_bridge_events_total", "kind", "message", "outcome", "km_unavailable"); n != 1 {
		t.Errorf("failed message events counted: %v", n)
	}
}

func TestNewMetricsNil(t *testing.T) {
	m, err := bridge.NewMetrics(nil)
	if m != nil || err != nil {
		t.Errorf("NewMetrics(nil) = %v, %v", m, err)
	}
	reg := prometheus.NewRegistry()
	if _, err := bridge.NewMetrics(reg); err != nil {
		t.Fatal(err)
	}
	if _, err := bridge.NewMetrics(reg); err == nil {
		t.Error("registering twice did not fail")
	}
}

func TestSimSuggest(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	e.rec.WaitSent(t, annDM, 2, wait)
	bs, err := e.core.Suggest(context.Background(), annDM, ann, "password")
	if err != nil || len(bs) == 0 {
		t.Fatalf("Suggest = %v, %v", bs, err)
	}
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: bs[0].Token})
	e.rec.WaitSent(t, annDM, 3, wait)
	hits := e.sim.CallsTo("POST /v1/hit")
	if len(hits) != 1 || hits[0].Int("queryType") != kmclient.QuerySmartHint || hits[0].Str("questionContent") != bs[0].Label || hits[0].Code != 200 {
		t.Errorf("hit = %+v", hits)
	}
	// Another user cannot use Ann's suggestions.
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: bob, Token: bs[0].Token})
	got := e.rec.WaitSent(t, annDM, 4, wait)
	if got[3].Text() != en.T("bridge.foreign_click") {
		t.Errorf("got %q", got[3].Text())
	}
}

// counter reads one counter series from a registry; labels are name/value pairs.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
