package redisstore_test

// What only the Redis store has: opening, key layout, values written by someone
// else, closing, and Redis going away and coming back.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
)

func TestOpenErrors(t *testing.T) {
	const secret = "s3cret-pass"
	port, err := freePort() // nothing listens there once freePort returns
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, url string
		needRedis bool
		want      string
	}{
		{"no URL", "", false, "set store.redis_url"},
		{"wrong scheme", "http://localhost:6379", false, "store.redis_url: redis: invalid URL scheme"},
		{"unparseable, with a password", "redis://kmb:" + secret + "@[::1", false, "store.redis_url: invalid URL"},
		{"bad database", "redis://localhost:6379/x", false, "store.redis_url: redis: invalid database number"},
		{"nothing listening", "redis://kmb:" + secret + "@127.0.0.1:" + strconv.Itoa(port) + "/0", false, "redisstore: open: ping:"},
		{"wrong password", "redis://kmb:" + secret + "@{addr}/0", true, "redisstore: open: ping:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := c.url
			if c.needRedis {
				u = strings.ReplaceAll(u, "{addr}", needRedis(t))
			}
			cctx, cancel := context.WithTimeout(ctx, wait)
			defer cancel()
			s, err := redisstore.Open(cctx, redisstore.Options{URL: u})
			if err == nil || s != nil {
				t.Fatalf("Open(%q) = %v, %v; want an error", u, s, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not contain %q", err, c.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the password: %q", err)
			}
			if cctx.Err() != nil {
				t.Errorf("Open did not fail before the context ended")
			}
		})
	}
}

func TestKeyLayoutAndTTLs(t *testing.T) {
	addr := needRedis(t)
	raw := rawClient(t, addr)
	s, err := redisstore.Open(ctx, redisstore.Options{URL: redisURL(addr)}) // default prefix
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	run := newPrefix() // keeps -count=N runs apart under the shared default prefix
	k := bridge.ConvKey{Platform: "slack", Workspace: "T1", Channel: "C|" + run, Thread: "171.1"}
	tok := "tok-" + run
	logID := time.Now().UnixNano()

	must(t, s.PutSession(ctx, k, bridge.KMSession{ID: 42}, time.Hour))
	must(t, s.PutAction(ctx, tok, bridge.StoredAction{Key: k}, 90*time.Second))
	if _, err := s.Seen(ctx, "slack:"+run, 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	must(t, s.MarkRated(ctx, logID, 0))
	must(t, s.AppendTurn(ctx, k, bridge.Turn{Text: "hi"}, 5, time.Hour))

	conv := fmt.Sprintf("kmbridge:conv:%016x", uint64(bridge.RingOf(k.String())))
	want := []struct {
		key, typ string
		ttl      time.Duration // -1: none
	}{
		{conv, "hash", time.Hour},
		{"kmbridge:action:" + tok, "string", 90 * time.Second},
		{"kmbridge:seen:slack:" + run, "string", 1500 * time.Millisecond},
		{"kmbridge:rated:" + strconv.FormatInt(logID, 10), "string", -1},
	}
	keys := make([]string, len(want))
	for i, w := range want {
		keys[i] = w.key
		typ, err := raw.Type(ctx, w.key).Result()
		if err != nil || typ != w.typ {
			t.Errorf("%s: type %q %v, want %s", w.key, typ, err, w.typ)
			continue
		}
		ttl, err := raw.PTTL(ctx, w.key).Result()
		switch {
		case err != nil:
			t.Errorf("%s: %v", w.key, err)
		case w.ttl < 0 && ttl != -1:
			t.Errorf("%s: TTL %s, want none", w.key, ttl)
		case w.ttl > 0 && (ttl <= 0 || ttl > w.ttl):
			t.Errorf("%s: TTL %s, want (0, %s]", w.key, ttl, w.ttl)
		}
	}
	t.Cleanup(func() { raw.Del(ctx, keys...) })

	// The hash names its conversation, holds the session and the turn.
	fields := raw.HGetAll(ctx, conv).Val()
	if fields["n"] != k.String() || fields["s"] == "" || fields["tn"] != "1" || fields["t1"] == "" {
		t.Errorf("conversation hash %q: fields %q", conv, fields)
	}
	// An append without TTL makes the conversation permanent.
	must(t, s.AppendTurn(ctx, k, bridge.Turn{Text: "again"}, 5, 0))
	if ttl := raw.PTTL(ctx, conv).Val(); ttl != -1 {
		t.Errorf("conversation TTL after an append without one: %s", ttl)
	}
}

func TestPrefixesIsolate(t *testing.T) {
	addr := needRedis(t)
	a, b := openRedis(t, addr, newPrefix()), openRedis(t, addr, newPrefix())
	must(t, a.PutSession(ctx, key, bridge.KMSession{ID: 1}, time.Hour))
	must(t, a.PutAction(ctx, "tok", bridge.StoredAction{}, time.Hour))
	must(t, a.MarkRated(ctx, 1, time.Hour))
	if _, ok, _ := b.Session(ctx, key); ok {
		t.Error("session visible under another prefix")
	}
	if _, ok, _ := b.Action(ctx, "tok"); ok {
		t.Error("action visible under another prefix")
	}
	if r, _ := b.Rated(ctx, 1); r {
		t.Error("rating visible under another prefix")
	}
}

func TestValuesThatDoNotDecode(t *testing.T) {
	addr := needRedis(t)
	p := newPrefix()
	s, raw := openRedis(t, addr, p), rawClient(t, addr)
	raw.Set(ctx, p+"session:"+key.String(), "not json", time.Hour)
	raw.Set(ctx, p+"action:tok", `{"a":{"k":`, time.Hour)
	raw.RPush(ctx, p+"transcript:"+key.String(), `{"t":"ok"}`, "\x00garbage")
	raw.Expire(ctx, p+"transcript:"+key.String(), time.Hour)

	if _, ok, err := s.Session(ctx, key); ok || err == nil || !strings.Contains(err.Error(), p+"session:") {
		t.Errorf("Session = %v %v; want an error naming the key", ok, err)
	}
	if _, ok, err := s.Action(ctx, "tok"); ok || err == nil || !strings.Contains(err.Error(), p+"action:tok") {
		t.Errorf("Action = %v %v; want an error naming the key", ok, err)
	}
	if tr, err := s.Transcript(ctx, key); tr != nil || err == nil || !strings.Contains(err.Error(), "turn 1") {
		t.Errorf("Transcript = %v %v; want an error naming the turn", tr, err)
	}
	// Writing over a bad value repairs it.
	must(t, s.PutSession(ctx, key, bridge.KMSession{ID: 3}, time.Hour))
	if got, ok, err := s.Session(ctx, key); !ok || err != nil || got.ID != 3 {
		t.Errorf("after rewrite: %+v %v %v", got, ok, err)
	}
}

func TestCloseOwnClientOnly(t *testing.T) {
	addr := needRedis(t)
	c := rawClient(t, addr)
	s, err := redisstore.Open(ctx, redisstore.Options{Client: c, Prefix: newPrefix()})
	if err != nil {
		t.Fatal(err)
	}
	must(t, s.PutSession(ctx, key, bridge.KMSession{ID: 1}, time.Hour))
	must(t, s.Close(ctx))
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("the caller's client was closed: %v", err)
	}
}

func TestClosedStore(t *testing.T) {
	s := openRedis(t, needRedis(t), newPrefix())
	must(t, s.Close(ctx))
	must(t, s.Close(ctx)) // again: the first result
	for op, err := range allOps(s) {
		if err == nil || !errors.Is(err, redis.ErrClosed) || !strings.HasPrefix(err.Error(), "redisstore: ") {
			t.Errorf("%s after Close: %v; want a wrapped redis.ErrClosed", op, err)
		}
	}
}

// TestOutage: while Redis is unreachable every operation fails with an error
// (which the core turns into an apology), nothing panics, and the store works
// again once Redis is back, without reopening.
func TestOutage(t *testing.T) {
	addr := needRedis(t)
	px := startProxy(t, addr)
	s := openRedis(t, px.Addr, newPrefix())
	for op, err := range allOps(s) {
		if err != nil {
			t.Fatalf("%s before the outage: %v", op, err)
		}
	}
	px.SetDown(true)
	start := time.Now()
	for op, err := range allOps(s) {
		if err == nil || !strings.HasPrefix(err.Error(), "redisstore: ") {
			t.Errorf("%s during the outage: %v; want a redisstore error", op, err)
		}
	}
	t.Logf("9 operations failed in %s during the outage (go-redis retries each)", time.Since(start))
	px.SetDown(false)
	eventually(t, func() error {
		for op, err := range allOps(s) {
			if err != nil {
				return fmt.Errorf("%s after the outage: %w", op, err)
			}
		}
		return nil
	})
	if got, ok, err := s.Session(ctx, key); !ok || err != nil || got.ID != 1 {
		t.Errorf("session after the outage: %+v %v %v", got, ok, err)
	}
}

// allOps runs every Store operation once and yields its name and error.
func allOps(s bridge.Store) func(yield func(string, error) bool) {
	return func(yield func(string, error) bool) {
		_, _, err := s.Session(ctx, key)
		if !yield("Session", err) {
			return
		}
		if !yield("PutSession", s.PutSession(ctx, key, bridge.KMSession{ID: 1}, time.Hour)) {
			return
		}
		if !yield("PutButtons", s.PutButtons(ctx, bridge.RingOf(key.String()), key.String(), bridge.ButtonGroup{ID: 1, Key: key}, 8)) {
			return
		}
		_, _, err = s.Action(ctx, "tok")
		if !yield("Action", err) {
			return
		}
		_, err = s.Seen(ctx, "d", time.Hour)
		if !yield("Seen", err) {
			return
		}
		_, err = s.Rated(ctx, 1)
		if !yield("Rated", err) {
			return
		}
		if !yield("MarkRated", s.MarkRated(ctx, 1, time.Hour)) {
			return
		}
		if !yield("AppendTurn", s.AppendTurn(ctx, key, bridge.Turn{Text: "x"}, 5, time.Hour)) {
			return
		}
		_, err = s.Transcript(ctx, key)
		yield("Transcript", err)
	}
}
