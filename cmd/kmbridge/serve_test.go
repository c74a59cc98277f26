package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// TestServeDemoMode runs the zero-config bridge (built-in simulator, web chat) on a
// free port, checks it serves, and that shutdown saves the store.
func TestServeDemoMode(t *testing.T) {
	cfg := config.Defaults()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Store.SnapshotPath = filepath.Join(t.TempDir(), "state.json")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), func(a net.Addr) { addrc <- a })
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}

	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/": "<!doctype html>", "/widget.js": "", "/metrics": "go_goroutines"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %.80q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of cancel")
	}
	if _, err := os.Stat(cfg.Store.SnapshotPath); err != nil {
		t.Fatalf("shutdown must save the store: %v", err)
	}
}

// http.metrics_listen: /metrics leaves the public server for a listener of its own.
func TestServeMetricsOnTheirOwnListener(t *testing.T) {
	cfg := config.Defaults()
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.HTTP.MetricsListen = "127.0.0.1:0"
	cfg.Store.SnapshotPath = ""
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log, buf := testlog.New()
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, &cfg, log, func(a net.Addr) { addrc <- a }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var base string
	select {
	case a := <-addrc:
		base = "http://" + a.String()
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}
	m := regexp.MustCompile(`msg="metrics listening" addr=(\S+)`).FindStringSubmatch(buf.String())
	if m == nil {
		t.Fatalf("no metrics listener in the log:\n%s", buf)
	}
	for url, want := range map[string]int{base + "/metrics": http.StatusNotFound, "http://" + m[1] + "/metrics": http.StatusOK} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want || (want == http.StatusOK && !strings.Contains(string(body), "go_goroutines")) {
			t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
		}
	}
}

func TestRunUsageAndConfigErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"version"}, nil, exitOK, "kmbridge"},
		{[]string{"-h"}, nil, exitOK, "Usage:"},
		{[]string{"bogus"}, nil, exitUsage, "unknown command"},
		{[]string{"serve", "extra"}, nil, exitUsage, "unexpected argument"},
		{[]string{"config"}, map[string]string{"KMBRIDGE_KM_BASE_URL": "https://km.example.com/api"}, exitConfig, "km.token"},
		{[]string{"config"}, map[string]string{"KMBRIDGE_SLACK_BOT_TOKEN": "xoxb-secret-value", "KMBRIDGE_SLACK_SIGNING_SECRET": "s3cr3t", "KMBRIDGE_KM_DEMO": "true"},
			exitOK, "bot_token: '***'"},
		// Why (#13): with platform credentials and no km.base_url, real users were
		// answered from the demo knowledge base.
		{[]string{"serve"}, map[string]string{"KMBRIDGE_SLACK_BOT_TOKEN": "xoxb-secret-value", "KMBRIDGE_SLACK_SIGNING_SECRET": "s3cr3t"},
			exitConfig, "km.base_url (KMBRIDGE_KM_BASE_URL): is empty but slack credentials are set"},
		{[]string{"-config", "/no/such/file.yaml", "config"}, nil, exitConfig, "no such file"},
		// Why (#13): a misspelt variable was ignored, leaving km.base_url empty.
		{[]string{"serve"}, map[string]string{"KMBRIDGE_KM_BASEURL": "https://km.example.com/api", "KMBRIDGE_TELEGRAM_TOKEN": "1:secret"},
			exitConfig, "KMBRIDGE_KM_BASEURL is not a kmbridge setting; did you mean KMBRIDGE_KM_BASE_URL (km.base_url)?"},
		{[]string{"km", "ask", "hi"}, map[string]string{"KMBRIDGE_LOG_FORMATT": "json"}, exitConfig, "did you mean KMBRIDGE_LOG_FORMAT (log.format)?"},
		{[]string{"messages", "ja"}, nil, exitOK, "bridge.busy"},
		{[]string{"messages", "fr"}, nil, exitUsage, "not supported"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb strings.Builder
			code := run(context.Background(), tt.args, &out, &errb, mapEnv(tt.env))
			if code != tt.code || !strings.Contains(out.String()+errb.String(), tt.want) {
				t.Fatalf("code %d (want %d), output %q, want it to contain %q", code, tt.code, out.String()+errb.String(), tt.want)
			}
			if strings.Contains(out.String()+errb.String(), "xoxb-secret-value") {
				t.Fatal("a secret was printed")
			}
		})
	}
}

func TestEnvLookupFirstEntryWins(t *testing.T) {
	e := env{"A=1", "B=", "A=2", "NOEQUALS", "C=x=y"}
	for _, tt := range []struct {
		k, v string
		ok   bool
	}{{"A", "1", true}, {"B", "", true}, {"C", "x=y", true}, {"NOEQUALS", "", false}, {"D", "", false}} {
		if v, ok := e.lookup(tt.k); v != tt.v || ok != tt.ok {
			t.Errorf("lookup(%q) = %q, %v; want %q, %v", tt.k, v, ok, tt.v, tt.ok)
		}
	}
	if got := strings.Join(e.names(), " "); got != "A B A NOEQUALS C" {
		t.Errorf("names = %q", got)
	}
}

// Help goes to stdout once; nothing to stderr (the flag package would print it again).
func TestHelpPrintedOnce(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"serve", "-h"}, {"messages", "-h"}, {"config", "-h"}, {"check", "-h"}, {"km", "-h"}} {
		var out, errb strings.Builder
		if code := run(context.Background(), args, &out, &errb, nil); code != exitOK {
			t.Errorf("%v: exit %d", args, code)
		}
		if errb.Len() != 0 || strings.Count(out.String(), "Usage") != 1 {
			t.Errorf("%v: stdout %q, stderr %q; want the usage once on stdout", args, out.String(), errb.String())
		}
	}
}

func TestServePortTakenSaysWhatToDo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := config.Defaults()
	cfg.HTTP.Listen = ln.Addr().String()
	cfg.Store.SnapshotPath = ""
	err = serve(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "KMBRIDGE_HTTP_LISTEN") {
		t.Fatalf("want an error naming http.listen, got %v", err)
	}
	cfg.HTTP.Listen, cfg.HTTP.MetricsListen = "127.0.0.1:0", ln.Addr().String()
	err = serve(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "KMBRIDGE_HTTP_METRICS_LISTEN") {
		t.Fatalf("want an error naming http.metrics_listen, got %v", err)
	}
}

// TestRedisPoolURL: the Redis pool is sized for the workers unless the URL
// sizes it itself.
func TestRedisPoolURL(t *testing.T) {
	for _, c := range []struct {
		in      string
		workers int
		want    string
	}{
		{"redis://localhost:6379/0", 1024, "redis://localhost:6379/0?pool_size=1024"},
		{"redis://u:p@localhost:6379/2?dial_timeout=3s", 4096, "redis://u:p@localhost:6379/2?dial_timeout=3s&pool_size=4096"},
		{"redis://localhost:6379?pool_size=8", 1024, "redis://localhost:6379?pool_size=8"},
		{"rediss://redis.example:6380", 1, "rediss://redis.example:6380?pool_size=" + strconv.Itoa(10*runtime.GOMAXPROCS(0))},
		{"::not a url", 64, "::not a url"},
	} {
		if got := redisPoolURL(c.in, c.workers); got != c.want {
			t.Errorf("redisPoolURL(%q, %d) = %q, want %q", c.in, c.workers, got, c.want)
		}
	}
}

// blockingSnapshotter is a store whose snapshot runs until released.
type blockingSnapshotter struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingSnapshotter) Snapshot(context.Context) error {
	b.once.Do(func() { close(b.started) })
	<-b.release
	return nil
}

// TestSnapshotsDoneWaitsForAPeriodicSnapshot: serve closes the store (which
// writes the last snapshot) only once a periodic snapshot still being written
// is finished, so that the two are never written at once.
func TestSnapshotsDoneWaitsForAPeriodicSnapshot(t *testing.T) {
	b := &blockingSnapshotter{started: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := startSnapshots(ctx, b, time.Millisecond, slog.New(slog.DiscardHandler))
	<-b.started
	cancel()
	select {
	case <-done:
		t.Fatal("startSnapshots said done while a snapshot was still being written")
	case <-time.After(50 * time.Millisecond):
	}
	close(b.release)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("startSnapshots not done after its snapshot finished and ctx ended")
	}
}

// TestSnapshotsDoneWithoutSnapshots: with no snapshot in progress, ending ctx
// is enough.
func TestSnapshotsDoneWithoutSnapshots(t *testing.T) {
	b := &blockingSnapshotter{started: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := startSnapshots(ctx, b, time.Hour, slog.New(slog.DiscardHandler))
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("startSnapshots not done after ctx ended")
	}
}
