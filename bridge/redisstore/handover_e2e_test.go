package redisstore_test

// The hand-over on two replicas: two cores, each with its own desk, store
// client, adapters and KM client, on one Redis and one KM simulator. A case
// opened on one replica relays on the other, in both directions; its buttons
// work on either; its reminder is sent once.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// deskReplica is one kmbridge process with a hand-over desk: Telegram users,
// Slack agents.
type deskReplica struct {
	core          *bridge.Core
	desk          *escalation.Desk
	users, agents *bridgetest.Recorder
}

// sharedClock is the replicas' one settable clock.
type sharedClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *sharedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *sharedClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

var agentsChannel = bridge.ConvKey{Platform: "slack", Channel: "C-AGENTS"}

func newDeskReplica(t testing.TB, kmURL, redisAddr, prefix string, clock *sharedClock) *deskReplica {
	t.Helper()
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
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	desk, err := escalation.NewDesk(escalation.Options{
		Agents: agentsChannel, Store: st, KM: km, Catalog: cat,
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, Backoff: time.Millisecond, Now: clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	core, err := bridge.New(bridge.Config{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey,
		KMTimeout: 5 * time.Second, TypingInterval: time.Hour,
	}, bridge.Deps{KM: km, Store: st, Catalog: cat, Escalator: desk, Clock: clock.Now})
	if err != nil {
		_ = st.Close(ctx)
		t.Fatal(err)
	}
	desk.Bind(core.Outbox())
	r := &deskReplica{core: core, desk: desk, users: bridgetest.New("telegram"), agents: bridgetest.New("slack")}
	core.Register(r.users, r.agents)
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		_ = core.Shutdown(sctx)
	})
	return r
}

func (r *deskReplica) handle(t testing.TB, ev bridge.Event) {
	t.Helper()
	if err := r.core.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
}

func waitSentText(t testing.TB, rec *bridgetest.Recorder, k bridge.ConvKey, want string) bridgetest.Sent {
	t.Helper()
	var got bridgetest.Sent
	eventually(t, func() error {
		for _, s := range rec.SentTo(k) {
			if strings.Contains(s.Text(), want) {
				got = s
				return nil
			}
		}
		return fmt.Errorf("%s: no message containing %q in %q", k, want, bridgetest.Texts(rec.SentTo(k)))
	})
	return got
}

// TestHandoverOnTwoReplicas: replica A opens the case; the user's next
// message, handled by B once A has let the conversation go, lands in A's
// thread (B posts it: the thread is a platform thread, any replica can post
// there) and reaches KM on neither; an agent's reply handled by B reaches the
// user; the Claim button posted by A works on B; the reminder is sent by one
// replica.
func TestHandoverOnTwoReplicas(t *testing.T) {
	addr := needRedis(t)
	sim, kmURL := startSim(t)
	prefix := newPrefix()
	clock := &sharedClock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	a := newDeskReplica(t, kmURL, addr, prefix, clock)
	b := newDeskReplica(t, kmURL, addr, prefix, clock)
	user := bridge.DMKey("telegram", "", "5551234", "5551234")
	hanako := bridge.UserInfo{ID: "5551234", Name: "Hanako"}

	a.handle(t, bridge.Command{Key: user, User: hanako, Name: "human"})
	eventually(t, func() error {
		if len(a.agents.Threads()) != 1 {
			return fmt.Errorf("no case thread on A")
		}
		return nil
	})
	th := a.agents.Threads()[0]
	card := a.agents.SentTo(agentsChannel)[0]

	chats := len(sim.CallsTo("POST /v1/chat"))
	waitReleased(t, addr, prefix, user) // else A, the owner, handles B's events
	b.handle(t, bridge.Message{Key: user, User: hanako, Text: "are you there?"})
	waitSentText(t, b.agents, th.Key, "Hanako: are you there?")
	b.handle(t, bridge.Message{Key: th.Key, User: bridge.UserInfo{ID: "U-ALICE", Name: "Alice"}, Text: "Yes, I am"})
	waitSentText(t, b.users, user, "Alice: Yes, I am")
	if n := len(sim.CallsTo("POST /v1/chat")); n != chats {
		t.Errorf("KM got %d chat calls during the hand-over", n-chats)
	}
	if ok, err := b.core.Joined(ctx, th.Key); !ok || err != nil {
		t.Errorf("B does not know the case thread: %v %v", ok, err)
	}

	// The reminder: both replicas look at once; one sends it.
	clock.Add(escalation.DefaultUnclaimedAfter)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for _, r := range []*deskReplica{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := r.desk.Remind(ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if total != 0 {
		// An agent has answered: no reminder is due.
		t.Errorf("%d reminders for an answered case", total)
	}

	// Claim on B, from A's card.
	var claim formatting.Button
	for _, btn := range bridgetest.Buttons(card.Msg) {
		if btn.Label == "Claim" {
			claim = btn
		}
	}
	waitReleased(t, addr, prefix, agentsChannel)
	b.handle(t, bridge.Click{Key: agentsChannel, User: bridge.UserInfo{ID: "U-ALICE", Name: "Alice"}, Token: claim.Token})
	waitSentText(t, b.users, user, "You're now talking with Alice.")
	eventually(t, func() error {
		for _, e := range b.agents.Edits() {
			if e.Ref == card.Ref && strings.Contains(e.Text(), "Claimed by Alice") {
				return nil
			}
		}
		return fmt.Errorf("the card was not edited on B")
	})
}

// TestHandoverReminderOnceAcrossReplicas: an unanswered case is reminded of by
// exactly one of two replicas racing.
func TestHandoverReminderOnceAcrossReplicas(t *testing.T) {
	addr := needRedis(t)
	_, kmURL := startSim(t)
	prefix := newPrefix()
	clock := &sharedClock{now: time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)}
	a := newDeskReplica(t, kmURL, addr, prefix, clock)
	b := newDeskReplica(t, kmURL, addr, prefix, clock)
	user := bridge.DMKey("telegram", "", "42", "42")
	a.handle(t, bridge.Command{Key: user, User: bridge.UserInfo{ID: "42", Name: "Ken"}, Name: "human"})
	eventually(t, func() error {
		if len(a.agents.Threads()) != 1 {
			return fmt.Errorf("no case thread")
		}
		return nil
	})
	clock.Add(escalation.DefaultUnclaimedAfter + time.Second)
	for range 3 {
		var wg sync.WaitGroup
		for _, r := range []*deskReplica{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := r.desk.Remind(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	th := a.agents.Threads()[0].Key
	count := 0
	for _, r := range []*deskReplica{a, b} {
		for _, s := range r.agents.SentTo(th) {
			if strings.Contains(s.Text(), "has waited") {
				count++
			}
		}
	}
	if count != 1 {
		t.Errorf("%d reminders across the replicas, want 1", count)
	}
}
