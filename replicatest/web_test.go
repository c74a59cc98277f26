package replicatest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
)

// frame is what the chat sends a tab (adapters/web's outFrame, as the page
// reads it).
type frame struct {
	Type  string          `json:"type"`
	ID    string          `json:"id"`
	From  string          `json:"from"`
	Msg   json.RawMessage `json:"msg"`
	Text  string          `json:"text"`
	Items []frame         `json:"items"`
}

// shows is what a reader sees of a message.
func (f frame) shows() string { return f.Text + string(f.Msg) }

// tab is a browser tab of the web chat, on one replica.
type tab struct {
	t      *testing.T
	conn   *websocket.Conn
	cookie string
	frames chan frame
}

var frameIDs atomic.Int64

// openTab opens the chat's socket on r as a browser holding cookie ("": a
// new visitor) and returns the tab and its history frame.
func openTab(t *testing.T, r *replica, cookie string) (*tab, frame) {
	t.Helper()
	hdr := http.Header{"Origin": {r.base}}
	if cookie != "" {
		hdr.Set("Cookie", "kmb_sid="+cookie)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(r.base, "http")+"/ws", hdr)
	if err != nil {
		t.Fatalf("open a tab on %s: %v", r.name, err)
	}
	tb := &tab{t: t, conn: conn, cookie: cookie, frames: make(chan frame, 256)}
	for _, c := range resp.Cookies() {
		if c.Name == "kmb_sid" {
			tb.cookie = c.Value
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(tb.frames)
		for {
			var f frame
			if err := conn.ReadJSON(&f); err != nil {
				return
			}
			tb.frames <- f
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return tb, tb.next("history")
}

// next returns the next frame of type typ, skipping typing indicators and
// acks.
func (tb *tab) next(typ string) frame {
	tb.t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case f, ok := <-tb.frames:
			if !ok {
				tb.t.Fatalf("the tab closed before a %s frame", typ)
			}
			if f.Type == typ {
				return f
			}
			if f.Type != "typing" && f.Type != "ack" {
				tb.t.Fatalf("got a %s frame (%+v), want %s", f.Type, f, typ)
			}
		case <-timeout:
			tb.t.Fatalf("no %s frame within 20 s", typ)
		}
	}
}

// say sends text as the visitor.
func (tb *tab) say(text string) {
	tb.t.Helper()
	f := map[string]string{"type": "text", "id": fmt.Sprint("f", frameIDs.Add(1)), "text": text}
	if err := tb.conn.WriteJSON(f); err != nil {
		tb.t.Fatal(err)
	}
}

// until reads the messages the tab is shown up to a bot message showing
// want.
func (tb *tab) until(want string) []frame {
	tb.t.Helper()
	var got []frame
	for {
		f := tb.next("msg")
		got = append(got, f)
		if f.From == "bot" && strings.Contains(f.shows(), want) {
			return got
		}
	}
}

func idsOf(fs []frame) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%s ", f.ID, f.From)
	}
	return b.String()
}

// A web visitor on two replicas: a tab on B shows, live, the answer that A
// wrote (A accepted the message and held the conversation), once and in
// order; and a reload against the other replica shows the whole
// conversation, with the same ids.
func TestWebChatAcrossReplicas(t *testing.T) {
	w := newWorld(t, worldOptions{web: true})
	a, b := w.start(t, "a"), w.start(t, "b")
	// Both replicas hear the history feed before the visitor writes.
	rdb := redis.NewClient(&redis.Options{Addr: w.redis})
	defer rdb.Close()
	waitFor(t, 10*time.Second, "both replicas on the history feed", func() error {
		n, err := rdb.PubSubNumSub(context.Background(), "kmbridge:history-feed").Result()
		if err != nil || n["kmbridge:history-feed"] != 2 {
			return fmt.Errorf("%v subscribers, %v", n, err)
		}
		return nil
	})

	onA, _ := openTab(t, a, "")
	onA.say(questions[0])
	shownA := onA.until(answers[0])
	onB, h := openTab(t, b, onA.cookie)
	if got := idsOf(h.Items[1:]); got != idsOf(shownA) {
		t.Fatalf("B's history after A answered: %s; want what A's tab was shown: %s", got, idsOf(shownA))
	}

	// The visitor writes on A; A answers; the tab on B is shown it as it
	// happens.
	onA.say(questions[1])
	moreA := onA.until(answers[1])
	moreB := onB.until(answers[1])
	if idsOf(moreA) != idsOf(moreB) {
		t.Fatalf("tab on A shown %s, tab on B shown %s; want the same", idsOf(moreA), idsOf(moreB))
	}
	for i, f := range moreB {
		if f.ID != fmt.Sprint(len(shownA)+i+1) || f.shows() != moreA[i].shows() {
			t.Fatalf("tab on B was shown %s (%q); want the ids after %d, in order, each once, as A showed them", idsOf(moreB), f.shows(), len(shownA))
		}
	}
	if n := a.metric(`kmbridge_bridge_lease_acquisitions_total{kind="conv"}`); n < 2 {
		t.Errorf("A took the conversation %v times, want both turns (it wrote the answers)", n)
	}

	// Reloaded against the other replica: the whole conversation.
	_, h = openTab(t, b, onA.cookie)
	all := append(shownA, moreA...)
	if got := idsOf(h.Items[1:]); got != idsOf(all) {
		t.Fatalf("reload on B: %s; want %s", got, idsOf(all))
	}
	for i, it := range h.Items[1:] {
		if it.shows() != all[i].shows() {
			t.Errorf("reload on B: message %s shows %q, the tab was shown %q", it.ID, it.shows(), all[i].shows())
		}
	}
}
