package kmsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is a simulator on loopback with a fake clock and a signing helper.
type fixture struct {
	t     testing.TB
	sim   *kmsim.Sim
	srv   *httptest.Server
	clock *clock
	kb    *kmsim.KB
}

func newFixture(t testing.TB, opts kmsim.Options) *fixture {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	kb := kmsim.SampleKB()
	sim := kmsim.New(kb, opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &fixture{t: t, sim: sim, srv: srv, clock: c, kb: kb}
}

// signedQuery returns v1 auth parameters for the fixture's clock.
func (f *fixture) signedQuery() url.Values {
	ts := f.clock.Now().Unix()
	q := url.Values{}
	q.Set("email", kmsim.SampleEmail)
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("sign", kmclient.SignV1(kmsim.SampleEmail, kmsim.SampleToken, ts))
	return q
}

func (f *fixture) url(path string, q url.Values) string {
	return f.srv.URL + "/api" + path + "?" + q.Encode()
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	raw    []byte
	env    envelope
}

type envelope struct {
	Code      int             `json:"code"`
	Message   string          `json:"message"`
	Visible   bool            `json:"visible"`
	Exception any             `json:"exception"`
	Paging    *paging         `json:"paging"`
	Data      json.RawMessage `json:"data"`
}

type paging struct {
	PageNum  int `json:"pageNum"`
	PageSize int `json:"pageSize"`
	Total    int `json:"total"`
}

// call sends a signed request with a JSON body (nil for none; a string or []byte is
// sent as is) and decodes the envelope when the response is JSON.
func (f *fixture) call(method, path string, body any, extra ...string) resp {
	f.t.Helper()
	q := f.signedQuery()
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return f.send(method, f.url(path, q), body)
}

func (f *fixture) send(method, u string, body any) resp {
	f.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' && json.Valid(raw) {
		if err := json.Unmarshal(raw, &r.env); err != nil {
			f.t.Fatalf("%s %s: not an envelope %q: %v", method, u, raw, err)
		}
	}
	return r
}

// ok asserts code 200 and decodes data into dst (if non-nil).
func (r resp) ok(t testing.TB, dst any) {
	t.Helper()
	if r.status != 200 || r.env.Code != 200 || r.env.Message != "OK" {
		t.Fatalf("want HTTP 200 code 200 OK, got HTTP %d: %s", r.status, r.raw)
	}
	if dst != nil {
		if err := json.Unmarshal(r.env.Data, dst); err != nil {
			t.Fatalf("data %s: %v", r.env.Data, err)
		}
	}
}

// failed asserts KM's code 400 with message.
func (r resp) failed(t testing.TB, message string) {
	t.Helper()
	if r.status != 200 || r.env.Code != 400 || r.env.Message != message {
		t.Fatalf("want HTTP 200 code 400 %q, got HTTP %d: %s", message, r.status, r.raw)
	}
}

// session starts a KM session and returns it.
func (f *fixture) session() kmclient.InitClientResponse {
	f.t.Helper()
	var out kmclient.InitClientResponse
	f.call("POST", "/v1/initClient", map[string]any{
		"robotId": kmsim.SampleRobotID, "channelId": kmsim.SampleChannelID, "modelKey": kmsim.SampleModelKey,
		"platform": 5, "customer": map[string]any{"id": "42", "nickname": "Ada", "customer_token": "slack:U42", "src": "slack"},
	}).ok(f.t, &out)
	return out
}

func (f *fixture) chat(sessionID kmclient.ID, text string) kmclient.Answer {
	f.t.Helper()
	var a kmclient.Answer
	f.call("POST", "/v1/chat", map[string]any{"sessionId": sessionID, "robotId": kmsim.SampleRobotID, "queryContent": text}).ok(f.t, &a)
	return a
}

func (f *fixture) questionID(text string) int64 {
	f.t.Helper()
	id, ok := f.kb.FindQuestion(text)
	if !ok {
		f.t.Fatalf("sample has no question %q", text)
	}
	return id
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func newServer(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
