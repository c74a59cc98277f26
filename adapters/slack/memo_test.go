package slackadapter

import (
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	now := time.Unix(0, 0)
	m := newMemo[int](2, func() time.Time { return now })
	m.put("a", 1, time.Minute)
	m.put("b", 2, time.Minute)
	if v, ok := m.get("a"); !ok || v != 1 {
		t.Fatalf("get a = %d %v", v, ok)
	}
	m.put("c", 3, time.Minute) // evicts b, the least recently used
	if _, ok := m.get("b"); ok {
		t.Error("b not evicted")
	}
	if m.add("a", 9, time.Minute) {
		t.Error("add over a live entry succeeded")
	}
	now = now.Add(2 * time.Minute)
	if _, ok := m.get("a"); ok {
		t.Error("expired entry returned")
	}
	if !m.add("a", 9, time.Minute) {
		t.Error("add over an expired entry failed")
	}
	if v, ok := m.take("a"); !ok || v != 9 {
		t.Errorf("take a = %d %v", v, ok)
	}
	if _, ok := m.take("a"); ok {
		t.Error("taken twice")
	}
}
