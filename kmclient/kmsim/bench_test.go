package kmsim_test

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// benchSim returns a simulator with one session and a signed query string, as the
// bridge's benchmarks use it in-process.
func benchSim(b *testing.B, opts kmsim.Options) (*kmsim.Sim, kmclient.ID, string) {
	b.Helper()
	now := time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)
	opts.Now = func() time.Time { return now }
	sim := kmsim.New(kmsim.SampleKB(), opts)
	ts := now.Unix()
	q := url.Values{"email": {kmsim.SampleEmail}, "timestamp": {strconv.FormatInt(ts, 10)}, "sign": {kmclient.SignV1(kmsim.SampleEmail, kmsim.SampleToken, ts)}}
	query := "?" + q.Encode()
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/initClient"+query, strings.NewReader(`{"robotId":83,"channelId":82}`)))
	var env struct{ Data kmclient.InitClientResponse }
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Data.SessionID == 0 {
		b.Fatalf("initClient: %v %s", err, w.Body)
	}
	return sim, env.Data.SessionID, query
}

func benchChat(b *testing.B, opts kmsim.Options, path, question string) {
	sim, sid, query := benchSim(b, opts)
	body := `{"sessionId":` + sid.String() + `,"robotId":83,"queryContent":"` + question + `"}`
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, httptest.NewRequest("POST", "/api"+path+query, strings.NewReader(body)))
		if w.Code != 200 {
			b.Fatalf("HTTP %d %s", w.Code, w.Body)
		}
	}
}

// BenchmarkChat is one signed chat round trip through the handler (exact match,
// rich answer with suggestions), calls recorded.
func BenchmarkChat(b *testing.B) {
	benchChat(b, kmsim.Options{}, "/v1/chat", "How do I reset my password?")
}

// BenchmarkChatFuzzyMatch scores every question (no exact or keyword hit).
func BenchmarkChatFuzzyMatch(b *testing.B) {
	benchChat(b, kmsim.Options{}, "/v1/chat", "how many days of annual leave do I get")
}

// BenchmarkChatNoRecording is BenchmarkChat with the call recorder off.
func BenchmarkChatNoRecording(b *testing.B) {
	benchChat(b, kmsim.Options{MaxCalls: -1}, "/v1/chat", "How do I reset my password?")
}

// BenchmarkNewChatStreaming is a streaming v2 newChat round trip.
func BenchmarkNewChatStreaming(b *testing.B) {
	sim, sid, query := benchSim(b, kmsim.Options{})
	body := `{"sessionId":` + sid.String() + `,"robotId":83,"queryContent":"How do I request leave?","responseMode":"streaming"}`
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, httptest.NewRequest("POST", "/api/v2/newChat"+query, strings.NewReader(body)))
		if w.Code != 200 {
			b.Fatalf("HTTP %d", w.Code)
		}
	}
}

// BenchmarkChatParallel is BenchmarkChat from many goroutines, one session each.
func BenchmarkChatParallel(b *testing.B) {
	sim, _, query := benchSim(b, kmsim.Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/initClient"+query, strings.NewReader(`{"robotId":83,"channelId":82}`)))
		var env struct{ Data kmclient.InitClientResponse }
		_ = json.Unmarshal(w.Body.Bytes(), &env)
		body := `{"sessionId":` + env.Data.SessionID.String() + `,"robotId":83,"queryContent":"vpn"}`
		for pb.Next() {
			w := httptest.NewRecorder()
			sim.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/chat"+query, strings.NewReader(body)))
			if w.Code != 200 {
				b.Errorf("HTTP %d", w.Code)
				return
			}
		}
	})
}

func BenchmarkSampleKB(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = kmsim.SampleKB()
	}
}
