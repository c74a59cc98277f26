package webadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// remoteBot is a bot message as another replica's adapter stores it.
func remoteBot(t *testing.T, text string) []byte {
	t.Helper()
	msg, _ := json.Marshal(map[string]string{"text": text})
	b, err := json.Marshal(entry{From: fromBot, Msg: msg})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// shown reads a tab's frames until it has been shown want messages, and
// returns them as "<id>:<text>", failing on any other frame but typing.
func shown(t *testing.T, c *websocket.Conn, want int) []string {
	t.Helper()
	var out []string
	for len(out) < want {
		f := frameOf(t, c, "msg", "typing")
		var m struct{ Text string }
		_ = json.Unmarshal(f.Msg, &m)
		out = append(out, f.ID+":"+m.Text+f.Text)
	}
	return out
}

// nextShown fails unless the next frame c gets is the message want ("<id>:<text>"):
// nothing came before it. (A read deadline cannot test for silence: a
// socket whose read timed out is unusable.)
func nextShown(t *testing.T, c *websocket.Conn, want string) {
	t.Helper()
	f := frame(t, c)
	var m struct{ Text string }
	_ = json.Unmarshal(f.Msg, &m)
	if got := f.ID + ":" + m.Text + f.Text; f.Type != "msg" || got != want {
		t.Fatalf("got %s frame %q, want %q first", f.Type, got, want)
	}
}

// A tab open here is shown what another replica writes to its conversation
// (the reply of a conversation another replica holds): each message once, in
// id order, late or lost news caught up from the history, edits applied, and
// a Resync reading again what the tabs show.
func TestRelayShowsOtherReplicas(t *testing.T) {
	h := start(t, Config{})
	waitFor(t, func() bool { return h.host.Watching() == 1 })
	tab, cookie, cid := h.connected(t)
	key := keyFor(cid)

	// Told at once: shown.
	if id := h.host.RemoteAppend(key, remoteBot(t, "one"), true); id != 1 {
		t.Fatalf("first id %d", id)
	}
	if got := shown(t, tab, 1); got[0] != "1:one" {
		t.Fatalf("shown %q", got)
	}
	// News of 2 late (3's comes first), then 2's: 2 and 3 once each, in order.
	h.host.RemoteAppend(key, remoteBot(t, "two"), false)
	h.host.RemoteAppend(key, remoteBot(t, "three"), true)
	if got := shown(t, tab, 2); fmt.Sprint(got) != "[2:two 3:three]" {
		t.Fatalf("shown %q, want 2 then 3", got)
	}
	h.host.Tell(bridge.HistoryChange{Key: key, Entry: bridge.HistoryEntry{ID: 2, Data: remoteBot(t, "two")}})
	h.host.Tell(bridge.HistoryChange{Key: key, Entry: bridge.HistoryEntry{ID: 3, Data: remoteBot(t, "three")}})

	// An edit (and nothing before it: the repeated news showed nothing).
	h.host.RemoteReplace(key, 3, remoteBot(t, "three, grown"))
	if f := frame(t, tab); f.Type != "edit" || f.ID != "3" || !jsonHas(f.Msg, "three, grown") {
		t.Fatalf("edit frame %+v", f)
	}

	// A message whose news was lost shows before this replica's own next one.
	h.host.RemoteAppend(key, remoteBot(t, "four"), false)
	if _, err := h.a.Send(context.Background(), key, textMsg("five")); err != nil {
		t.Fatal(err)
	}
	if got := shown(t, tab, 2); fmt.Sprint(got) != "[4:four 5:five]" {
		t.Fatalf("shown %q, want the lost 4 before 5", got)
	}

	// Lost news and a Resync: read again.
	h.host.RemoteAppend(key, remoteBot(t, "six"), false)
	h.host.Tell(bridge.HistoryChange{Resync: true})
	if got := shown(t, tab, 1); got[0] != "6:six" {
		t.Fatalf("after a resync shown %q", got)
	}

	// A second tab opened now starts from the history and is shown the next
	// message once, like the first.
	tab2, _ := h.dial(t, cookie, nil)
	if f := frame(t, tab2); f.Type != "history" || len(f.Items) != 7 {
		t.Fatalf("second tab's history: %+v", f)
	}
	h.host.RemoteAppend(key, remoteBot(t, "seven"), true)
	for _, c := range []*websocket.Conn{tab, tab2} {
		nextShown(t, c, "7:seven")
	}

	// Another conversation's changes, with no tab here, and another
	// platform's, show nowhere.
	other := keyFor(newCID())
	h.host.RemoteAppend(other, remoteBot(t, "elsewhere"), true)
	h.host.Tell(bridge.HistoryChange{Key: bridge.ConvKey{Platform: "slack", Channel: "C1"}, Entry: bridge.HistoryEntry{ID: 1, Data: []byte("{}")}})
	h.host.RemoteAppend(key, remoteBot(t, "eight"), true)
	for _, c := range []*websocket.Conn{tab, tab2} {
		nextShown(t, c, "8:eight")
	}
}

// Without a watcher (the host keeps histories but no replica shares them)
// the adapter runs as before.
func TestRelayNeedsNoWatcher(t *testing.T) {
	a := newAdapter(t, Config{}, noWatcher{start(t, Config{}).host})
	if a.watcher != nil {
		t.Fatal("a host without WatchHistory gave a watcher")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// noWatcher hides the host's WatchHistory.
type noWatcher struct{ hostAll }

type hostAll interface {
	bridge.Host
	bridge.HistoryHost
	bridge.SecretHost
}

func jsonHas(raw json.RawMessage, s string) bool {
	var m struct{ Text string }
	return json.Unmarshal(raw, &m) == nil && m.Text == s
}

func textMsg(s string) formatting.Message {
	return formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: []formatting.RichBlock{&formatting.Para{Spans: []formatting.Span{{Text: s}}}}}}}
}
