package main

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/internal/logx"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

// logRecords decodes every line of out, failing on one that is not JSON.
func logRecords(t *testing.T, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		recs = append(recs, m)
	}
	return recs
}

// Why (#13): discordgo and go-redis wrote plain text to the standard logger,
// whatever log.format said.
func TestLibraryLogsFollowLogFormat(t *testing.T) {
	cfg := config.Defaults()
	cfg.Log.Format = "json"
	buf := &testlog.Buffer{}
	log, _ := newLogging(buf, &cfg)
	routeLibraryLogs(log)
	t.Cleanup(func() { discordgo.Logger = nil })

	s, err := discordgo.New("Bot not-a-token")
	if err != nil {
		t.Fatal(err)
	}
	s.AddHandler(42) // discordgo logs an error: not a handler
	recs := logRecords(t, buf.String())
	if len(recs) != 1 || recs[0]["component"] != "discordgo" || recs[0]["level"] != "ERROR" ||
		!strings.Contains(recs[0]["msg"].(string), "Invalid handler type") || !strings.HasPrefix(recs[0]["source"].(string), "event.go:") {
		t.Fatalf("discordgo's log line: %v", recs)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: go-redis logs its dial failure
	rc := redis.NewClient(&redis.Options{Addr: addr, DialerRetries: 1, MaxRetries: -1, DialTimeout: time.Second})
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rc.Ping(ctx).Err(); err == nil {
		t.Fatal("ping to a closed port succeeded")
	}
	recs = logRecords(t, buf.String())
	var found bool
	for _, r := range recs[1:] {
		if r["component"] == "go-redis" && r["level"] == "WARN" && strings.Contains(r["msg"].(string), "failed to dial") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no go-redis dial failure among %v", recs)
	}
}

// Tagged warnings (logx.Throttled) are rate-limited in the process's logger.
func TestProcessLoggerThrottlesTaggedWarnings(t *testing.T) {
	cfg := config.Defaults()
	buf := &testlog.Buffer{}
	log, th := newLogging(buf, &cfg)
	for range 100 {
		log.Warn("telegram: wrong secret token", logx.Throttled("telegram.secret"))
	}
	log.Warn("untagged")
	log.Warn("untagged")
	if got := strings.Count(buf.String(), "wrong secret token"); got != 1 {
		t.Fatalf("%d lines for 100 tagged warnings, want 1:\n%s", got, buf)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	th.Run(ctx) // at the end, the count of the rest
	if out := buf.String(); !strings.Contains(out, "suppressed=99") || strings.Count(out, "untagged") != 2 {
		t.Fatalf("log:\n%s", out)
	}
}
