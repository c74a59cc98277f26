package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/internal/testredis"
)

var (
	ctx = context.Background()

	// server is the package's redis-server; nil when it could not be started,
	// serverErr says why.
	server    *testredis.Server
	serverErr error

	prefixes atomic.Int64
)

// TestMain runs the tests against one redis-server of their own, started here
// and stopped at the end, then checks for leaked goroutines.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	server, serverErr = testredis.StartServer()
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
	testredis.Need(t, serverErr)
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

// freePort returns a loopback port nothing listens on (once it returns).
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
