package escalation_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
)

var agentsKey = bridge.ConvKey{Platform: "slack", Channel: "C-AGENTS"}

type sent struct {
	to       bridge.ConvKey
	m        formatting.Message
	deadline time.Time
}

// recSend records what it is asked to send and answers err.
type recSend struct {
	mu   sync.Mutex
	got  []sent
	err  error
	wait bool // block until the context ends
}

func (r *recSend) send(ctx context.Context, to bridge.ConvKey, m formatting.Message) error {
	d, _ := ctx.Deadline()
	r.mu.Lock()
	r.got = append(r.got, sent{to, m, d})
	r.mu.Unlock()
	if r.wait {
		<-ctx.Done()
		return ctx.Err()
	}
	return r.err
}

func TestNotifierNoAgents(t *testing.T) {
	r := &recSend{}
	en := printer(t, "en")
	for name, n := range map[string]*escalation.Notifier{
		"nil notifier":  nil,
		"nil send":      escalation.New(agentsKey, nil, en, escalation.CardOptions{}),
		"no channel":    escalation.New(bridge.ConvKey{Platform: "slack"}, r.send, en, escalation.CardOptions{}),
		"no platform":   escalation.New(bridge.ConvKey{Channel: "C1"}, r.send, en, escalation.CardOptions{}),
		"empty key":     escalation.New(bridge.ConvKey{}, r.send, en, escalation.CardOptions{}),
		"zero notifier": {},
	} {
		if err := n.Escalate(context.Background(), sample(bridge.ReasonUser)); !errors.Is(err, bridge.ErrNoAgents) {
			t.Errorf("%s: %v, want ErrNoAgents", name, err)
		}
	}
	if len(r.got) != 0 {
		t.Errorf("sent %d messages with nowhere to send", len(r.got))
	}
}

func TestNotifierSendsCard(t *testing.T) {
	r := &recSend{}
	zh := printer(t, "zh")
	n := escalation.New(agentsKey, r.send, zh, escalation.CardOptions{MaxTurns: 3})
	e := sample(bridge.ReasonSwitchStaff)
	before := time.Now()
	if err := n.Escalate(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if len(r.got) != 1 {
		t.Fatalf("%d sends, want 1", len(r.got))
	}
	got := r.got[0]
	if got.to != agentsKey {
		t.Errorf("sent to %v, want %v", got.to, agentsKey)
	}
	if want := escalation.Card(e, zh, escalation.CardOptions{MaxTurns: 3}); formatting.Dump(got.m) != formatting.Dump(want) {
		t.Errorf("sent\n%s\nwant\n%s", formatting.Dump(got.m), formatting.Dump(want))
	}
	if got.deadline.IsZero() || got.deadline.After(before.Add(escalation.DefaultSendTimeout+time.Second)) {
		t.Errorf("send deadline %v: want within the default %s", got.deadline, escalation.DefaultSendTimeout)
	}
}

func TestNotifierWrapsErrors(t *testing.T) {
	boom := errors.New("slack: channel_not_found")
	r := &recSend{err: boom}
	n := escalation.New(agentsKey, r.send, printer(t, "en"), escalation.CardOptions{})
	err := n.Escalate(context.Background(), sample(bridge.ReasonUser))
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want it to wrap %v", err, boom)
	}
	if errors.Is(err, bridge.ErrNoAgents) {
		t.Error("a failed send is not ErrNoAgents: the user must hear that the hand-over failed")
	}
	if want := "escalation: notify agents in slack channel C-AGENTS: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err %q, want it to start %q", err, want)
	}
}

// TestNotifierTimeout: a platform that never answers holds the conversation's
// queue for SendTimeout at most.
func TestNotifierTimeout(t *testing.T) {
	r := &recSend{wait: true}
	n := escalation.New(agentsKey, r.send, printer(t, "en"), escalation.CardOptions{SendTimeout: 50 * time.Millisecond})
	start := time.Now()
	err := n.Escalate(context.Background(), sample(bridge.ReasonUser))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v, want DeadlineExceeded", err)
	}
	// The send's deadline is SendTimeout after Escalate began, and Escalate did
	// not give up before it.
	end := time.Now()
	if dl := r.got[0].deadline; dl.Before(start.Add(50*time.Millisecond)) || dl.After(end) {
		t.Errorf("send deadline %s after the start, returned after %s", dl.Sub(start), end.Sub(start))
	}

	// The caller's shorter deadline (the bridge's own SendTimeout) wins, and so
	// does its cancellation.
	r = &recSend{wait: true}
	n = escalation.New(agentsKey, r.send, printer(t, "en"), escalation.CardOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := n.Escalate(ctx, sample(bridge.ReasonUser)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want Canceled", err)
	}
}

func TestCoreSenderUnset(t *testing.T) {
	var s escalation.CoreSender
	if err := s.Send(context.Background(), agentsKey, formatting.Message{}); err == nil {
		t.Fatal("a CoreSender without a core sent")
	}
}
