package report

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Row is one program's runs on one platform.
type Row struct {
	Target  string          `json:"target"` // kmbridge or baseline
	Runs    []Sample        `json:"runs"`
	Summary map[string]Stat `json:"summary"`
}

// Table is one platform's rows and, with a baseline, the ratios of the
// kmbridge medians to the baseline's.
type Table struct {
	Platform string             `json:"platform"`
	Rows     []Row              `json:"rows"`
	Ratios   map[string]float64 `json:"ratios,omitempty"`
}

// NewTable summarises the rows and works out the ratios of the first row to
// the second, when there are two.
func NewTable(platform string, rows ...Row) Table {
	t := Table{Platform: platform}
	for _, r := range rows {
		r.Summary = Summarise(r.Runs)
		t.Rows = append(t.Rows, r)
	}
	if len(t.Rows) == 2 {
		t.Ratios = map[string]float64{}
		for _, m := range Metrics {
			a, b := t.Rows[0].Summary[m.Key].Median, t.Rows[1].Summary[m.Key].Median
			if m.Ratio && b != 0 {
				t.Ratios[m.Key] = a / b
			}
		}
	}
	return t
}

// Report is everything one invocation measured.
type Report struct {
	Setup  map[string]any `json:"setup"`
	Tables []Table        `json:"platforms"`
	Notes  []string       `json:"notes,omitempty"`
}

// WriteJSON writes the report as one JSON document.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes one table per platform: the metrics as rows, each
// program's median [min–max] as columns, and the ratio.
func (r Report) WriteText(w io.Writer, heading string) {
	for _, t := range r.Tables {
		runs := 0
		if len(t.Rows) > 0 {
			runs = len(t.Rows[0].Runs)
		}
		fmt.Fprintf(w, "\n%s — %s", t.Platform, heading)
		if runs > 1 {
			fmt.Fprintf(w, "; median of %d runs [min–max]", runs)
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "metric")
		for _, row := range t.Rows {
			fmt.Fprintf(tw, "\t%s", row.Target)
		}
		if t.Ratios != nil {
			fmt.Fprintf(tw, "\t%s/%s", t.Rows[0].Target, t.Rows[1].Target)
		}
		fmt.Fprintln(tw)
		for _, m := range Metrics {
			fmt.Fprint(tw, m.Label)
			for _, row := range t.Rows {
				s := row.Summary[m.Key]
				d := m.Digits
				if m.Key == "answers_per_sec" && s.Median < 10 {
					d = 2 // a paced channel answers about one a second
				}
				fmt.Fprintf(tw, "\t%s", num(s.Median, d))
				if runs > 1 {
					fmt.Fprintf(tw, " [%s–%s]", num(s.Min, d), num(s.Max, d))
				}
			}
			if v, ok := t.Ratios[m.Key]; ok {
				fmt.Fprintf(tw, "\t%.2f×", v)
			} else if t.Ratios != nil {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
		for _, row := range t.Rows {
			fmt.Fprintf(w, "  %s KM calls/answer: %s\n", row.Target, kinds(row.Runs, func(s Sample) map[string]float64 { return s.KMByKind }))
			fmt.Fprintf(w, "  %s platform calls/answer: %s\n", row.Target, kinds(row.Runs, func(s Sample) map[string]float64 { return s.PlatformByMethod }))
			for _, s := range row.Runs {
				if s.SendFailures > 0 || s.Busy > 0 {
					fmt.Fprintf(w, "  %s: %d sends failed and %d events were refused as busy (its own metrics): each a message no user saw\n",
						row.Target, s.SendFailures, s.Busy)
				}
				if s.WarmupOff > 0 || s.WrongCount > 0 {
					fmt.Fprintf(w, "  %s: %d users' first contact got other than %d answers; %d users got other than one answer per message\n",
						row.Target, s.WarmupOff, s.WarmupPosts, s.WrongCount)
				}
				for _, e := range s.ErrorSamples {
					fmt.Fprintf(w, "  %s: %s\n", row.Target, e)
				}
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// kinds lists the median per-answer count of each kind over the runs.
func kinds(runs []Sample, get func(Sample) map[string]float64) string {
	keys := map[string]bool{}
	for _, s := range runs {
		for k := range get(s) {
			keys[k] = true
		}
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		vs := make([]float64, len(runs))
		for i, s := range runs {
			vs[i] = get(s)[k]
		}
		parts = append(parts, fmt.Sprintf("%s %s", k, num(stat(vs).Median, 2)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func num(v float64, digits int) string { return strconv.FormatFloat(v, 'f', digits, 64) }
