package redisstore_test

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
	"time"

	"github.com/redis/go-redis/v9"
)

// errNoRedis means the redis-server binary is not installed: tests that need it
// skip, the others run.
var errNoRedis = errors.New("redis-server not found: install the Debian package redis-server " +
	"(apt-get install redis-server, or run scripts/test as root, which installs it)")

// redisServer is a throw-away redis-server child on a loopback port: no
// persistence, its working directory a temp dir.
type redisServer struct {
	Addr   string
	cmd    *exec.Cmd
	dir    string
	log    string
	exited chan struct{} // closed when the process has exited
}

// findRedis returns the redis-server binary.
func findRedis() (string, error) {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/redis-server"); err == nil {
		return "/usr/bin/redis-server", nil
	}
	return "", errNoRedis
}

// startRedis starts redis-server on a free loopback port and waits until it
// answers PING. A port taken between choosing and binding is retried.
func startRedis() (*redisServer, error) {
	bin, err := findRedis()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 {
		s, err := tryStartRedis(bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStartRedis(bin string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kmbridge-redis-")
	if err != nil {
		return nil, err
	}
	s := &redisServer{
		Addr:   net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		dir:    dir,
		log:    filepath.Join(dir, "redis.log"),
		exited: make(chan struct{}),
	}
	s.cmd = exec.Command(bin,
		"--save", "", "--appendonly", "no",
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--logfile", s.log, "--daemonize", "no")
	started := make(chan error, 1)
	go s.run(started)
	if err := <-started; err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	if err := s.waitReady(15 * time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// run starts the process and waits for it on one locked OS thread: the child's
// parent-death signal (linux) fires when the thread that forked it exits, so the
// thread must live as long as the child. A test binary killed by -timeout then
// takes its redis-server with it.
func (s *redisServer) run(started chan<- error) {
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

func (s *redisServer) waitReady(timeout time.Duration) error {
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
			return fmt.Errorf("redis-server on %s exited: %s", s.Addr, s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s not ready after %s: %v; log: %s", s.Addr, timeout, err, s.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *redisServer) logTail() string {
	b, _ := os.ReadFile(s.log)
	b = bytes.TrimSpace(b)
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return string(b)
}

// Stop terminates the server (SIGTERM, then SIGKILL after 5 s) and removes its
// directory.
func (s *redisServer) Stop() {
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

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
