package kmsim

import (
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/kmclient"
)

// streamChunks is how many text events a streamed answer is split into, at most.
const streamChunks = 5

// stream answers a streaming newChat as Server-Sent Events: the answer's text in a
// few data: {"message":"…"} events (structured answers send none), then
// data: {"code":200,"message":"OK","data":{…the answer…}}, then data: [DONE].
// Each event is flushed; Options.StreamChunkDelay (SetStreamDelay) is slept before
// each text event.
func (c *reqCtx) stream(t *turn) {
	if c.s.opts.StreamAsDocumented {
		c.streamAsDocumented(t)
		return
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream;charset=UTF-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.status, c.code = http.StatusOK, 200
	c.commit()
	c.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.w)
	send := func(data []byte) bool {
		if _, err := c.w.Write(append(append([]byte("data: "), data...), '\n', '\n')); err != nil {
			return false
		}
		_ = rc.Flush() // a writer that cannot flush still gets the whole stream
		return true
	}
	gap := time.Duration(c.s.faults.streamGap.Load())
	for _, piece := range splitText(t.streamText, streamChunks) {
		if gap > 0 && !sleep(c.r.Context(), gap) {
			return
		}
		b, _ := marshal(struct {
			Message string `json:"message"`
		}{piece})
		if !send(b) {
			return
		}
	}
	final, err := marshal(struct {
		Code    int              `json:"code"`
		Message string           `json:"message"`
		Data    *kmclient.Answer `json:"data"`
	}{200, "OK", &t.ans})
	if err != nil || !send(final) {
		return
	}
	send([]byte("[DONE]"))
}

// splitText cuts s into at most n pieces of similar length, preferring to cut after
// a space; the pieces concatenate back to s.
func splitText(s string, n int) []string {
	if s == "" {
		return nil
	}
	total := utf8.RuneCountInString(s)
	size := max((total+n-1)/n, 4)
	var out []string
	for len(s) > 0 {
		cut, count := 0, 0
		for i, r := range s {
			if count >= size && (unicode.IsSpace(r) || count >= size+12) {
				cut = i
				break
			}
			count++
		}
		if cut == 0 || len(out) == n-1 {
			cut = len(s)
		}
		// Keep the spaces with the piece before them.
		for cut < len(s) {
			r, w := utf8.DecodeRuneInString(s[cut:])
			if !unicode.IsSpace(r) {
				break
			}
			cut += w
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return out
}

// streamAsDocumented streams exactly as the 001 seed shows: one
// data: {"message": "…"} line per piece, no blank line between them, no final
// full-answer event, data: [DONE], and then the connection held open until the
// client hangs up (nothing in the seed says KM closes it). An answer without text
// (structured content) is not something a model streams: it is answered as the
// blocking JSON answer, which clients must take from a streaming call too.
func (c *reqCtx) streamAsDocumented(t *turn) {
	if t.streamText == "" {
		c.ok(&t.ans, nil)
		return
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream;charset=UTF-8")
	h.Set("Cache-Control", "no-cache")
	c.status, c.code = http.StatusOK, 200
	c.commit()
	c.w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.w)
	gap := time.Duration(c.s.faults.streamGap.Load())
	for _, piece := range splitText(t.streamText, streamChunks) {
		if gap > 0 && !sleep(c.r.Context(), gap) {
			return
		}
		b, _ := marshal(struct {
			Message string `json:"message"`
		}{piece})
		if _, err := c.w.Write(append(append([]byte("data: "), b...), '\n')); err != nil {
			return
		}
		_ = rc.Flush()
	}
	_, _ = c.w.Write([]byte("data: [DONE]\n"))
	_ = rc.Flush()
	sleep(c.r.Context(), verbatimHold)
}
