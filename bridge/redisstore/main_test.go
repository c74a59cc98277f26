package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bridge/redisstore"
)

var (
	ctx = context.Background()

	// server is the package's redis-server; nil when it could not be started,
	// serverErr says why.
	server    *redisServer
	serverErr error

	prefixes atomic.Int64
)

// TestMain runs the tests against one redis-server of their own, started here
// and stopped at the end, then checks for leaked goroutines.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	server, serverErr = startRedis()
	code := m.Run()
	if server != nil {
		server.Stop()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}

// needRedis returns the test server's address, skipping the test when
// redis-server is not installed (failing it under CI) and failing it when it
// is but would not start.
func needRedis(t testing.TB) string {
	t.Helper()
	switch {
	case errors.Is(serverErr, errNoRedis) && os.Getenv("CI") != "":
		t.Fatalf("CI is set, so Redis tests must run: %v", serverErr)
	case errors.Is(serverErr, errNoRedis):
		t.Skip(serverErr)
	case serverErr != nil:
		t.Fatalf("redis-server is installed but did not start: %v", serverErr)
	}
	return server.Addr
}

// newPrefix returns a key prefix no other test (or -count run) uses, so tests
// share the server without seeing each other's keys.
func newPrefix() string { return fmt.Sprintf("kmbtest%d:", prefixes.Add(1)) }

func redisURL(addr string) string { return "redis://" + addr + "/0" }

// openRedis opens a Store with its own client on the test server; Close is
// registered as cleanup.
func openRedis(t testing.TB, addr, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(ctx, redisstore.Options{URL: redisURL(addr), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	return s
}

// rawClient is a plain client on the test server, for looking behind the store.
func rawClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// eventually polls cond until it returns nil, failing the test with its last
// error after wait.
func eventually(t testing.TB, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", wait, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wait bounds every poll: generous, for a busy 2-core machine.
const wait = 10 * time.Second
