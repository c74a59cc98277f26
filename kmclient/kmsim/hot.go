package kmsim

import (
	"cmp"
	"slices"
	"sync"
	"time"
)

// hotCounts counts real matches per question and day, on top of the counts the
// YAML seeds (which count as recent).
type hotCounts struct {
	mu    sync.Mutex
	byQID map[int64]map[int64]int // question id → day number → matches
}

const hotDays = 100 // KM's limitDayNum bound; older days are forgotten

func dayNumber(t time.Time) int64 { return t.Unix() / 86400 }

func (h *hotCounts) add(qid int64, now time.Time) {
	day := dayNumber(now)
	h.mu.Lock()
	defer h.mu.Unlock()
	days := h.byQID[qid]
	if days == nil {
		days = map[int64]int{}
		h.byQID[qid] = days
	}
	days[day]++
	if len(days) > hotDays+10 {
		for d := range days {
			if d <= day-hotDays {
				delete(days, d)
			}
		}
	}
}

func (h *hotCounts) since(qid, firstDay int64) int {
	n := 0
	for d, c := range h.byQID[qid] {
		if d >= firstDay {
			n += c
		}
	}
	return n
}

// hotQuestions returns up to limit questions by match count over the last days,
// most matched first; questions never matched are left out.
func (s *Sim) hotQuestions(kb *KB, days, limit int, now time.Time) []hotEntry {
	first := dayNumber(now) - int64(days) + 1
	var out []hotEntry
	s.hot.mu.Lock()
	for _, id := range kb.order {
		q := kb.questions[id]
		if n := q.hot + s.hot.since(id, first); n > 0 {
			out = append(out, hotEntry{q, n})
		}
	}
	s.hot.mu.Unlock()
	slices.SortStableFunc(out, func(a, b hotEntry) int { return cmp.Compare(b.count, a.count) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

type hotEntry struct {
	q     *question
	count int
}
