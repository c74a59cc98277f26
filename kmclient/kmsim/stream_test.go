package kmsim_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// sseData returns the data payloads of an event stream, checking its framing: every
// event is "data: <payload>" followed by a blank line.
func sseData(t *testing.T, raw []byte) []string {
	t.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	expectBlank := false
	for sc.Scan() {
		line := sc.Text()
		if expectBlank {
			if line != "" {
				t.Fatalf("event not followed by a blank line: %q", line)
			}
			expectBlank = false
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			t.Fatalf("not a data line: %q", line)
		}
		out = append(out, data)
		expectBlank = true
	}
	return out
}

func TestNewChatStreaming(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	r := f.call("POST", "/v2/newChat", map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "How do I reset my password?", "responseMode": "streaming"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("HTTP %d %s", r.status, r.header.Get("Content-Type"))
	}
	events := sseData(t, r.raw)
	if len(events) < 4 || events[len(events)-1] != "[DONE]" {
		t.Fatalf("events %q", events)
	}
	var text strings.Builder
	for _, e := range events[:len(events)-2] {
		var m struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(e), &m); err != nil || m.Message == "" {
			t.Fatalf("chunk %q: %v", e, err)
		}
		text.WriteString(m.Message)
	}
	var final struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    kmclient.Answer `json:"data"`
	}
	if err := json.Unmarshal([]byte(events[len(events)-2]), &final); err != nil {
		t.Fatal(err)
	}
	if final.Code != 200 || final.Message != "OK" || final.Data.HitQuestion != "How do I reset my password?" || final.Data.LogID == 0 || !final.Data.EnableAppraise {
		t.Fatalf("final event %+v", final)
	}
	if got := text.String(); !strings.HasPrefix(got, "Reset your password\n- Go to id.example.com/reset") || strings.Contains(got, "<") {
		t.Errorf("streamed text %q", got)
	}
	// Errors found before streaming starts are a plain JSON envelope.
	f.call("POST", "/v2/newChat", map[string]any{"sessionId": 1, "robotId": 83, "queryContent": "x", "responseMode": "streaming"}).failed(t, kmclient.MsgSessionExpired)
}

// Structured answers stream no text, only the final answer.
func TestNewChatStreamingStructured(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	s := f.session()
	r := f.call("POST", "/v2/newChat", map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "What laptops can I order?", "responseMode": "streaming"})
	events := sseData(t, r.raw)
	if len(events) != 2 || events[1] != "[DONE]" || !strings.Contains(events[0], `"msgType":"show_product"`) {
		t.Fatalf("events %q", events)
	}
}

// flushRecorder counts flushes.
type flushRecorder struct {
	*httptest.ResponseRecorder
	flushes int
}

func (f *flushRecorder) Flush() { f.flushes++; f.ResponseRecorder.Flush() }

func TestStreamFlushesEachEvent(t *testing.T) {
	c := newClock()
	sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{NoAuth: true, Now: c.Now})
	post := func(path, body string) *flushRecorder {
		w := &flushRecorder{ResponseRecorder: httptest.NewRecorder()}
		sim.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api"+path, strings.NewReader(body)))
		return w
	}
	var init kmclient.InitClientResponse
	env := struct{ Data *kmclient.InitClientResponse }{&init}
	if err := json.Unmarshal(post("/v1/initClient", `{"robotId":83,"channelId":82}`).Body.Bytes(), &env); err != nil {
		t.Fatal(err)
	}
	w := post("/v2/newChat", `{"sessionId":`+init.SessionID.String()+`,"robotId":83,"queryContent":"How do I request leave?","responseMode":"streaming"}`)
	events := sseData(t, w.Body.Bytes())
	if w.flushes != len(events) {
		t.Errorf("%d events, %d flushes", len(events), w.flushes)
	}
}

func TestStreamChunkDelay(t *testing.T) {
	f := newFixture(t, kmsim.Options{StreamChunkDelay: 20 * time.Millisecond})
	s := f.session()
	start := time.Now()
	r := f.call("POST", "/v2/newChat", map[string]any{"sessionId": s.SessionID, "robotId": 83, "queryContent": "When is payday?", "responseMode": "streaming"})
	chunks := len(sseData(t, r.raw)) - 2
	if chunks < 2 {
		t.Fatalf("%d chunks", chunks)
	}
	if el := time.Since(start); el < time.Duration(chunks)*20*time.Millisecond {
		t.Errorf("%d chunks streamed in %v, less than their delays", chunks, el)
	}
	f.sim.SetStreamDelay(0)
}
