package kmsim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestFaultErrorStatuses(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	body := map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "vpn"}

	f.sim.SetErrorRate(1, 503, 1500*time.Millisecond)
	r := f.call("POST", "/v1/chat", body)
	if r.status != 503 || r.header.Get("Retry-After") != "2" {
		t.Errorf("503: HTTP %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	f.sim.SetErrorRate(1, 500, 0)
	r = f.call("POST", "/v1/chat", body)
	var spring struct {
		Status int    `json:"status"`
		Error  string `json:"error"`
		Path   string `json:"path"`
	}
	if err := json.Unmarshal(r.raw, &spring); r.status != 500 || err != nil || spring.Status != 500 || spring.Path != "/api/v1/chat" {
		t.Errorf("500: HTTP %d %s", r.status, r.raw)
	}
	f.sim.SetErrorRate(1, 502, 0)
	r = f.call("POST", "/v1/chat", body)
	if r.status != 502 || !strings.Contains(string(r.raw), "<center>nginx</center>") {
		t.Errorf("502: HTTP %d %s", r.status, r.raw)
	}
	f.sim.SetErrorRate(0, 0, 0)
	f.call("POST", "/v1/chat", body).ok(t, nil)

	calls := f.sim.CallsTo("POST /v1/chat")
	faults := []string{}
	for _, c := range calls {
		faults = append(faults, fmt.Sprintf("%d/%s", c.Status, c.Fault))
	}
	if got := strings.Join(faults, " "); got != "503/error 500/error 502/error 200/" {
		t.Errorf("recorded faults %q", got)
	}
}

func TestFaultMalformed(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	body := map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "How do I reset my password?"}

	f.sim.SetMalformed(1, kmsim.MalformedHTML)
	r := f.call("POST", "/v1/chat", body)
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.raw), "<html>") {
		t.Errorf("html: HTTP %d %s %q", r.status, r.header.Get("Content-Type"), r.raw)
	}
	f.sim.SetMalformed(1, kmsim.MalformedTruncated)
	r2 := f.send("POST", f.url("/v1/chat", f.signedQuery()), body)
	if r2.status != 200 || json.Valid(r2.raw) || !strings.HasPrefix(string(r2.raw), `{"code":200`) {
		t.Errorf("truncated: HTTP %d valid=%v %q", r2.status, json.Valid(r2.raw), r2.raw)
	}
	f.sim.SetMalformed(0, 0)
	// The truncated call was handled: the transcript has it.
	if info, _ := f.sim.Session(int64(s.SessionID)); info.Messages != 3 {
		t.Errorf("transcript has %d messages, want welcome + question + answer", info.Messages)
	}
}

func TestFaultDown(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	f.sim.SetDown(true)
	req, _ := http.NewRequest("POST", f.url("/v1/initClient", f.signedQuery()), strings.NewReader(`{"robotId":83,"channelId":82}`))
	res, err := f.srv.Client().Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("down: got HTTP %d, want a dropped connection", res.StatusCode)
	}
	f.sim.SetDown(false)
	f.session()
	if c := f.sim.Calls()[0]; c.Fault != "down" || c.Status != 0 {
		t.Errorf("recorded %+v", c)
	}
}

func TestFaultLatency(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	f.sim.SetLatency(30*time.Millisecond, 10*time.Millisecond)
	start := time.Now()
	f.session()
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Errorf("answered in %v despite 30ms latency", el)
	}
	if got := f.sim.Faults(); got.Latency != 30*time.Millisecond || got.Jitter != 10*time.Millisecond {
		t.Errorf("Faults() = %+v", got)
	}
	f.sim.SetFaults(kmsim.Faults{})
	// A client that gives up does not keep a handler sleeping.
	f.sim.SetLatency(time.Hour, 0)
	client := &http.Client{Timeout: 50 * time.Millisecond}
	req, _ := http.NewRequest("POST", f.url("/v1/initClient", f.signedQuery()), strings.NewReader(`{"robotId":83,"channelId":82}`))
	if res, err := client.Do(req); err == nil {
		res.Body.Close()
		t.Fatal("a one-hour latency answered")
	}
	f.sim.SetLatency(0, 0)
}

func TestFaultExpireNext(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s1 := f.session()
	f.sim.ExpireNext(2)
	f.session() // initClient names no session: not counted
	f.call("POST", "/v1/chat", map[string]any{"sessionId": s1.SessionID, "robotId": 83, "queryContent": "vpn"}).failed(t, kmclient.MsgSessionExpired)
	s2 := f.session()
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s2.SessionID, "questionId": 1001}).failed(t, kmclient.MsgSessionExpired)
	s3 := f.session()
	f.chat(s3.SessionID, "vpn")
	var expired int
	for _, c := range f.sim.Calls() {
		if c.Fault == "expire" {
			expired++
		}
	}
	if expired != 2 {
		t.Errorf("%d calls marked expire, want 2", expired)
	}
}

// The same seed gives the same fault pattern; rates are honoured roughly.
func TestFaultRateDeterministic(t *testing.T) {
	pattern := func(seed uint64) string {
		f := newFixture(t, kmsim.Options{Seed: seed, NoAuth: true})
		f.sim.SetErrorRate(0.3, 503, 0)
		var b strings.Builder
		for range 60 {
			r := f.send("POST", f.srv.URL+"/api/v1/initClient", map[string]any{"robotId": 83, "channelId": 82})
			if r.status == 503 {
				b.WriteByte('x')
			} else {
				b.WriteByte('.')
			}
		}
		return b.String()
	}
	a, b, c := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same faults: %s", a)
	}
	if n := strings.Count(a, "x"); n < 6 || n > 35 {
		t.Errorf("%d of 60 failed at rate 0.3: %s", n, a)
	}
}

// Knobs flipped while calls are in flight: no races, no lost calls.
func TestConcurrentUse(t *testing.T) {
	f := newFixture(t, kmsim.Options{MaxCalls: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := f.session()
			for i := range 15 {
				f.chat(s.SessionID, []string{"vpn", "payslip", "How do I reset my password?", "printer"}[(g+i)%4])
			}
			f.call("POST", "/v1/surveyQuestion", map[string]any{"sessionId": s.SessionID, "questionSurveyOptionId": 1}).ok(t, nil)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 50 {
			f.sim.SetLatency(time.Duration(i%3)*time.Microsecond, time.Microsecond)
			f.sim.SetStreamDelay(0)
			f.sim.SetQuota(int64(i), 1000000)
			_ = f.sim.Calls()
		}
		f.sim.SetLatency(0, 0)
	}()
	wg.Wait()
	if n := len(f.sim.Calls()); n != 50 {
		t.Errorf("recorder holds %d calls, want its bound 50", n)
	}
}
