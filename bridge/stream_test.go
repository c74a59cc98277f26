package bridge_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/kmclient"
)

// streamKM is a minimal KM on loopback for the streaming path: the real client
// parses its SSE, so the bridge is tested against the wire format.
type streamKM struct {
	// mode: "ok"; "fail" (HTTP 500 on streaming); "empty" (only [DONE]); "cut"
	// (connection lost after the chunks); "cutfinal" (lost after the final answer);
	// "documented" (as the 001 seed shows it: data: lines without blank lines, no
	// final answer, [DONE], and the connection held open); "expired" (the first
	// streaming call is refused as an expired session, then as "ok").
	mode   string
	chunks int

	mu      sync.Mutex
	calls   []string
	expired bool
}

func (s *streamKM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	s.calls = append(s.calls, r.URL.Path+" "+fmt.Sprint(body["responseMode"]))
	s.mu.Unlock()
	env := func(data string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":200,"message":"OK","visible":false,"data":%s}`, data)
	}
	switch r.URL.Path {
	case "/api/v1/initClient":
		env(`{"sessionId":7,"logId":1,"welcomeMessage":"Hi there"}`)
	case "/api/v1/chat":
		env(`{"sessionId":7,"logId":90,"ansType":1,"msgType":"plain","ansContent":"blocking answer"}`)
	case "/api/v2/newChat":
		switch s.mode {
		case "fail":
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"timestamp":"x","status":500,"error":"Internal Server Error"}`)
			return
		case "empty":
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "data: [DONE]\n\n")
			return
		case "documented":
			w.Header().Set("Content-Type", "text/event-stream")
			fl := w.(http.Flusher)
			for i := range s.chunks {
				fmt.Fprintf(w, "data: {\"message\": \"w%d \", \"logId\": 91}\n", i)
				fl.Flush()
			}
			io.WriteString(w, "data: [DONE]\n")
			fl.Flush()
			<-r.Context().Done() // nothing says KM closes the stream
			return
		case "expired":
			s.mu.Lock()
			first := !s.expired
			s.expired = true
			s.mu.Unlock()
			if first {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"code":400,"message":"sessionId does not exist! Please reinitialize","visible":false}`)
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for i := range s.chunks {
			fmt.Fprintf(w, "data: {\"message\":\"w%d \"}\n\n", i)
			fl.Flush()
		}
		if s.mode == "cut" {
			panic(http.ErrAbortHandler) // the client sees the connection break
		}
		io.WriteString(w, `data: {"code":200,"message":"OK","visible":false,"data":{"sessionId":7,"logId":91,"ansType":1,"msgType":"rich","ansContent":"<p>The <b>full</b> answer.</p>","enableAppraise":true}}`+"\n\n")
		if s.mode == "cutfinal" {
			fl.Flush()
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "data: [DONE]\n\n")
		fl.Flush()
	default:
		http.NotFound(w, r)
	}
}

func (s *streamKM) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// autoClock advances by step every time the core reads it, so that what the core
// decides from the time depends on its own reads only, not on scheduling.
type autoClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *autoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(c.step)
	return c.t
}

func (c *autoClock) Peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func newStreamClient(t *testing.T, h http.Handler) *kmclient.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	tr := &http.Transport{}
	t.Cleanup(func() { tr.CloseIdleConnections(); srv.Close() })
	km, err := kmclient.New(kmclient.Config{BaseURL: srv.URL + "/api", Email: "a@b.c", Token: "secret", HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	return km
}

func TestStreamingEditsThrottled(t *testing.T) {
	sk := &streamKM{mode: "ok", chunks: 30}
	km := newStreamClient(t, sk)
	clock := &autoClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), step: 150 * time.Millisecond}
	rec := bridgetest.New("test")
	rec.Stamp = clock.Peek
	e := newEnv(t, km, envOpt{adapter: rec, clock: clock.Now, cfg: func(c *bridge.Config) { c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, "stream please"))

	var edits []bridgetest.Edited
	bridgetest.Eventually(t, wait, func() error {
		edits = rec.Edits()
		if len(edits) == 0 || !strings.Contains(edits[len(edits)-1].Text(), "The full answer.") {
			return fmt.Errorf("no final edit yet: %d edits", len(edits))
		}
		return nil
	})
	sent := rec.SentTo(annDM)
	if len(sent) != 2 || !strings.Contains(sent[0].Text(), "Hi there") || sent[1].Text() != "w0" {
		t.Fatalf("sent %q, want the welcome then the first text", bridgetest.Texts(sent))
	}
	last := sent[1].At
	for i, ed := range edits[:len(edits)-1] {
		if ed.Ref != sent[1].Ref {
			t.Errorf("edit %d of %v, want %v", i, ed.Ref, sent[1].Ref)
		}
		if gap := ed.At.Sub(last); gap < time.Second {
			t.Errorf("edit %d %s after the previous one; want ≥ 1s", i, gap)
		}
		last = ed.At
	}
	if n := len(edits) - 1; n < 2 || n >= sk.chunks-1 {
		t.Errorf("%d intermediate edits for %d chunks: want throttled but growing", n, sk.chunks)
	}
	final := edits[len(edits)-1]
	if final.Ref != sent[1].Ref {
		t.Errorf("final edit of %v", final.Ref)
	}
	if _, ok := bridgetest.Button([]bridgetest.Sent{{Msg: final.Msg}}, en.T("formatting.rate_up")); !ok {
		t.Errorf("final rendering has no rating buttons: %q", final.Text())
	}
	if got := sk.Calls(); len(got) != 2 || got[1] != "/api/v2/newChat streaming" {
		t.Errorf("KM calls %q", got)
	}
}

func TestStreamingWithoutEditorSendsFinalOnly(t *testing.T) {
	sk := &streamKM{mode: "ok", chunks: 5}
	km := newStreamClient(t, sk)
	rec := bridgetest.New("test")
	e := newEnv(t, km, envOpt{adapter: bridgetest.Basic(rec), cfg: func(c *bridge.Config) { c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, "q"))
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "help"})
	got := rec.WaitSent(t, annDM, 3, wait)
	if !strings.HasPrefix(got[1].Text(), "The full answer.") || len(rec.Edits()) != 0 {
		t.Errorf("sent %q with %d edits", bridgetest.Texts(got), len(rec.Edits()))
	}
}

// KM is never asked the same question twice: a stream that fails, or ends with
// nothing, gets an apology or the no-answer notice, not a second (blocking) call.
func TestStreamingNeverAsksTwice(t *testing.T) {
	for mode, want := range map[string]string{"fail": en.T("bridge.km_unavailable"), "empty": en.T("bridge.no_answer")} {
		t.Run(mode, func(t *testing.T) {
			sk := &streamKM{mode: mode}
			km := newStreamClient(t, sk)
			e := newEnv(t, km, envOpt{cfg: func(c *bridge.Config) { c.Streaming = true }})
			mustHandle(t, e.core, msg(annDM, ann, "q"))
			got := e.rec.WaitSent(t, annDM, 2, wait)
			if got[1].Text() != want {
				t.Errorf("got %q, want %q", bridgetest.Texts(got), want)
			}
			if calls := sk.Calls(); len(calls) != 2 || calls[1] != "/api/v2/newChat streaming" {
				t.Errorf("calls %q: want initClient and one streaming newChat", calls)
			}
		})
	}
}

// The stream as the 001 seed documents it: data: lines without blank lines, no
// final full-answer event, and a connection that stays open after [DONE]. The user
// gets the streamed text at once, and the turn ends at [DONE].
func TestStreamingAsDocumented(t *testing.T) {
	sk := &streamKM{mode: "documented", chunks: 3}
	km := newStreamClient(t, sk)
	rec := bridgetest.New("test")
	e := newEnv(t, km, envOpt{adapter: bridgetest.Basic(rec), cfg: func(c *bridge.Config) { c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, "q"))
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "help"})
	got := rec.WaitSent(t, annDM, 3, wait)
	if got[1].Text() != "w0 w1 w2" {
		t.Errorf("sent %q: want the welcome, the streamed text, the help", bridgetest.Texts(got))
	}
	if calls := sk.Calls(); len(calls) != 2 {
		t.Errorf("calls %q: want initClient and one streaming newChat", calls)
	}
}

// KM refusing the session as expired before answering starts a new session and
// streams again, invisibly: nothing was answered, so nothing is asked twice.
func TestStreamingSessionExpired(t *testing.T) {
	sk := &streamKM{mode: "expired", chunks: 2}
	km := newStreamClient(t, sk)
	rec := bridgetest.New("test")
	e := newEnv(t, km, envOpt{adapter: bridgetest.Basic(rec), cfg: func(c *bridge.Config) { c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, "q"))
	got := rec.WaitSent(t, annDM, 2, wait)
	if !strings.HasPrefix(got[1].Text(), "The full answer.") {
		t.Errorf("sent %q", bridgetest.Texts(got))
	}
	want := []string{"/api/v1/initClient <nil>", "/api/v2/newChat streaming", "/api/v1/initClient <nil>", "/api/v2/newChat streaming"}
	if calls := sk.Calls(); strings.Join(calls, ",") != strings.Join(want, ",") {
		t.Errorf("calls %q, want %q", calls, want)
	}
}

// A stream that breaks mid-answer must not lose what KM already said: an adapter
// that cannot edit has shown nothing yet, so it gets the partial text, then the
// apology.
func TestStreamingBrokenMidAnswerKeepsText(t *testing.T) {
	sk := &streamKM{mode: "cut", chunks: 3}
	km := newStreamClient(t, sk)
	rec := bridgetest.New("test")
	e := newEnv(t, km, envOpt{adapter: bridgetest.Basic(rec), cfg: func(c *bridge.Config) { c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, "q"))
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "help"})
	got := rec.WaitSent(t, annDM, 4, wait)
	if got[1].Text() != "w0 w1 w2" || got[2].Text() != en.T("bridge.km_unavailable") {
		t.Errorf("sent %q: want the welcome, the partial text, the apology, the help", bridgetest.Texts(got))
	}
}

// A stream that breaks after its final answer delivers that answer, not an apology.
func TestStreamingBrokenAfterFinalDelivers(t *testing.T) {
	sk := &streamKM{mode: "cutfinal", chunks: 3}
	km := newStreamClient(t, sk)
	rec := bridgetest.New("test")
	e := newEnv(t, km, envOpt{adapter: bridgetest.Basic(rec), cfg: func(c *bridge.Config) { c.Streaming = true }})
	mustHandle(t, e.core, msg(annDM, ann, "q"))
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: "help"})
	got := rec.WaitSent(t, annDM, 3, wait)
	if !strings.HasPrefix(got[1].Text(), "The full answer.") {
		t.Errorf("sent %q: want the welcome, the full answer, the help", bridgetest.Texts(got))
	}
}
