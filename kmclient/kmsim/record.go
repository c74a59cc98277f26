package kmsim

import (
	"encoding/json"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Call is one request the simulator received, as tests assert on it.
type Call struct {
	Method string
	// Path is the endpoint path without the base path, e.g. "/v1/hit" or
	// "/v1/sessions/450001/switchStaff".
	Path string
	// Route is the matched endpoint, e.g. "PUT /v1/sessions/:id/switchStaff"; ""
	// when none matched.
	Route string
	// Query is the query string without the authentication parameters.
	Query url.Values
	// Body is the decoded JSON object body (numbers are json.Number); nil when the
	// body was empty or not a JSON object. Use Int and Str to read it.
	Body map[string]any
	// SignVersion is "v1" or "v2" when the request was signed, "" otherwise.
	SignVersion string
	// Time is when the call arrived, by Options.Now.
	Time time.Time
	// Status is the HTTP status sent; 0 when the connection was dropped.
	Status int
	// Code is the envelope's code; 0 when the response had no envelope.
	Code int
	// Example is the file of the seed example a verbatim simulator answered with.
	Example string
	// Fault names the injected fault that shaped the response: "down", "error",
	// "html", "truncated", "expire", or "".
	Fault string
}

// Int returns the body field key as an integer (a JSON number or numeric string);
// 0 when absent or not a number.
func (c Call) Int(key string) int64 {
	switch v := c.Body[key].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		if f, err := v.Float64(); err == nil {
			return int64(f)
		}
	case string:
		n, _ := strconv.ParseInt(v, 10, 64)
		return n
	}
	return 0
}

// Str returns the body field key as a string; "" when absent or not a string.
func (c Call) Str(key string) string {
	s, _ := c.Body[key].(string)
	return s
}

// recorder is a bounded ring of calls.
type recorder struct {
	mu    sync.Mutex
	buf   []Call
	next  int
	limit int
}

func (r *recorder) add(c Call) {
	if r.limit <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.buf == nil {
		r.buf = make([]Call, 0, min(r.limit, 64))
	}
	if len(r.buf) < r.limit {
		r.buf = append(r.buf, c)
		return
	}
	r.buf[r.next] = c
	r.next = (r.next + 1) % r.limit
}

func (r *recorder) all() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Call, 0, len(r.buf))
	out = append(out, r.buf[r.next:]...)
	return append(out, r.buf[:r.next]...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf, r.next = nil, 0
}

// Calls returns the recorded calls, oldest first (at most Options.MaxCalls).
func (s *Sim) Calls() []Call { return s.rec.all() }

// Reset forgets the recorded calls. Sessions, counters and knobs are unchanged.
func (s *Sim) Reset() { s.rec.reset() }

// CallsTo returns the recorded calls whose Route is route, e.g. "POST /v1/hit".
func (s *Sim) CallsTo(route string) []Call {
	var out []Call
	for _, c := range s.rec.all() {
		if c.Route == route {
			out = append(out, c)
		}
	}
	return out
}
