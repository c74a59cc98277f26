package replicatest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/i18n"
)

// pollLead is the leadership of the fake bot's long polling in /metrics.
const pollLead = `kmbridge_bridge_leader{name="telegram:poll:777"}`

// leaders are the replicas that say they poll.
func leaders(reps []*replica) []*replica {
	var out []*replica
	for _, r := range reps {
		if r.metric(pollLead) == 1 {
			out = append(out, r)
		}
	}
	return out
}

// tgAnswers are the answers sent to chat, in order.
func (w *world) tgAnswers(chat int64) []string {
	var out []string
	for _, c := range w.tg.Sends() {
		if c.Int("chat_id") == chat && strings.Contains(c.Params.Get("text"), "ANSWER-") {
			out = append(out, c.Params.Get("text"))
		}
	}
	return out
}

// Three replicas on one bot in long-polling mode: one polls, the two
// standing by are ready too, and the commands are registered once. The
// leader is killed (SIGKILL) after it answered updates whose confirmation
// Telegram never got, and before it fetched the next ones: another replica
// polls within 10 s, fetches both again, and every update is answered
// once, in order per chat; no two replicas ever poll at once.
func TestTelegramPollingLeaderKilled(t *testing.T) {
	w := newWorld(t, worldOptions{telegram: true})
	reps := []*replica{w.start(t, "a"), w.start(t, "b"), w.start(t, "c")} // each ready (/readyz)
	var leader *replica
	waitFor(t, 15*time.Second, "one leader", func() error {
		ls := leaders(reps)
		if len(ls) != 1 {
			return fmt.Errorf("%d replicas lead", len(ls))
		}
		leader = ls[0]
		return nil
	})
	for _, r := range reps {
		if err := r.ready(); err != nil {
			t.Errorf("replica %s (leading: %v) not ready: %v", r.name, r == leader, err)
		}
	}
	if n, want := len(w.tg.CallsTo("setMyCommands")), 1+len(i18n.Langs); n != want {
		t.Errorf("setMyCommands called %d times by 3 replicas, want %d (once per language)", n, want)
	}

	const chats = 10
	chat := func(i int) int64 { return int64(5000 + i) }
	round := func(q int) { // one update per chat, fetched together
		var us []map[string]any
		for i := range chats {
			us = append(us, telegramtest.Private(chat(i), questions[q]))
		}
		w.tg.PushAll(us...)
	}
	round(0)
	waitFor(t, 30*time.Second, "the first round answered", func() error {
		for i := range chats {
			if len(w.tgAnswers(chat(i))) < 1 {
				return fmt.Errorf("chat %d not answered", chat(i))
			}
		}
		return nil
	})

	// The second round is accepted and answered by the leader, but Telegram
	// does not hear it confirmed (the getUpdates that would confirm it is
	// told to wait 30 s); the third is not fetched yet. Then the leader dies.
	w.tg.FailNext("getUpdates", 1, 429, 30, "Too Many Requests: retry after 30")
	round(1)
	waitFor(t, 30*time.Second, "the second round answered", func() error {
		for i := range chats {
			if len(w.tgAnswers(chat(i))) < 2 {
				return fmt.Errorf("chat %d not answered", chat(i))
			}
		}
		return nil
	})
	round(2)
	killed := time.Now()
	leader.kill()
	var survivors []*replica
	for _, r := range reps {
		if r != leader {
			survivors = append(survivors, r)
		}
	}
	var next *replica
	waitFor(t, 10*time.Second, "another replica to poll", func() error {
		ls := leaders(survivors)
		if len(ls) != 1 {
			return fmt.Errorf("%d survivors lead", len(ls))
		}
		next = ls[0]
		return nil
	})
	var polled time.Duration
	for _, c := range w.tg.CallsTo("getUpdates") {
		if c.At.After(killed) {
			polled = c.At.Sub(killed)
			break
		}
	}
	if polled == 0 || polled > 10*time.Second {
		t.Errorf("the next getUpdates came %s after the kill, want within 10 s", polled)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, c := range w.tg.CallsTo("getUpdates") {
				t.Logf("getUpdates at %s offset %s timeout %s: status %d, updates %v", c.At.Format("05.000"), c.Params.Get("offset"), c.Params.Get("timeout"), c.Status, c.Updates)
			}
			t.Logf("killed at %s; pending %v", killed.Format("05.000"), w.tg.Pending())
		}
	})
	waitFor(t, 30*time.Second, "every update answered", func() error {
		for i := range chats {
			if n := len(w.tgAnswers(chat(i))); n < 3 {
				return fmt.Errorf("chat %d: %d answers", chat(i), n)
			}
		}
		return nil
	})
	time.Sleep(2 * leaseTTL) // a late second answer would show by now
	for i := range chats {
		got := w.tgAnswers(chat(i))
		ok := len(got) == 3
		for q := 0; ok && q < 3; q++ {
			ok = strings.HasPrefix(got[q], answers[q])
		}
		if !ok {
			t.Errorf("chat %d was answered %q; want %s, %s, %s in order, each once", chat(i), got, answers[0], answers[1], answers[2])
		}
	}
	// The updates the dead leader had accepted came again to the next one,
	// which took them as the duplicates they were.
	again := 0
	for _, c := range w.tg.CallsTo("getUpdates") {
		if c.At.After(killed) {
			again += len(c.Updates)
		}
	}
	if again < 2*chats {
		t.Errorf("%d updates fetched after the kill; want the %d unconfirmed ones again and the %d new", again, chats, chats)
	}
	if c := w.tg.Conflicts(); len(c) != 0 {
		t.Errorf("%d getUpdates calls overlapped (two replicas polling at once)", len(c))
	}
	if err := next.ready(); err != nil {
		t.Errorf("the new leader is not ready: %v", err)
	}
	t.Logf("lease %s: leader %s killed; %s polled %s later, fetched the %d updates the dead leader had answered but not confirmed again and answered none twice; %d updates answered once each",
		leaseTTL, leader.name, next.name, polled.Round(time.Millisecond), chats, 3*chats)
}
