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

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-platform", "irc"}, {"-users", "0"}, {"-set", "novalue"}, {"-timeout", "0s"}, {"extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit code %d, want 2 (%s)", args, code, errb.String())
		}
	}
}
