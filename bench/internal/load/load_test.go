package load

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/bench/internal/platforms"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// driver answers in-process: a first contact gets a welcome and an answer;
// a message gets answers[u] answers (default 1).
type driver struct {
	inbox   *platforms.Inbox
	answers map[int]int
	wg      sync.WaitGroup
	mu      sync.Mutex
	warm    int
	sends   int
}

func (d *driver) post(u, n int) {
	d.wg.Go(func() {
		for range n {
			time.Sleep(time.Millisecond)
			d.inbox.Post(u, time.Now())
		}
	})
}

func (d *driver) WarmUp(_ context.Context, u int, _ string) error {
	d.mu.Lock()
	d.warm++
	d.mu.Unlock()
	d.post(u, 2)
	return nil
}

func (d *driver) Send(_ context.Context, u int, _ string) error {
	d.mu.Lock()
	d.sends++
	d.mu.Unlock()
	n, ok := d.answers[u]
	if !ok {
		n = 1
	}
	d.post(u, n)
	return nil
}

func TestRun(t *testing.T) {
	inbox := platforms.NewInbox(30)
	d := &driver{inbox: inbox, answers: map[int]int{7: 2, 9: 0}}
	var begun, ended bool
	res, err := Run(context.Background(), d, inbox, Options{
		Messages: 2, Concurrency: 4, Text: "q", Timeout: 200 * time.Millisecond, Quiet: 30 * time.Millisecond,
	}, func() { begun = true }, func() { ended = begun })
	d.wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if !ended {
		t.Error("begin and end not called in order")
	}
	if res.WarmupPosts != 2 || res.WarmupOff != 0 || d.warm != 30 {
		t.Errorf("warm-up: %d answers learnt, %d users off, %d first contacts", res.WarmupPosts, res.WarmupOff, d.warm)
	}
	// User 9 never answers (2 timeouts); user 7 answers twice each time: its
	// extra answers are counted, and it is one of the two users with a wrong
	// count.
	if res.Sent != 60 || res.Answered != 58 || res.Timeouts != 2 || res.WrongCount != 2 || res.Posts != 60 {
		t.Errorf("sent %d, answered %d, timeouts %d, wrong %d, posts %d", res.Sent, res.Answered, res.Timeouts, res.WrongCount, res.Posts)
	}
	if len(res.Latencies) != 58 || res.Elapsed <= 0 || len(res.ErrorSamples) == 0 {
		t.Errorf("%d latencies, elapsed %s, samples %v", len(res.Latencies), res.Elapsed, res.ErrorSamples)
	}
}

func TestRunRate(t *testing.T) {
	inbox := platforms.NewInbox(10)
	d := &driver{inbox: inbox}
	res, err := Run(context.Background(), d, inbox, Options{
		Messages: 1, Concurrency: 10, Rate: 100, Text: "q", Timeout: time.Second, Quiet: 20 * time.Millisecond,
	}, func() {}, func() {})
	d.wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	// Ten messages at 100/s: the last starts 90 ms after the first.
	if res.Answered != 10 || res.Elapsed < 90*time.Millisecond {
		t.Errorf("answered %d in %s", res.Answered, res.Elapsed)
	}
}

func TestRunFailsWithoutFirstAnswer(t *testing.T) {
	inbox := platforms.NewInbox(3)
	d := &silent{}
	_, err := Run(context.Background(), d, inbox, Options{Messages: 1, Concurrency: 1, Timeout: 20 * time.Millisecond, Quiet: time.Millisecond}, func() {}, func() {})
	if err == nil {
		t.Error("no error when the first contact is not answered")
	}
}

type silent struct{}

func (silent) WarmUp(context.Context, int, string) error { return nil }
func (silent) Send(context.Context, int, string) error   { return nil }
