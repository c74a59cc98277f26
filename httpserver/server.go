// Package httpserver owns kmbridge's one HTTP server: every webhook route, the web
// chat, health and metrics mount on it. It adds what every route needs and none
// should repeat: body size limits, timeouts, panic recovery, request ids, a debug
// access log, health and readiness endpoints, and a bounded graceful shutdown.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultMaxBodyBytes      = 1 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
)

// Options configure a Server. Zero fields get the defaults above.
type Options struct {
	// Addr is the listen address (config http.listen). Ignored when Listener is set.
	Addr string
	// Listener, when set, is served instead of listening on Addr (tests: :0).
	Listener net.Listener
	// Logger receives the access log (debug), recovered panics and server errors.
	Logger *slog.Logger
	// MaxBodyBytes bounds every request body unless a route says otherwise.
	MaxBodyBytes int64
	// Timeouts of the underlying http.Server. WebSocket handlers are unaffected
	// once upgraded (the upgrade clears the connection deadlines).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds how long Run waits for in-flight requests once its
	// context ends; connections still open after it are closed.
	ShutdownTimeout time.Duration
	// Ready, when set, is asked by GET /readyz once the server is running:
	// nil is ready, an error is not, and its text (every problem, one per
	// line; no secrets) is the response body. It must be quick: it runs on
	// every probe, under the request's context.
	Ready func(ctx context.Context) error
	// TrustedProxies (config http.trusted_proxies): the access log names the
	// client behind them (see ClientIP) besides the direct peer.
	TrustedProxies []netip.Prefix
	// Metrics, when set, serves GET /metrics: on the main server, or on a
	// listener of its own when MetricsAddr or MetricsListener is set (config
	// http.metrics_listen), so metrics need not be reachable where webhooks and
	// the web chat are public.
	Metrics http.Handler
	// MetricsAddr is the metrics listener's address. Ignored when
	// MetricsListener is set.
	MetricsAddr string
	// MetricsListener, when set, is served instead of listening on MetricsAddr.
	MetricsListener net.Listener
}

// Server is the shared HTTP server. Routes may be added before or after Run.
type Server struct {
	opts    Options
	log     *slog.Logger
	mux     *http.ServeMux
	handler http.Handler
	metrics http.Handler // the metrics listener's handler; nil: none of its own

	running     atomic.Bool
	mu          sync.Mutex
	addr        net.Addr
	metricsAddr net.Addr
	regErr      error
	shutdown    []func()
	started     chan struct{}
}

// New builds a server; it does no I/O (Run listens).
func New(o Options) *Server {
	if o.Addr == "" {
		o.Addr = DefaultAddr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&o.ReadTimeout, DefaultReadTimeout)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.IdleTimeout, DefaultIdleTimeout)
	def(&o.ShutdownTimeout, DefaultShutdownTimeout)

	s := &Server{opts: o, log: o.Logger, mux: http.NewServeMux(), started: make(chan struct{})}
	s.mux.Handle("GET /healthz", http.HandlerFunc(s.healthz))
	s.mux.Handle("GET /readyz", http.HandlerFunc(s.readyz))
	s.handler = s.accessLog(s.recoverPanics(s.mux))
	if o.Metrics != nil {
		if o.MetricsAddr == "" && o.MetricsListener == nil {
			s.mux.Handle("GET /metrics", o.Metrics)
		} else {
			mm := http.NewServeMux()
			mm.Handle("GET /metrics", o.Metrics)
			s.metrics = s.accessLog(s.recoverPanics(mm))
		}
	}
	return s
}

// Handle mounts h on pattern (a Go 1.22 ServeMux pattern such as
// "POST /slack/events") with the server's default body limit. A pattern that
// conflicts with another is logged and reported by Run instead of panicking.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.HandleLimit(pattern, h, s.opts.MaxBodyBytes)
}

// HandleLimit is Handle with this route's own request body limit in bytes.
func (s *Server) HandleLimit(pattern string, h http.Handler, maxBodyBytes int64) {
	if maxBodyBytes <= 0 {
		maxBodyBytes = s.opts.MaxBodyBytes
	}
	if err := s.register(pattern, h, maxBodyBytes); err != nil {
		s.log.Error("httpserver: route not mounted", "pattern", pattern, "err", err)
		s.mu.Lock()
		s.regErr = errors.Join(s.regErr, err)
		s.mu.Unlock()
	}
}

func (s *Server) register(pattern string, h http.Handler, maxBodyBytes int64) (err error) {
	if h == nil {
		return fmt.Errorf("httpserver: handle %q: nil handler", pattern)
	}
	defer func() {
		if r := recover(); r != nil { // ServeMux panics on bad or conflicting patterns
			err = fmt.Errorf("httpserver: handle %q: %v", pattern, r)
		}
	}()
	s.mux.Handle(pattern, limitBody(h, maxBodyBytes))
	return nil
}

// OnShutdown registers f to run when shutdown begins, so owners of hijacked
// connections (WebSockets), which the drain does not track, can close them.
func (s *Server) OnShutdown(f func()) {
	s.mu.Lock()
	s.shutdown = append(s.shutdown, f)
	s.mu.Unlock()
}

// Handler returns the full handler chain (middleware and routes), for tests that
// serve it with httptest.
func (s *Server) Handler() http.Handler { return s.handler }

// Addr returns the address being served once Run has started listening, else nil.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// MetricsAddr returns the metrics listener's address once Run has started
// listening, else nil (also when metrics are served on the main server).
func (s *Server) MetricsAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metricsAddr
}

// Started is closed once Run is listening.
func (s *Server) Started() <-chan struct{} { return s.started }

// Run listens and serves until ctx ends, then stops accepting, drains in-flight
// requests for at most ShutdownTimeout and closes what is left. It returns nil
// after a clean shutdown, the route registration error if any route failed to
// mount, or the listen/serve error (of either listener, with metrics on their
// own).
func (s *Server) Run(ctx context.Context) error {
	s.mu.Lock()
	regErr := s.regErr
	s.mu.Unlock()
	if regErr != nil {
		return regErr
	}
	ln, err := listen(s.opts.Listener, s.opts.Addr)
	if err != nil {
		return err
	}
	servers := []*http.Server{s.httpServer(s.handler)}
	listeners := []net.Listener{ln}
	if s.metrics != nil {
		mln, err := listen(s.opts.MetricsListener, s.opts.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("%w (metrics)", err)
		}
		servers = append(servers, s.httpServer(s.metrics))
		listeners = append(listeners, mln)
	}
	s.mu.Lock()
	s.addr = ln.Addr()
	if len(listeners) > 1 {
		s.metricsAddr = listeners[1].Addr()
	}
	s.mu.Unlock()

	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	s.running.Store(true)
	// Logged before started is closed: whoever waits for the start may read
	// the log for the addresses.
	s.log.Info("http server listening", "addr", ln.Addr().String())
	if len(listeners) > 1 {
		s.log.Info("metrics listening", "addr", listeners[1].Addr().String())
	}
	close(s.started)

	var serveErr error
	pending := len(servers)
	select {
	case err := <-errc:
		serveErr = fmt.Errorf("httpserver: serve: %w", err)
		pending--
	case <-ctx.Done():
	}
	s.running.Store(false)
	s.mu.Lock()
	hooks := append([]func(){}, s.shutdown...)
	s.mu.Unlock()
	for _, f := range hooks {
		go f() // as http.Server.RegisterOnShutdown: hooks must not delay the drain
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	var shutErr error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			if shutErr == nil {
				s.log.Warn("http server: drain timed out; closing remaining connections", "timeout", s.opts.ShutdownTimeout)
			}
			shutErr = err
			_ = srv.Close()
		}
	}
	for range pending { // Serve returns ErrServerClosed once Shutdown or Close began
		<-errc
	}
	if serveErr != nil {
		return serveErr
	}
	if shutErr != nil {
		return fmt.Errorf("httpserver: shutdown: %w", shutErr)
	}
	return nil
}

func (s *Server) httpServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

// listen returns ln, or a new TCP listener on addr.
func listen(ln net.Listener, addr string) (net.Listener, error) {
	if ln != nil {
		return ln, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("httpserver: listen on %s: %w", addr, err)
	}
	return ln, nil
}
