package kmsim

import (
	"cmp"
	"slices"
	"strings"
)

type matchKind int

const (
	matchUnknown matchKind = iota
	matchSensitive
	matchTransfer
	matchGreeting
	matchAnswer
	matchSuggest
)

type matchResult struct {
	kind        matchKind
	q           *question
	suggestions []*question
	score       float64
}

type scored struct {
	q     *question
	score float64
}

// match finds what the robot answers to a user's words: sensitive words first, then
// a transfer-to-human intent, a greeting, an exact question or similar phrasing, a
// keyword, and finally the best similarity score (answer above matching.answerAbove,
// suggestions above matching.suggestAbove, unknown below).
func (kb *KB) match(query string) matchResult {
	n := normalize(query)
	for _, w := range kb.sensitive.phrases {
		if containsPhrase(n, w, hasCJK(w)) {
			return matchResult{kind: matchSensitive}
		}
	}
	for _, p := range kb.transfer.phrases {
		if containsPhrase(n, p, hasCJK(p)) {
			return matchResult{kind: matchTransfer}
		}
	}
	if slices.Contains(kb.greeting.phrases, n) {
		return matchResult{kind: matchGreeting}
	}
	if n == "" {
		return matchResult{kind: matchUnknown}
	}
	toks := tokens(n)
	var (
		all     []scored
		kwBest  *question
		kwScore float64
		kwLen   int
	)
	for _, id := range kb.order {
		q := kb.questions[id]
		best := 0.0
		for _, p := range q.phrases {
			if p.norm == n {
				return matchResult{kind: matchAnswer, q: q, score: 1}
			}
			best = max(best, dice(toks, p.tokens))
		}
		for _, k := range q.kws {
			if !containsPhrase(n, k.norm, k.cjk) {
				continue
			}
			if kwBest == nil || best > kwScore || (best == kwScore && len(k.norm) > kwLen) {
				kwBest, kwScore, kwLen = q, best, len(k.norm)
			}
		}
		if best > 0 {
			all = append(all, scored{q, best})
		}
	}
	if kwBest != nil {
		return matchResult{kind: matchAnswer, q: kwBest, score: kwScore}
	}
	slices.SortStableFunc(all, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(b.q.hot, a.q.hot)
	})
	if len(all) == 0 || all[0].score < kb.matching.suggestAbove {
		return matchResult{kind: matchUnknown}
	}
	if all[0].score >= kb.matching.answerAbove && (len(all) == 1 || all[1].score < all[0].score) {
		return matchResult{kind: matchAnswer, q: all[0].q, score: all[0].score}
	}
	res := matchResult{kind: matchSuggest, score: all[0].score}
	for _, s := range all {
		if s.score < kb.matching.suggestAbove || len(res.suggestions) == kb.matching.maxSuggestions {
			break
		}
		res.suggestions = append(res.suggestions, s.q)
	}
	return res
}

// hints returns up to limit questions whose content or similar phrasings contain the
// normalised keyword (smartHint).
func (kb *KB) hints(keyword string, limit int) []*question {
	k := normalize(keyword)
	if k == "" {
		return nil
	}
	var out []*question
	for _, id := range kb.order {
		q := kb.questions[id]
		for _, p := range q.phrases {
			if strings.Contains(p.norm, k) {
				out = append(out, q)
				break
			}
		}
		if len(out) == limit {
			break
		}
	}
	return out
}
