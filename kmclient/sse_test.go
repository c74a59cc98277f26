package kmclient

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// chunkedReader returns b in pieces ending at the given offsets (ascending, from
// the start of b).
type chunkedReader struct {
	b    []byte
	cuts []int
}

func (r *chunkedReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := len(r.b)
	for len(r.cuts) > 0 && r.cuts[0] <= 0 {
		r.cuts = r.cuts[1:]
	}
	if len(r.cuts) > 0 && r.cuts[0] < n {
		n = r.cuts[0]
	}
	n = copy(p, r.b[:n])
	r.b = r.b[n:]
	for i := range r.cuts {
		r.cuts[i] -= n
	}
	return n, nil
}

// parseAll returns the data of every event in r and the final error.
func parseAll(r io.Reader) ([]string, error) {
	p := newSSEParser(bufio.NewReaderSize(r, 16))
	var out []string
	for {
		d, err := p.next()
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return out, err
		}
		out = append(out, string(d))
	}
}

func TestSSEParser(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"seed example (data: lines without blank lines, each dispatched at once)", "data: {\"message\": \"a\"}\ndata: {\"message\": \"b\"}\ndata: [DONE]\n",
			[]string{"{\"message\": \"a\"}", "{\"message\": \"b\"}", "[DONE]"}},
		{"a complete value then more lines", "data: 1\ndata: 2\n\n", []string{"1", "2"}},
		{"blank-line dispatch", "data: 1\n\ndata: 2\n\n", []string{"1", "2"}},
		{"CRLF", "data: 1\r\n\r\ndata: 2\r\n\r\n", []string{"1", "2"}},
		{"lone CR", "data: 1\r\rdata: 2\r\r", []string{"1", "2"}},
		{"mixed endings", "data: 1\r\n\rdata: 2\n\r\n", []string{"1", "2"}},
		{"no space after colon", "data:1\n\ndata:  2\n\n", []string{"1", " 2"}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []string{"{\"a\":\n1}"}},
		{"comments and other fields ignored", ": keep-alive\nevent: message\nid: 7\nretry: 100\ndata: x\nfoo: bar\n\n", []string{"x"}},
		{"final event without blank line", "data: 1\n\ndata: 2", []string{"1", "2"}},
		{"final event ending in a newline only", "data: 1\n", []string{"1"}},
		{"empty data line", "data\n\ndata:\n\n", []string{"", ""}},
		{"event without data is not dispatched", "event: ping\n\n: c\n\n", nil},
		{"data field name is case-sensitive", "Data: x\n\n", nil},
		{"colon in value", "data: a:b\n\n", []string{"a:b"}},
		{"utf-8", "data: こんにちは\n\n", []string{"こんにちは"}},
		{"empty stream", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			readers := map[string]func() io.Reader{
				"whole":        func() io.Reader { return strings.NewReader(tt.in) },
				"byte by byte": func() io.Reader { return iotest.OneByteReader(strings.NewReader(tt.in)) },
				"half":         func() io.Reader { return &chunkedReader{b: []byte(tt.in), cuts: []int{len(tt.in) / 2}} },
			}
			for i := range len(tt.in) {
				readers["cut at "+strconv.Itoa(i)] = func() io.Reader { return &chunkedReader{b: []byte(tt.in), cuts: []int{i}} }
			}
			for how, r := range readers {
				got, err := parseAll(r())
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%s: got %q, %v; want %q", how, got, err, tt.want)
				}
			}
		})
	}
}

func TestSSEParserLimits(t *testing.T) {
	long := "data: " + strings.Repeat("x", maxEvent+1) + "\n\n"
	if _, err := parseAll(strings.NewReader(long)); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("long line: err = %v", err)
	}
	many := strings.Repeat("data: "+strings.Repeat("y", 1<<20)+"\n", 9) + "\n"
	if _, err := parseAll(strings.NewReader(many)); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("long event: err = %v", err)
	}
}

// streamOf runs the chunk reader over body without HTTP.
func streamOf(c *Client, body io.Reader) *Stream {
	ctx, cancel := context.WithCancel(context.Background())
	rc := io.NopCloser(body)
	return c.sseStream(ctx, cancel, rc, bufio.NewReaderSize(rc, 16))
}

type gotChunk struct {
	Text   string
	Answer bool
	Err    string
}

func collect(s *Stream) []gotChunk {
	var out []gotChunk
	for range 1000 {
		ch, err := s.Next()
		if err == io.EOF {
			return out
		}
		g := gotChunk{Text: ch.Text, Answer: ch.Answer != nil}
		if err != nil {
			g.Err = err.Error()
		}
		out = append(out, g)
		if err != nil && !errors.Is(err, ErrMalformedChunk) {
			return out
		}
	}
	return out
}

func TestStreamChunks(t *testing.T) {
	c := &Client{}
	tests := []struct {
		name string
		in   string
		want []gotChunk
	}{
		{"seed example", string(seedExample(t, "001 POST /v2/newChat", seedex.Stream)),
			[]gotChunk{{Text: "こんにちは、私は"}, {Text: "インテリジェントアシスタントです"}}},
		{"one event per chunk", "data: {\"message\":\"a\"}\n\ndata: {\"message\":\"b\"}\n\ndata: [DONE]\n\ndata: {\"message\":\"after\"}\n\n",
			[]gotChunk{{Text: "a"}, {Text: "b"}}},
		{"text fields", "data: {\"content\":\"c\"}\n\ndata: {\"answer\":\"a\"}\n\ndata: {\"text\":\"t\"}\n\ndata: {\"delta\":\"d\"}\n\n" +
			"data: {\"delta\":{\"text\":\"dt\"}}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"oa\"}}]}\n\ndata: \"s\"\n\ndata: 42\n\ndata: {\"other\":1}\n\n",
			[]gotChunk{{Text: "c"}, {Text: "a"}, {Text: "t"}, {Text: "d"}, {Text: "dt"}, {Text: "oa"}, {Text: "s"}, {}, {}}},
		{"final envelope with the answer", "data: {\"message\":\"hi\"}\n\ndata: {\"code\":200,\"message\":\"OK\",\"data\":{\"sessionId\":1,\"logId\":2,\"ansContent\":\"hi\",\"msgType\":\"plain\"}}\n\ndata: [DONE]\n\n",
			[]gotChunk{{Text: "hi"}, {Answer: true}}},
		{"answer object at top level", "data: {\"ansContent\":\"x\",\"msgType\":\"rich\",\"logId\":5}\n\n", []gotChunk{{Answer: true}}},
		{"model chunk with a code is not an envelope", "data: {\"code\":0,\"message\":\"piece\"}\n\n", []gotChunk{{Text: "piece"}}},
		{"malformed then continue", "data: {\"message\":\"a\"}\n\ndata: {oops\n\ndata: {\"message\":\"b\"}\n\n",
			[]gotChunk{{Text: "a"}, {Err: "kmclient: POST /v2/newChat: stream event 2: malformed stream event: data is not JSON: \"{oops\""}, {Text: "b"}}},
		{"unreadable field of an answer dropped", "data: {\"ansContent\":\"x\",\"msgType\":\"plain\",\"logId\":\"abc\"}\n\n",
			[]gotChunk{{Answer: true}}},
		{"KM error in the stream", "data: {\"message\":\"a\"}\n\ndata: {\"code\":400,\"message\":\"sessionId does not exist! Please reinitialize\",\"visible\":false}\n\ndata: {\"message\":\"b\"}\n\n",
			[]gotChunk{{Text: "a"}, {Err: "kmclient: POST /v2/newChat: KM code 400: sessionId does not exist! Please reinitialize"}}},
		{"empty events skipped", "data:\n\ndata: {\"message\":\"a\"}\n\n", []gotChunk{{Text: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := streamOf(c, strings.NewReader(tt.in))
			defer s.Close()
			if got := collect(s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestStreamFinalStates(t *testing.T) {
	c := &Client{}
	s := streamOf(c, strings.NewReader("data: {\"code\":400,\"message\":\"sessionId does not exist! Please reinitialize\",\"visible\":false}\n\n"))
	_, err := s.Next()
	if !errors.Is(err, ErrSessionExpired) {
		t.Fatalf("err = %v, want ErrSessionExpired", err)
	}
	if _, err2 := s.Next(); err2 != err {
		t.Errorf("second Next = %v, want the same final error", err2)
	}
	s = streamOf(c, strings.NewReader("data: [DONE]\n\n"))
	for range 3 {
		if _, err := s.Next(); err != io.EOF {
			t.Errorf("Next after [DONE] = %v", err)
		}
	}
	if s.Close() != nil || s.Close() != nil {
		t.Error("Close is not idempotent")
	}
	if _, err := s.Next(); !errors.Is(err, ErrStreamClosed) {
		t.Errorf("Next after Close = %v", err)
	}
	var zero *Stream
	if _, err := zero.Next(); err == nil || zero.Close() != nil {
		t.Error("nil stream")
	}
}

// sseServer streams events and then waits for the client to go away.
func sseServer(t *testing.T, events []string, hold bool) (*httptest.Server, chan recorded) {
	reqs := make(chan recorded, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs <- recorded{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), b}
		w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		for _, e := range events {
			_, _ = io.WriteString(w, e)
			w.(http.Flusher).Flush()
		}
		if hold {
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	return srv, reqs
}

func TestNewChatStream(t *testing.T) {
	// The events are split mid-line and mid-CRLF to make the client reassemble them.
	srv, reqs := sseServer(t, []string{"data: {\"mess", "age\":\"Hel\"}\r", "\n\r\n: ping\n", "data: {\"message\":\"lo\"}\n\n",
		"data: {\"code\":200,\"message\":\"OK\",\"data\":{\"logId\":3,\"ansContent\":\"Hello\",\"msgType\":\"plain\"}}\n\n", "data: [DONE]\n\n"}, false)
	c := newTestClient(t, srv)
	s, err := c.NewChatStream(t.Context(), NewChatRequest{SessionID: 1, RobotID: 2, QueryContent: "hi"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := <-reqs
	if r.method != "POST" || r.path != "/api/v2/newChat" || r.header.Get("Accept") != "text/event-stream" || checkSigned(r.query) != "" {
		t.Errorf("request %s %s Accept %q sign %q", r.method, r.path, r.header.Get("Accept"), checkSigned(r.query))
	}
	if !sameJSON(t, r.body, []byte(`{"sessionId":1,"robotId":2,"queryContent":"hi","responseMode":"streaming"}`)) {
		t.Errorf("body %s", r.body)
	}
	var text strings.Builder
	var final *Answer
	for {
		ch, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		text.WriteString(ch.Text)
		if ch.Answer != nil {
			final = ch.Answer
		}
	}
	if text.String() != "Hello" || final == nil || final.LogID != 3 || final.AnsContent.String() != "Hello" {
		t.Errorf("text %q, final %+v", text.String(), final)
	}
}

func TestNewChatStreamEnvelopeInstead(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		_, srv := newFakeKM(t, http.StatusOK, seedFailure(MsgSessionExpired))
		_, err := newTestClient(t, srv).NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Endpoint != "POST /v2/newChat" || !errors.Is(err, ErrSessionExpired) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("answer", func(t *testing.T) {
		fake, srv := newFakeKM(t, http.StatusOK, seedResponse(t, "001 POST /v2/newChat"))
		fake.header = http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
		s, err := newTestClient(t, srv).NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		ch, err := s.Next()
		if err != nil || ch.Answer == nil || ch.Answer.LogID != 793005 || ch.Answer.AnsType != AnsTypeAnswer {
			t.Fatalf("chunk %+v, %v", ch, err)
		}
		if _, err := s.Next(); err != io.EOF {
			t.Errorf("second Next = %v, want io.EOF", err)
		}
	})
	t.Run("envelope without content type", func(t *testing.T) {
		fake, srv := newFakeKM(t, http.StatusOK, []byte(`  {"code":200,"message":"OK","data":{"logId":4,"ansContent":"x","msgType":"plain"}}`))
		fake.header = http.Header{"Content-Type": {""}}
		s, err := newTestClient(t, srv).NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if ch, err := s.Next(); err != nil || ch.Answer == nil || ch.Answer.LogID != 4 {
			t.Fatalf("chunk %+v, %v", ch, err)
		}
	})
	t.Run("html error page", func(t *testing.T) {
		fake, srv := newFakeKM(t, http.StatusBadGateway, []byte("<html>bad gateway</html>"))
		fake.header = http.Header{"Content-Type": {"text/html"}}
		_, err := newTestClient(t, srv).NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		var ae *APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != 502 || !strings.Contains(ae.Message, "bad gateway") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("event stream with error status", func(t *testing.T) {
		fake, srv := newFakeKM(t, http.StatusInternalServerError, []byte("data: oops\n\n"))
		fake.header = http.Header{"Content-Type": {"text/event-stream"}}
		_, err := newTestClient(t, srv).NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		var ae *APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != 500 {
			t.Fatalf("err = %v", err)
		}
	})
}

// nextWithin calls s.Next and fails the test if it has not returned within d: the
// point of these tests is that Next does not hang.
func nextWithin(t *testing.T, s *Stream, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { _, err := s.Next(); done <- err }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Next still blocked after %s", d)
		return nil
	}
}

func TestStreamStops(t *testing.T) {
	first := []string{"data: {\"message\":\"a\"}\n\n"}
	t.Run("ctx cancel", func(t *testing.T) {
		srv, _ := sseServer(t, first, true)
		ctx, cancel := context.WithCancel(t.Context())
		s, err := newTestClient(t, srv).NewChatStream(ctx, NewChatRequest{SessionID: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if ch, err := s.Next(); err != nil || ch.Text != "a" {
			t.Fatalf("first chunk %+v, %v", ch, err)
		}
		cancel()
		if err := nextWithin(t, s, 10*time.Second); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
	t.Run("60s bound", func(t *testing.T) {
		srv, _ := sseServer(t, first, true)
		c := newTestClient(t, srv)
		c.streamTimeout = 300 * time.Millisecond // stands for StreamTimeout
		s, err := c.NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
		err = nextWithin(t, s, 10*time.Second)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "POST /v2/newChat") {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
		assertNoSecrets(t, err.Error())
	})
	t.Run("close while waiting", func(t *testing.T) {
		srv, _ := sseServer(t, first, true)
		s, err := newTestClient(t, srv).NewChatStream(t.Context(), NewChatRequest{SessionID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { _, err := s.Next(); done <- err }()
		s.Close()
		select {
		case err := <-done:
			if !errors.Is(err, ErrStreamClosed) {
				t.Errorf("err = %v, want ErrStreamClosed", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Next still blocked after Close")
		}
	})
}

// TestStreamSplitsAnywhere feeds a realistic stream cut at random points.
func TestStreamSplitsAnywhere(t *testing.T) {
	in := []byte("retry: 1000\r\n: hi\r\nevent: message\r\ndata: {\"message\":\"你好\"}\r\n\r\ndata: {\"choices\":[{\"delta\":\n" +
		"data: {\"content\":\"！\"}}]}\r\rdata: {\"code\":200,\"visible\":false,\"data\":{\"ansContent\":{\"title\":\"t\"},\"msgType\":\"selective_list\"}}\n\ndata: [DONE]")
	want := collect(streamOf(&Client{}, bytes.NewReader(in)))
	if len(want) != 3 || want[0].Text != "你好" || want[1].Text != "！" || !want[2].Answer {
		t.Fatalf("whole: %+v", want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var cuts []int
		for range rng.IntN(6) {
			cuts = append(cuts, rng.IntN(len(in)))
		}
		sortInts(cuts)
		got := collect(streamOf(&Client{}, &chunkedReader{b: in, cuts: cuts}))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("cuts %v: got %+v", cuts, got)
		}
	}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// KM's documented stream (001 seed): data: lines with no blank line between them,
// and nothing says the connection closes after [DONE]. Each chunk arrives at once
// and [DONE] ends the answer, with the server still holding the connection.
func TestStreamAsDocumentedStaysOpen(t *testing.T) {
	srv, _ := sseServer(t, []string{"data: {\"message\": \"こんにちは、私は\"}\n", "data: {\"message\": \"インテリジェントアシスタントです\"}\n", "data: [DONE]\n"}, true)
	c := newTestClient(t, srv)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	s, err := c.NewChatStream(ctx, NewChatRequest{SessionID: 1, RobotID: 2, QueryContent: "こんにちは"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var text strings.Builder
	for {
		ch, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %q: %v (the answer waited for a close that never came)", text.String(), err)
		}
		text.WriteString(ch.Text)
	}
	if text.String() != "こんにちは、私はインテリジェントアシスタントです" {
		t.Errorf("text %q", text.String())
	}
}

// A chunk's logId and sessionId are kept wherever it carries them, so a stream
// without a whole answer still tells which log its text belongs to.
func TestStreamChunkIDs(t *testing.T) {
	s := streamOf(&Client{}, strings.NewReader("data: {\"message\":\"a\",\"logId\":\"7\",\"sessionId\":3}\n"+
		"data: {\"code\":200,\"message\":\"OK\",\"data\":{\"logId\":8}}\n"+
		"data: {\"ansContent\":\"x\",\"msgType\":\"plain\",\"logId\":9,\"sessionId\":4}\n"))
	defer s.Close()
	var got [][2]ID
	for {
		ch, err := s.Next()
		if err != nil {
			break
		}
		got = append(got, [2]ID{ch.SessionID, ch.LogID})
	}
	if want := [][2]ID{{3, 7}, {0, 8}, {4, 9}}; !reflect.DeepEqual(got, want) {
		t.Errorf("ids %v, want %v", got, want)
	}
}

// Chunks of a shape the client does not read are logged once per stream, by their
// keys, never their content.
func TestStreamUnknownShapeLoggedOnce(t *testing.T) {
	logs := &logCapture{}
	c := &Client{log: slog.New(logs)}
	s := streamOf(c, strings.NewReader("data: {\"output\":{\"secret words\":1}}\n\ndata: {\"message\":\"a\"}\n\ndata: [1,2]\n\ndata: {\"output\":2}\n\ndata: [DONE]\n\n"))
	defer s.Close()
	if got := collect(s); !reflect.DeepEqual(got, []gotChunk{{}, {Text: "a"}, {}, {}}) {
		t.Errorf("chunks %+v", got)
	}
	l := logs.text()
	if strings.Count(l, "shape kmbridge does not read") != 1 || !strings.Contains(l, "[output]") || strings.Contains(l, "secret words") {
		t.Errorf("log:\n%s", l)
	}
}
