// Command bench measures kmbridge end to end, as a platform sees it: it builds
// the real kmbridge binary, runs it against a KM simulator and fake platform
// APIs served in this process, plays many users over loopback, and reports
// answers/s, latency from event to answer, the process's CPU per answer and
// peak RSS, KM and platform calls per answer and TCP dials per answer. With
// -baseline it measures, under the same load, a bare-I/O program of the same
// path (bench/baseline) and prints the ratios. See BENCHMARKS.md.
//
//	go run ./bench -platform slack -users 10000 -concurrency 64 -baseline -runs 3
//
// With -hot (Slack) every user writes in one public channel, so the
// channel's pacing binds: the run shows that a hot channel is paced, not
// dropped.
//
//	go run ./bench -platform slack -hot -users 30
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kmbridge/kmbridge/bench/internal/platforms"
)

// options are the command line.
type options struct {
	platform    string
	users       int
	messages    int
	concurrency int
	rate        float64
	kmLatency   time.Duration
	question    string
	timeout     time.Duration
	quiet       time.Duration
	baseline    bool
	runs        int
	cpuProfile  string
	memProfile  string
	json        bool
	sets        setFlags
	env         setFlags
	keep        bool
	verbose     bool
	hot         bool
}

type setFlags []string

func (s *setFlags) String() string     { return strings.Join(*s, ",") }
func (s *setFlags) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: go run ./bench [flags]\n\nMeasures kmbridge end to end against fake platforms and a KM simulator (see BENCHMARKS.md).\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.platform, "platform", "slack", "slack, telegram, discord, web, or all (one after another)")
	fs.IntVar(&o.users, "users", 1000, "users, each in its own DM channel or chat (with -hot: its own thread of one channel)")
	fs.IntVar(&o.messages, "messages", 1, "measured messages per user (after a warm-up first contact)")
	fs.IntVar(&o.concurrency, "concurrency", 64, "messages in flight at most")
	fs.Float64Var(&o.rate, "rate", 0, "messages started per second at most (0: as many as -concurrency allows)")
	fs.DurationVar(&o.kmLatency, "km-latency", 0, "latency the KM simulator adds to every call")
	fs.StringVar(&o.question, "question", "How do I reset my password?", "what every user asks (a question of the sample knowledge base)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "an answer later than this counts as a timeout (with -hot: default 10s + 1.5s × -users × -messages)")
	fs.DurationVar(&o.quiet, "quiet", 0, "a program that posted nothing for this long is done answering (default 500ms + 2 × -km-latency; with -hot at least 3s)")
	fs.BoolVar(&o.baseline, "baseline", false, "also measure the bare-I/O baseline (bench/baseline) and print the ratios (not with -hot)")
	fs.BoolVar(&o.hot, "hot", false, "slack only: every user writes in ONE public channel (first contact: a top-level @mention; then replies in the\n"+
		"thread the bot answered in), so the channel's pacing (1 message/s, burst 3) binds: every message should still be\n"+
		"answered once, at about the channel's rate, latency growing with the queue. The baseline, which does not pace, is left out")
	fs.IntVar(&o.runs, "runs", 1, "repeat each measurement; the median and the spread are printed")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of kmbridge's measured phase to `file` (an extra, unreported run)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile of kmbridge at the end of the measured phase to `file`")
	fs.BoolVar(&o.json, "json", false, "print the results as JSON")
	fs.Var(&o.sets, "set", "set a kmbridge configuration `key=value` (YAML value), e.g. -set bridge.workers=1024; repeatable")
	fs.Var(&o.env, "env", "add `KEY=VALUE` to kmbridge's environment only (not the baseline's), e.g. -env GOGC=200; repeatable")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (binaries, configurations, logs) and print its path")
	fs.BoolVar(&o.verbose, "v", false, "report progress on stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch {
	case o.users < 1, o.messages < 1, o.concurrency < 1, o.runs < 1:
		return o, fmt.Errorf("-users, -messages, -concurrency and -runs must be at least 1")
	case o.rate < 0, o.kmLatency < 0, o.quiet < 0, o.timeout <= 0:
		return o, fmt.Errorf("-rate, -km-latency and -quiet must not be negative, -timeout must be positive")
	case o.platform != "all" && !slices.Contains(platforms.Names, o.platform):
		return o, fmt.Errorf("-platform %q: want one of %s or all", o.platform, strings.Join(platforms.Names, ", "))
	}
	if o.hot && o.platform != "slack" {
		return o, fmt.Errorf("-hot: a hot channel is played on -platform slack only")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.hot && !set["timeout"] {
		// The channel answers about one message a second: the last of a
		// measured round waits for all the others.
		o.timeout = 10*time.Second + time.Duration(o.users*o.messages)*1500*time.Millisecond
	}
	for _, s := range o.sets {
		if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
			return o, fmt.Errorf("-set %q: want key=value", s)
		}
	}
	for _, s := range o.env {
		if k, _, ok := strings.Cut(s, "="); !ok || k == "" || strings.HasPrefix(k, "KMBRIDGE_") {
			return o, fmt.Errorf("-env %q: want KEY=VALUE, not a KMBRIDGE_ variable (use -set)", s)
		}
	}
	if o.quiet == 0 {
		o.quiet = 500*time.Millisecond + 2*o.kmLatency
		if o.hot {
			// Posts to the hot channel come a second apart: a late extra one
			// must still count, and the channel's burst refills before the
			// measured phase.
			o.quiet = max(o.quiet, hotQuiet)
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	rep, err := measureAll(ctx, o, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	if o.json {
		if err := rep.WriteJSON(stdout); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	} else {
		rep.WriteText(stdout, heading(o))
	}
	for _, t := range rep.Tables {
		for _, r := range t.Rows {
			for _, s := range r.Runs {
				if s.Errors+s.Timeouts+s.WrongCount+s.WarmupOff+s.SendFailures+s.Busy > 0 {
					return 1
				}
			}
		}
	}
	return 0
}

// hotQuiet is -quiet's least default with -hot: longer than the channel's
// burst takes to refill (3 at 1/s).
const hotQuiet = 3 * time.Second

func heading(o options) string {
	h := fmt.Sprintf("%d users × %d message(s), %d in flight, KM latency %s", o.users, o.messages, o.concurrency, o.kmLatency)
	if o.hot {
		h = "hot channel: " + fmt.Sprintf("%d users in one channel, each in its own thread, × %d message(s), %d in flight, KM latency %s", o.users, o.messages, o.concurrency, o.kmLatency)
	}
	if o.rate > 0 {
		h += fmt.Sprintf(", at most %g messages/s", o.rate)
	}
	if len(o.env) > 0 {
		h += ", env " + strings.Join(o.env, " ")
	}
	if len(o.sets) > 0 {
		h += ", " + strings.Join(o.sets, " ")
	}
	return h
}
