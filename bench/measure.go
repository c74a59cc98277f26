package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	slackadapter "github.com/kmbridge/kmbridge/adapters/slack"
	"github.com/kmbridge/kmbridge/bench/internal/harness"
	"github.com/kmbridge/kmbridge/bench/internal/platforms"
	"github.com/kmbridge/kmbridge/bench/internal/report"
)

// measureAll builds the programs and measures each platform: kmbridge, then
// the baseline, run after run, so that both see the machine in the same state;
// then, when profiles are asked for, one extra profiled kmbridge run.
func measureAll(ctx context.Context, o options, stderr io.Writer) (report.Report, error) {
	dir, err := os.MkdirTemp("", "kmbench-")
	if err != nil {
		return report.Report{}, err
	}
	if o.keep {
		fmt.Fprintf(stderr, "bench: work directory %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	say := func(format string, args ...any) {
		if o.verbose {
			fmt.Fprintf(stderr, "bench: "+format+"\n", args...)
		}
	}
	profiling := o.cpuProfile != "" || o.memProfile != ""
	var notes []string
	if o.hot && o.baseline {
		// The baseline posts as fast as KM answers: beside a paced bridge its
		// figures would measure the pacer, which is this run's point, not a floor.
		o.baseline = false
		notes = append(notes, "-hot: the baseline is left out: it does no pacing, so there is nothing to compare")
	}
	say("building kmbridge%s", map[bool]string{true: " and the baseline", false: ""}[o.baseline])
	progs, err := harness.Build(ctx, dir, profiling, o.baseline)
	if err != nil {
		return report.Report{}, err
	}
	plats := []string{o.platform}
	if o.platform == "all" {
		plats = platforms.Names
	}
	l := harness.Load{
		Users: o.users, Messages: o.messages, Concurrency: o.concurrency, Rate: o.rate,
		KMLatency: o.kmLatency, Timeout: o.timeout, Quiet: o.quiet, Question: o.question, Sets: o.sets, Env: o.env, Hot: o.hot,
	}
	rep := report.Report{Setup: map[string]any{
		"users": o.users, "messages_per_user": o.messages, "concurrency": o.concurrency, "rate": o.rate,
		"km_latency": o.kmLatency.String(), "question": o.question, "runs": o.runs, "set": []string(o.sets),
		"go": runtime.Version(), "cpus": runtime.NumCPU(), "hot": o.hot, "timeout": o.timeout.String(), "quiet": o.quiet.String(),
	}, Notes: notes}
	measure := func(pl string, t harness.Target, i int) (report.Sample, error) {
		return harness.Measure(ctx, pl, t, l, filepath.Join(dir, fmt.Sprintf("%s-%s-%d", pl, t.Name, i)), func(step string) {
			say("%s: %s run %d: %s", pl, t.Name, i, step)
		})
	}
	for _, pl := range plats {
		rows := []report.Row{{Target: "kmbridge"}}
		if o.baseline {
			rows = append(rows, report.Row{Target: "baseline"})
		}
		for i := 1; i <= o.runs; i++ {
			s, err := measure(pl, harness.Target{Name: "kmbridge", Bin: progs.KMBridge, KMBridge: true}, i)
			if err != nil {
				return rep, fmt.Errorf("%s: kmbridge: %w", pl, err)
			}
			rows[0].Runs = append(rows[0].Runs, s)
			if o.baseline {
				s, err := measure(pl, harness.Target{Name: "baseline", Bin: progs.Baseline}, i)
				if err != nil {
					return rep, fmt.Errorf("%s: baseline: %w", pl, err)
				}
				rows[1].Runs = append(rows[1].Runs, s)
			}
		}
		rep.Tables = append(rep.Tables, report.NewTable(pl, rows...))
		if profiling {
			t := harness.Target{Name: "kmbridge-profiled", Bin: progs.KMBridgeProfiled, KMBridge: true,
				CPUProfile: profilePath(o.cpuProfile, pl, len(plats)), MemProfile: profilePath(o.memProfile, pl, len(plats))}
			if _, err := measure(pl, t, 1); err != nil {
				return rep, fmt.Errorf("%s: profiled run: %w", pl, err)
			}
			if f := t.CPUProfile; f != "" {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: CPU profile of the measured phase of an extra kmbridge run (not in the table): go tool pprof -top %s", pl, f))
			}
			if f := t.MemProfile; f != "" {
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: heap at the end of that run: go tool pprof -top -sample_index=inuse_space %s; "+
					"allocations of the measured phase alone: go tool pprof -top -sample_index=alloc_space -diff_base %s.warmup %s", pl, f, f, f))
			}
		}
		if o.hot {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: hot channel: kmbridge paces its posts to one channel at %g/s after a burst of %d (Slack's limit, not configurable): "+
				"answers/s should be about that, latency the queue (the last of %d users waits about %d s), and every message answered once; "+
				"a post waits its turn up to bridge.inbox_max_age (10 min), so failed sends mean a drop",
				pl, slackChannelRate, slackChannelBurst, o.users, int(float64(o.users-slackChannelBurst)/slackChannelRate)))
		}
		if limit, ok := globalLimits[pl]; ok {
			rep.Notes = append(rep.Notes, fmt.Sprintf("%s: kmbridge paces all its calls to %d/s (the platform's global bot limit, not configurable), so its answers/s cannot pass that and, past it, latency is the queue; compare CPU per answer, or use -rate below it", pl, limit))
		}
	}
	return rep, nil
}

// globalLimits are the platforms' global rates (calls per second) that
// kmbridge's adapters keep to.
var globalLimits = map[string]int{"telegram": 30, "discord": 50}

// slackChannelRate and slackChannelBurst are the pacing of one Slack channel
// that kmbridge keeps to (not configurable).
var (
	slackChannelRate  = slackadapter.DefaultConfig().RatePerSecond
	slackChannelBurst = slackadapter.DefaultConfig().Burst
)

// profilePath returns file, with the platform's name before the extension
// when several platforms are profiled.
func profilePath(file, platform string, platforms int) string {
	if file == "" || platforms == 1 {
		return absPath(file)
	}
	ext := filepath.Ext(file)
	return absPath(strings.TrimSuffix(file, ext) + "-" + platform + ext)
}

// absPath makes a path absolute: the profiled program writes the file and has
// another working directory.
func absPath(file string) string {
	if file == "" {
		return ""
	}
	if abs, err := filepath.Abs(file); err == nil {
		return abs
	}
	return file
}
