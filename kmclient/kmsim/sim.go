package kmsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sim is the KM simulator, an http.Handler. It is safe for concurrent use; no lock
// is held across a sleep.
type Sim struct {
	opts   Options
	routes []route

	kbMu sync.RWMutex
	kb   *KB

	sessions    sessionStore
	nextSession atomic.Int64
	nextLog     atomic.Int64
	hot         hotCounts
	quotaUsed   atomic.Int64
	quotaTotal  atomic.Int64

	datums *datumStore

	faults faultState
	rec    recorder
}

// New returns a simulator serving a copy of kb (admin calls change the copy, never
// kb). A nil kb serves SampleKB().
func New(kb *KB, opts Options) *Sim {
	if kb == nil {
		kb = SampleKB()
	}
	opts = opts.withDefaults()
	s := &Sim{
		opts:     opts,
		kb:       kb.clone(),
		sessions: sessionStore{byID: map[int64]*session{}},
		hot:      hotCounts{byQID: map[int64]map[int64]int{}},
		rec:      recorder{limit: opts.MaxCalls},
		routes:   routeTable(),
		datums:   newDatumStore(kb.datumCategories),
	}
	s.nextSession.Store(opts.FirstSessionID)
	s.nextLog.Store(opts.FirstLogID)
	s.quotaUsed.Store(kb.quota.used)
	s.quotaTotal.Store(kb.quota.total)
	s.faults.cur.Store(&Faults{})
	s.faults.streamGap.Store(int64(opts.StreamChunkDelay))
	s.faults.rng = rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	return s
}

// SetQuota sets the interaction quota: restrictionState reports usedCount and
// totalCount, and exceededFlag 1 once used passes total.
func (s *Sim) SetQuota(used, total int64) {
	s.quotaUsed.Store(used)
	s.quotaTotal.Store(total)
}

func (s *Sim) newLogID() int64 { return s.nextLog.Add(1) - 1 }

// reqCtx is one request being handled.
type reqCtx struct {
	s      *Sim
	w      http.ResponseWriter
	r      *http.Request
	now    time.Time
	params []string
	raw    []byte
	fields map[string]json.RawMessage // the body's top-level fields; nil if none
	bodyOK bool                       // the body is empty or a JSON object
	status int
	code   int
	fault  string

	call      Call
	committed bool
}

// commit records the call. Writers call it just before sending the response, so a
// client that has its answer always finds the call in Calls().
func (c *reqCtx) commit() {
	if c.committed {
		return
	}
	c.committed = true
	c.call.Status, c.call.Code, c.call.Fault = c.status, c.code, c.fault
	c.s.rec.add(c.call)
	c.s.opts.Logger.Debug("kmsim call", "method", c.call.Method, "path", c.call.Path, "status", c.status, "code", c.code, "fault", c.fault)
}

const maxBody = 1 << 20

// ServeHTTP handles one call: injected faults, signature check, routing, the
// endpoint, and recording.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	path, inBase := strings.CutPrefix(r.URL.Path, s.opts.BasePath)
	if !inBase || (path != "" && path[0] != '/') {
		path = r.URL.Path
	}
	rt, params, methodOK := s.lookupRoute(r.Method, path)
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	c := &reqCtx{s: s, w: w, r: r, now: now, params: params, raw: raw}
	c.parseBody()

	c.call = Call{Method: r.Method, Path: path, Query: publicQuery(r.URL.Query()), Time: now}
	if rt != nil && methodOK {
		c.call.Route = rt.name
	}
	if s.rec.limit > 0 && c.fields != nil {
		c.call.Body = decodeAny(raw)
	}
	defer c.commit() // for calls that ended without a response

	f := s.faults.cur.Load()
	if f.Down {
		c.fault = "down"
		c.drop()
		return
	}
	if d := f.Latency + s.jitter(f.Jitter); d > 0 && !sleep(r.Context(), d) {
		return
	}
	if ff, ok := s.takeFail(); ok {
		c.fault = "error"
		c.serverError(&ff)
		return
	}
	if s.chance(f.ErrorRate) {
		c.fault = "error"
		c.serverError(f)
		return
	}
	truncate := false
	if s.chance(f.MalformedRate) {
		if f.Malformed == MalformedTruncated {
			truncate = true
		} else {
			c.fault = "html"
			c.htmlPage()
			return
		}
	}
	if !s.opts.NoAuth {
		ver, msg := s.verify(r.URL.Query(), now)
		if msg != "" {
			c.writeEnvelope(http.StatusUnauthorized, envelope{Code: http.StatusUnauthorized, Message: msg})
			return
		}
		c.call.SignVersion = ver
	}
	switch {
	case rt == nil:
		c.writeEnvelope(http.StatusNotFound, envelope{Code: http.StatusNotFound, Message: fmt.Sprintf(fmtNoHandler, r.Method, r.URL.Path)})
		return
	case !methodOK:
		c.writeEnvelope(http.StatusMethodNotAllowed, envelope{Code: http.StatusMethodNotAllowed, Message: fmt.Sprintf(fmtMethodNotAllow, r.Method)})
		return
	}
	h := rt.h
	if len(s.opts.Examples) > 0 {
		h = func(c *reqCtx) { c.verbatim(rt) }
	}
	if truncate {
		c.fault = "truncated"
		tw := &truncWriter{ResponseWriter: w, header: http.Header{}}
		c.w = tw
		h(c)
		tw.finish()
		return
	}
	h(c)
}

// parseBody splits a JSON object body into its fields.
func (c *reqCtx) parseBody() {
	t := bytes.TrimSpace(c.raw)
	if len(t) == 0 {
		c.bodyOK = true
		return
	}
	var m map[string]json.RawMessage
	if t[0] == '{' && json.Unmarshal(t, &m) == nil && m != nil {
		c.fields, c.bodyOK = m, true
	}
}

func decodeAny(raw []byte) map[string]any {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// publicQuery drops the authentication parameters: a sign is derived from the
// token and has no business in a test's output.
func publicQuery(q map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, v := range q {
		switch k {
		case "email", "timestamp", "sign", "nonce", "sign_version":
			continue
		}
		out[k] = v
	}
	return out
}

// sleep waits d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// drop closes the connection without a response.
func (c *reqCtx) drop() {
	c.commit()
	conn, _, err := http.NewResponseController(c.w).Hijack()
	if err == nil {
		_ = conn.Close()
		return
	}
	if c.r.Context().Value(http.ServerContextKey) != nil {
		// An HTTP/2 or otherwise unhijackable server connection: the server aborts
		// the stream without logging.
		panic(http.ErrAbortHandler)
	}
	// Called directly (httptest.NewRecorder): nothing to drop, answer like a proxy
	// that lost its upstream.
	c.w.WriteHeader(http.StatusBadGateway)
}

// truncWriter buffers a response and sends only the first half of its body.
type truncWriter struct {
	http.ResponseWriter
	header http.Header
	status int
	buf    bytes.Buffer
}

func (t *truncWriter) Header() http.Header { return t.header }
func (t *truncWriter) WriteHeader(code int) {
	if t.status == 0 {
		t.status = code
	}
}
func (t *truncWriter) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	return t.buf.Write(b)
}
func (t *truncWriter) Flush() {}

func (t *truncWriter) finish() {
	h := t.ResponseWriter.Header()
	for k, v := range t.header {
		if k != "Content-Length" {
			h[k] = v
		}
	}
	if t.status == 0 {
		t.status = http.StatusOK
	}
	t.ResponseWriter.WriteHeader(t.status)
	b := t.buf.Bytes()
	_, _ = t.ResponseWriter.Write(b[:len(b)/2])
}
