package webadapter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/internal/testredis"
)

// 100 cookies × 5 messages from one address: the per-address limits hold
// (web.max_new_per_ip_per_min and web.messages_per_min at their defaults,
// 20 and 20), every refused message gets an error frame saying why (and not
// to send it again), every accepted one exactly one answer, and sending
// them all again answers nothing twice.
func TestFaultOneIP100Cookies5Messages(t *testing.T) {
	const cookies, each, newPerMin, msgsPerMin = 100, 5, 20, 20
	now := time.Unix(1_700_000_000, 0) // the limits' clock stands still: no refill
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	p := w.Boot(t, e2e.Options{Catalog: catalog, Quiet: true})
	chat, err := New(Config{MaxNewPerIPPerMin: newPerMin, MessagesPerMinPerIP: msgsPerMin}, p.Host,
		option.Catalog(catalog), option.Clock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	p.Start(t, chat)
	base := p.Serve(t, chat).URL

	tabs := make([]*tab, cookies)
	for i := range tabs {
		tabs[i], _ = openTab(t, base, "")
	}
	en := catalog.Printer("en")
	sent := map[*tab][]inFrame{}
	taken := map[*tab]int{}
	accepted, tooFast, tooNew := 0, 0, 0
	for m := range each { // round robin: each cookie's first, then each one's second, …
		for _, tb := range tabs {
			f := tb.send(inFrame{Type: "text", Text: fmt.Sprintf("What is the Wi-Fi password? (%d)", m)})
			sent[tb] = append(sent[tb], f)
			switch res := tb.result(f.ID); {
			case res.Type == "ack":
				accepted++
				taken[tb]++
			case res.Retry:
				t.Fatalf("refused to be sent again: %+v", res)
			case res.Text == en.T("web.too_fast"):
				tooFast++
			case res.Text == en.T("web.too_many_new"):
				tooNew++
			default:
				t.Fatalf("refused without a clear reason: %+v", res)
			}
		}
	}
	t.Logf("%d accepted, %d refused as too fast, %d as too many new conversations", accepted, tooFast, tooNew)
	// Round one: the first 20 cookies start their conversations, the other
	// 80 may not (again in every round); rounds two to five: the 20 have used
	// the address's 20 messages.
	if wantNew, wantFast := (cookies-newPerMin)*each, newPerMin*(each-1); accepted != msgsPerMin || tooNew != wantNew || tooFast != wantFast {
		t.Errorf("accepted %d, too fast %d, too many new %d; want %d, %d, %d", accepted, tooFast, tooNew, msgsPerMin, wantFast, wantNew)
	}
	answers := func() int {
		n := 0
		for _, tb := range tabs {
			for _, po := range posts(t, p.Core, keyFor(cidOfCookie(t, chat, tb.cookie))) {
				if strings.Contains(po.Text, "ExampleGuest") {
					n++
				}
			}
		}
		return n
	}
	bridgetest.Eventually(t, 30*time.Second, func() error {
		if n := answers(); n != accepted {
			return fmt.Errorf("%d answers for %d accepted messages", n, accepted)
		}
		return nil
	})
	// The pages send everything again (same ids): taken ones are acknowledged
	// as duplicates, the others refused again; nothing more is answered.
	for _, tb := range tabs {
		acks := 0
		for _, f := range sent[tb] {
			if res := tb.result(tb.send(f).ID); res.Type == "ack" {
				acks++
			}
		}
		if acks != taken[tb] {
			t.Errorf("sent again: %d acknowledged, want the %d taken before", acks, taken[tb])
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := answers(); n != accepted {
		t.Errorf("%d answers after everything was sent again, want %d", n, accepted)
	}
	if n := len(w.Sim.CallsTo("POST /v1/chat")); n != accepted {
		t.Errorf("KM was asked %d times, want %d", n, accepted)
	}
}

// kill -9 between the acknowledgement and the answer, on Redis: the message
// is acknowledged (ack frame, echo) by replica A, whose KM call hangs; A dies
// (its sockets, its Redis connection). B starts on the same Redis and, once
// A's lease on the conversation has passed on, answers from the inbox; the
// tab, reconnected to B with its cookie, sees its words and the answer once,
// also after the page sends the message again.
func TestFaultKill9Web(t *testing.T) {
	addr := testredis.Start(t)
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	sim, err := url.Parse(strings.TrimSuffix(w.KMURL, "/api"))
	if err != nil {
		t.Fatal(err)
	}
	// A's KM: the simulator, except that the question hangs until A dies.
	var asked atomic.Int32
	proxy := httputil.NewSingleHostReverseProxy(sim)
	hang := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/v1/chat") {
			asked.Add(1)
			_, _ = io.Copy(io.Discard, r.Body) // so the server notices the client going
			<-r.Context().Done()
			return
		}
		proxy.ServeHTTP(rw, r)
	}))
	t.Cleanup(hang.Close)
	prefix := newPrefix()
	// Short leases: B takes A's conversation over a second after A is gone.
	lease := func(c *bridge.Config) { c.LeaseTTL = time.Second }
	a := bootReplica(t, w, addr, prefix, replicaOptions{kmURL: hang.URL + "/api", cfg: func(c *bridge.Config) {
		lease(c)
		c.KMTimeout = time.Minute
	}})

	tb, _ := openTab(t, a.base, "")
	q, res := tb.say("What is the Wi-Fi password?")
	if res.Type != "ack" {
		t.Fatalf("not acknowledged: %+v", res)
	}
	waitFor(t, func() bool { return asked.Load() == 1 }) // A is asking KM: the answer is on its way
	a.kill()

	b := bootReplica(t, w, addr, prefix, replicaOptions{cfg: lease})
	// At once, or (A's lease not yet expired) by B's sweeper a moment later.
	if _, err := b.core.Replay(context.Background()); err != nil {
		t.Fatalf("Replay: %v", err)
	}
	tb2, _ := openTab(t, b.base, tb.cookie)
	key := keyFor(cidOfCookie(t, b.chat, tb.cookie))
	wifi := func() (words, answers int) {
		for _, e := range must(b.chat.hist.list(context.Background(), key)) {
			switch {
			case e.From == fromUser && e.Text == q.Text:
				words++
			case e.From == fromBot && strings.Contains(string(e.Msg), "ExampleGuest"):
				answers++
			}
		}
		return words, answers
	}
	bridgetest.Eventually(t, 30*time.Second, func() error {
		if _, n := wifi(); n == 0 {
			return fmt.Errorf("no answer after the restart")
		}
		return nil
	})
	// The page sends it again (it may not have seen the ack): a duplicate.
	if res := tb2.result(tb2.send(q).ID); res.Type != "ack" {
		t.Fatalf("the message sent again after the restart: %+v, want its ack", res)
	}
	time.Sleep(200 * time.Millisecond)
	if words, answers := wifi(); words != 1 || answers != 1 {
		t.Errorf("the history holds the question %d times and its answer %d times, want once each", words, answers)
	}
	if n := len(w.Sim.CallsTo("POST /v1/chat")); n != 1 {
		t.Errorf("KM answered %d times, want once (by B)", n)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// escalations records the hand-overs the core makes, as the desk gets them.
type escalations struct {
	mu  sync.Mutex
	got []bridge.Escalation
}

func (e *escalations) Escalate(_ context.Context, x bridge.Escalation) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, x)
	return nil
}

func (e *escalations) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.got)
}

func (e *escalations) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return fmt.Sprintf("%+v", e.got)
}

// The cookie is a bearer value: it never appears in what the hand-over desk
// gets for its card, in a log line, a metric or a request to KM. They see the
// derived id (KM's customer_token is web:<id>).
func TestFaultCookieNeverLeaks(t *testing.T) {
	reg := prometheus.NewRegistry()
	met, err := bridge.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	esc := &escalations{}
	w := e2e.NewWorld(t, e2e.WorldOptions{})
	p := w.Boot(t, e2e.Options{Catalog: catalog, Metrics: met, Escalator: esc})
	chat, base := chatOn(t, p)

	tb, _ := openTab(t, base, "")
	shown := ask(t, tb, "How do I reset my password?", "Helpful")
	label := catalog.Printer("en").T("formatting.rate_up")
	old := lastWith(t, shown, "Helpful")
	if res := tb.result(tb.send(inFrame{Type: "click", Token: button(t, old.Msg, label), Ref: old.ID, Label: label}).ID); res.Type != "ack" {
		t.Fatalf("click: %+v", res)
	}
	if _, res := tb.say("/human"); res.Type != "ack" {
		t.Fatalf("/human: %+v", res)
	}
	bridgetest.Eventually(t, 10*time.Second, func() error {
		if esc.count() == 0 {
			return fmt.Errorf("no hand-over yet")
		}
		return nil
	})

	cid := cidOfCookie(t, chat, tb.cookie)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{
		"the hand-over": esc.String(),
		"the logs":      p.Logs.String(),
		"the metrics":   fmt.Sprint(mfs),
		"KM's requests": fmt.Sprintf("%+v", w.Sim.Calls()),
	}
	rnd, mac, _ := strings.Cut(tb.cookie, ".")
	for where, s := range seen {
		for _, part := range []string{tb.cookie, rnd, mac, url.QueryEscape(tb.cookie)} {
			if strings.Contains(s, part) {
				t.Errorf("%s show the cookie (%q)", where, part)
			}
		}
	}
	if !strings.Contains(seen["the hand-over"], cid) {
		t.Errorf("the hand-over does not name the conversation by its id %s: %s", cid, seen["the hand-over"])
	}
	inits := w.Sim.CallsTo("POST /v1/initClient")
	if len(inits) != 1 || !strings.Contains(fmt.Sprint(inits[0].Body), "web:"+cid) {
		t.Errorf("KM's initClient %v, want customer_token web:%s", inits, cid)
	}
}
