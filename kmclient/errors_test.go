package kmclient

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// seedFailure is KM's failure envelope as the seeds show it.
func seedFailure(msg string) []byte {
	b, _ := jsonMarshal(map[string]any{"code": 400, "message": msg, "visible": false})
	return b
}

func TestSeedFailures(t *testing.T) {
	tests := []struct {
		endpoint string
		call     func(context.Context, *Client) error
		msg      string
		expired  bool
	}{
		{"POST /v1/chat", func(ctx context.Context, c *Client) error { _, err := c.Chat(ctx, ChatRequest{}); return err }, "sessionId does not exist! Please reinitialize", true},
		{"POST /v1/chat", func(ctx context.Context, c *Client) error { _, err := c.Chat(ctx, ChatRequest{}); return err }, "Question content cannot be empty", false},
		{"POST /v2/newChat", func(ctx context.Context, c *Client) error { _, err := c.NewChat(ctx, NewChatRequest{}); return err }, "sessionId does not exist! Please reinitialize", true},
		{"POST /v1/hit", func(ctx context.Context, c *Client) error { _, err := c.Hit(ctx, HitRequest{}); return err }, "sessionId does not exist! Please reinitialize", true},
		{"POST /v1/hit", func(ctx context.Context, c *Client) error { _, err := c.Hit(ctx, HitRequest{}); return err }, "【sessionId】javax.validation.constraints.NotNull.message", false},
		{"POST /v1/flow", func(ctx context.Context, c *Client) error { _, err := c.Flow(ctx, FlowRequest{}); return err }, "The system could not find the process", false},
		{"POST /v1/surveyQuestion", func(ctx context.Context, c *Client) error { return c.SurveyQuestion(ctx, SurveyQuestionRequest{}) }, "This reply has been evaluated!", false},
		{"POST /v1/surveyQuestion", func(ctx context.Context, c *Client) error { return c.SurveyQuestion(ctx, SurveyQuestionRequest{}) }, "The relationship between sessionId and sessionLogId does not exist!", false},
		{"POST /v1/smartHint", func(ctx context.Context, c *Client) error { _, err := c.SmartHint(ctx, SmartHintRequest{}); return err }, "The robot does not exist or has been deleted!", false},
		{"POST /v1/assist", func(ctx context.Context, c *Client) error { _, err := c.Assist(ctx, AssistRequest{}); return err }, "The scene does not exist", false},
		{"GET /v1/questions/:id", func(ctx context.Context, c *Client) error { _, err := c.GetQuestion(ctx, 1); return err }, "The problem does not exist or has been deleted!", false},
		{"POST /v1/questions", func(ctx context.Context, c *Client) error {
			_, err := c.CreateQuestion(ctx, CreateQuestionRequest{})
			return err
		}, "Category doesn't belong to the Robot!", false},
		{"PUT /v1/questions/:id", func(ctx context.Context, c *Client) error { return c.UpdateQuestion(ctx, 1, UpdateQuestionRequest{}) }, "Duplicate with existing problems! Problem Id:12", false},
		{"GET /v1/datumTemplates/:id", func(ctx context.Context, c *Client) error { _, err := c.GetDatumTemplate(ctx, 1); return err }, "The data has been deleted or does not exist", false},
		{"GET /v1/datums/:id", func(ctx context.Context, c *Client) error { _, err := c.GetDatum(ctx, 1); return err }, "Data has been deleted or does not exist", false},
		{"GET /v1/robots/:id/commonQuestionModels", func(ctx context.Context, c *Client) error {
			_, _, err := c.CommonQuestionModels(ctx, 1, CommonQuestionModelsQuery{})
			return err
		}, "Failed to convert value of type 'java.lang.String' to required type 'int'", false},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint+" "+tt.msg, func(t *testing.T) {
			_, srv := newFakeKM(t, http.StatusOK, seedFailure(tt.msg))
			err := tt.call(t.Context(), newTestClient(t, srv))
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want *APIError", err, err)
			}
			want := APIError{Endpoint: tt.endpoint, HTTPStatus: 200, Code: 400, Message: tt.msg}
			if *ae != want {
				t.Errorf("got %+v, want %+v", *ae, want)
			}
			if errors.Is(err, ErrSessionExpired) != tt.expired {
				t.Errorf("errors.Is(ErrSessionExpired) = %v", !tt.expired)
			}
			if !strings.Contains(err.Error(), tt.endpoint) || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestResponseShapes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		want   APIError // Message is matched as a substring; zero Endpoint = success
	}{
		{"204", http.StatusNoContent, "", "", APIError{}},
		{"html page", http.StatusBadGateway, "text/html",
			"<html><head><title>502 Bad Gateway</title></head>\n<body>nginx: GET /api/v1/chat?email=a&sign=0123abcd&timestamp=1 " + testToken + "</body></html>",
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 502, Message: `non-JSON response (text/html`}},
		{"html with 200", http.StatusOK, "text/html", "<!doctype html><p>maintenance</p>",
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Message: "maintenance"}},
		{"empty 200", http.StatusOK, "application/json", "", APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Message: "empty response body"}},
		{"empty 500", http.StatusInternalServerError, "", "  ", APIError{Endpoint: "POST /v1/chat", HTTPStatus: 500, Message: "empty response body"}},
		{"truncated JSON", http.StatusOK, "application/json", `{"code":200,"message":"OK","data":{"sessionId":1,"ansCo`,
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Message: "malformed JSON response"}},
		{"JSON without code", http.StatusOK, "application/json", `{"error":"nope"}`,
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Message: "without a KM envelope code"}},
		{"JSON array", http.StatusOK, "application/json", `[1,2]`, APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Message: "JSON array"}},
		{"binary", http.StatusOK, "application/octet-stream", "\x00\x01\xff\xfe", APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Message: "non-JSON"}},
		{"4xx with envelope", http.StatusBadRequest, "application/json", `{"code":400,"message":"Question content cannot be empty","visible":false}`,
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 400, Code: 400, Message: "Question content cannot be empty"}},
		{"5xx with a success envelope", http.StatusInternalServerError, "application/json", `{"code":200,"message":"OK"}`,
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 500, Message: "Internal Server Error"}},
		{"string code", http.StatusOK, "application/json", `{"code":"500","message":"boom"}`,
			APIError{Endpoint: "POST /v1/chat", HTTPStatus: 200, Code: 500, Message: "boom"}},
		{"success without data", http.StatusOK, "application/json", `{"code":200,"message":"OK","data":null}`, APIError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, srv := newFakeKM(t, tt.status, []byte(tt.body))
			fake.header = http.Header{}
			if tt.ctype != "" {
				fake.header.Set("Content-Type", tt.ctype)
			}
			a, err := newTestClient(t, srv).Chat(t.Context(), ChatRequest{SessionID: 1})
			if tt.want.Endpoint == "" {
				if err != nil || a == nil {
					t.Fatalf("got %v, %v; want success", a, err)
				}
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T), want *APIError", err, err)
			}
			if ae.Endpoint != tt.want.Endpoint || ae.HTTPStatus != tt.want.HTTPStatus || ae.Code != tt.want.Code || !strings.Contains(ae.Message, tt.want.Message) {
				t.Errorf("got %+v, want %+v", *ae, tt.want)
			}
			if len(ae.Message) > 400 {
				t.Errorf("message is %d bytes long", len(ae.Message))
			}
			assertNoSecrets(t, err.Error())
		})
	}
}

// Data that cannot be an answer at all (an unreadable field is only dropped: see
// tolerant_test.go) is an error that says what was being decoded.
func TestDecodeDataError(t *testing.T) {
	_, srv := newFakeKM(t, http.StatusOK, []byte(`{"code":200,"message":"OK","data":[{"sessionId":1}]}`))
	_, err := newTestClient(t, srv).Chat(t.Context(), ChatRequest{})
	if err == nil || !strings.Contains(err.Error(), "POST /v1/chat: decode data") {
		t.Errorf("err = %v", err)
	}
}

// assertNoSecrets fails when s shows the token or a sign.
func assertNoSecrets(t *testing.T, s string) {
	t.Helper()
	if strings.Contains(s, testToken) || strings.Contains(s, "sign=") && !strings.Contains(s, "sign=[redacted]") {
		t.Errorf("%q shows a secret", s)
	}
	if strings.Contains(s, "sign=") && strings.Count(s, "sign=") != strings.Count(s, "sign=[redacted]") {
		t.Errorf("%q shows a sign", s)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"3", 3 * time.Second, true},
		{"3600", 10 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(4 * time.Second).Format(http.TimeFormat), 4 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{now.Add(time.Hour).Format(http.TimeFormat), 10 * time.Second, true},
	}
	for _, tt := range tests {
		got, ok := retryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("retryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// scripted answers request i with steps[i] (the last step repeats).
type scripted struct {
	mu    sync.Mutex
	steps []func(http.ResponseWriter)
	n     int
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	i := min(s.n, len(s.steps)-1)
	s.n++
	s.mu.Unlock()
	s.steps[i](w)
}

func (s *scripted) count() int { s.mu.Lock(); defer s.mu.Unlock(); return s.n }

func status(code int, retryAfter string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(http.StatusText(code)))
	}
}

func okChat(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"code":200,"message":"OK","data":{"sessionId":9,"ansContent":"hi","msgType":"plain"}}`))
}

func TestHTTPRetries(t *testing.T) {
	past := time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat)
	tests := []struct {
		name     string
		steps    []func(http.ResponseWriter)
		timeout  time.Duration
		wantN    int
		wantCode int // 0 = success
		minWait  time.Duration
	}{
		{"429 Retry-After seconds then success", []func(http.ResponseWriter){status(429, "1"), okChat}, 0, 2, 0, 900 * time.Millisecond},
		{"503 Retry-After date then success", []func(http.ResponseWriter){status(503, past), okChat}, 0, 2, 0, 0},
		{"429 retried at most MaxRetries times", []func(http.ResponseWriter){status(429, "0")}, 0, 3, 429, 0},
		{"503 without Retry-After not retried", []func(http.ResponseWriter){status(503, ""), okChat}, 0, 1, 503, 0},
		{"429 without Retry-After not retried", []func(http.ResponseWriter){status(429, ""), okChat}, 0, 1, 429, 0},
		{"500 not retried even with Retry-After", []func(http.ResponseWriter){status(500, "0"), okChat}, 0, 1, 500, 0},
		{"Retry-After past the deadline not waited for", []func(http.ResponseWriter){status(429, "5"), okChat}, 2 * time.Second, 1, 429, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{steps: tt.steps}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := newTestClient(t, srv, func(c *Config) { c.Timeout = tt.timeout })
			start := time.Now()
			a, err := c.Chat(t.Context(), ChatRequest{SessionID: 9})
			elapsed := time.Since(start)
			if s.count() != tt.wantN {
				t.Errorf("%d requests, want %d", s.count(), tt.wantN)
			}
			if tt.wantCode == 0 {
				if err != nil || a.SessionID != 9 {
					t.Fatalf("got %v, %v", a, err)
				}
			} else {
				var ae *APIError
				if !errors.As(err, &ae) || ae.HTTPStatus != tt.wantCode {
					t.Fatalf("err = %v, want HTTP %d", err, tt.wantCode)
				}
			}
			if elapsed < tt.minWait {
				t.Errorf("took %s, want ≥ %s (Retry-After honoured)", elapsed, tt.minWait)
			}
			if tt.timeout > 0 && elapsed > tt.timeout {
				t.Errorf("took %s, past the %s timeout", elapsed, tt.timeout)
			}
		})
	}
}

// flakyDialer refuses the first `fail` connections the way a closed port does.
type flakyDialer struct {
	fail  int32
	dials atomic.Int32
}

func (d *flakyDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.dials.Add(1) <= d.fail {
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.AddrError{Err: syscall.ECONNREFUSED.Error(), Addr: addr}}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func TestDialErrorRetried(t *testing.T) {
	for _, tt := range []struct {
		fail, wantDials int32
		ok              bool
	}{{1, 2, true}, {2, 3, true}, {5, 3, false}} {
		s := &scripted{steps: []func(http.ResponseWriter){okChat}}
		srv := httptest.NewServer(s)
		d := &flakyDialer{fail: tt.fail}
		c := newTestClient(t, srv, func(c *Config) {
			c.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
		})
		_, err := c.Chat(t.Context(), ChatRequest{SessionID: 9})
		if (err == nil) != tt.ok || d.dials.Load() != tt.wantDials || s.count() != 1 && tt.ok {
			t.Errorf("fail %d: err %v, dials %d (want %d), requests %d", tt.fail, err, d.dials.Load(), tt.wantDials, s.count())
		}
		if err != nil {
			assertNoSecrets(t, err.Error())
		}
		srv.Close()
	}
}

func TestSecretsNotInTransportErrors(t *testing.T) {
	// A dial error: a port nothing listens on any more.
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := newTestClient(t, srv)
	srv.Close()

	// A timeout: a server that never answers.
	hang := httptest.NewServer(http.HandlerFunc(hangUp))
	defer hang.Close()
	slow := newTestClient(t, hang, func(c *Config) { c.Timeout = 100 * time.Millisecond })

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	dead.log, slow.log = logger, logger

	for name, c := range map[string]*Client{"dial": dead, "timeout": slow} {
		_, err := c.Chat(t.Context(), ChatRequest{SessionID: 1, QueryContent: "q"})
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		msg := err.Error()
		if strings.Contains(msg, testToken) || strings.Contains(msg, "sign=") || strings.Contains(msg, "sign") || strings.Contains(msg, "timestamp=") {
			t.Errorf("%s: error %q shows the signed query", name, msg)
		}
		if !strings.Contains(msg, "POST /v1/chat") {
			t.Errorf("%s: error %q does not name the endpoint", name, msg)
		}
		if name == "timeout" && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("timeout: %v is not DeadlineExceeded", err)
		}
	}
	if strings.Contains(logs.String(), testToken) || strings.Contains(logs.String(), "sign=") {
		t.Errorf("logs show a secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "km call retry") {
		t.Errorf("dial retries were not logged:\n%s", logs.String())
	}
}

func TestContextCancelStopsCall(t *testing.T) {
	arrived := make(chan struct{}, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		hangUp(w, r)
	}))
	defer srv.Close()
	c := newTestClient(t, srv)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	_, err := c.Chat(ctx, ChatRequest{SessionID: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	assertNoSecrets(t, err.Error())
	select {
	case <-arrived:
		t.Error("a cancelled call was retried")
	default:
	}
}

// hangUp never answers. It reads the body first: only then does net/http watch the
// connection and cancel r.Context() when the client goes away.
func hangUp(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}
