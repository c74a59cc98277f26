// Package harness makes one measurement: a KM simulator and a platform's
// fakes in this process, the program under test (kmbridge or the baseline)
// as a subprocess pointed at them, the load, and the figures of the measured
// phase.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/kmbridge/kmbridge/bench/internal/load"
	"github.com/kmbridge/kmbridge/bench/internal/netcount"
	"github.com/kmbridge/kmbridge/bench/internal/platforms"
	"github.com/kmbridge/kmbridge/bench/internal/proc"
	"github.com/kmbridge/kmbridge/bench/internal/report"
	"github.com/kmbridge/kmbridge/bench/internal/sut"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// Programs are the built binaries.
type Programs struct {
	KMBridge         string
	KMBridgeProfiled string // with proc.ProfileOverlay; "" when not built
	Baseline         string // "" when not built
}

// Build compiles kmbridge, and as asked its profiled variant and the
// baseline, into dir.
func Build(ctx context.Context, dir string, profiled, baseline bool) (Programs, error) {
	root, err := proc.ModuleRoot(ctx)
	if err != nil {
		return Programs{}, err
	}
	var p Programs
	p.KMBridge = filepath.Join(dir, "kmbridge")
	if err := proc.Build(ctx, root, "./cmd/kmbridge", p.KMBridge, nil); err != nil {
		return p, err
	}
	if profiled {
		p.KMBridgeProfiled = filepath.Join(dir, "kmbridge-profiled")
		if err := proc.Build(ctx, root, "./cmd/kmbridge", p.KMBridgeProfiled, proc.ProfileOverlay); err != nil {
			return p, err
		}
	}
	if baseline {
		p.Baseline = filepath.Join(dir, "baseline")
		if err := proc.Build(ctx, root, "./bench/baseline", p.Baseline, nil); err != nil {
			return p, err
		}
	}
	return p, nil
}

// Target is a program to measure.
type Target struct {
	Name     string // "kmbridge" or "baseline"
	Bin      string
	KMBridge bool // configured with a kmbridge configuration file, else with the baseline's flags
	// CPUProfile and MemProfile, when set, are written by a Bin built with
	// proc.ProfileOverlay: the measured phase's CPU profile, the heap at its end.
	CPUProfile, MemProfile string
}

// Load is the load and the KM simulator's behaviour.
type Load struct {
	Users, Messages, Concurrency int
	Rate                         float64
	KMLatency, Timeout, Quiet    time.Duration
	Question                     string
	Sets                         []string // kmbridge configuration overrides
	Env                          []string // KEY=VALUE added to kmbridge's environment (GOGC, GOMEMLIMIT)
	// Hot puts every user in one channel (platforms.Options.Hot); first
	// contacts then go HotWarmup at a time.
	Hot bool
}

// HotWarmup is how many first contacts a hot run has in flight: each gets two
// posts (welcome and answer) from the one channel's pacer, so a few keep it
// busy while the warm-up's queue stays short (a first contact's latency is
// not measured).
const HotWarmup = 4

// Measure runs t on the platform under l, in the work directory dir (its
// configuration and log go there), and returns the measured phase's figures.
func Measure(ctx context.Context, platform string, t Target, l Load, dir string, progress func(string)) (s report.Sample, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return s, err
	}
	sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{MaxSessions: l.Users + 1000, MaxCalls: l.Users*l.Messages*8 + 1000})
	sim.SetLatency(l.KMLatency, 0)
	kmLn, err := netcount.Listen()
	if err != nil {
		return s, err
	}
	kmSrv := &http.Server{Handler: sim, ReadHeaderTimeout: platforms.ServerIdleTimeout, IdleTimeout: platforms.ServerIdleTimeout}
	go kmSrv.Serve(kmLn) //nolint:errcheck // ends with Close
	defer kmSrv.Close()
	km := sut.KM{URL: "http://" + kmLn.Addr().String() + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey}

	addr, err := netcount.FreeAddr()
	if err != nil {
		return s, err
	}
	inbox := platforms.NewInbox(l.Users)
	// The users' side keeps a connection per message in flight, so that its
	// own dials do not load the machine.
	tr := &http.Transport{MaxIdleConnsPerHost: l.Concurrency + 8, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	p, err := platforms.New(platform, platforms.Options{Target: addr, Inbox: inbox, Client: client, Hot: l.Hot})
	if err != nil {
		return s, err
	}
	defer p.Close()

	var args, env []string
	if t.KMBridge {
		env = append(env, l.Env...)
		cfg, err := sut.KMBridgeConfig(km, addr, filepath.Join(dir, "state.json"), p.Config(), l.Sets)
		if err != nil {
			return s, err
		}
		b, err := sut.YAML(cfg)
		if err != nil {
			return s, err
		}
		path := filepath.Join(dir, "kmbridge.yaml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return s, err
		}
		args = []string{"-config", path, "serve"}
	} else {
		args = sut.BaselineArgs(km, addr, platform, p.BaselineArgs())
	}
	var prof *proc.Profiler
	if t.CPUProfile != "" || t.MemProfile != "" {
		paddr, err := netcount.FreeAddr()
		if err != nil {
			return s, err
		}
		env = append(env, proc.ProfileEnv+"="+paddr)
		prof = &proc.Profiler{Addr: paddr, Client: client}
	}
	logPath := filepath.Join(dir, t.Name+".log")
	pr, err := proc.Start(t.Bin, args, env, logPath)
	if err != nil {
		return s, err
	}
	defer func() {
		if serr := pr.Stop(30 * time.Second); serr != nil {
			s.ErrorSamples = append(s.ErrorSamples, serr.Error())
		}
		if err != nil {
			err = fmt.Errorf("%w\n%s log (%s), last lines:\n%s", err, t.Name, logPath, tail(logPath, 3000))
		}
	}()
	if err := waitHealthy(ctx, client, addr, pr); err != nil {
		return s, err
	}
	if err := p.Ready(ctx); err != nil {
		return s, err
	}
	progress("warming up")

	var (
		cpu0                 time.Duration
		kmDials0, pDials0    int64
		calls0, calls        map[string]int64
		kmCalls              []kmsim.Call
		cpu                  time.Duration
		rss, rssEnd, rssFile int64
		kmDials, pDials      int64
		endErr               error
		recorderOverflowed   bool
		met0, met            counters
		metErr               error
	)
	scrape := func() counters {
		if !t.KMBridge {
			return counters{}
		}
		c, err := readCounters(ctx, client, addr)
		metErr = errors.Join(metErr, err)
		return c
	}
	begin := func() {
		progress("measuring")
		sim.Reset()
		calls0, kmDials0, pDials0 = p.Calls(), kmLn.Accepted(), p.Dials()
		met0 = scrape()
		if prof != nil && t.MemProfile != "" { // heap profiles count allocations since the start: this one is the base to subtract
			endErr = errors.Join(endErr, prof.WriteHeap(ctx, t.MemProfile+".warmup"))
		}
		if prof != nil && t.CPUProfile != "" {
			endErr = errors.Join(endErr, prof.StartCPU(ctx, t.CPUProfile))
		}
		var err error
		cpu0, err = pr.CPU()
		endErr = errors.Join(endErr, err)
	}
	end := func() {
		var err1, err2, err3, err4 error
		cpu, err1 = pr.CPU()
		rss, err2 = pr.PeakRSS()
		rssEnd, err3 = pr.RSS()
		rssFile, err4 = pr.FileRSS()
		endErr = errors.Join(endErr, err1, err2, err3, err4)
		calls, kmDials, pDials = p.Calls(), kmLn.Accepted(), p.Dials()
		met = scrape()
		kmCalls = sim.Calls()
		recorderOverflowed = len(kmCalls) >= l.Users*l.Messages*8+1000
		if prof != nil && t.CPUProfile != "" {
			endErr = errors.Join(endErr, prof.StopCPU(ctx))
		}
		if prof != nil && t.MemProfile != "" {
			endErr = errors.Join(endErr, prof.WriteHeap(ctx, t.MemProfile))
		}
	}
	lo := load.Options{
		Messages: l.Messages, Concurrency: l.Concurrency, Rate: l.Rate, Text: l.Question,
		Timeout: l.Timeout, Quiet: l.Quiet,
	}
	if l.Hot {
		lo.WarmupConcurrency = HotWarmup
	}
	res, err := load.Run(ctx, p, inbox, lo, begin, end)
	if err != nil {
		return s, err
	}
	select {
	case <-pr.Done():
		return s, fmt.Errorf("%s exited during the run", t.Name)
	default:
	}
	if endErr != nil {
		return s, endErr
	}
	s = sample(res, cpu-cpu0, rss, rssEnd, kmCalls, report.Diff(calls, calls0), kmDials-kmDials0, pDials-pDials0)
	s.SendFailures, s.Busy = int(met.sendFailures-met0.sendFailures), int(met.busy-met0.busy)
	s.HeapInuseMB, s.StackInuseMB = float64(met.heapInuse)/(1<<20), float64(met.stackInuse)/(1<<20)
	s.Goroutines = int(met.goroutines)
	s.FileRSSMB = float64(rssFile) / (1 << 20)
	if metErr != nil {
		s.ErrorSamples = append(s.ErrorSamples, "failed sends and busy refusals not counted: "+metErr.Error())
	}
	if recorderOverflowed {
		s.ErrorSamples = append(s.ErrorSamples, "the KM simulator's call recorder overflowed: KM calls are undercounted")
	}
	return s, nil
}

// sample works out the per-answer figures.
func sample(res load.Result, cpu time.Duration, rss, rssEnd int64, km []kmsim.Call, calls map[string]int64, kmDials, pDials int64) report.Sample {
	n := res.Answered
	per := func(v float64) float64 {
		if n == 0 {
			return 0
		}
		return v / float64(n)
	}
	byKind := map[string]int64{}
	for _, c := range km {
		k := c.Route
		if k == "" {
			k = c.Method + " " + c.Path
		}
		byKind[k]++
	}
	s := report.Sample{
		Answers: n, Sent: res.Sent, Errors: res.Errors, Timeouts: res.Timeouts, WrongCount: res.WrongCount,
		WarmupPosts: res.WarmupPosts, WarmupOff: res.WarmupOff, ErrorSamples: res.ErrorSamples,
		Elapsed: res.Elapsed.Seconds(),
		P50ms:   report.Percentile(res.Latencies, 50), P95ms: report.Percentile(res.Latencies, 95), P99ms: report.Percentile(res.Latencies, 99),
		CPUus:     per(float64(cpu.Microseconds())),
		PeakRSSMB: float64(rss) / (1 << 20),
		EndRSSMB:  float64(rssEnd) / (1 << 20),
		Posts:     per(float64(res.Posts)),
		KMDials:   per(float64(kmDials)), PlatformDials: per(float64(pDials)), Dials: per(float64(kmDials + pDials)),
		KMByKind:         report.PerAnswer(byKind, n),
		PlatformByMethod: report.PerAnswer(calls, n),
	}
	if res.Elapsed > 0 {
		s.AnswersPerSec = float64(n) / res.Elapsed.Seconds()
	}
	s.KMCalls = report.Sum(s.KMByKind)
	s.PlatformCalls = report.Sum(s.PlatformByMethod)
	return s
}

// waitHealthy polls GET /healthz until the program answers 200.
func waitHealthy(ctx context.Context, c *http.Client, addr string, pr *proc.Process) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-pr.Done():
			return errors.New("the program exited before it listened")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.New("the program did not answer /healthz within 30s")
		}
	}
}

// tail returns the last n bytes of a file.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}
