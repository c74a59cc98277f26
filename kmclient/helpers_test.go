package kmclient

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

const (
	testEmail = "admin@udesk.cn"
	testToken = "tok-5ecret-Value-42"
)

// newTestClient returns a client for srv with the test credentials.
func newTestClient(t testing.TB, srv *httptest.Server, mods ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: srv.URL + "/api", Email: testEmail, Token: testToken, HTTPClient: srv.Client()}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.dialBackoff = time.Millisecond
	return c
}

// checkSigned reports what is wrong with the v1 signature of q, or "".
func checkSigned(q map[string][]string) string {
	get := func(k string) string {
		if v := q[k]; len(v) == 1 {
			return v[0]
		}
		return ""
	}
	if get("email") != testEmail {
		return "email = " + strconv.Quote(get("email"))
	}
	ts, err := strconv.ParseInt(get("timestamp"), 10, 64)
	if err != nil {
		return "timestamp: " + err.Error()
	}
	if d := time.Since(time.Unix(ts, 0)); d < -time.Minute || d > time.Minute {
		return "timestamp is " + d.String() + " away from now"
	}
	if want := SignV1(testEmail, testToken, ts); get("sign") != want {
		return "sign = " + get("sign") + ", want " + want
	}
	return ""
}

// readFixture returns testdata/<name>.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedExample returns the body of the one example of kind that seed ("001") shows
// for endpoint; where is "SEED METHOD PATH".
func seedExample(t testing.TB, where string, kind seedex.Kind) []byte {
	t.Helper()
	seed, endpoint, _ := strings.Cut(where, " ")
	all, err := seedex.Load(os.DirFS("testdata/seed"))
	if err != nil {
		t.Fatal(err)
	}
	ex := seedex.Find(all, endpoint, kind, seed)
	if len(ex) != 1 {
		t.Fatalf("%d %s examples for %s", len(ex), kind, where)
	}
	return ex[0].Body()
}

// seedResponse is the success response the seed shows for an endpoint.
func seedResponse(t testing.TB, where string) []byte { return seedExample(t, where, seedex.Response) }

// sameJSON compares two JSON texts by value.
func sameJSON(t testing.TB, got, want []byte) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("body %s: %v", got, err)
		return false
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	return reflect.DeepEqual(g, w)
}

// recorded is one request as the fake server saw it.
type recorded struct {
	method, path string
	query        map[string][]string
	header       http.Header
	body         []byte
}

// fakeKM answers every request with status and body and records the requests.
type fakeKM struct {
	status int
	body   []byte
	header http.Header
	reqs   chan recorded
}

func newFakeKM(t testing.TB, status int, body []byte) (*fakeKM, *httptest.Server) {
	f := &fakeKM{status: status, body: body, reqs: make(chan recorded, 16)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeKM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	select {
	case f.reqs <- recorded{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), b}:
	default:
	}
	for k, v := range f.header {
		w.Header()[k] = v
	}
	if f.status == http.StatusNoContent {
		w.WriteHeader(f.status)
		return
	}
	if w.Header().Get("Content-Type") == "" && len(bytes.TrimSpace(f.body)) > 0 && f.body[0] == '{' {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	}
	w.WriteHeader(f.status)
	_, _ = w.Write(f.body)
}

func ptr[T any](v T) *T { return &v }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
