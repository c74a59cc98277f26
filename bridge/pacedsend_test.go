package bridge_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// A reply waiting for its channel's rate limit (a hot channel's queue) longer
// than SendTimeout still goes out: it waits as long as a message may wait for
// its answer (InboxMaxAge), where it used to be dropped after SendTimeout with
// its KM call spent (BENCHMARKS.md, "A hot channel is paced, not dropped").
func TestSlowPacedSendIsNotDropped(t *testing.T) {
	km := newFakeKM()
	rec := bridgetest.New("test")
	rec.SendHook = func(ctx context.Context, _ bridge.ConvKey, m formatting.Message) error {
		if !strings.HasPrefix(bridge.Summary(m, 1<<30), "A: ") {
			return nil
		}
		select { // the adapter's pacer: the channel's turn comes in 300 ms
		case <-time.After(300 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	e := newEnv(t, km, envOpt{adapter: rec, cfg: func(c *bridge.Config) {
		c.SendTimeout = 50 * time.Millisecond
	}})
	mustHandle(t, e.core, msg(annDM, ann, "hello"))
	got := rec.WaitSent(t, annDM, 2, wait)
	if got[1].Text() != "A: hello" {
		t.Fatalf("sent %q", bridgetest.Texts(got))
	}
	bridgetest.Eventually(t, wait, func() error {
		tr, _ := e.store.Transcript(context.Background(), annDM)
		if len(tr) == 0 || tr[len(tr)-1].Text != "A: hello" {
			return errors.New("the answer is not in the transcript yet")
		}
		return nil
	})
}

// An answer the platform never took is not recorded as said: agents reading
// the transcript of a hand-over would take it for something the user saw.
func TestFailedAnswerIsNotInTheTranscript(t *testing.T) {
	km := newFakeKM()
	rec := bridgetest.New("test")
	rec.SendHook = func(_ context.Context, _ bridge.ConvKey, m formatting.Message) error {
		if bridge.Summary(m, 1<<30) == "A: lost" {
			return errors.New("platform refused")
		}
		return nil
	}
	e := newEnv(t, km, envOpt{adapter: rec})
	mustHandle(t, e.core, msg(annDM, ann, "hello"))
	rec.WaitSent(t, annDM, 2, wait)
	mustHandle(t, e.core, msg(annDM, ann, "lost"))
	mustHandle(t, e.core, msg(annDM, ann, "after"))
	rec.WaitSent(t, annDM, 3, wait)
	tr, _ := e.store.Transcript(context.Background(), annDM)
	var roles []string
	for _, x := range tr {
		roles = append(roles, x.Role+":"+x.Text)
	}
	want := []string{"user:hello", "bot:Welcome to the fake KM!", "bot:A: hello", "user:lost", "user:after", "bot:A: after"}
	if strings.Join(roles, "|") != strings.Join(want, "|") {
		t.Errorf("transcript = %q, want %q", roles, want)
	}
}
