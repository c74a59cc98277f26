package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bench/internal/report"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEveryMessageAnsweredOnce runs the real kmbridge binary and the baseline
// on every platform with a few users and checks that each message got exactly
// one answer, with one KM chat call, and that the JSON output parses.
func TestEveryMessageAnsweredOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs kmbridge and the baseline")
	}
	t.Parallel() // TestHotChannelPacedNotDropped mostly waits for the pacer
	const users = 20
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-platform", "all", "-users", "20", "-concurrency", "8", "-baseline", "-json", "-quiet", "150ms", "-timeout", "15s"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	var rep report.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, stdout.String())
	}
	var seen []string
	for _, tb := range rep.Tables {
		seen = append(seen, tb.Platform)
		if len(tb.Rows) != 2 || tb.Rows[0].Target != "kmbridge" || tb.Rows[1].Target != "baseline" {
			t.Errorf("%s: rows %+v, want kmbridge and baseline", tb.Platform, tb.Rows)
			continue
		}
		if tb.Ratios["answers_per_sec"] <= 0 || tb.Ratios["cpu_us_per_answer"] < 0 {
			t.Errorf("%s: ratios %v", tb.Platform, tb.Ratios)
		}
		for _, row := range tb.Rows {
			for _, s := range row.Runs {
				who := tb.Platform + "/" + row.Target
				if s.Answers != users || s.Sent != users || s.Errors+s.Timeouts+s.WrongCount+s.WarmupOff != 0 {
					t.Errorf("%s: %d sent, %d answered, %d errors, %d timeouts, %d users with another count, %d warm-ups off; %v",
						who, s.Sent, s.Answers, s.Errors, s.Timeouts, s.WrongCount, s.WarmupOff, s.ErrorSamples)
				}
				if s.Posts != 1 || s.KMByKind["POST /v1/chat"] != 1 {
					t.Errorf("%s: %.2f answer posts and %.2f KM chat calls per answer, want 1 and 1 (%v)", who, s.Posts, s.KMByKind["POST /v1/chat"], s.KMByKind)
				}
				if s.AnswersPerSec <= 0 || s.P50ms <= 0 || s.P99ms < s.P50ms || s.PeakRSSMB <= 0 || s.WarmupPosts < 1 {
					t.Errorf("%s: implausible figures %+v", who, s)
				}
			}
		}
	}
	if got := strings.Join(seen, ","); got != "slack,telegram,discord,web" {
		t.Errorf("platforms %s", got)
	}
}

// TestHotChannelPacedNotDropped runs the hot mode small: 8 users in one
// Slack channel, the baseline asked for but left out. Every message is
// answered once (none dropped, no failed send, no duplicate post), no faster
// than the channel's limit allows (its burst at once, then one a second), and
// latency grows with the queue.
func TestHotChannelPacedNotDropped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs kmbridge")
	}
	t.Parallel()
	const users = 8
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"-platform", "slack", "-hot", "-users", "8", "-baseline", "-json"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit code %d\nstderr:\n%s\nstdout:\n%s", code, stderr.String(), stdout.String())
	}
	var rep report.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, stdout.String())
	}
	if len(rep.Tables) != 1 || len(rep.Tables[0].Rows) != 1 || rep.Tables[0].Rows[0].Target != "kmbridge" || len(rep.Tables[0].Rows[0].Runs) != 1 {
		t.Fatalf("want one run of kmbridge alone: %+v", rep.Tables)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "baseline is left out") {
		t.Errorf("notes do not say the baseline is left out: %q", rep.Notes)
	}
	s := rep.Tables[0].Rows[0].Runs[0]
	if s.Sent != users || s.Answers != users || s.Errors+s.Timeouts+s.WrongCount+s.WarmupOff+s.SendFailures+s.Busy != 0 {
		t.Errorf("%d sent, %d answered, %d errors, %d timeouts, %d users with another count, %d warm-ups off, %d failed sends, %d busy; %v",
			s.Sent, s.Answers, s.Errors, s.Timeouts, s.WrongCount, s.WarmupOff, s.SendFailures, s.Busy, s.ErrorSamples)
	}
	if s.Posts != 1 || s.KMByKind["POST /v1/chat"] != 1 || s.WarmupPosts != 2 {
		t.Errorf("%.2f answer posts and %.2f KM chat calls per answer, %d posts per first contact; want 1, 1 and 2 (welcome, answer)",
			s.Posts, s.KMByKind["POST /v1/chat"], s.WarmupPosts)
	}
	// The channel lets the burst go at once and then one a second: n
	// answers take at least (n − burst) / rate seconds.
	rate, burst := slackChannelRate, float64(slackChannelBurst)
	if allowed := burst + rate*s.Elapsed; float64(s.Answers) > allowed+0.05 {
		t.Errorf("%d answers in %.2f s: faster than the channel's %g/s after a burst of %g allows (%.2f)", s.Answers, s.Elapsed, rate, burst, allowed)
	}
	if s.AnswersPerSec < rate/2 {
		t.Errorf("%.2f answers/s: far below the channel's %g/s, pacing should be the only limit", s.AnswersPerSec, rate)
	}
	// The last answer waited for all the others' turns.
	if wantP99 := (users - burst - 1) / rate * 1000; s.P99ms < wantP99 || s.P50ms >= s.P99ms {
		t.Errorf("latency p50 %.0f ms, p99 %.0f ms: want p99 ≥ %.0f ms and p50 below it (the queue)", s.P50ms, s.P99ms, wantP99)
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-platform", "irc"}, {"-users", "0"}, {"-set", "novalue"}, {"-timeout", "0s"}, {"extra"},
		{"-hot", "-platform", "telegram"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit code %d, want 2 (%s)", args, code, errb.String())
		}
	}
}
