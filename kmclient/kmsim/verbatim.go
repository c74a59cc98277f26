package kmsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// verbatimHold bounds how long a verbatim stream stays open after its last line,
// waiting for the client to hang up: KM's example ends with [DONE] and nothing says
// the connection closes then. KM's own model bound is 60 s.
const verbatimHold = 65 * time.Second

// verbatim answers with the seeds' own example for the route (Options.Examples),
// byte for byte: a success or failure envelope, or for a streaming newChat the
// data: lines of the stream example, after which the connection stays open until
// the client hangs up. Deletes the seeds document as HTTP 204 answer that; any
// other route without an example fails with a message that says so.
func (c *reqCtx) verbatim(rt *route) {
	streaming := false
	if v, ok := c.fields["responseMode"]; ok {
		streaming = strings.Contains(strings.ToLower(string(v)), "streaming")
	}
	var resp, stream *seedex.Example
	for i := range c.s.opts.Examples {
		e := &c.s.opts.Examples[i]
		switch {
		case e.Endpoint != rt.name:
		case e.Kind == seedex.Stream && stream == nil:
			stream = e
		case (e.Kind == seedex.Response || e.Kind == seedex.Failure) && resp == nil:
			resp = e
		}
	}
	pick := resp
	if streaming && stream != nil {
		pick = stream
	}
	switch {
	case pick == nil && rt.method == http.MethodDelete:
		c.noContent()
		return
	case pick == nil:
		c.fail("kmsim: the seeds have no example for " + rt.name)
		return
	}
	c.call.Example = pick.File
	body := pick.Body()
	h := c.w.Header()
	c.status = http.StatusOK
	if pick.Kind == seedex.Stream {
		h.Set("Content-Type", "text/event-stream;charset=UTF-8")
		h.Set("Cache-Control", "no-cache")
		c.code = 200
		c.commit()
		c.w.WriteHeader(http.StatusOK)
		_, _ = c.w.Write(body)
		_ = http.NewResponseController(c.w).Flush()
		t := time.NewTimer(verbatimHold)
		defer t.Stop()
		select {
		case <-c.r.Context().Done():
		case <-t.C:
		}
		return
	}
	if pick.Kind == seedex.Failure {
		c.code = 400
	} else {
		c.code = 200
	}
	c.commit()
	h.Set("Content-Type", jsonType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(body)
}
