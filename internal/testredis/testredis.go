// Package testredis starts a throw-away redis-server for a test: on a free
// loopback port, no persistence, its working directory a temp dir, stopped
// (and its directory removed) when the test ends. A test binary killed by
// -timeout takes it along (linux: the parent-death signal).
package testredis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotFound: the redis-server binary is not installed.
var ErrNotFound = errors.New("redis-server not found: install the Debian package redis-server " +
	"(apt-get install redis-server, or run scripts/test as root, which installs it)")

// Start starts a redis-server for t and returns its address; it is stopped
// when t ends. Without the redis-server binary it skips t, and fails it when
// the environment variable CI is set: there the Redis tests must run.
func Start(t testing.TB) string {
	t.Helper()
	s, err := StartServer()
	if err != nil {
		Need(t, err)
	}
	t.Cleanup(s.Stop)
	return s.Addr
}

// Need handles err, StartServer's error, for a test that needs the server:
// ErrNotFound skips t (fails it when CI is set), any other error fails it.
// A package sharing one server (started in TestMain) calls it in each test.
func Need(t testing.TB, err error) {
	t.Helper()
	switch {
	case err == nil:
	case errors.Is(err, ErrNotFound) && os.Getenv("CI") != "":
		t.Fatalf("CI is set, so Redis tests must run: %v", err)
	case errors.Is(err, ErrNotFound):
		t.Skip(err)
	default:
		t.Fatalf("redis-server is installed but did not start: %v", err)
	}
}

// Server is a running redis-server.
type Server struct {
	Addr   string // host:port on loopback
	cmd    *exec.Cmd
	dir    string
	log    string
	exited chan struct{} // closed when the process has exited
}

// StartServer starts a redis-server on a free loopback port, in a temp
// directory of its own, and waits until it answers PING; Stop stops it. The
// error is ErrNotFound without the binary.
func StartServer() (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/redis-server"); serr != nil {
			return nil, ErrNotFound
		}
		bin = "/usr/bin/redis-server"
	}
	var last error
	for range 3 { // a port taken between choosing and binding: try another
		s, err := start(bin)
		if err == nil {
			return s, nil
		}
		last = err
	}
	return nil, fmt.Errorf("redis-server did not start: %w", last)
}

func start(bin string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "kmbridge-redis-")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir,
		log: filepath.Join(dir, "redis.log"), exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "--save", "", "--appendonly", "no", "--port", strconv.Itoa(port),
		"--bind", "127.0.0.1", "--dir", dir, "--logfile", s.log, "--daemonize", "no")
	started := make(chan error, 1)
	go s.run(started)
	if err := <-started; err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	if err := s.ready(15 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// run starts the process and waits for it on one locked OS thread: the
// parent-death signal fires when the thread that forked the child exits.
func (s *Server) run(started chan<- error) {
	lockThread()
	defer close(s.exited)
	setParentDeathSignal(s.cmd)
	if err := s.cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	_ = s.cmd.Wait()
}

func (s *Server) ready(timeout time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1, DialTimeout: time.Second})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return errors.New("redis-server exited: " + s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready after %s: %v; log: %s", s.Addr, timeout, err, s.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log)
	b = bytes.TrimSpace(b)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}

// Stop terminates the server (SIGTERM, then SIGKILL after 5 s) and removes
// its directory.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	os.RemoveAll(s.dir)
}
