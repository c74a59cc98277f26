package tgfmt

import (
	"unicode"
	"unicode/utf8"
)

// split cuts runs into parts of at most first UTF-16 units for the first part and
// rest for the others. It cuts at the best boundary it finds: a paragraph (blank
// line), a line, a sentence, a word (a space, or between two CJK characters), and
// only then anywhere between two characters, never inside a surrogate pair or an
// emoji sequence. Sentence and word cuts avoid the inside of a link or code span
// when they can. A boundary is only taken if it keeps at least a third of the
// allowed length, so one short paragraph does not become a message of its own.
// Every part is a run sequence of its own, so toHTML closes the elements open at a
// cut and reopens them in the next part. Blank parts are dropped.
func split(runs []run, first, rest int) [][]run {
	return splitInto(nil, runs, first, rest)
}

// splitInto is split appending the parts to parts.
func splitInto(parts [][]run, runs []run, first, rest int) [][]run {
	total := runsLen(runs)
	if total <= first {
		if runsBlank(runs) {
			return parts
		}
		return append(parts, runs)
	}
	f := newFlat(runs)
	limit := first
	for start := 0; start < len(f.rs); {
		end, next := f.cut(start, limit)
		if p := f.runs(start, end); !runsBlank(p) {
			parts = append(parts, p)
			limit = rest
		}
		start = next
	}
	return parts
}

// flat is run text as runes, each with the index of its run.
type flat struct {
	src []run
	rs  []rune
	own []int32
}

func newFlat(runs []run) *flat {
	n := 0
	for _, r := range runs {
		n += utf8.RuneCountInString(r.text)
	}
	f := &flat{src: runs, rs: make([]rune, 0, n), own: make([]int32, 0, n)}
	for i, r := range runs {
		for _, c := range r.text {
			f.rs = append(f.rs, c)
			f.own = append(f.own, int32(i))
		}
	}
	return f
}

// runs rebuilds the runs for runes [a, b).
func (f *flat) runs(a, b int) []run {
	var out []run
	for i := a; i < b; {
		j := i + 1
		for j < b && f.own[j] == f.own[i] {
			j++
		}
		src := f.src[f.own[i]]
		out = append(out, run{text: string(f.rs[i:j]), tags: src.tags, deco: src.deco})
		i = j
	}
	return out
}

func u16(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// boundary levels, best first.
const (
	cutPara = iota
	cutLine
	cutSentence
	cutWord
	cutSentenceInLink
	cutWordInLink
	cutHard
	numCuts
)

// cut picks where the part starting at start ends (end) and where the next part
// starts (next, after the separator the cut consumes).
func (f *flat) cut(start, limit int) (end, next int) {
	n := len(f.rs)
	// maxP: the furthest cut that keeps the part within limit.
	maxP, size := start, 0
	for maxP < n && size+u16(f.rs[maxP]) <= limit {
		size += u16(f.rs[maxP])
		maxP++
	}
	if maxP == n {
		return n, n
	}
	if maxP == start { // limit below one character: cannot happen with Telegram's limits
		return start + 1, start + 1
	}
	floor := start + (maxP-start)/3
	for _, lo := range []int{floor, start + 1} {
		for level := 0; level < numCuts; level++ {
			for p := maxP; p >= lo && p > start; p-- {
				if skip, ok := f.boundary(p, level); ok {
					return p, p + skip
				}
			}
		}
	}
	return maxP, maxP
}

// boundary reports whether a cut before rune p is a boundary of the given level,
// and how many separator runes after p the cut consumes.
func (f *flat) boundary(p, level int) (skip int, ok bool) {
	rs := f.rs
	prev, cur := rs[p-1], rs[p]
	switch level {
	case cutPara:
		if cur == '\n' && p+1 < len(rs) && rs[p+1] == '\n' {
			skip = 2
			for p+skip < len(rs) && rs[p+skip] == '\n' {
				skip++
			}
			return skip, true
		}
	case cutLine:
		if cur == '\n' {
			return 1, true
		}
	case cutSentence, cutSentenceInLink:
		if level == cutSentence && f.inLink(p) {
			return 0, false
		}
		switch {
		case (prev == '.' || prev == '!' || prev == '?' || prev == ';' || prev == '…') && cur == ' ':
			return 1, true
		case prev == '。' || prev == '！' || prev == '？' || prev == '；' || prev == '．':
			if cur == ' ' {
				return 1, true
			}
			return 0, !extends(cur)
		}
	case cutWord, cutWordInLink:
		if level == cutWord && f.inLink(p) {
			return 0, false
		}
		if cur == ' ' || cur == '\t' {
			return 1, true
		}
		if (isWide(prev) || prev == '、' || prev == '，') && isWide(cur) {
			return 0, true
		}
	case cutHard:
		return 0, !extends(cur) && prev != 0x200D && !f.midFlag(p)
	}
	return 0, false
}

// inLink reports whether a cut before p would fall inside a link or code span.
func (f *flat) inLink(p int) bool {
	return atomic(f.src[f.own[p-1]].tags) && atomic(f.src[f.own[p]].tags)
}

func atomic(tags []tag) bool {
	for _, t := range tags {
		if t.name == "a" || (t.name == "code" && t.attr == "") {
			return true
		}
	}
	return false
}

// isWide reports CJK characters, between which a line may break without a space.
func isWide(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303f) || (r >= 0xff00 && r <= 0xffef)
}

// extends reports runes that belong to the character before them: combining marks,
// variation selectors, zero-width joiners, emoji modifiers and tags, keycaps.
func extends(r rune) bool {
	switch {
	case r == 0x200D, r == 0x20E3:
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0020 && r <= 0xE007F:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc)
}

func isRegional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// midFlag reports whether p falls between the two regional indicators of a flag.
func (f *flat) midFlag(p int) bool {
	if !isRegional(f.rs[p]) {
		return false
	}
	k := 0
	for i := p - 1; i >= 0 && isRegional(f.rs[i]); i-- {
		k++
	}
	return k%2 == 1
}
