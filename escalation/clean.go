package escalation

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes user-provided text safe to lay out on one line of a card: invalid
// UTF-8 repaired, control characters and runs of white space made one space,
// bidirectional overrides (which could make a name read as something else)
// dropped, and the result cut to at most n runes (at a word boundary when one is
// near), the last of them "…" when cut.
// Escaping for a platform's markup is the renderers' job, not this.
func clean(s string, n int) string { return cleanLines(s, n, " ") }

// cleanLines is clean with line breaks (and the white space around them) made
// sep instead: a bot answer's lines stay apart on a transcript's one line.
func cleanLines(s string, n int, sep string) string {
	if n < 1 {
		n = 1
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	out := make([]rune, 0, min(utf8.RuneCountInString(s), n+1))
	space, brk := false, false
	for _, r := range s {
		switch {
		case r == '\n':
			space, brk = len(out) > 0, len(out) > 0
			continue
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = len(out) > 0
			continue
		case isBidiControl(r):
			continue
		}
		switch {
		case brk:
			out = append(out, []rune(sep)...)
		case space:
			out = append(out, ' ')
		}
		space, brk = false, false
		out = append(out, r)
		if len(out) > n {
			break
		}
	}
	if len(out) > n {
		return strings.TrimRight(string(out[:wordCut(out, n-1)]), " "+sep) + "…"
	}
	return string(out)
}

// wordCut returns where to cut rs to keep at most n runes: at a space near n
// when there is one, so that a cut does not split a word; scripts written without
// spaces are cut at n.
func wordCut(rs []rune, n int) int {
	for i := n; i > 0 && i >= n-n/5; i-- {
		if rs[i] == ' ' {
			return i
		}
	}
	return n
}

// isBidiControl reports the explicit directional embeddings, overrides and
// isolates (U+202A–U+202E, U+2066–U+2069) and the marks U+200E, U+200F, U+061C.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200E || r == 0x200F || r == 0x061C
}
