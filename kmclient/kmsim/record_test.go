package kmsim_test

import (
	"encoding/json"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestRecorder(t *testing.T) {
	f := newFixture(t, kmsim.Options{MaxCalls: 3})
	s := f.session()
	f.call("POST", "/v1/hit", map[string]any{"sessionId": s.SessionID, "queryType": 7, "logId": s.LogID, "questionId": "1001", "questionContent": "How do I reset my password?"}).ok(t, nil)
	f.call("GET", "/v1/sessions/"+s.SessionID.String()+"/logs", nil, "pageNum", "1").ok(t, nil)

	calls := f.sim.Calls()
	if len(calls) != 3 {
		t.Fatalf("%d calls", len(calls))
	}
	hit := calls[1]
	if hit.Method != "POST" || hit.Path != "/v1/hit" || hit.Route != "POST /v1/hit" || hit.Status != 200 || hit.Code != 200 {
		t.Errorf("hit call %+v", hit)
	}
	if hit.Int("queryType") != 7 || hit.Int("questionId") != 1001 || hit.Int("logId") != int64(s.LogID) || hit.Str("questionContent") != "How do I reset my password?" {
		t.Errorf("hit body %v", hit.Body)
	}
	if _, ok := hit.Body["queryType"].(json.Number); !ok {
		t.Errorf("numbers are not json.Number: %T", hit.Body["queryType"])
	}
	if !hit.Time.Equal(f.clock.Now()) {
		t.Errorf("time %v", hit.Time)
	}
	logs := calls[2]
	if logs.Route != "GET /v1/sessions/:id/logs" || logs.Path != "/v1/sessions/"+s.SessionID.String()+"/logs" || logs.Query.Get("pageNum") != "1" || logs.Body != nil {
		t.Errorf("logs call %+v", logs)
	}
	// The ring keeps the newest MaxCalls, oldest first.
	f.chat(s.SessionID, "vpn")
	calls = f.sim.Calls()
	if len(calls) != 3 || calls[0].Path != "/v1/hit" || calls[2].Path != "/v1/chat" {
		t.Errorf("after overflow: %v %v %v", calls[0].Path, calls[1].Path, calls[2].Path)
	}
	if got := f.sim.CallsTo("POST /v1/chat"); len(got) != 1 {
		t.Errorf("CallsTo %d", len(got))
	}
	f.sim.Reset()
	if len(f.sim.Calls()) != 0 {
		t.Error("Reset kept calls")
	}
	f.chat(s.SessionID, "vpn") // the session survives Reset
	if len(f.sim.Calls()) != 1 {
		t.Error("recording stopped after Reset")
	}
}

func TestRecorderDisabled(t *testing.T) {
	f := newFixture(t, kmsim.Options{MaxCalls: -1})
	f.session()
	if len(f.sim.Calls()) != 0 {
		t.Error("recorded with MaxCalls < 0")
	}
}
