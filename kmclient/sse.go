package kmclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// ErrMalformedChunk matches (errors.Is) the error Next returns for one event whose
// data is not JSON or not a decodable answer. Such an error concerns that event only:
// the stream stays open and the next call to Next reads the next event. Every other
// error from Next is final (the stream is released and keeps returning it).
var ErrMalformedChunk = errors.New("malformed stream event")

// ErrStreamClosed is what Next returns after Close.
var ErrStreamClosed = errors.New("kmclient: stream closed")

// maxEvent bounds one SSE line and one event's data.
const maxEvent = 8 << 20

const newChatName = "POST /v2/newChat"

func (c *Client) newChatStream(ctx context.Context, req NewChatRequest) (*Stream, error) {
	k := newCall(http.MethodPost, "/v2/newChat", "/v2/newChat")
	k.body = req
	k.accept = "text/event-stream"
	sctx, cancel := context.WithTimeout(ctx, c.streamTimeout)
	resp, err := c.roundTrip(sctx, k)
	if err != nil {
		cancel()
		return nil, err
	}
	br := bufio.NewReaderSize(resp.Body, 4096)
	if !c.isEventStream(resp, br) {
		// KM answered with a whole response: an error envelope, a blocking answer, or
		// something else entirely (a proxy's error page).
		defer cancel()
		defer resp.Body.Close()
		body, err := readBody(br)
		if err != nil {
			return nil, c.transportError(sctx, k.name, "read response", err)
		}
		var data json.RawMessage
		if _, err := c.decode(k.name, resp, body, &data); err != nil {
			return nil, err
		}
		ans := new(Answer)
		if !isNull(data) {
			if err := c.unmarshalData(k.name, data, ans); err != nil {
				return nil, err
			}
		}
		return singleChunk(Chunk{Raw: data, Answer: ans}), nil
	}
	if resp.StatusCode >= 300 {
		defer cancel()
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(br, 4096))
		return nil, &APIError{Endpoint: k.name, HTTPStatus: resp.StatusCode,
			Message: "event stream with an error status: " + c.preview(b, requestSecrets(resp)...)}
	}
	return c.sseStream(sctx, cancel, resp.Body, br), nil
}

// isEventStream decides from the content type, or when that says nothing useful,
// from the first byte: an envelope starts with '{', an event stream never does.
func (c *Client) isEventStream(resp *http.Response, br *bufio.Reader) bool {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch {
	case mt == "text/event-stream":
		return true
	case mt == "application/json" || strings.HasSuffix(mt, "+json") || resp.StatusCode >= 300:
		return false
	}
	for i := 1; i <= 512; i++ {
		b, err := br.Peek(i)
		if len(b) < i || err != nil {
			return false // empty or unreadable: the envelope path reports it
		}
		switch b[i-1] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '<':
			return false
		default:
			return true
		}
	}
	return true
}

func singleChunk(ch Chunk) *Stream {
	var sent atomic.Bool
	return &Stream{
		next: func() (Chunk, error) {
			if sent.Swap(true) {
				return Chunk{}, io.EOF
			}
			return ch, nil
		},
		close: func() error { sent.Store(true); return nil },
	}
}

// sseStream wraps an open event stream. It stops reading promptly when ctx ends
// (KM's 60 s bound or the caller's ctx): the body is closed, which unblocks Read.
func (c *Client) sseStream(ctx context.Context, cancel context.CancelFunc, body io.ReadCloser, br *bufio.Reader) *Stream {
	s := &eventStream{c: c, ctx: ctx, cancel: cancel, body: body, p: newSSEParser(br)}
	s.stop = context.AfterFunc(ctx, func() { s.body.Close() })
	return &Stream{next: s.next, close: s.close}
}

type eventStream struct {
	c       *Client
	ctx     context.Context
	cancel  context.CancelFunc
	body    io.ReadCloser
	stop    func() bool
	p       *sseParser
	pending [][]byte // lines of a multi-line event taken as separate chunks
	events  int
	err     error // final: io.EOF or the error that ended the stream
	// warnedShape is set once an unreadable chunk shape has been logged.
	warnedShape bool
	closed      atomic.Bool
	once        sync.Once
}

func (s *eventStream) release() {
	s.once.Do(func() {
		if s.stop != nil {
			s.stop()
		}
		s.cancel()
		s.body.Close()
	})
}

func (s *eventStream) close() error {
	s.closed.Store(true)
	s.release()
	return nil
}

func (s *eventStream) next() (Chunk, error) {
	if s.closed.Load() {
		return Chunk{}, ErrStreamClosed
	}
	if s.err != nil {
		return Chunk{}, s.err
	}
	for {
		data, err := s.nextData()
		if err != nil {
			return Chunk{}, s.end(err)
		}
		s.events++
		ch, err := s.c.parseChunk(data, s.events)
		if ch.shape != "" && !s.warnedShape && s.c.log != nil {
			// Models' chunk formats vary (001 seed); say once per answer what was not
			// read, by its shape only, so a new format is noticed, not silently lost.
			s.warnedShape = true
			s.c.log.Warn("kmclient: stream event of a shape kmbridge does not read; skipped",
				"endpoint", newChatName, "event", s.events, "shape", ch.shape)
		}
		ch.shape = ""
		if errors.Is(err, io.EOF) {
			return Chunk{}, s.end(io.EOF)
		}
		if errors.Is(err, errEmptyEvent) {
			continue
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			return ch, s.end(err)
		}
		return ch, err
	}
}

// nextData returns the next event's data. KM's documented example puts one
// "data:" line per chunk with no blank line between them, which by the SSE rules is
// one event of several lines; when such data is not one JSON value but its lines
// are, each line is taken as a chunk of its own.
func (s *eventStream) nextData() ([]byte, error) {
	if len(s.pending) > 0 {
		d := s.pending[0]
		s.pending = s.pending[1:]
		return d, nil
	}
	data, err := s.p.next()
	if err != nil || bytes.IndexByte(data, '\n') < 0 || json.Valid(data) {
		return data, err
	}
	lines := bytes.Split(data, []byte("\n"))
	for _, l := range lines {
		if t := bytes.TrimSpace(l); len(t) > 0 && string(t) != "[DONE]" && !json.Valid(t) {
			return data, nil // not a run of chunks: report the event as it is
		}
	}
	for _, l := range lines {
		if len(bytes.TrimSpace(l)) > 0 {
			s.pending = append(s.pending, l)
		}
	}
	if len(s.pending) == 0 {
		return data, nil
	}
	return s.nextData()
}

// end makes err the stream's final answer and releases the connection.
func (s *eventStream) end(err error) error {
	switch {
	case s.closed.Load():
		err = ErrStreamClosed
	case errors.Is(err, io.EOF):
		err = io.EOF
	case s.ctx.Err() != nil:
		err = fmt.Errorf("kmclient: %s: stream: %w", newChatName, s.ctx.Err())
	default:
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			err = fmt.Errorf("kmclient: %s: stream: %w", newChatName, s.c.sanitize(err))
		}
	}
	s.err = err
	s.release()
	return err
}

var errEmptyEvent = errors.New("empty event")

// parseChunk interprets one event's data. It returns io.EOF for [DONE],
// errEmptyEvent for an event without data, an *APIError for a KM error envelope and
// an error wrapping ErrMalformedChunk for data it cannot read.
func (c *Client) parseChunk(data []byte, n int) (Chunk, error) {
	t := bytes.TrimSpace(data)
	switch {
	case len(t) == 0:
		return Chunk{}, errEmptyEvent
	case string(t) == "[DONE]":
		return Chunk{}, io.EOF
	}
	ch := Chunk{Raw: json.RawMessage(bytes.Clone(t))}
	malformed := func(format string, args ...any) error {
		return fmt.Errorf("kmclient: %s: stream event %d: %w: %s", newChatName, n, ErrMalformedChunk, fmt.Sprintf(format, args...))
	}
	if !json.Valid(t) {
		return ch, malformed("data is not JSON: %s", c.preview(t))
	}
	switch t[0] {
	case '"':
		var s string
		_ = json.Unmarshal(t, &s) // valid JSON string
		ch.Text = s
		return ch, nil
	case '{':
	default:
		ch.shape = "a JSON " + jsonKind(t) // a number, an array, … carries no text
		return ch, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(t, &obj); err != nil {
		return ch, malformed("%v", err)
	}
	ch, err := c.parseObject(ch, t, obj, malformed)
	if err == nil {
		ch.SessionID, ch.LogID = chunkIDs(obj, ch.Answer)
		if ch.Text == "" && ch.Answer == nil && ch.SessionID == 0 && ch.LogID == 0 && !isEnvelope(obj) {
			ch.shape = "an object with keys " + fmt.Sprint(sortedKeys(obj))
		}
	}
	return ch, err
}

// parseObject interprets an event whose data is the JSON object t (obj).
func (c *Client) parseObject(ch Chunk, t []byte, obj map[string]json.RawMessage, malformed func(string, ...any) error) (Chunk, error) {
	if isEnvelope(obj) {
		code, err := flexInt(obj["code"])
		if err != nil {
			return ch, malformed("envelope code: %v", err)
		}
		var msg string
		_ = json.Unmarshal(obj["message"], &msg)
		if code != CodeOK {
			return ch, &APIError{Endpoint: newChatName, HTTPStatus: http.StatusOK, Code: int(code), Message: msg}
		}
		data := obj["data"]
		var inner map[string]json.RawMessage
		if json.Unmarshal(data, &inner) == nil && (inner["ansContent"] != nil || inner["msgType"] != nil) {
			ans := new(Answer)
			if err := c.unmarshalData(newChatName, data, ans); err != nil {
				return ch, malformed("answer: %v", err)
			}
			ch.Answer = ans
		}
		return ch, nil
	}
	if obj["ansContent"] != nil || obj["msgType"] != nil {
		ans := new(Answer)
		if err := c.unmarshalData(newChatName, t, ans); err != nil {
			return ch, malformed("answer: %v", err)
		}
		ch.Answer = ans
	}
	ch.Text = chunkText(obj)
	return ch, nil
}

// chunkIDs finds the sessionId and logId a chunk carries: in its answer, in an
// envelope's data or at its top level.
func chunkIDs(obj map[string]json.RawMessage, ans *Answer) (sessionID, logID ID) {
	if ans != nil {
		sessionID, logID = ans.SessionID, ans.LogID
	}
	var inner map[string]json.RawMessage
	if isEnvelope(obj) {
		_ = json.Unmarshal(obj["data"], &inner)
	}
	for _, m := range []map[string]json.RawMessage{inner, obj} {
		if n, err := flexInt(m["sessionId"]); sessionID == 0 && err == nil {
			sessionID = ID(n)
		}
		if n, err := flexInt(m["logId"]); logID == 0 && err == nil {
			logID = ID(n)
		}
	}
	return sessionID, logID
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isEnvelope tells KM's envelope from a model's chunk that merely has a "code".
func isEnvelope(obj map[string]json.RawMessage) bool {
	if obj["code"] == nil {
		return false
	}
	_, data := obj["data"]
	_, visible := obj["visible"]
	return data || visible
}

var textFields = [...]string{"message", "content", "answer", "text", "delta"}

// chunkText finds the text a model's chunk carries; formats vary by model.
func chunkText(obj map[string]json.RawMessage) string {
	for _, f := range textFields {
		if s, ok := jsonString(obj[f]); ok {
			return s
		}
	}
	if d := obj["delta"]; d != nil { // {"delta": {"content"|"text": "…"}}
		var m map[string]json.RawMessage
		if json.Unmarshal(d, &m) == nil {
			if s, ok := jsonString(m["content"]); ok {
				return s
			}
			if s, ok := jsonString(m["text"]); ok {
				return s
			}
		}
	}
	var choices []struct {
		Delta struct {
			Content json.RawMessage `json:"content"`
		} `json:"delta"`
	}
	if c := obj["choices"]; c != nil && json.Unmarshal(c, &choices) == nil && len(choices) > 0 {
		if s, ok := jsonString(choices[0].Delta.Content); ok {
			return s
		}
	}
	return ""
}

func jsonString(b json.RawMessage) (string, bool) {
	if len(b) == 0 || b[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return "", false
	}
	return s, true
}

// sseParser reads events from a text/event-stream, byte by byte from a buffered
// reader so that lines and CRLF pairs may be split anywhere across reads. It keeps
// only the data field (event, id, retry and comments are ignored), joins multi-line
// data with "\n", dispatches on a blank line or as soon as the data is a whole JSON
// value or [DONE] (see complete), and dispatches a last event that the stream ends
// without a blank line.
type sseParser struct {
	r       *bufio.Reader
	line    []byte
	data    []byte
	hasData bool
	lines   int  // data lines of the event so far
	skipLF  bool // the previous line ended with CR: a following LF belongs to it
	eof     bool
}

func newSSEParser(r *bufio.Reader) *sseParser { return &sseParser{r: r} }

// next returns the data of the next event, or io.EOF at a clean end.
func (p *sseParser) next() ([]byte, error) {
	for !p.eof {
		line, err := p.readLine()
		if err == io.EOF {
			p.eof = true
			if len(line) > 0 {
				if _, err := p.field(line); err != nil {
					return nil, err
				}
			}
			break
		}
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			if p.hasData {
				return p.dispatch(), nil
			}
			continue
		}
		data, err := p.field(line)
		if err != nil {
			return nil, err
		}
		if data && p.complete() {
			return p.dispatch(), nil
		}
	}
	if p.hasData {
		return p.dispatch(), nil
	}
	return nil, io.EOF
}

// completeCheck bounds the data re-validated after each line of a multi-line
// event; beyond it such an event waits for its blank line (a one-line event is
// always checked: that is KM's case).
const completeCheck = 256 << 10

// complete reports whether the event's data so far is a whole JSON value or
// [DONE]. KM's documented stream (001 seed, /v2/newChat) puts one data: line per
// chunk with no blank line between them and need not close the connection after
// [DONE]: waiting for the blank line the SSE rules ask for would hold every chunk
// back, and the answer forever. Data that is already a complete JSON value cannot
// become a different valid one by another line, so dispatching it at once changes
// nothing for streams that do send blank lines.
func (p *sseParser) complete() bool {
	d := bytes.TrimSpace(p.data)
	if string(d) == "[DONE]" {
		return true
	}
	if p.lines > 1 && len(d) > completeCheck {
		return false
	}
	return json.Valid(d)
}

func (p *sseParser) readLine() ([]byte, error) {
	p.line = p.line[:0]
	for {
		b, err := p.r.ReadByte()
		if err != nil {
			return p.line, err
		}
		if p.skipLF {
			p.skipLF = false
			if b == '\n' {
				continue
			}
		}
		switch b {
		case '\n':
			return p.line, nil
		case '\r':
			p.skipLF = true
			return p.line, nil
		}
		if len(p.line) >= maxEvent {
			return nil, fmt.Errorf("line longer than %d MiB", maxEvent>>20)
		}
		p.line = append(p.line, b)
	}
}

// field handles one line of the stream; data reports whether it added event data.
func (p *sseParser) field(line []byte) (data bool, err error) {
	if line[0] == ':' {
		return false, nil // comment, e.g. a keep-alive
	}
	name, value, _ := bytes.Cut(line, []byte(":"))
	if string(name) != "data" {
		return false, nil // event, id, retry and unknown fields do not change the data
	}
	value = bytes.TrimPrefix(value, []byte(" "))
	if len(p.data)+len(value) >= maxEvent {
		return false, fmt.Errorf("event data longer than %d MiB", maxEvent>>20)
	}
	p.data = append(p.data, value...)
	p.data = append(p.data, '\n')
	p.hasData = true
	p.lines++
	return true, nil
}

func (p *sseParser) dispatch() []byte {
	d := bytes.Clone(bytes.TrimSuffix(p.data, []byte("\n")))
	p.data, p.hasData, p.lines = p.data[:0], false, 0
	if d == nil {
		d = []byte{}
	}
	return d
}
