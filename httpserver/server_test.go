package httpserver

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/internal/testlog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// running starts s.Run on a loopback :0 listener and returns its base URL and a
// stop function that cancels and returns Run's error.
func running(t *testing.T, o Options) (*Server, string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Listener = ln
	s := New(o)
	return start(t, s, ln)
}

func start(t *testing.T, s *Server, ln net.Listener) (*Server, string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- s.Run(ctx) }()
	select {
	case <-s.Started():
	case err := <-errc:
		cancel()
		t.Fatalf("Run: %v", err)
	}
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-errc })
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return s, "http://" + ln.Addr().String(), stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthz(t *testing.T) {
	_, base, _ := running(t, Options{})
	code, body := get(t, base+"/healthz")
	if code != 200 || body != "ok" {
		t.Fatalf("healthz = %d %q, want 200 ok", code, body)
	}
	resp, err := http.Post(base+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d, want 405", resp.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestReadyz(t *testing.T) {
	var ready atomic.Bool
	s := New(Options{Ready: func(context.Context) error {
		if !ready.Load() {
			return errors.New("store: redis: connection refused\nkm: unreachable")
		}
		return nil
	}})
	// Before Run: not ready.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz before Run = %d, want 503", rec.Code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.opts.Listener = ln
	_, base, stop := start(t, s, ln)
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable ||
		body != "not ready:\nstore: redis: connection refused\nkm: unreachable\n" {
		t.Fatalf("readyz while Ready fails = %d %q, want 503 with the reasons", code, body)
	}
	ready.Store(true)
	if code, body := get(t, base+"/readyz"); code != 200 || body != "ready" {
		t.Fatalf("readyz = %d %q, want 200 ready", code, body)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("readyz after shutdown = %d, want 503", rec.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	s := New(Options{MaxBodyBytes: 100})
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		_, _ = w.Write(b)
	})
	s.Handle("POST /default", echo)
	s.HandleLimit("POST /big", echo, 1000)

	tests := []struct {
		name    string
		path    string
		size    int
		chunked bool
		want    int
	}{
		{"under default", "/default", 100, false, 200},
		{"over default, known length", "/default", 101, false, 413},
		{"over default, chunked", "/default", 101, true, 413},
		{"route override allows more", "/big", 900, false, 200},
		{"over route override", "/big", 1001, true, 413},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("x", tc.size))
			if tc.chunked {
				body = io.MultiReader(body) // hides the length
			}
			req := httptest.NewRequest("POST", tc.path, body)
			if tc.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status = %d, want %d", rec.Code, tc.want)
			}
			if tc.want == 200 && rec.Body.Len() != tc.size {
				t.Fatalf("echoed %d bytes, want %d", rec.Body.Len(), tc.size)
			}
		})
	}
}

func TestDefaultBodyLimitIsOneMiB(t *testing.T) {
	s := New(Options{})
	if s.opts.MaxBodyBytes != 1<<20 {
		t.Fatalf("default MaxBodyBytes = %d", s.opts.MaxBodyBytes)
	}
}

func TestPanicRecovery(t *testing.T) {
	log, buf := testlog.New()
	s, base, _ := running(t, Options{Logger: log})
	s.Handle("GET /boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") }))
	s.Handle("GET /late", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("partial"))
		panic("late kaboom")
	}))
	code, body := get(t, base+"/boom")
	if code != 500 || body != "internal error" {
		t.Fatalf("panicking handler answered %d %q, want 500", code, body)
	}
	if !strings.Contains(buf.String(), "kaboom") || !strings.Contains(buf.String(), "level=ERROR") {
		t.Fatalf("panic not logged at error level:\n%s", buf)
	}
	// A panic after the status line aborts that response only.
	resp, err := http.Get(base + "/late")
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	_ = err // the client may or may not see the abort, depending on buffering
	// The server is still alive.
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("server dead after panic: healthz = %d", code)
	}
	http.DefaultClient.CloseIdleConnections()
}

func TestRequestIDAndAccessLog(t *testing.T) {
	log, buf := testlog.New()
	s := New(Options{Logger: log})
	var seen string
	s.Handle("GET /x", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
		w.WriteHeader(http.StatusTeapot)
	}))
	tests := []struct {
		name, in string
		keep     bool
	}{
		{"generated", "", false},
		{"sane incoming kept", "abc-123_X.y", true},
		{"insane incoming replaced", "bad id\r\nX-Evil: 1", false},
		{"too long replaced", strings.Repeat("a", 65), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/x?token=secret", nil)
			if tc.in != "" {
				req.Header.Set("X-Request-Id", tc.in)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if got == "" || got != seen {
				t.Fatalf("header id %q, handler saw %q", got, seen)
			}
			if tc.keep != (got == tc.in) {
				t.Fatalf("id %q from incoming %q: keep=%v", got, tc.in, tc.keep)
			}
			if !strings.Contains(buf.String(), "request_id="+got) {
				t.Fatalf("access log lacks request id %s:\n%s", got, buf)
			}
		})
	}
	out := buf.String()
	for _, want := range []string{"level=DEBUG", "path=/x", "status=418", "method=GET"} {
		if !strings.Contains(out, want) {
			t.Errorf("access log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret") {
		t.Errorf("access log leaks the query string:\n%s", out)
	}
}

func TestWebSocketThroughMiddleware(t *testing.T) {
	log, buf := testlog.New()
	s, base, _ := running(t, Options{Logger: log, WriteTimeout: 50 * time.Millisecond})
	up := websocket.Upgrader{}
	s.Handle("GET /ws", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			mt, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, p); err != nil {
				return
			}
		}
	}))
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Echo twice, across the server's write timeout: an upgraded connection must
	// not inherit it.
	for i := range 2 {
		if err := c.WriteMessage(websocket.TextMessage, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		_, p, err := c.ReadMessage()
		if err != nil || string(p) != "hi" {
			t.Fatalf("echo %d = %q, %v", i, p, err)
		}
		if i == 0 {
			time.Sleep(100 * time.Millisecond) // not synchronisation: outlive the write timeout
		}
	}
	c.Close()
	waitFor(t, func() bool { return strings.Contains(buf.String(), "status=101") })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGracefulShutdownDrains(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	hooked := make(chan struct{})
	s, base, stop := running(t, Options{ShutdownTimeout: 30 * time.Second})
	s.OnShutdown(func() { close(hooked) })
	s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		_, _ = w.Write([]byte("done"))
	}))
	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get(base + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{code: resp.StatusCode, body: string(b)}
	}()
	<-entered
	runDone := make(chan error, 1)
	go func() { runDone <- stop() }()

	// New connections are refused once shutdown began.
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	select {
	case err := <-runDone:
		t.Fatalf("Run returned %v before the in-flight request finished", err)
	default:
	}
	close(release)
	r := <-got
	if r.err != nil || r.code != 200 || r.body != "done" {
		t.Fatalf("in-flight request = %+v, want 200 done", r)
	}
	if err := <-runDone; err != nil {
		t.Fatalf("Run = %v, want nil after a clean drain", err)
	}
	<-hooked // OnShutdown hook ran (the test times out otherwise)
	http.DefaultClient.CloseIdleConnections()
}

func TestShutdownIsBounded(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	s, base, stop := running(t, Options{ShutdownTimeout: 50 * time.Millisecond})
	s.Handle("GET /stuck", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(entered)
		<-release
	}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := http.Get(base + "/stuck")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	start := time.Now()
	err := stop()
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want a drain deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	<-done // the client saw its connection closed
}

func TestReadHeaderTimeout(t *testing.T) {
	_, base, _ := running(t, Options{ReadHeaderTimeout: 50 * time.Millisecond})
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = c.Write([]byte("GET /healthz HTTP/1.1\r\n")) // never finish the headers
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("server kept a slow-header connection open for 10s")
	}
}

func TestConflictingRouteReportedByRun(t *testing.T) {
	s := New(Options{Addr: "127.0.0.1:0"})
	h := http.NotFoundHandler()
	s.Handle("GET /a", h)
	s.Handle("GET /a", h) // conflict: must not panic
	s.Handle("GET /b", nil)
	err := s.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "/a") || !strings.Contains(err.Error(), "nil handler") {
		t.Fatalf("Run = %v, want the registration errors", err)
	}
}

func TestListenError(t *testing.T) {
	s := New(Options{Addr: "256.0.0.1:http"})
	if err := s.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("Run = %v, want a listen error", err)
	}
}
