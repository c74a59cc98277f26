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

// Start starts a redis-server for t and returns its address. Without the
// redis-server binary it skips t, and fails it when the environment variable
// CI is set: there the Redis tests must run.
func Start(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/redis-server"); serr != nil {
			msg := "redis-server not found: install the Debian package redis-server"
			if os.Getenv("CI") != "" {
				t.Fatalf("CI is set, so Redis tests must run: %s", msg)
			}
			t.Skip(msg)
		}
		bin = "/usr/bin/redis-server"
	}
	var last error
	for range 3 { // a port taken between choosing and binding: try another
		s, err := start(bin, t.TempDir())
		if err == nil {
			t.Cleanup(s.stop)
			return s.addr
		}
		last = err
	}
	t.Fatalf("redis-server did not start: %v", last)
	return ""
}

type server struct {
	addr   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

func start(bin, dir string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	s := &server{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), log: filepath.Join(dir, "redis.log"), exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "--save", "", "--appendonly", "no", "--port", strconv.Itoa(port),
		"--bind", "127.0.0.1", "--dir", dir, "--logfile", s.log, "--daemonize", "no")
	started := make(chan error, 1)
	go s.run(started)
	if err := <-started; err != nil {
		return nil, err
	}
	if err := s.ready(15 * time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// run starts the process and waits for it on one locked OS thread: the
// parent-death signal fires when the thread that forked the child exits.
func (s *server) run(started chan<- error) {
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

func (s *server) ready(timeout time.Duration) error {
	c := redis.NewClient(&redis.Options{Addr: s.addr, MaxRetries: -1, DialTimeout: time.Second})
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
			return fmt.Errorf("redis-server on %s not ready after %s: %v; log: %s", s.addr, timeout, err, s.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(s.log)
	b = bytes.TrimSpace(b)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}

// stop terminates the server: SIGTERM, then SIGKILL after 5 s.
func (s *server) stop() {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
}
