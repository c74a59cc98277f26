package bridgetest_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// The reference adapter: a tiny in-memory platform and an adapter for it
// that keeps the contract, to prove the conformance suite passes what it
// should; broken variants (brokenEnv) prove it fails what it should.

// brokenEnv names the way the reference adapter breaks the contract, in the
// subprocesses of TestSuiteCatchesBrokenAdapters.
const brokenEnv = "BRIDGETEST_BROKEN"

func TestReferenceAdapterSuite(t *testing.T) {
	bridgetest.AdapterSuite(t, &refDriver{broken: os.Getenv(brokenEnv)})
}

// Each broken reference adapter fails the case that checks what it breaks.
func TestSuiteCatchesBrokenAdapters(t *testing.T) {
	if os.Getenv(brokenEnv) != "" {
		t.Skip("in a subprocess")
	}
	for _, tc := range []struct{ broken, fails string }{
		{"acks-refusals", bridgetest.CaseRefusedNotAcked},
		{"no-delivery-id", bridgetest.CaseRedeliveredOnce},
		{"no-lane", bridgetest.CaseRateLimited},
		{"no-retry", bridgetest.CaseRateLimited},
		{"leaks", bridgetest.CaseRunStops},
		{"retires-everything", bridgetest.CaseClickRetires},
		{"delivers-unknown", bridgetest.CaseUnknownIgnored},
		{"edit-posts-anew", bridgetest.CaseEdit},
	} {
		t.Run(tc.broken, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestReferenceAdapterSuite$/^"+tc.fails+"$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), brokenEnv+"="+tc.broken)
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "--- FAIL: TestReferenceAdapterSuite/"+tc.fails) {
				t.Errorf("the suite did not catch %s in %s (err %v):\n%s", tc.broken, tc.fails, err, out)
			}
		})
	}
}

// refPlatform is the fake platform: events it delivers, posts it holds.
type refPlatform struct {
	events chan *refEvent

	mu         sync.Mutex
	seq        int
	posts      []*refPost
	fail429    int
	served     int
	retryAfter time.Duration
}

type refEvent struct {
	id, kind     string // kind: message, click, or anything else
	user, text   string
	msgID, token string
	acked        chan bool // the adapter's answer: acknowledged or not
}

type refPost struct {
	id   string
	text string
	rows [][]refButton
}

type refButton struct {
	label, token, url string
	live              bool
}

// errLimited is the platform's 429.
type errLimited struct{ after time.Duration }

func (e errLimited) Error() string { return "429 too many requests" }

func (p *refPlatform) limited() error {
	if p.fail429 > 0 {
		p.fail429--
		p.served++
		return errLimited{p.retryAfter}
	}
	return nil
}

func (p *refPlatform) post(text string, rows [][]refButton) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.limited(); err != nil {
		return "", err
	}
	p.seq++
	id := "m" + strconv.Itoa(p.seq)
	p.posts = append(p.posts, &refPost{id: id, text: text, rows: rows})
	return id, nil
}

func (p *refPlatform) edit(id, text string, rows [][]refButton) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.limited(); err != nil {
		return err
	}
	for _, po := range p.posts {
		if po.id == id {
			po.text, po.rows = text, rows
			return nil
		}
	}
	return errors.New("unknown message")
}

// refAdapter keeps the contract: it delivers through the Host with the
// platform's id, acknowledges only what bridge.Ack allows, ignores events it
// does not know, holds a channel's lane through a 429's retry, and retires
// through formatting.Retire on the message it sent.
type refAdapter struct {
	p      *refPlatform
	host   bridge.Host
	broken string

	mu    sync.Mutex
	sent  map[string]formatting.Message
	lanes map[string]*sync.Mutex
	leak  chan struct{}
}

func (a *refAdapter) Name() string { return "ref" }

func (a *refAdapter) Run(ctx context.Context) error {
	if a.broken == "leaks" {
		go func() { <-a.leak }() // never closed
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-a.p.events:
			ev.acked <- a.handle(ctx, ev)
		}
	}
}

func (a *refAdapter) handle(ctx context.Context, ev *refEvent) bool {
	key := bridge.DMKey("ref", "", "D-"+ev.user, ev.user)
	user := bridge.UserInfo{ID: ev.user}
	var e bridge.Event
	switch ev.kind {
	case "message":
		e = bridge.Message{Key: key, User: user, Text: ev.text, ID: ev.id}
	case "click":
		e = bridge.Click{Key: key, User: user, Token: ev.token, Ref: bridge.MsgRef{Key: key, ID: ev.msgID}}
	default:
		if a.broken != "delivers-unknown" {
			return true // not ours: acknowledged, so it is not sent again
		}
		e = bridge.Message{Key: key, User: user, Text: ev.kind}
	}
	id := ev.id
	if a.broken == "no-delivery-id" {
		id = ""
	}
	err := a.host.Deliver(ctx, bridge.Delivery{ID: id, Event: e})
	return bridge.Ack(err) || a.broken == "acks-refusals"
}

// render is the platform's rendering: text lines, a row per group.
func render(m formatting.Message) (string, [][]refButton) {
	var lines []string
	var rows [][]refButton
	for _, b := range m.Blocks {
		switch x := b.(type) {
		case *formatting.Text:
			lines = append(lines, bridge.Summary(formatting.Message{Blocks: []formatting.Block{x}}, 1<<20))
		case *formatting.Buttons:
			var row []refButton
			for _, it := range x.Items {
				row = append(row, refButton{label: it.Label, token: it.Token, url: it.URL, live: it.Token != ""})
			}
			rows = append(rows, row)
		}
	}
	return strings.Join(lines, "\n"), rows
}

// call makes one platform call, holding the channel's lane and retrying a
// 429 after the wait the platform asked for.
func (a *refAdapter) call(ctx context.Context, channel string, fn func() error) error {
	if a.broken != "no-lane" {
		a.mu.Lock()
		l := a.lanes[channel]
		if l == nil {
			l = &sync.Mutex{}
			a.lanes[channel] = l
		}
		a.mu.Unlock()
		l.Lock()
		defer l.Unlock()
	}
	for {
		err := fn()
		var lim errLimited
		if !errors.As(err, &lim) || a.broken == "no-retry" {
			return err
		}
		select {
		case <-time.After(lim.after):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (a *refAdapter) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	text, rows := render(m)
	var id string
	err := a.call(ctx, to.Channel, func() (err error) {
		id, err = a.p.post(text, rows)
		return err
	})
	if err != nil {
		return bridge.MsgRef{}, err
	}
	a.mu.Lock()
	a.sent[id] = m
	a.mu.Unlock()
	return bridge.MsgRef{Key: to, ID: id}, nil
}

func (a *refAdapter) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	if a.broken == "edit-posts-anew" {
		_, err := a.Send(ctx, ref.Key, m)
		return err
	}
	text, rows := render(m)
	if err := a.call(ctx, ref.Key.Channel, func() error { return a.p.edit(ref.ID, text, rows) }); err != nil {
		return err
	}
	a.mu.Lock()
	a.sent[ref.ID] = m
	a.mu.Unlock()
	return nil
}

func (a *refAdapter) Retire(ctx context.Context, r bridge.Retirement) error {
	a.mu.Lock()
	m, ok := a.sent[r.Ref.ID]
	a.mu.Unlock()
	if !ok {
		return nil
	}
	g := formatting.Retiring(m, r.Token, r.Shown, r.Expired)
	if a.broken == "retires-everything" {
		g.Tokens = nil
		for _, b := range bridgetest.Buttons(m) {
			g.Tokens = append(g.Tokens, b.Token)
		}
	}
	out := m
	changed := false
	for {
		next, ok := formatting.Retire(out, g)
		if !ok {
			break
		}
		out, changed = next, true
		g.Shown = "" // shown once, after the first group
	}
	if !changed {
		return nil
	}
	return a.Edit(ctx, r.Ref, out)
}

// refDriver drives the reference adapter for the suite.
type refDriver struct {
	broken string
	p      *refPlatform
}

func (d *refDriver) Boot(t *testing.T, host bridge.Host) bridge.Adapter {
	d.p = &refPlatform{events: make(chan *refEvent)}
	a := &refAdapter{p: d.p, host: host, broken: d.broken, sent: map[string]formatting.Message{},
		lanes: map[string]*sync.Mutex{}, leak: make(chan struct{})}
	return a
}

func (d *refDriver) Ready(t *testing.T) {}

// deliver hands ev to the adapter and waits for its answer.
func (d *refDriver) deliver(t *testing.T, ev *refEvent) bridgetest.Inbound {
	t.Helper()
	ev.acked = make(chan bool, 1)
	select {
	case d.p.events <- ev:
	case <-time.After(bridgetest.SuiteWait):
		t.Fatal("the adapter does not receive")
	}
	select {
	case acked := <-ev.acked:
		return bridgetest.Inbound{ID: ev.id, Acked: acked, Raw: ev}
	case <-time.After(bridgetest.SuiteWait):
		t.Fatal("the adapter did not deal with the event")
		return bridgetest.Inbound{}
	}
}

func (d *refDriver) newID() string {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	d.p.seq++
	return "ev" + strconv.Itoa(d.p.seq)
}

func (d *refDriver) UserSays(t *testing.T, user, text string) bridgetest.Inbound {
	return d.deliver(t, &refEvent{id: d.newID(), kind: "message", user: user, text: text})
}

func (d *refDriver) Redeliver(t *testing.T, in bridgetest.Inbound) bridgetest.Inbound {
	ev := *in.Raw.(*refEvent)
	return d.deliver(t, &ev)
}

func (d *refDriver) Click(t *testing.T, user string, ref bridge.MsgRef, token string) bridgetest.Inbound {
	return d.deliver(t, &refEvent{id: d.newID(), kind: "click", user: user, msgID: ref.ID, token: token})
}

func (d *refDriver) Unknown(t *testing.T) bridgetest.Inbound {
	return d.deliver(t, &refEvent{id: d.newID(), kind: "reaction_added", user: "alice"})
}

func (d *refDriver) Fail429(t *testing.T, n int, retryAfter time.Duration) func() int {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	d.p.fail429, d.p.retryAfter = n, retryAfter
	return func() int {
		d.p.mu.Lock()
		defer d.p.mu.Unlock()
		return d.p.served
	}
}

func (d *refDriver) Posts(t *testing.T) []bridgetest.Post {
	d.p.mu.Lock()
	defer d.p.mu.Unlock()
	var out []bridgetest.Post
	for _, po := range d.p.posts {
		p := bridgetest.Post{ID: po.id, Text: po.text}
		for _, row := range po.rows {
			for _, b := range row {
				p.Buttons = append(p.Buttons, bridgetest.PostButton{Label: b.label, Token: b.token, URL: b.url, Live: b.live})
			}
		}
		out = append(out, p)
	}
	return out
}
