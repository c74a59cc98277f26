package kmsim_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/v1/initClient"},
	{"POST", "/v1/chat"},
	{"POST", "/v2/newChat"},
	{"POST", "/v1/hit"},
	{"POST", "/v1/flow"},
	{"POST", "/v1/chat/commonQuestions"},
	{"POST", "/v1/chat/hotQuestions"},
	{"POST", "/v1/surveyQuestion"},
	{"POST", "/v1/surveySession"},
	{"POST", "/v1/assist"},
	{"POST", "/v1/smartHint"},
	{"PUT", "/v1/sessions/450000/switchStaff"},
	{"POST", "/v1/sessions"},
}

// FuzzRuntime feeds arbitrary bodies to the runtime endpoints: the simulator never
// panics and always answers a well-formed envelope (or, for streaming, events).
func FuzzRuntime(f *testing.F) {
	seeds := []string{
		`{"robotId":83,"channelId":82,"modelKey":"helpdesk","customer":{"id":"1"}}`,
		`{"sessionId":450000,"robotId":83,"queryContent":"How do I reset my password?"}`,
		`{"sessionId":"450000","robotId":"83","queryContent":"vpn","responseMode":"streaming"}`,
		`{"sessionId":450000,"queryType":8,"logId":790001,"questionId":1001}`,
		`{"sessionId":450000,"flowId":201,"flowContent":"<a>x</a>"}`,
		`{"limitDayNum":100,"limitResultNum":50,"robotId":83}`,
		`{"sessionId":450000,"questionSurveyOptionId":1}`,
		`{"sessionId":450000,"sessionSurveyOptionId":4,"surveyContent":"😀"}`,
		`{"robotId":83,"channelId":82,"queryContent":"忘记密码"}`,
		`{"sessionId":450000,"keyword":"v"}`,
		`{"robotId":83,"startTime":"2025-01-01 00:00:00","endTime":"2030-01-01 00:00:00","conditionList":[{"field":"platform","operator":"is","value":[5]}]}`,
		`{"sessionId":1e400}`, `{"sessionId":-1,"queryContent":null}`, `[]`, `null`, `"x"`, `{`, ``,
		`{"sessionId":450000,"robotId":83,"queryContent":"\u0000\ufffd<script>"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	kb := kmsim.SampleKB()
	post := func(sim *kmsim.Sim, method, path, body string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, httptest.NewRequest(method, "/api"+path, strings.NewReader(body)))
		return w
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		// A fresh simulator per input keeps the target deterministic.
		sim := kmsim.New(kb, kmsim.Options{NoAuth: true, MaxCalls: -1})
		if w := post(sim, "POST", "/v1/initClient", `{"robotId":83,"channelId":82}`); w.Code != 200 {
			t.Fatalf("initClient: %d %s", w.Code, w.Body)
		}
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		w := post(sim, rt.method, rt.path, string(body))
		raw := w.Body.Bytes()
		if strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
			if !strings.HasSuffix(string(raw), "data: [DONE]\n\n") {
				t.Fatalf("stream does not end with [DONE]: %q", raw)
			}
			return
		}
		var env struct {
			Code    *int            `json:"code"`
			Message *string         `json:"message"`
			Visible *bool           `json:"visible"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil || env.Code == nil || env.Message == nil || env.Visible == nil {
			t.Fatalf("%s %s %q: not an envelope (HTTP %d): %q", rt.method, rt.path, body, w.Code, raw)
		}
		switch {
		case *env.Code == 200 && w.Code == http.StatusOK:
		case *env.Code == 400 && w.Code == http.StatusOK && *env.Message != "":
		default:
			t.Fatalf("%s %s %q: HTTP %d code %d %q", rt.method, rt.path, body, w.Code, *env.Code, *env.Message)
		}
	})
}

// FuzzLoadKB: no YAML makes LoadKB panic, and what loads serves a chat.
func FuzzLoadKB(f *testing.F) {
	f.Add([]byte(minimalKB))
	f.Add(kmsim.SampleYAML())
	f.Add([]byte("robot: {id: 1, channelId: 2}\ncategories: [{id: 3, name: C, questions: [{id: 4, content: Q, answer: {msgType: map, content: {location: '1,2'}}}]}]\n"))
	f.Add([]byte("robot: &a {id: 1, channelId: 2}\nmatching: *a\n"))
	f.Fuzz(func(t *testing.T, y []byte) {
		kb, err := kmsim.LoadKB(strings.NewReader(string(y)))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		sim := kmsim.New(kb, kmsim.Options{NoAuth: true, MaxCalls: -1})
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/assist", strings.NewReader(
			`{"robotId":`+itoa(kb.RobotID())+`,"channelId":`+itoa(kb.ChannelID())+`,"queryContent":"how do I reset my password"}`)))
		if w.Code != 200 || !json.Valid(w.Body.Bytes()) {
			t.Fatalf("assist on a loaded KB: HTTP %d %s", w.Code, w.Body)
		}
	})
}
