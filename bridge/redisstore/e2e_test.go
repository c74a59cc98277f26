package redisstore_test

// End to end: two bridge cores (two replicas), each with its own Store on one
// Redis, its own adapter and its own kmclient, against one KM simulator over HTTP
// on loopback.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const (
	qPassword = "How do I reset my password?" // rich, suggestions 1002/1003/1010, enableAppraise
	qMFA      = "How do I set up multi-factor authentication?"
)

var (
	en    = i18n.Printer{}
	ann   = bridge.UserInfo{ID: "1001", Name: "Ann", Email: "ann@example.com"}
	annDM = bridge.DMKey("test", "", "dm-ann", ann.ID)
)

// startSim serves a KM simulator on loopback.
func startSim(t testing.TB) (*kmsim.Sim, string) {
	t.Helper()
	sim := kmsim.New(kmsim.SampleKB(), kmsim.Options{MaxCalls: 10_000})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return sim, srv.URL + "/api"
}

// replica is one kmbridge process: a core with its own store, adapter and KM client.
type replica struct {
	core  *bridge.Core
	rec   *bridgetest.Recorder
	store *redisstore.Store
}

// newReplica starts a replica; wrap, when given, wraps its KM client (faults).
func newReplica(t testing.TB, kmURL, redisAddr, prefix string, wrap ...func(bridge.KM) bridge.KM) *replica {
	t.Helper()
	return startReplica(t, kmURL, redisAddr, prefix, replicaOpts{wrap: wrap})
}

// replicaOpts tune startReplica.
type replicaOpts struct {
	wrap    []func(bridge.KM) bridge.KM
	config  func(*bridge.Config)
	metrics *bridge.Metrics
	rec     *bridgetest.Recorder                 // the platform, shared by replicas; nil: one of its own
	store   func(*redisstore.Store) bridge.Store // wraps the store the core gets (faults)
}

func startReplica(t testing.TB, kmURL, redisAddr, prefix string, o replicaOpts) *replica {
	t.Helper()
	wrap := o.wrap
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	km, err := kmclient.New(kmclient.Config{
		BaseURL: kmURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken,
		HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, err := redisstore.Open(ctx, redisstore.Options{URL: redisURL(redisAddr), Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	var kmi bridge.KM = km
	for _, w := range wrap {
		kmi = w(kmi)
	}
	cfg := bridge.Config{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour,
	}
	if o.config != nil {
		o.config(&cfg)
	}
	var bst bridge.Store = st
	if o.store != nil {
		bst = o.store(st)
	}
	core, err := bridge.New(cfg, bridge.Deps{KM: kmi, Store: bst, Metrics: o.metrics})
	if err != nil {
		_ = st.Close(ctx)
		t.Fatal(err)
	}
	rec := o.rec
	if rec == nil {
		rec = bridgetest.New("test")
	}
	r := &replica{core: core, rec: rec, store: st}
	core.Register(r.rec)
	t.Cleanup(func() { // closes the store too
		sctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		_ = core.Shutdown(sctx)
	})
	return r
}

func (r *replica) handle(t testing.TB, ev bridge.Event) {
	t.Helper()
	if err := r.core.Handle(ctx, ev); err != nil {
		t.Fatalf("Handle(%T): %v", ev, err)
	}
}

// waitReleased waits until no replica owns k, so that the next event of k is
// handled by the replica that accepts it.
func waitReleased(t testing.TB, addr, prefix string, k bridge.ConvKey) {
	t.Helper()
	raw := rawClient(t, addr)
	lease := prefix + "{inbox}:lease:" + bridge.ConvLease(k)
	eventually(t, func() error {
		if n := raw.Exists(ctx, lease).Val(); n != 0 {
			return fmt.Errorf("%s is still owned", k)
		}
		return nil
	})
}

// waitText waits until a message to annDM contains want.
func (r *replica) waitText(t testing.TB, want string) {
	t.Helper()
	eventually(t, func() error {
		got := bridgetest.Texts(r.rec.SentTo(annDM))
		for _, s := range got {
			if strings.Contains(s, want) {
				return nil
			}
		}
		return fmt.Errorf("no message containing %q in %q", want, got)
	})
}

func token(t testing.TB, r *replica, label string) string {
	t.Helper()
	b, ok := bridgetest.Button(r.rec.SentTo(annDM), label)
	if !ok || b.Token == "" {
		t.Fatalf("no button %q in %q", label, bridgetest.Texts(r.rec.SentTo(annDM)))
	}
	return b.Token
}

// TestTwoReplicasShareConversations: the first message is handled by replica A;
// a click on one of its buttons is handled by B, which finds the action and the KM
// session A stored (no second initClient; the hit carries the answer's logId); a
// rating on A, then again on B, is refused on B.
func TestTwoReplicasShareConversations(t *testing.T) {
	addr := needRedis(t)
	sim, kmURL := startSim(t)
	prefix := newPrefix()
	a, b := newReplica(t, kmURL, addr, prefix), newReplica(t, kmURL, addr, prefix)

	a.handle(t, bridge.Message{Key: annDM, User: ann, Text: qPassword})
	a.rec.WaitSent(t, annDM, 2, wait) // welcome, answer
	mfa := token(t, a, qMFA)
	up, down := token(t, a, en.T("formatting.rate_up")), token(t, a, en.T("formatting.rate_down"))
	if ref, ok := bridge.ParseToken(mfa); !ok || ref.Shared || ref.Ring != bridge.RingOf(annDM.String()) {
		t.Fatalf("the answer's button %q is no token of the conversation's ring: %+v", mfa, ref)
	}
	sa, ok, err := b.store.Action(ctx, mfa)
	if !ok || err != nil || sa.Action.LogID == 0 {
		t.Fatalf("replica B does not know A's button: %+v %v %v", sa, ok, err)
	}
	waitReleased(t, addr, prefix, annDM) // else A, the owner, handles B's click

	b.handle(t, bridge.Click{Key: annDM, User: ann, Token: mfa})
	b.waitText(t, "Multi-factor authentication")
	chats, hits := sim.CallsTo("POST /v1/chat"), sim.CallsTo("POST /v1/hit")
	if n := len(sim.CallsTo("POST /v1/initClient")); n != 1 {
		t.Errorf("initClient calls = %d, want 1: B must reuse A's KM session", n)
	}
	if len(chats) != 1 || len(hits) != 1 {
		t.Fatalf("chat calls %d, hit calls %d; want 1 each", len(chats), len(hits))
	}
	h := hits[0]
	if h.Int("queryType") != 7 || h.Int("questionId") != 1002 || h.Int("logId") != sa.Action.LogID ||
		h.Int("sessionId") != chats[0].Int("sessionId") {
		t.Errorf("hit body = %v; want queryType 7, questionId 1002, logId %d, sessionId %d",
			h.Body, sa.Action.LogID, chats[0].Int("sessionId"))
	}

	waitReleased(t, addr, prefix, annDM)
	a.handle(t, bridge.Click{Key: annDM, User: ann, Token: up})
	a.waitText(t, en.T("bridge.rated_thanks"))
	waitReleased(t, addr, prefix, annDM)
	b.handle(t, bridge.Click{Key: annDM, User: ann, Token: down})
	b.waitText(t, en.T("bridge.already_rated"))
	if res := b.rec.WaitClicks(t, 2, wait); res[1].Status != bridge.ClickAlreadyRated {
		t.Errorf("B's rating click: %s, want %s", res[1].Status, bridge.ClickAlreadyRated)
	}
	if calls := sim.CallsTo("POST /v1/surveyQuestion"); len(calls) != 1 || calls[0].Int("logId") != sa.Action.LogID {
		t.Errorf("surveyQuestion calls = %+v; want one, for logId %d", calls, sa.Action.LogID)
	}

	// One transcript, written by both replicas.
	tr, err := a.store.Transcript(ctx, annDM)
	if err != nil {
		t.Fatal(err)
	}
	var sawQuestion, sawClick bool
	for _, turn := range tr {
		sawQuestion = sawQuestion || (turn.Role == bridge.RoleUser && turn.Text == qPassword)
		sawClick = sawClick || (turn.Role == bridge.RoleClick && turn.Text == qMFA)
	}
	if !sawQuestion || !sawClick {
		t.Errorf("transcript lacks A's question or B's click: %+v", tr)
	}
}

// TestRedisOutageRefusesUntilBack: while Redis is unreachable a user's message
// cannot be made durable, so it is not accepted (Deliver fails: the adapter does
// not acknowledge and the platform delivers it again) and KM is not called;
// once Redis is back the redelivery is answered, once.
func TestRedisOutageRefusesUntilBack(t *testing.T) {
	addr := needRedis(t)
	sim, kmURL := startSim(t)
	px := startProxy(t, addr)
	r := newReplica(t, kmURL, px.Addr, newPrefix())
	d := bridge.Delivery{ID: "Ev1", Event: bridge.Message{Key: annDM, User: ann, Text: qPassword}}

	px.SetDown(true)
	if err := r.core.Deliver(ctx, d); err == nil || bridge.Ack(err) {
		t.Fatalf("Deliver during the outage = %v; want an error the adapter does not acknowledge", err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(sim.Calls()); n != 0 {
		t.Errorf("%d KM calls while the store was down", n)
	}
	if got := r.rec.SentTo(annDM); len(got) != 0 {
		t.Errorf("sent during the outage: %q", bridgetest.Texts(got))
	}

	px.SetDown(false)
	eventually(t, func() error { _, err := r.store.Rated(ctx, 1); return err })
	if err := r.core.Deliver(ctx, d); err != nil {
		t.Fatalf("redelivery after the outage: %v", err)
	}
	r.waitText(t, "Reset your password")
	if err := r.core.Deliver(ctx, d); !errors.Is(err, bridge.ErrDuplicate) {
		t.Errorf("a second redelivery: %v, want ErrDuplicate", err)
	}
}
