package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// TestSimThenAsk is the operator's walk-through: "kmbridge km sim" in one
// terminal, the exports it prints in another, then "kmbridge km ask".
func TestSimThenAsk(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var simOut, simErr testlog.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"km", "sim", "-listen", "127.0.0.1:0"}, &simOut, &simErr, mapEnv(nil))
	}()
	waitFor(t, "the simulator's banner", func() bool { return strings.Contains(simOut.String(), "Ctrl-C") })
	env := exports(simOut.String())
	if !strings.HasPrefix(env["KMBRIDGE_KM_BASE_URL"], "http://127.0.0.1:") || env["KMBRIDGE_KM_TOKEN"] == "" {
		t.Fatalf("banner lacks the settings:\n%s", simOut.String())
	}

	r := runKM(t, env, "km", "ask", "how do I reset my password")
	if r.code != exitOK {
		t.Fatalf("km ask: exit %d\nstderr: %s", r.code, r.stderr)
	}
	mustContain(t, "answer", r.stdout,
		"Reset your password",
		"1. Go to id.example.com/reset.",
		"Related questions\n1. How do I set up multi-factor authentication?\n2. ",
		"[👍 Helpful]\n[👎 Not helpful]\n")
	if strings.Contains(r.stderr, "demo mode") {
		t.Errorf("km ask used the demo simulator, not km sim:\n%s", r.stderr)
	}

	// The same question streamed: the text arrives in chunks, then the rest.
	r = runKM(t, env, "km", "ask", "-stream", "how do I reset my password")
	if r.code != exitOK {
		t.Fatalf("km ask -stream: exit %d\nstderr: %s", r.code, r.stderr)
	}
	mustContain(t, "streamed answer", r.stdout, "Reset your password", "Locked out after 5 attempts",
		"Related questions\n1. How do I set up multi-factor authentication?", "[👍 Helpful]")

	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("km sim: exit %d after SIGINT\nstderr: %s", code, simErr.String())
	}
}

func TestAskDemoModeNeedsNoConfig(t *testing.T) {
	r := runKM(t, nil, "km", "ask", "What", "is", "the", "Wi-Fi", "password?")
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	mustContain(t, "answer", r.stdout, "Guest network: ExampleGuest")
	mustContain(t, "stderr", r.stderr, "demo mode")
}

func TestAskRaw(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})
	r := runKM(t, env, "km", "ask", "-raw", "Which leave types are there?")
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	var ans kmclient.Answer
	if err := json.Unmarshal([]byte(r.stdout), &ans); err != nil {
		t.Fatalf("-raw is not an answer: %v\n%s", err, r.stdout)
	}
	if kmclient.NormalizeMsgType(ans.MsgType) != kmclient.MsgSelectiveTable || ans.SessionID == 0 {
		t.Errorf("msgType %q, session %d; want %q and a session", ans.MsgType, ans.SessionID, kmclient.MsgSelectiveTable)
	}

	// Streaming raw: one JSON value per line, the answer envelope last.
	r = runKM(t, env, "km", "ask", "-raw", "-stream", "What is the Wi-Fi password?")
	if r.code != exitOK {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) < 2 {
		t.Fatalf("want several events, got:\n%s", r.stdout)
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("event %q is not JSON", l)
		}
	}
	mustContain(t, "last event", lines[len(lines)-1], `"code":200`, "ExampleGuest")
}

func TestAskRendersEveryKind(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"What laptops can I order?", []string{"Standard laptops", "ThinkPad X1 Carbon <https://shop.example.com/laptops/x1-carbon>", "Page 1 of 3", "[Next ▶]"}},
		{"What is the office address?", []string{"Example Corp HQ", "Invalidenstraße 1", "https://www.openstreetmap.org/"}},
		{"Book a meeting room", []string{"Which room do you need?", "[Small room (4 people)]", "[Open the room calendar] https://rooms.example.com"}},
		{"laptop", []string{"Did you mean:\n1. I have a laptop problem"}},
		{"My laptop was stolen", []string{"[Talk to a human]"}},
		{"How do I submit an expense claim?", []string{"File: Expense-claim-form.xlsx (17.8 KB) <https://kb.example.com/files/Expense-claim-form.xlsx>"}},
		{"Play the security awareness briefing", []string{"Audio: https://kb.example.com/audio/security-briefing.mp3"}},
	} {
		r := runKM(t, env, "km", "ask", tc.q)
		if r.code != exitOK {
			t.Errorf("%q: exit %d\nstderr: %s", tc.q, r.code, r.stderr)
			continue
		}
		mustContain(t, tc.q, r.stdout, tc.want...)
	}
}

func TestAskLanguage(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})
	r := runKM(t, env, "km", "ask", "-lang", "ja", "how do I reset my password")
	mustContain(t, "Japanese labels", r.stdout, "関連する質問", "👍 役に立った")
	r = runKM(t, with(env, "KMBRIDGE_BRIDGE_LANGUAGE", "zh"), "km", "ask", "how do I reset my password")
	mustContain(t, "Chinese labels", r.stdout, "相关问题")
}

func TestAskSilentAnswerPrintsNothing(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})
	r := runKM(t, env, "km", "ask", "ok")
	if r.code != exitOK || r.stdout != "" {
		t.Errorf("exit %d, stdout %q; want 0 and nothing", r.code, r.stdout)
	}
	mustContain(t, "stderr", r.stderr, "ansType 13")
}

func TestAskKMErrors(t *testing.T) {
	sim, env := startSim(t, kmsim.Options{})

	// KM refuses the credentials.
	r := runKM(t, with(env, "KMBRIDGE_KM_TOKEN", "not-the-token-42"), "km", "ask", "hello")
	if r.code != exitFail {
		t.Errorf("bad token: exit %d, want %d", r.code, exitFail)
	}
	mustContain(t, "bad token", r.stderr, kmsim.MsgSignatureFailed)
	if strings.Contains(r.stdout+r.stderr, "not-the-token-42") {
		t.Errorf("the token was printed:\n%s%s", r.stdout, r.stderr)
	}

	// KM refuses the robot.
	r = runKM(t, with(env, "KMBRIDGE_KM_ROBOT_ID", "4242"), "km", "ask", "hello")
	if r.code != exitFail {
		t.Errorf("bad robot: exit %d, want %d", r.code, exitFail)
	}
	mustContain(t, "bad robot", r.stderr, kmsim.MsgNoRobot)

	// KM is down.
	sim.SetDown(true)
	r = runKM(t, env, "km", "ask", "hello")
	if r.code != exitFail || r.stderr == "" {
		t.Errorf("KM down: exit %d, stderr %q", r.code, r.stderr)
	}
	sim.SetDown(false)
}

func TestAskNetworkFailure(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})
	env["KMBRIDGE_KM_BASE_URL"] = "http://127.0.0.1:1/api" // nothing listens on port 1
	env["KMBRIDGE_KM_TIMEOUT"] = "2s"
	r := runKM(t, env, "km", "ask", "hello")
	if r.code != exitFail {
		t.Errorf("exit %d, want %d\n%s", r.code, exitFail, r.stderr)
	}
	mustContain(t, "stderr", r.stderr, "connection refused")
	if strings.Contains(r.stderr, "sign=") || strings.Contains(r.stderr, kmsim.SampleToken) {
		t.Errorf("a secret was printed:\n%s", r.stderr)
	}
}

func TestSimCommandFlags(t *testing.T) {
	// A token given with -token is never echoed; the sim checks it.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb testlog.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"km", "sim", "-listen", "127.0.0.1:0", "-email", "ops@example.com",
			"-token", "tok-very-secret", "-sign-version", "v2", "-session-ttl", "1m"}, &out, &errb, mapEnv(nil))
	}()
	waitFor(t, "the banner", func() bool { return strings.Contains(out.String(), "Ctrl-C") })
	if strings.Contains(out.String(), "tok-very-secret") {
		t.Errorf("the banner shows the token:\n%s", out.String())
	}
	env := exports(out.String())
	env["KMBRIDGE_KM_TOKEN"] = "tok-very-secret"
	env["KMBRIDGE_KM_SIGN_VERSION"] = "v2"
	if r := runKM(t, env, "km", "ask", "hello"); r.code != exitOK {
		t.Errorf("ask with the -token credentials: exit %d\n%s", r.code, r.stderr)
	}
	env["KMBRIDGE_KM_SIGN_VERSION"] = "v1"
	if r := runKM(t, env, "km", "ask", "hello"); r.code != exitFail {
		t.Errorf("v1 against a v2-only sim: exit %d, want %d", r.code, exitFail)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("km sim: exit %d\n%s", code, errb.String())
	}
}

func TestSimCommandErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"km", "sim", "-email", "x@example.com"}, exitUsage},
		{[]string{"km", "sim", "-sign-version", "v3"}, exitUsage},
		{[]string{"km", "sim", "-session-ttl", "0s"}, exitUsage},
		{[]string{"km", "sim", "extra"}, exitUsage},
		{[]string{"km", "sim", "-kb", "/nonexistent/kb.yaml"}, exitConfig},
		{[]string{"km", "sim", "-listen", "not-an-address"}, exitFail},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), tc.args, &out, &errb, mapEnv(nil))
		if code != tc.code {
			t.Errorf("%q: exit %d, want %d\n%s", tc.args, code, tc.code, errb.String())
		}
	}
}

func TestAskRawHidesModelCredentials(t *testing.T) {
	const answer = `{"sessionId":1,"logId":2,"ansType":1,"msgType":"plain","ansContent":"hi",
		"thirdPartyModel":{"status":true,"url":"https://llm.example.com","sign":"s3cr3t-sign","apiKey":"k3y-value","robotKey":"rk"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/initClient":
			io.WriteString(w, `{"code":200,"message":"OK","data":{"sessionId":1}}`)
		case "/api/v1/chat":
			io.WriteString(w, `{"code":200,"message":"OK","data":`+answer+`}`)
		case "/api/v2/newChat":
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: {\"message\":\"hi\"}\n\ndata: {\"code\":200,\"message\":\"OK\",\"data\":"+strings.ReplaceAll(answer, "\n", "")+"}\n\ndata: [DONE]\n\n")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	env := kmEnv(srv.URL+"/api", "tok")
	for _, args := range [][]string{{"km", "ask", "-raw", "hello"}, {"km", "ask", "-raw", "-stream", "hello"}} {
		r := runKM(t, env, args...)
		if r.code != exitOK {
			t.Fatalf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "s3cr3t-sign") || strings.Contains(r.stdout, "k3y-value") {
			t.Errorf("%q printed KM's model credentials:\n%s", args, r.stdout)
		}
		mustContain(t, strings.Join(args, " "), r.stdout, "[redacted]", "https://llm.example.com")
	}
}

func TestRedactJSON(t *testing.T) {
	for in, want := range map[string]string{
		`{"a":1}`: `{"a":1}`,
		`{"x":{"sign":"abc","n":12345678901234567890}}`: `{"x":{"n":12345678901234567890,"sign":"[redacted]"}}`,
		`[{"apiKey":""},{"token":"t"}]`:                 `[{"apiKey":""},{"token":"[redacted]"}]`,
		`not json "sign"`:                               `not json "sign"`,
	} {
		if got := string(redactJSON([]byte(in))); got != want {
			t.Errorf("redactJSON(%s) = %s, want %s", in, got, want)
		}
	}
}
