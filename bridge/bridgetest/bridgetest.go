// Package bridgetest provides an in-memory bridge.Adapter that records what the
// core sends, edits and signals, for tests of the core and of code wired around it.
package bridgetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// Sent is one message the core sent.
type Sent struct {
	To  bridge.ConvKey
	Msg formatting.Message
	Ref bridge.MsgRef
	At  time.Time // Recorder.Stamp at the time of sending, zero without one
}

// Text is the message as plain text (bridge.Summary, unbounded).
func (s Sent) Text() string { return bridge.Summary(s.Msg, 1<<30) }

// Edited is one edit the core made.
type Edited struct {
	Ref bridge.MsgRef
	Msg formatting.Message
	At  time.Time // Recorder.Stamp at the time of editing, zero without one
}

// Text is the edited message as plain text.
func (e Edited) Text() string { return bridge.Summary(e.Msg, 1<<30) }

// Recorder is a bridge.Adapter with every optional ability (Typer, Editor,
// Retirer, ClickObserver, ThreadStarter). Wrap it with Basic to get an adapter
// with none.
type Recorder struct {
	name string

	mu      sync.Mutex
	seq     int
	sent    []Sent
	edits   []Edited
	typing  []bridge.ConvKey
	clicked []bridge.ClickResult
	retired []bridge.Retirement
	threads []Thread

	// SendHook, when set, runs before a Send is recorded; an error fails the Send.
	// It may block (honouring ctx) to simulate a slow platform.
	SendHook func(ctx context.Context, to bridge.ConvKey, m formatting.Message) error
	// Stamp, when set, timestamps sends and edits (e.g. a test's fake clock).
	Stamp func() time.Time
}

func (r *Recorder) stamp() time.Time {
	if r.Stamp == nil {
		return time.Time{}
	}
	return r.Stamp()
}

// New returns a Recorder for platform name.
func New(name string) *Recorder { return &Recorder{name: name} }

// Name implements bridge.Adapter.
func (r *Recorder) Name() string { return r.name }

// Run implements bridge.Adapter: it receives nothing and returns when ctx ends.
func (r *Recorder) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Send implements bridge.Adapter.
func (r *Recorder) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	if r.SendHook != nil {
		if err := r.SendHook(ctx, to, m); err != nil {
			return bridge.MsgRef{}, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	ref := bridge.MsgRef{Key: to, ID: strconv.Itoa(r.seq)}
	r.sent = append(r.sent, Sent{To: to, Msg: m, Ref: ref, At: r.stamp()})
	return ref, nil
}

// Thread is a thread the core started.
type Thread struct {
	Key   bridge.ConvKey // the thread's conversation
	Root  bridge.MsgRef  // its first message (also in Sent, to the channel)
	Title string
}

// StartThread implements bridge.ThreadStarter the way Slack threads work: the
// root is sent to the channel in, and the thread's key is in with Thread set
// to the root's id. SendHook applies.
func (r *Recorder) StartThread(ctx context.Context, in bridge.ConvKey, title string, m formatting.Message) (bridge.ConvKey, bridge.MsgRef, error) {
	root, err := r.Send(ctx, in, m)
	if err != nil {
		return bridge.ConvKey{}, bridge.MsgRef{}, err
	}
	th := in
	th.Thread = root.ID
	r.mu.Lock()
	defer r.mu.Unlock()
	r.threads = append(r.threads, Thread{Key: th, Root: root, Title: title})
	return th, root, nil
}

// Threads returns the threads started so far.
func (r *Recorder) Threads() []Thread {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Thread(nil), r.threads...)
}

// Typing implements bridge.Typer.
func (r *Recorder) Typing(ctx context.Context, to bridge.ConvKey) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.typing = append(r.typing, to)
	return nil
}

// Edit implements bridge.Editor.
func (r *Recorder) Edit(ctx context.Context, ref bridge.MsgRef, m formatting.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.edits = append(r.edits, Edited{Ref: ref, Msg: m, At: r.stamp()})
	return nil
}

// Clicked implements bridge.ClickObserver.
func (r *Recorder) Clicked(ctx context.Context, res bridge.ClickResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.clicked = append(r.clicked, res)
}

// Retire implements bridge.Retirer: it records the retirement.
func (r *Recorder) Retire(ctx context.Context, rt bridge.Retirement) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.retired = append(r.retired, rt)
	return nil
}

// Retirements returns the retirements asked for so far.
func (r *Recorder) Retirements() []bridge.Retirement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.Retirement(nil), r.retired...)
}

// Sent returns the messages sent so far, to every conversation.
func (r *Recorder) Sent() []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sent(nil), r.sent...)
}

// SentTo returns the messages sent to one conversation.
func (r *Recorder) SentTo(k bridge.ConvKey) []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sent
	for _, s := range r.sent {
		if s.To == k {
			out = append(out, s)
		}
	}
	return out
}

// Edits returns the edits made so far.
func (r *Recorder) Edits() []Edited {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Edited(nil), r.edits...)
}

// TypingCount returns how many typing indicators were shown in a conversation.
func (r *Recorder) TypingCount(k bridge.ConvKey) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, t := range r.typing {
		if t == k {
			n++
		}
	}
	return n
}

// Clicks returns the click results reported so far.
func (r *Recorder) Clicks() []bridge.ClickResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bridge.ClickResult(nil), r.clicked...)
}

// WaitSent polls until conversation k has received at least n messages, failing
// the test after timeout, and returns them.
func (r *Recorder) WaitSent(t testing.TB, k bridge.ConvKey, n int, timeout time.Duration) []Sent {
	t.Helper()
	var got []Sent
	Eventually(t, timeout, func() error {
		got = r.SentTo(k)
		if len(got) < n {
			return fmt.Errorf("conversation %s: %d messages, want %d: %q", k, len(got), n, texts(got))
		}
		return nil
	})
	return got
}

// WaitClicks polls until n click results have been reported.
func (r *Recorder) WaitClicks(t testing.TB, n int, timeout time.Duration) []bridge.ClickResult {
	t.Helper()
	var got []bridge.ClickResult
	Eventually(t, timeout, func() error {
		got = r.Clicks()
		if len(got) < n {
			return fmt.Errorf("%d click results, want %d", len(got), n)
		}
		return nil
	})
	return got
}

func texts(ss []Sent) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Text()
	}
	return out
}

// Texts returns the plain text of each message.
func Texts(ss []Sent) []string { return texts(ss) }

// Eventually polls cond every few milliseconds until it returns nil, failing the
// test with cond's last error after timeout.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %v", timeout, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Basic wraps an adapter so that only the bridge.Adapter methods show: no
// typing, no editing, no retiring, no click notifications.
func Basic(a bridge.Adapter) bridge.Adapter { return basic{a} }

type basic struct{ a bridge.Adapter }

func (b basic) Name() string                  { return b.a.Name() }
func (b basic) Run(ctx context.Context) error { return b.a.Run(ctx) }
func (b basic) Send(ctx context.Context, to bridge.ConvKey, m formatting.Message) (bridge.MsgRef, error) {
	return b.a.Send(ctx, to, m)
}

// Buttons returns every button of a message, in order: button groups, selects,
// card buttons, product pages and input hints.
func Buttons(m formatting.Message) []formatting.Button {
	var out []formatting.Button
	for _, b := range m.Blocks {
		switch x := b.(type) {
		case *formatting.Buttons:
			out = append(out, x.Items...)
		case *formatting.Select:
			out = append(out, x.Options...)
		case *formatting.Card:
			out = append(out, x.Buttons...)
		case *formatting.Products:
			for _, it := range x.Items {
				out = append(out, it.Buttons...)
			}
			if x.Prev != nil {
				out = append(out, *x.Prev)
			}
			if x.Next != nil {
				out = append(out, *x.Next)
			}
		}
	}
	return append(out, m.InputHints...)
}

// Button finds a button by label in the messages, most recent first.
func Button(ss []Sent, label string) (formatting.Button, bool) {
	for i := len(ss) - 1; i >= 0; i-- {
		for _, b := range Buttons(ss[i].Msg) {
			if b.Label == label {
				return b, true
			}
		}
	}
	return formatting.Button{}, false
}
