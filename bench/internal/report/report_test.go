package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]float64{50: 50, 95: 95, 99: 99, 100: 100, 0.1: 1} {
		if got := Percentile(d, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty: not 0")
	}
}

func TestSummariseAndRatios(t *testing.T) {
	km := []Sample{{AnswersPerSec: 100, CPUus: 900}, {AnswersPerSec: 300, CPUus: 1100}, {AnswersPerSec: 200, CPUus: 1000}}
	bl := []Sample{{AnswersPerSec: 400, CPUus: 250}, {AnswersPerSec: 400, CPUus: 250}}
	tb := NewTable("slack", Row{Target: "kmbridge", Runs: km}, Row{Target: "baseline", Runs: bl})
	if s := tb.Rows[0].Summary["answers_per_sec"]; s != (Stat{Median: 200, Min: 100, Max: 300}) {
		t.Errorf("summary %+v", s)
	}
	if r := tb.Ratios["answers_per_sec"]; r != 0.5 {
		t.Errorf("throughput ratio %v", r)
	}
	if r := tb.Ratios["cpu_us_per_answer"]; r != 4 {
		t.Errorf("CPU ratio %v", r)
	}
	if _, ok := tb.Ratios["km_calls_per_answer"]; ok {
		t.Error("a ratio of call counts")
	}
	rep := Report{Tables: []Table{tb}}
	var text, js bytes.Buffer
	rep.WriteText(&text, "test")
	if !strings.Contains(text.String(), "200 [100–300]") || !strings.Contains(text.String(), "0.50×") {
		t.Errorf("text:\n%s", text.String())
	}
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Tables[0].Ratios["cpu_us_per_answer"] != 4 {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}

func TestPerAnswerAndDiff(t *testing.T) {
	d := Diff(map[string]int64{"a": 10, "b": 4}, map[string]int64{"a": 2, "b": 4})
	got := PerAnswer(d, 4)
	if len(got) != 1 || got["a"] != 2 || Sum(got) != 2 {
		t.Errorf("PerAnswer(Diff) = %v", got)
	}
	if len(PerAnswer(d, 0)) != 0 {
		t.Error("per zero answers")
	}
}
