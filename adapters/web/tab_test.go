package webadapter

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
)

// tab is a browser tab as tests drive it: a real WebSocket client whose
// frames a goroutine reads into a channel, until the socket ends.
type tab struct {
	t      testing.TB
	conn   *websocket.Conn
	cookie string
	frames chan outFrame
	done   chan struct{}
	closed chan struct{} // closed when the socket has ended
	err    error         // why it ended, once closed
	held   []outFrame    // read by result while it waited, for await
}

var tabIDs atomic.Int64

// openTab connects to the chat at base (http://host:port) as a browser with
// cookie ("" for a new one) and returns once the history frame has come.
func openTab(t testing.TB, base, cookie string) (*tab, outFrame) {
	t.Helper()
	hdr := http.Header{"Origin": {base}}
	if cookie != "" {
		hdr.Set("Cookie", cookieName+"="+cookie)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", hdr)
	if err != nil {
		t.Fatalf("dial: %v (%v)", err, resp)
	}
	tb := &tab{t: t, conn: conn, cookie: cookie, frames: make(chan outFrame, 1024), done: make(chan struct{}), closed: make(chan struct{})}
	if c := cookieOf(resp); c != "" {
		tb.cookie = c
	}
	go tb.read()
	t.Cleanup(tb.close)
	return tb, tb.await("history", nil)
}

func (tb *tab) read() {
	defer close(tb.done)
	defer close(tb.closed)
	for {
		_, data, err := tb.conn.ReadMessage()
		if err != nil {
			tb.err = err
			return
		}
		var f outFrame
		if json.Unmarshal(data, &f) == nil {
			tb.frames <- f
		}
	}
}

func (tb *tab) close() {
	tb.conn.Close()
	<-tb.done
}

// await returns the next frame of type typ that match accepts (nil: any),
// skipping others; it fails the test after 20 s.
func (tb *tab) await(typ string, match func(outFrame) bool) outFrame {
	tb.t.Helper()
	for len(tb.held) > 0 {
		f := tb.held[0]
		tb.held = tb.held[1:]
		if (typ == "" || f.Type == typ) && (match == nil || match(f)) {
			return f
		}
	}
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f := <-tb.frames:
			if (typ == "" || f.Type == typ) && (match == nil || match(f)) {
				return f
			}
		case <-tb.closed:
			// Frames read before the end are still in the channel.
			select {
			case f := <-tb.frames:
				if (typ == "" || f.Type == typ) && (match == nil || match(f)) {
					return f
				}
				continue
			default:
			}
			tb.t.Fatalf("the socket ended (%v) before a %s frame", tb.err, typ)
			return outFrame{}
		case <-timeout:
			tb.t.Fatalf("no %s frame within 20s", typ)
			return outFrame{}
		}
	}
}

// awaitAll reads frames until each of match has accepted one, in any order,
// and returns them in the order of match.
func (tb *tab) awaitAll(match ...func(outFrame) bool) []outFrame {
	tb.t.Helper()
	got := make([]outFrame, len(match))
	found := make([]bool, len(match))
	left := len(match)
	for left > 0 {
		f := tb.await("", func(f outFrame) bool {
			for i, m := range match {
				if !found[i] && m(f) {
					return true
				}
			}
			return false
		})
		for i, m := range match {
			if !found[i] && m(f) {
				got[i], found[i] = f, true
				left--
				break
			}
		}
	}
	return got
}

// send writes a frame; it gets a fresh id unless it has one.
func (tb *tab) send(f inFrame) inFrame {
	tb.t.Helper()
	if f.ID == "" {
		f.ID = fmt.Sprint("t", tabIDs.Add(1))
	}
	if err := tb.conn.WriteJSON(f); err != nil {
		tb.t.Fatalf("write: %v", err)
	}
	return f
}

// result waits for the chat's answer to frame id: its ack or its error.
// The frames before it are kept for await.
func (tb *tab) result(id string) outFrame {
	tb.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f := <-tb.frames:
			if (f.Type == "ack" || f.Type == "error") && f.ID == id {
				return f
			}
			tb.held = append(tb.held, f)
		case <-tb.closed:
			tb.t.Fatalf("the socket ended (%v) before the answer to %s", tb.err, id)
		case <-timeout:
			tb.t.Fatalf("no answer to %s within 20s", id)
		}
	}
}

// say sends text and returns the chat's answer to it (ack or error).
func (tb *tab) say(text string) (inFrame, outFrame) {
	tb.t.Helper()
	f := tb.send(inFrame{Type: "text", Text: text})
	return f, tb.result(f.ID)
}

// posts returns the bot's messages of key as the host's history holds them.
func posts(t testing.TB, h bridge.HistoryHost, key bridge.ConvKey) []bridgetest.Post {
	t.Helper()
	hs := &history{host: h, keep: 500}
	es, err := hs.list(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	var out []bridgetest.Post
	for _, e := range es {
		if e.From == fromBot {
			out = append(out, postOf(e))
		}
	}
	return out
}

var tags = regexp.MustCompile(`<[^>]*>`)

// postOf reads a bot entry as the page would show it.
func postOf(e entry) bridgetest.Post {
	p := bridgetest.Post{ID: e.ID}
	var m webfmt.Msg
	if err := json.Unmarshal(e.Msg, &m); err != nil {
		var fake struct{ Text string }
		_ = json.Unmarshal(e.Msg, &fake)
		p.Text = fake.Text
		return p
	}
	var text []string
	add := func(bs []webfmt.Button) {
		for _, b := range bs {
			p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: b.Label, Token: b.Token, URL: b.URL, Live: b.Token != ""})
		}
	}
	for _, part := range m.Parts {
		switch {
		case part.Kind == webfmt.KindHTML:
			text = append(text, html.UnescapeString(tags.ReplaceAllString(part.HTML, " ")))
		case part.Buttons != nil:
			text = append(text, part.Buttons.Title)
			add(part.Buttons.Items)
		case part.Select != nil:
			add(part.Select.Options)
		case part.Card != nil:
			text = append(text, part.Card.Title, html.UnescapeString(tags.ReplaceAllString(part.Card.BodyHTML, " ")))
			add(part.Card.Buttons)
		}
	}
	add(m.InputHints)
	p.Text = strings.Join(strings.Fields(strings.Join(text, " ")), " ")
	return p
}
