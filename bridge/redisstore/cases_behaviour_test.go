package redisstore_test

// The hand-over case behaviour both stores share (bridge.CaseStore), run like
// TestBehaviour: a and b are one memstore, or two redisstore replicas.

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
)

var (
	userKey   = bridge.DMKey("telegram", "", "42", "42")
	threadKey = bridge.ConvKey{Platform: "slack", Workspace: "T1", Channel: "C-AGENTS", Thread: "1700.1"}
	agentsKey = bridge.ConvKey{Platform: "slack", Channel: "C-AGENTS"}
)

func sampleCase(now time.Time) bridge.Case {
	st := 1
	return bridge.Case{
		User: userKey, UserInfo: bridge.UserInfo{ID: "42", Name: "Hanako", Locale: "ja"},
		Thread: threadKey, Card: bridge.MsgRef{Key: threadKey, ID: "1700.1"},
		State: bridge.CaseOpen, Reason: bridge.ReasonUser, Opened: now.UTC().Round(time.Millisecond),
		RemindAt:   now.Add(5 * time.Minute).UTC().Round(time.Millisecond),
		Transcript: []bridge.Turn{{At: now.UTC().Round(time.Millisecond), Role: bridge.RoleUser, User: "42", Text: "help"}},
		SessionID:  450001, KMServiceID: "cs-7", KMServiceStatus: &st, Question: "help", Matched: "How do I reset my password?",
	}
}

var caseBehaviours = []behaviour{
	{"new case numbered, read on b", func(t *testing.T, a, b bridge.Store) {
		now := time.Now()
		c1, err := a.NewCase(ctx, sampleCase(now), time.Hour)
		must(t, err)
		c2, err := b.NewCase(ctx, sampleCase(now), time.Hour)
		must(t, err)
		if c1.ID == "" || c1.ID == c2.ID {
			t.Fatalf("case numbers %q and %q", c1.ID, c2.ID)
		}
		got, ok, err := b.Case(ctx, c1.ID)
		if !ok || err != nil {
			t.Fatalf("Case on b: %v %v", ok, err)
		}
		if !reflect.DeepEqual(got, c1) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, c1)
		}
		if _, ok, err := a.Case(ctx, "999999"); ok || err != nil {
			t.Errorf("unknown case: %v %v", ok, err)
		}
	}},
	{"update is atomic across replicas", func(t *testing.T, a, b bridge.Store) {
		c, err := a.NewCase(ctx, sampleCase(time.Now()), time.Hour)
		must(t, err)
		// 20 agents claim at once on two replicas: exactly one wins.
		var wg sync.WaitGroup
		var mu sync.Mutex
		winners := 0
		errClaimed := errors.New("claimed already")
		for i := range 20 {
			s := a
			if i%2 == 1 {
				s = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateCase(ctx, c.ID, time.Hour, func(c *bridge.Case) error {
					if c.State != bridge.CaseOpen {
						return errClaimed
					}
					c.State, c.ClaimedBy = bridge.CaseClaimed, fmt.Sprint("U", i)
					return nil
				})
				switch {
				case err == nil:
					mu.Lock()
					winners++
					mu.Unlock()
				case !errors.Is(err, errClaimed):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if winners != 1 {
			t.Errorf("%d claims won, want 1", winners)
		}
		got, _, _ := b.Case(ctx, c.ID)
		if got.State != bridge.CaseClaimed || got.ClaimedBy == "" {
			t.Errorf("after the race: %+v", got)
		}
		if _, err := a.UpdateCase(ctx, "424242", time.Hour, func(*bridge.Case) error { return nil }); !errors.Is(err, bridge.ErrNoCase) {
			t.Errorf("update of an unknown case: %v", err)
		}
		// An error from fn writes nothing.
		if _, err := a.UpdateCase(ctx, c.ID, time.Hour, func(c *bridge.Case) error {
			c.Answer = "not kept"
			return errClaimed
		}); !errors.Is(err, errClaimed) {
			t.Errorf("fn's error: %v", err)
		}
		if got, _, _ := b.Case(ctx, c.ID); got.Answer != "" {
			t.Errorf("a failed update was written: %q", got.Answer)
		}
	}},
	{"links", func(t *testing.T, a, b bridge.Store) {
		must(t, a.LinkCase(ctx, userKey, "7", time.Hour))
		must(t, a.LinkCase(ctx, threadKey, "7", time.Hour))
		for _, k := range []bridge.ConvKey{userKey, threadKey} {
			if id, ok, err := b.CaseOf(ctx, k); id != "7" || !ok || err != nil {
				t.Errorf("CaseOf(%v) = %q %v %v", k, id, ok, err)
			}
		}
		// The same thread id on another channel is another conversation.
		stranger := threadKey
		stranger.Channel = "C-OTHER"
		if _, ok, _ := b.CaseOf(ctx, stranger); ok {
			t.Error("a thread of another channel is linked")
		}
		must(t, b.UnlinkCase(ctx, userKey, "8")) // not its case: kept
		if _, ok, _ := a.CaseOf(ctx, userKey); !ok {
			t.Error("unlink of another case removed the link")
		}
		must(t, b.UnlinkCase(ctx, userKey, "7"))
		if _, ok, _ := a.CaseOf(ctx, userKey); ok {
			t.Error("unlinked conversation still linked")
		}
		must(t, b.UnlinkCase(ctx, userKey, "7")) // again: no error
		if err := a.LinkCase(ctx, odd, "", time.Hour); err == nil {
			t.Error("empty case id accepted")
		}
	}},
	{"message links", func(t *testing.T, a, b bridge.Store) {
		must(t, a.LinkCaseMessage(ctx, threadKey, "1700.5", "9", time.Hour))
		// Any conversation of that channel finds it: replies come from the channel.
		if id, ok, err := b.CaseOfMessage(ctx, agentsKey, "1700.5"); id != "9" || !ok || err != nil {
			t.Errorf("CaseOfMessage = %q %v %v", id, ok, err)
		}
		other := agentsKey
		other.Channel = "C-OTHER"
		if _, ok, _ := b.CaseOfMessage(ctx, other, "1700.5"); ok {
			t.Error("message found in another channel")
		}
		if _, ok, err := b.CaseOfMessage(ctx, agentsKey, ""); ok || err != nil {
			t.Errorf("empty message id: %v %v", ok, err)
		}
		if err := a.LinkCaseMessage(ctx, agentsKey, "", "9", time.Hour); err == nil {
			t.Error("empty message id accepted")
		}
	}},
	{"due cases", func(t *testing.T, a, b bridge.Store) {
		now := time.Now()
		mk := func(remind time.Duration, state bridge.CaseState) string {
			c := sampleCase(now)
			c.RemindAt, c.State = now.Add(remind), state
			if remind == 0 {
				c.RemindAt = time.Time{}
			}
			got, err := a.NewCase(ctx, c, time.Hour)
			must(t, err)
			return got.ID
		}
		late := mk(-time.Minute, bridge.CaseOpen)
		early := mk(-2*time.Minute, bridge.CaseOpen)
		mk(time.Minute, bridge.CaseOpen)     // not yet
		mk(-time.Minute, bridge.CaseClaimed) // claimed: no reminder
		mk(0, bridge.CaseOpen)               // no reminder set
		remindedLater := mk(-30*time.Second, bridge.CaseOpen)
		ids, err := b.DueCases(ctx, now, 10)
		must(t, err)
		if want := []string{early, late, remindedLater}; !reflect.DeepEqual(ids, want) {
			t.Errorf("due = %v, want %v", ids, want)
		}
		if ids, _ := b.DueCases(ctx, now, 1); !reflect.DeepEqual(ids, []string{early}) {
			t.Errorf("due max 1 = %v", ids)
		}
		// Reminded (RemindAt cleared) on one replica: not due on the other.
		_, err = b.UpdateCase(ctx, early, time.Hour, func(c *bridge.Case) error {
			c.RemindAt, c.Reminded = time.Time{}, true
			return nil
		})
		must(t, err)
		if ids, _ := a.DueCases(ctx, now, 10); !reflect.DeepEqual(ids, []string{late, remindedLater}) {
			t.Errorf("after reminding %s: due = %v", early, ids)
		}
	}},
	{"cases expire", func(t *testing.T, a, b bridge.Store) {
		c, err := a.NewCase(ctx, sampleCase(time.Now().Add(-time.Hour)), short)
		must(t, err)
		must(t, a.LinkCase(ctx, userKey, c.ID, short))
		eventually(t, func() error {
			if _, ok, _ := b.Case(ctx, c.ID); ok {
				return errors.New("case still there")
			}
			if _, ok, _ := b.CaseOf(ctx, userKey); ok {
				return errors.New("link still there")
			}
			return nil
		})
		if _, err := b.UpdateCase(ctx, c.ID, time.Hour, func(*bridge.Case) error { return nil }); !errors.Is(err, bridge.ErrNoCase) {
			t.Errorf("update of an expired case: %v", err)
		}
		if ids, _ := b.DueCases(ctx, time.Now(), 10); len(ids) != 0 {
			t.Errorf("an expired case is due: %v", ids)
		}
	}},
}

func TestCaseBehaviour(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			for _, bh := range caseBehaviours {
				t.Run(bh.name, func(t *testing.T) {
					a, b := im.open(t)
					bh.run(t, a, b)
				})
			}
		})
	}
}

// TestMemstoreCasesSurviveRestart: cases, links and the case numbers are in
// the snapshot.
func TestMemstoreCasesSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	s1, err := memstore.Open(memstore.Options{Path: path})
	must(t, err)
	c, err := s1.NewCase(ctx, sampleCase(time.Now().Add(-10*time.Minute)), time.Hour)
	must(t, err)
	must(t, s1.LinkCase(ctx, userKey, c.ID, time.Hour))
	must(t, s1.LinkCaseMessage(ctx, agentsKey, "1700.9", c.ID, time.Hour))
	must(t, s1.Close(ctx))

	s2, err := memstore.Open(memstore.Options{Path: path})
	must(t, err)
	defer s2.Close(ctx)
	got, ok, err := s2.Case(ctx, c.ID)
	if !ok || err != nil || !reflect.DeepEqual(got, c) {
		t.Fatalf("after restart: %+v %v %v\nwant %+v", got, ok, err, c)
	}
	if id, ok, _ := s2.CaseOf(ctx, userKey); !ok || id != c.ID {
		t.Errorf("link after restart: %q %v", id, ok)
	}
	if id, ok, _ := s2.CaseOfMessage(ctx, agentsKey, "1700.9"); !ok || id != c.ID {
		t.Errorf("message link after restart: %q %v", id, ok)
	}
	if ids, _ := s2.DueCases(ctx, time.Now(), 10); !reflect.DeepEqual(ids, []string{c.ID}) {
		t.Errorf("due after restart: %v", ids)
	}
	next, err := s2.NewCase(ctx, sampleCase(time.Now()), time.Hour)
	must(t, err)
	if next.ID == c.ID {
		t.Errorf("case number %s reused after restart", next.ID)
	}
}
