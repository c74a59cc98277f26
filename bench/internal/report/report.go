// Package report turns measured runs into figures: per-run samples, their
// median and spread over repeated runs, the kmbridge/baseline ratios, and the
// text and JSON the bench prints.
package report

import (
	"maps"
	"math"
	"slices"
	"time"
)

// Sample is one measured run of one program on one platform. Per-answer
// figures divide by the answers received in the measured phase.
type Sample struct {
	Answers       int     `json:"answers"`
	AnswersPerSec float64 `json:"answers_per_sec"`
	P50ms         float64 `json:"latency_p50_ms"`
	P95ms         float64 `json:"latency_p95_ms"`
	P99ms         float64 `json:"latency_p99_ms"`
	CPUus         float64 `json:"cpu_us_per_answer"`
	PeakRSSMB     float64 `json:"peak_rss_mb"`
	EndRSSMB      float64 `json:"end_rss_mb"`
	KMCalls       float64 `json:"km_calls_per_answer"`
	PlatformCalls float64 `json:"platform_calls_per_answer"`
	Posts         float64 `json:"posts_per_answer"`
	KMDials       float64 `json:"km_dials_per_answer"`
	PlatformDials float64 `json:"platform_dials_per_answer"`
	Dials         float64 `json:"dials_per_answer"`
	Errors        int     `json:"errors"`
	Timeouts      int     `json:"timeouts"`
	WrongCount    int     `json:"users_with_wrong_answer_count"`
	WarmupPosts   int     `json:"warmup_answers_per_user"`
	WarmupOff     int     `json:"warmup_users_off"`
	Sent          int     `json:"sent"`
	Elapsed       float64 `json:"elapsed_s"`
	// SendFailures and Busy are kmbridge's own counts (its /metrics) of sends
	// it gave up and events it refused as busy in the measured phase; 0 for
	// the baseline.
	SendFailures int `json:"send_failures"`
	Busy         int `json:"busy_refusals"`
	// HeapInuseMB, StackInuseMB and Goroutines are kmbridge's Go runtime
	// gauges at the end of the measured phase (its /metrics), which split
	// its RSS; 0 for the baseline.
	HeapInuseMB float64 `json:"heap_inuse_mb"`
	// FileRSSMB is the file-backed part of RSS at the end (RssFile): the
	// program's own code and data pages.
	FileRSSMB    float64 `json:"file_rss_mb"`
	StackInuseMB float64 `json:"stack_inuse_mb"`
	Goroutines   int     `json:"goroutines"`

	KMByKind         map[string]float64 `json:"km_calls_per_answer_by_kind"`
	PlatformByMethod map[string]float64 `json:"platform_calls_per_answer_by_method"`
	ErrorSamples     []string           `json:"error_samples,omitempty"`
}

// Percentile returns the nearest-rank p-th percentile (0 < p ≤ 100) of sorted
// durations, in milliseconds; 0 for none.
func Percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i]) / float64(time.Millisecond)
}

// PerAnswer divides each count by answers (0 answers: all 0), dropping zeros.
func PerAnswer(counts map[string]int64, answers int) map[string]float64 {
	out := map[string]float64{}
	for k, v := range counts {
		if v != 0 && answers > 0 {
			out[k] = float64(v) / float64(answers)
		}
	}
	return out
}

// Diff returns after − before for every key.
func Diff(after, before map[string]int64) map[string]int64 {
	out := maps.Clone(after)
	for k, v := range before {
		out[k] -= v
	}
	return out
}

// Sum adds the values of m.
func Sum(m map[string]float64) float64 {
	var s float64
	for _, k := range slices.Sorted(maps.Keys(m)) { // a fixed order keeps the sum reproducible
		s += m[k]
	}
	return s
}

// Metric is one figure of a Sample, as the tables show it.
type Metric struct {
	Key    string // JSON name
	Label  string
	Get    func(Sample) float64
	Ratio  bool // the kmbridge/baseline ratio means something
	Digits int
}

// Metrics are the figures of the tables, in order.
var Metrics = []Metric{
	{"answers_per_sec", "answers/s", func(s Sample) float64 { return s.AnswersPerSec }, true, 0},
	{"latency_p50_ms", "latency p50 ms", func(s Sample) float64 { return s.P50ms }, true, 1},
	{"latency_p95_ms", "latency p95 ms", func(s Sample) float64 { return s.P95ms }, true, 1},
	{"latency_p99_ms", "latency p99 ms", func(s Sample) float64 { return s.P99ms }, true, 1},
	{"cpu_us_per_answer", "CPU µs/answer", func(s Sample) float64 { return s.CPUus }, true, 0},
	{"peak_rss_mb", "peak RSS MB", func(s Sample) float64 { return s.PeakRSSMB }, true, 1},
	{"end_rss_mb", "RSS at end MB", func(s Sample) float64 { return s.EndRSSMB }, true, 1},
	{"file_rss_mb", "RSS of the binary MB", func(s Sample) float64 { return s.FileRSSMB }, true, 1},
	{"heap_inuse_mb", "Go heap in use MB", func(s Sample) float64 { return s.HeapInuseMB }, false, 1},
	{"stack_inuse_mb", "goroutine stacks MB", func(s Sample) float64 { return s.StackInuseMB }, false, 1},
	{"goroutines", "goroutines", func(s Sample) float64 { return float64(s.Goroutines) }, false, 0},
	{"km_calls_per_answer", "KM calls/answer", func(s Sample) float64 { return s.KMCalls }, false, 2},
	{"platform_calls_per_answer", "platform calls/answer", func(s Sample) float64 { return s.PlatformCalls }, false, 2},
	{"posts_per_answer", "answer posts/answer", func(s Sample) float64 { return s.Posts }, false, 2},
	{"dials_per_answer", "TCP dials/answer", func(s Sample) float64 { return s.Dials }, false, 3},
	{"errors_and_timeouts", "errors+timeouts", func(s Sample) float64 { return float64(s.Errors + s.Timeouts) }, false, 0},
}

// Stat is a metric over repeated runs.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Summarise returns each metric's median, min and max over the samples.
func Summarise(samples []Sample) map[string]Stat {
	out := map[string]Stat{}
	for _, m := range Metrics {
		vs := make([]float64, len(samples))
		for i, s := range samples {
			vs[i] = m.Get(s)
		}
		out[m.Key] = stat(vs)
	}
	return out
}

func stat(vs []float64) Stat {
	if len(vs) == 0 {
		return Stat{}
	}
	vs = slices.Clone(vs)
	slices.Sort(vs)
	med := vs[len(vs)/2]
	if len(vs)%2 == 0 {
		med = (vs[len(vs)/2-1] + vs[len(vs)/2]) / 2
	}
	return Stat{Median: med, Min: vs[0], Max: vs[len(vs)-1]}
}
