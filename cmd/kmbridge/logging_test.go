package main

import (
	"context"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/internal/logx"
	"github.com/kmbridge/kmbridge/internal/testlog"
)

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
