package httpserver

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

var metricsHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("go_goroutines 7\n"))
})

func TestMetricsOnTheMainServerByDefault(t *testing.T) {
	s, base, _ := running(t, Options{Metrics: metricsHandler})
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("GET /metrics = %d %q", code, body)
	}
	if s.MetricsAddr() != nil {
		t.Fatalf("MetricsAddr = %v, want nil without a listener of its own", s.MetricsAddr())
	}
}

// http.metrics_listen: /metrics moves to its own listener and is gone from the
// public one.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, base, stop := running(t, Options{Metrics: metricsHandler, MetricsListener: mln})
	if code, _ := get(t, base+"/metrics"); code != http.StatusNotFound {
		t.Fatalf("main server GET /metrics = %d, want 404", code)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("main server GET /healthz = %d", code)
	}
	if s.MetricsAddr() == nil || s.MetricsAddr().String() != mln.Addr().String() {
		t.Fatalf("MetricsAddr = %v, want %v", s.MetricsAddr(), mln.Addr())
	}
	mbase := "http://" + mln.Addr().String()
	if code, body := get(t, mbase+"/metrics"); code != 200 || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("metrics listener GET /metrics = %d %q", code, body)
	}
	if code, _ := get(t, mbase+"/healthz"); code != http.StatusNotFound {
		t.Fatalf("metrics listener serves only /metrics; /healthz = %d", code)
	}
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if _, err := http.Get(mbase + "/metrics"); err == nil {
		t.Fatal("metrics listener still serving after shutdown")
	}
}

func TestMetricsListenErrorClosesTheMainListener(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{Listener: ln, Metrics: metricsHandler, MetricsAddr: taken.Addr().String()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Run(ctx); err == nil || !strings.Contains(err.Error(), "metrics") || !strings.Contains(err.Error(), taken.Addr().String()) {
		t.Fatalf("Run = %v, want a listen error naming the metrics address", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("main listener left open after the metrics listener failed")
	}
}
