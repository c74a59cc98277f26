package logx

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/internal/testlog"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func setup() (*slog.Logger, *Throttle, *testlog.Buffer, *clock) {
	buf := &testlog.Buffer{}
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	th := NewThrottle(slog.NewJSONHandler(buf, nil), time.Minute, c.now)
	return slog.New(th), th, buf, c
}

func records(t *testing.T, buf *testlog.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// Why (#13): every forged request wrote a warning; a flood wrote a flood.
func TestThrottlePassesTheFirstAndSummarisesTheRest(t *testing.T) {
	log, th, buf, c := setup()
	slack := log.With("adapter", "slack")
	for i := range 1000 {
		slack.Warn("slack: request signature invalid", Throttled("slack.signature"), "remote", fmt.Sprint("203.0.113.", i%250))
		c.add(10 * time.Millisecond) // 1000 in 10s
	}
	log.Info("unrelated", "n", 1) // untagged records pass
	if got := records(t, buf); len(got) != 2 || got[0]["remote"] != "203.0.113.0" || got[1]["msg"] != "unrelated" {
		t.Fatalf("within the interval want the first record and the untagged one, got %v", got)
	}
	th.Flush(context.Background()) // interval not over: nothing yet
	if n := len(records(t, buf)); n != 2 {
		t.Fatalf("Flush before the interval wrote %d records", n)
	}
	c.add(50 * time.Second)
	th.Flush(context.Background())
	got := records(t, buf)
	if len(got) != 3 {
		t.Fatalf("want a summary after the interval, got %v", got)
	}
	s := got[2]
	if s["msg"] != "slack: request signature invalid" || s["level"] != "WARN" || s["suppressed"] != float64(999) ||
		s["throttle"] != "slack.signature" || s["adapter"] != "slack" || s["remote"] != nil || s["window"] == nil {
		t.Fatalf("summary = %v", s)
	}
	// After the summary the key starts afresh: the next one passes.
	slack.Warn("slack: request signature invalid", Throttled("slack.signature"))
	if n := len(records(t, buf)); n != 4 {
		t.Fatalf("the first record of a new interval must pass; %d records", n)
	}
}

func TestThrottleSummaryWrittenByTheNextRecordWithoutFlush(t *testing.T) {
	log, _, buf, c := setup()
	for range 3 {
		log.Warn("telegram: wrong secret token", Throttled("telegram.secret"))
	}
	c.add(time.Minute)
	log.Warn("telegram: wrong secret token", Throttled("telegram.secret"))
	got := records(t, buf)
	if len(got) != 3 || got[1]["suppressed"] != float64(2) || got[2]["suppressed"] != nil {
		t.Fatalf("want first, summary (2), then the new interval's first; got %v", got)
	}
}

func TestThrottleKeysAndMessagesCountedApart(t *testing.T) {
	log, th, buf, c := setup()
	for range 5 {
		log.Warn("bad signature", Throttled("slack.signature"))
		log.Warn("bad signature", Throttled("discord.signature"))
		log.Warn("other message", Throttled("slack.signature"))
	}
	if n := len(records(t, buf)); n != 3 {
		t.Fatalf("want one record per key and message, got %d", n)
	}
	c.add(time.Minute)
	th.Flush(context.Background())
	got := records(t, buf)
	if len(got) != 6 {
		t.Fatalf("want three summaries, got %v", got)
	}
	for _, s := range got[3:] {
		if s["suppressed"] != float64(4) {
			t.Errorf("summary %v, want suppressed=4", s)
		}
	}
	th.Flush(context.Background()) // nothing left: quiet keys are forgotten
	if n := len(records(t, buf)); n != 6 {
		t.Fatalf("a second Flush wrote again: %d", n)
	}
}

func TestThrottleKeyFromWithAttrs(t *testing.T) {
	log, th, buf, c := setup()
	origins := log.With(Throttled("web.origin")).WithGroup("req")
	for range 4 {
		origins.Warn("web: origin refused", "origin", "https://evil.example")
	}
	c.add(2 * time.Minute)
	th.Flush(context.Background())
	got := records(t, buf)
	if len(got) != 2 {
		t.Fatalf("got %v", got)
	}
	if g, _ := got[1]["req"].(map[string]any); g["suppressed"] != float64(3) { // in the logger's group, as its other attributes
		t.Fatalf("summary %v", got[1])
	}
	if line := buf.String(); strings.Count(line, `"throttle"`) != 2 {
		t.Fatalf("the throttle attribute once per record, got:\n%s", line)
	}
}

// No count is lost at shutdown: Run's last flush writes the open windows.
func TestThrottleRunFlushesAtTheEnd(t *testing.T) {
	log, th, buf, _ := setup()
	for range 3 {
		log.Warn("x", Throttled("k"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { th.Run(ctx); close(done) }()
	cancel()
	<-done
	if got := records(t, buf); len(got) != 2 || got[1]["suppressed"] != float64(2) {
		t.Fatalf("got %v", got)
	}
}

func TestThrottleConcurrent(t *testing.T) {
	log, th, buf, c := setup()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				log.Warn("flood", Throttled("k"))
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			c.add(time.Second)
			th.Flush(context.Background())
		}
	})
	wg.Wait()
	c.add(time.Hour)
	th.Flush(context.Background())
	passed, suppressed := 0, 0
	for _, r := range records(t, buf) {
		if n, ok := r["suppressed"].(float64); ok {
			suppressed += int(n)
		} else {
			passed++
		}
	}
	if passed+suppressed != 4000 {
		t.Fatalf("passed %d + suppressed %d != 4000 records logged", passed, suppressed)
	}
}

func TestThrottleKeepsBoundedState(t *testing.T) {
	log, th, buf, _ := setup()
	for i := range maxKeys + 10 {
		log.Warn("m", Throttled(fmt.Sprint("k", i)))
		log.Warn("m", Throttled(fmt.Sprint("k", i)))
	}
	if n := len(th.st.keys); n != maxKeys {
		t.Fatalf("%d keys kept, want at most %d", n, maxKeys)
	}
	// Past the bound records pass rather than vanish.
	if n := len(records(t, buf)); n != maxKeys+20 {
		t.Fatalf("%d records, want %d", n, maxKeys+20)
	}
}

func TestThrottleHonoursTheInnerLevel(t *testing.T) {
	buf := &testlog.Buffer{}
	th := NewThrottle(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelWarn}), time.Minute, nil)
	log := slog.New(th)
	log.Info("quiet", Throttled("k"))
	log.Warn("loud", Throttled("k"))
	if out := buf.String(); strings.Contains(out, "quiet") || !strings.Contains(out, "loud") {
		t.Fatalf("got %q", out)
	}
}
