package webadapter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/testlog"
	"github.com/kmbridge/kmbridge/internal/testredis"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// Web conversations are durable: the history and its message ids live in the
// store, so a reload after a restart (memstore's snapshot) or on another
// replica (Redis) shows the whole conversation with the same ids, new ids go
// on from the last, and a click on a button sent before the restart retires
// the right message.

var catalog = func() *i18n.Catalog {
	cat, err := i18n.New("en", nil)
	if err != nil {
		panic(err)
	}
	return cat
}()

// chatOn starts the web chat on an e2e process and serves it.
func chatOn(t *testing.T, p *e2e.Process) (*Adapter, string) {
	t.Helper()
	chat, err := New(Config{}, p.Host, option.Catalog(catalog), option.Logger(p.Logger("web")))
	if err != nil {
		t.Fatal(err)
	}
	p.Start(t, chat)
	return chat, p.Serve(t, chat).URL
}

// turn is what a tab was shown of one message.
type turn struct {
	ID, From, Text string
	Msg            json.RawMessage
}

func turnOf(e entry) turn { return turn{ID: e.ID, From: e.From, Text: e.Text, Msg: e.Msg} }

// ask says q on tb and returns the frames of the answer: the echo and the
// bot's messages up to one holding want.
func ask(t *testing.T, tb *tab, q, want string) []turn {
	t.Helper()
	f, res := tb.say(q)
	if res.Type != "ack" {
		t.Fatalf("%q (%s) not taken: %+v", q, f.ID, res)
	}
	var got []turn
	for {
		m := tb.await("msg", nil)
		got = append(got, turn{ID: m.ID, From: m.From, Text: m.Text, Msg: m.Msg})
		if m.From == fromBot && strings.Contains(string(m.Msg), want) {
			return got
		}
	}
}

// button finds the action button labelled label in a bot message.
func button(t *testing.T, msg json.RawMessage, label string) string {
	t.Helper()
	var m webfmt.Msg
	if err := json.Unmarshal(msg, &m); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Parts {
		if p.Buttons != nil {
			for _, b := range p.Buttons.Items {
				if b.Label == label && b.Token != "" {
					return b.Token
				}
			}
		}
	}
	t.Fatalf("no %q button in %s", label, msg)
	return ""
}

func maxID(ts []turn) int {
	n := 0
	for _, tr := range ts {
		var i int
		fmt.Sscan(tr.ID, &i)
		n = max(n, i)
	}
	return n
}

// checkResumed checks that a tab reconnecting with cookie shows the welcome
// and then exactly before, and returns its tab.
func checkResumed(t *testing.T, base, cookie string, before []turn) *tab {
	t.Helper()
	tb, h := openTab(t, base, cookie)
	if len(h.Items) == 0 || h.Items[0].ID != greetingID {
		t.Fatalf("history %+v does not start with the welcome", h.Items)
	}
	var got []turn
	for _, e := range h.Items[1:] {
		got = append(got, turnOf(e))
	}
	same := slices.EqualFunc(got, before, func(a, b turn) bool {
		return a.ID == b.ID && a.From == b.From && a.Text == b.Text && string(a.Msg) == string(b.Msg)
	})
	if !same {
		t.Fatalf("history after the restart:\n%v\nwant what the tab was shown:\n%v", ids(got), ids(before))
	}
	return tb
}

func ids(ts []turn) []string {
	var out []string
	for _, tr := range ts {
		out = append(out, tr.ID+":"+tr.From)
	}
	return out
}

// clickOld clicks the 👍 of the answer shown as old (a message from before a
// restart) and checks that exactly that message's rating is retired and the
// thanks get an id after every id given before.
func clickOld(t *testing.T, tb *tab, old turn, after int) {
	t.Helper()
	label := catalog.Printer("en").T("formatting.rate_up")
	tok := button(t, old.Msg, label)
	f := tb.send(inFrame{Type: "click", Token: tok, Ref: old.ID, Label: label})
	if res := tb.result(f.ID); res.Type != "ack" {
		t.Fatalf("the click was not taken: %+v", res)
	}
	thanks := catalog.Printer("en").T("bridge.rated_thanks")
	got := tb.awaitAll(
		func(f outFrame) bool { return f.Type == "edit" },
		func(f outFrame) bool { return f.Type == "msg" && strings.Contains(string(f.Msg), thanks) })
	ed, m := got[0], got[1]
	if ed.ID != old.ID || strings.Contains(string(ed.Msg), tok) || !strings.Contains(string(ed.Msg), "✓ "+label) {
		t.Fatalf("edit %s: %s, want message %s's rating retired", ed.ID, ed.Msg, old.ID)
	}
	var n int
	fmt.Sscan(m.ID, &n)
	if n <= after {
		t.Fatalf("the thanks got id %s, not after the last id before the restart (%d): ids restarted", m.ID, after)
	}
}

// lastWith is the last bot turn holding s.
func lastWith(t *testing.T, ts []turn, s string) turn {
	t.Helper()
	for i := len(ts) - 1; i >= 0; i-- {
		if ts[i].From == fromBot && strings.Contains(string(ts[i].Msg), s) {
			return ts[i]
		}
	}
	t.Fatalf("no bot turn with %q", s)
	return turn{}
}

func TestRestartKeepsHistoryAndIDsMemstore(t *testing.T) {
	w := e2e.NewWorld(t, e2e.WorldOptions{Persist: true})
	p1 := w.Boot(t, e2e.Options{Catalog: catalog})
	_, base1 := chatOn(t, p1)
	tb, _ := openTab(t, base1, "")
	shown := ask(t, tb, "How do I reset my password?", "Helpful")
	shown = append(shown, ask(t, tb, "What is the Wi-Fi password?", "Helpful")...)
	p1.Stop()

	p2 := w.Boot(t, e2e.Options{Catalog: catalog})
	_, base2 := chatOn(t, p2)
	tb2 := checkResumed(t, base2, tb.cookie, shown)
	clickOld(t, tb2, lastWith(t, shown[:len(shown)/2+1], "Helpful"), maxID(shown))
}

// replica is one kmbridge process on a shared Redis: its core, the web chat
// and the HTTP server.
type replica struct {
	core *bridge.Core
	chat *Adapter
	base string
	logs *testlog.Buffer
	// stop shuts the process down gracefully; kill abandons it as kill -9
	// would (its core is stopped only when the test ends, cut short).
	stop, kill func()
}

type replicaOptions struct {
	kmURL string               // default: the world's simulator
	cfg   func(*bridge.Config) // after e2e.TestConfig
}

var prefixes atomic.Int64

func newPrefix() string { return fmt.Sprintf("kmbweb%d:", prefixes.Add(1)) }

func bootReplica(t *testing.T, w *e2e.World, addr, prefix string, o replicaOptions) *replica {
	t.Helper()
	log, logs := testlog.New()
	tr := &http.Transport{}
	if o.kmURL == "" {
		o.kmURL = w.KMURL
	}
	km, err := kmclient.New(kmclient.Config{BaseURL: o.kmURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: tr}, Logger: log.With("c", "kmclient")})
	if err != nil {
		t.Fatal(err)
	}
	store, err := redisstore.Open(context.Background(), redisstore.Options{URL: "redis://" + addr + "/0", Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	cfg := e2e.TestConfig()
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	core, err := bridge.New(cfg, bridge.Deps{KM: km, Store: store, Catalog: catalog, Logger: log.With("c", "core")})
	if err != nil {
		t.Fatal(err)
	}
	chat, err := New(Config{}, core, option.Catalog(catalog), option.Logger(log.With("c", "web")))
	if err != nil {
		t.Fatal(err)
	}
	core.Register(chat)
	hs := httpserver.New(httpserver.Options{Logger: log.With("c", "http")})
	chat.Routes(hs)
	srv := httptest.NewServer(hs.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := chat.Run(ctx); err != nil {
			t.Errorf("web: Run = %v", err)
		}
	}()
	r := &replica{core: core, chat: chat, base: srv.URL, logs: logs}
	var stopped atomic.Bool
	end := func(drain time.Duration) {
		if !stopped.CompareAndSwap(false, true) {
			return
		}
		cancel()
		<-done
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), drain)
		_ = core.Shutdown(sctx)
		scancel()
		tr.CloseIdleConnections()
	}
	r.stop = func() { end(e2e.StopTimeout) }
	r.kill = func() {
		// The process is gone: no more sockets, no more answers reach anyone,
		// and no more Redis: its leases are not renewed and pass on.
		cancel()
		<-done
		srv.CloseClientConnections()
		_ = store.Close(context.Background())
		t.Cleanup(func() { end(0) })
	}
	t.Cleanup(func() {
		r.stop()
		if t.Failed() {
			t.Logf("logs of %s:\n%s", prefix, logs.String())
		}
	})
	return r
}

// Two replicas on one Redis: a tab on either shows the whole conversation
// with the same ids, an old button clicked on the other retires the right
// message, and a replica restarted later still has it all.
func TestRedisReplicasShareHistory(t *testing.T) {
	addr := testredis.Start(t)
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	prefix := newPrefix()
	a := bootReplica(t, w, addr, prefix, replicaOptions{})
	b := bootReplica(t, w, addr, prefix, replicaOptions{})

	tb, _ := openTab(t, a.base, "")
	shown := ask(t, tb, "How do I reset my password?", "Helpful")
	old := lastWith(t, shown, "Helpful")
	tbB := checkResumed(t, b.base, tb.cookie, shown)
	clickOld(t, tbB, old, maxID(shown))

	// The retirement and the thanks are in the shared history: A shows them.
	_, h := openTab(t, a.base, tb.cookie)
	if n := len(h.Items); n < len(shown)+2 || !strings.Contains(string(h.Items[len(shown)].Msg), "✓") {
		t.Fatalf("replica A's history after B's click: %d items, want the retired rating and the thanks", n)
	}
	var after []turn
	for _, e := range h.Items[1:] {
		after = append(after, turnOf(e))
	}
	a.stop()
	b.stop()
	c := bootReplica(t, w, addr, prefix, replicaOptions{})
	tbC := checkResumed(t, c.base, tb.cookie, after)
	more := ask(t, tbC, "What is the Wi-Fi password?", "Helpful")
	if maxID(more) <= maxID(after) || more[0].ID != fmt.Sprint(maxID(after)+1) {
		t.Fatalf("ids after the restart: %v, want them to go on from %d", ids(more), maxID(after))
	}
}

// Live across replicas: a visitor's tabs on two replicas on one Redis each
// show every message of the conversation as it happens, whichever replica
// wrote it (the answer to a message sent on A is written by A, and shows on
// B's tab at once, and the other way round): once each, in id order, the
// same on both.
func TestRedisReplicasLiveTabs(t *testing.T) {
	addr := testredis.Start(t)
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	prefix := newPrefix()
	a := bootReplica(t, w, addr, prefix, replicaOptions{})
	b := bootReplica(t, w, addr, prefix, replicaOptions{})
	// Both replicas hear the feed before anything is written.
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	waitFor(t, func() bool {
		n, err := rdb.PubSubNumSub(context.Background(), prefix+"history-feed").Result()
		return err == nil && n[prefix+"history-feed"] == 2
	})

	tA, _ := openTab(t, a.base, "")
	tB, _ := openTab(t, b.base, tA.cookie)
	onA := ask(t, tA, "How do I reset my password?", "Helpful")
	onB := shownUntil(t, tB, "Helpful")
	more := ask(t, tB, "What is the Wi-Fi password?", "Helpful")
	onB = append(onB, more...)
	onA = append(onA, shownUntil(t, tA, "Helpful")...)
	if !slices.EqualFunc(onA, onB, sameTurn) {
		t.Fatalf("tab on A was shown %v\ntab on B was shown %v\nwant the same", ids(onA), ids(onB))
	}
	for i, tr := range onA {
		if tr.ID != fmt.Sprint(i+1) {
			t.Fatalf("shown %v, want ids 1.. in order, each once", ids(onA))
		}
	}
	// And the history agrees.
	checkResumed(t, a.base, tA.cookie, onA)
}

// shownUntil reads tb's messages up to a bot message holding want.
func shownUntil(t *testing.T, tb *tab, want string) []turn {
	t.Helper()
	var got []turn
	for {
		m := tb.await("msg", nil)
		got = append(got, turn{ID: m.ID, From: m.From, Text: m.Text, Msg: m.Msg})
		if m.From == fromBot && strings.Contains(string(m.Msg), want) {
			return got
		}
	}
}

func sameTurn(a, b turn) bool {
	return a.ID == b.ID && a.From == b.From && a.Text == b.Text && string(a.Msg) == string(b.Msg)
}
