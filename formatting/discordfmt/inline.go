package discordfmt

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// span is a normalised inline run: sanitised text without newlines, known marks
// only, and a link that is a safe http(s) URL or empty.
type span struct {
	text  string
	marks formatting.Mark
	link  string
}

const markMask = formatting.Bold | formatting.Italic | formatting.Underline | formatting.Strike | formatting.Code

// linkAsText keeps what a link Discord cannot render says: the text, and for
// mailto/tel (or an over-long web address) the address itself when the text
// does not already show it.
func linkAsText(text, link string) string {
	link = oneLine(link)
	addr := ""
	switch {
	case hasPrefixFold(link, "mailto:"):
		addr, _, _ = strings.Cut(link[len("mailto:"):], "?")
	case hasPrefixFold(link, "tel:"):
		addr = link[len("tel:"):]
	case hasPrefixFold(link, "http://"), hasPrefixFold(link, "https://"):
		addr = link
	}
	switch {
	case addr == "" || runes(addr) > 2*maxLinkTargetRune: // nobody reads a URL that long
		return text
	case strings.TrimSpace(text) == "":
		return addr
	case strings.Contains(text, addr):
		return text
	}
	return text + " (" + addr + ")"
}

// splitSpace cuts leading and trailing whitespace off s; markers must hug text
// (Discord's "*x *" is not italic).
func splitSpace(s string) (lead, core, trail string) {
	core = strings.TrimLeftFunc(s, unicode.IsSpace)
	lead = s[:len(s)-len(core)]
	c2 := strings.TrimRightFunc(core, unicode.IsSpace)
	trail = core[len(c2):]
	return lead, c2, trail
}

// renderSpan renders one span on its own, with every marker it opens closed
// again, so any run of spans can be cut between spans. first and last are the
// marker characters at its edges (0 when the edge is text), which the caller
// separates from an identical neighbouring marker.
func renderSpan(s span, lineStart bool) (out string, first, last byte) {
	b, first, last := appendSpan(nil, s, lineStart)
	return string(b), first, last
}

// appendSpan is renderSpan appending to dst.
func appendSpan(dst []byte, s span, lineStart bool) (out []byte, first, last byte) {
	if s.marks == 0 && s.link == "" {
		return appendEscaped(dst, s.text, lineStart), 0, 0
	}
	lead, core, trail := splitSpace(s.text)
	if core == "" {
		return append(dst, s.text...), 0, 0
	}
	dst = append(dst, lead...)
	switch {
	case s.link == "":
		dst, first, last = appendWrap(dst, core, s.marks, lineStart && lead == "")
	case sameURL(core, s.link):
		dst = append(append(append(dst, '<'), s.link...), '>')
	case containsURL(core):
		// Discord refuses masked links whose text looks like a web address.
		dst, first, _ = appendWrap(dst, core, s.marks, lineStart && lead == "")
		dst = append(append(append(dst, " (<"...), s.link...), ">)"...)
	default:
		dst, _, _ = appendWrap(append(dst, '['), core, s.marks, false)
		dst = append(append(append(dst, "]("...), s.link...), ')')
	}
	if lead != "" {
		first = 0
	}
	if trail != "" {
		last = 0
	}
	return append(dst, trail...), first, last
}

func sameURL(text, link string) bool {
	if !hasPrefixFold(text, "http") { // what safeURL accepts starts so
		return false
	}
	t, ok := safeURL(text)
	return ok && t == link
}

// containsURL reports whether s holds "http://" or "https://" in any case.
func containsURL(s string) bool {
	for i := 0; i+len("http://") <= len(s); i++ {
		if s[i]|0x20 == 'h' && (asciiPrefixFold(s[i:], "http://") || asciiPrefixFold(s[i:], "https://")) {
			return true
		}
	}
	return false
}

// asciiPrefixFold reports whether s starts with p (lower-case ASCII) in any case.
func asciiPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}

// emphasis are the markers of marks, outermost first: underline, strike, bold,
// italic (code is innermost, see appendWrap).
var emphasis = [...]struct {
	mark   formatting.Mark
	marker string
}{{formatting.Underline, "__"}, {formatting.Strike, "~~"}, {formatting.Bold, "**"}, {formatting.Italic, "*"}}

// appendWrap escapes core and puts the markers of marks around it, outermost
// first: underline, strike, bold, italic, code. It returns the marker
// characters at its edges.
func appendWrap(dst []byte, core string, marks formatting.Mark, lineStart bool) ([]byte, byte, byte) {
	var edge byte
	for _, e := range emphasis {
		if marks&e.mark != 0 {
			if edge == 0 {
				edge = e.marker[0]
			}
			dst = append(dst, e.marker...)
		}
	}
	if marks&formatting.Code != 0 {
		dst = appendCodeSpan(dst, core)
		if edge == 0 {
			edge = '`'
		}
	} else {
		dst = appendEscaped(dst, core, lineStart && marks == 0)
	}
	for i := len(emphasis) - 1; i >= 0; i-- {
		if marks&emphasis[i].mark != 0 {
			dst = append(dst, emphasis[i].marker...)
		}
	}
	return dst, edge, edge
}

// appendCodeSpan renders inline code: a fence longer than any backtick run
// inside, padded when the code starts or ends with a backtick.
func appendCodeSpan(dst []byte, s string) []byte {
	s = neutralizeCode(s, false)
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := func(dst []byte) []byte {
		for i := 0; i <= longest; i++ {
			dst = append(dst, '`')
		}
		return dst
	}
	dst = fence(dst)
	pad := strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`")
	if pad {
		dst = append(dst, ' ')
	}
	dst = append(dst, s...)
	if pad {
		dst = append(dst, ' ')
	}
	return fence(dst)
}

// appendInline renders a line of spans; the first is escaped as the start of a
// line, where "- " or "1. " would begin a list.
func appendInline(dst []byte, sp []span) []byte {
	var prevLast byte
	for i, s := range sp {
		at := len(dst)
		var first, last byte
		dst, first, last = appendSpan(dst, s, i == 0)
		if prevLast != 0 && prevLast == first {
			// "**a***b*" would read as one run: a zero-width space goes between.
			dst = append(dst, zwsp...)
			copy(dst[at+len(zwsp):], dst[at:len(dst)-len(zwsp)])
			copy(dst[at:], zwsp)
		}
		prevLast = last
	}
	return dst
}

// splitSpans cuts a line of spans so that the head renders in at most avail
// runes, preferring a sentence end, then a space, then a span boundary, and
// never cutting inside a link unless the link alone is too long. tail is nil when
// everything fits.
func splitSpans(sp []span, avail int) (head, tail []span) {
	acc := 0
	var prevLast byte
	for k, s := range sp {
		out, first, last := renderSpan(s, k == 0)
		sep := 0
		if prevLast != 0 && prevLast == first {
			sep = 1
		}
		n := runes(out)
		if acc+sep+n <= avail {
			acc += sep + n
			prevLast = last
			continue
		}
		if s.link != "" && k > 0 {
			return sp[:k:k], sp[k:]
		}
		c := cutPoint(s, k == 0, avail-acc-sep, k > 0)
		if c == 0 {
			if k > 0 {
				return sp[:k:k], sp[k:]
			}
			_, c = utf8.DecodeRuneInString(s.text) // always make progress
		}
		head = append([]span(nil), sp[:k]...)
		if h := strings.TrimRightFunc(s.text[:c], unicode.IsSpace); h != "" {
			head = append(head, span{text: h, marks: s.marks, link: s.link})
		}
		rest := strings.TrimLeftFunc(s.text[c:], unicode.IsSpace)
		if rest != "" {
			tail = append(tail, span{text: rest, marks: s.marks, link: s.link})
		}
		tail = append(tail, sp[k+1:]...)
		if len(tail) == 0 {
			tail = nil
		}
		return head, tail
	}
	return sp, nil
}

// cutPoint returns a byte offset in s.text at which to cut so the first part
// renders in at most room runes; 0 means "better cut before this span" (only
// when canDefer) or that nothing fits.
func cutPoint(s span, lineStart bool, room int, canDefer bool) int {
	if room <= 0 {
		return 0
	}
	fits := func(i int) bool {
		out, _, _ := renderSpan(span{text: s.text[:i], marks: s.marks, link: s.link}, lineStart)
		return runes(out) <= room
	}
	// Offsets of rune starts, for a binary search over runes.
	offs := make([]int, 0, len(s.text)+1)
	for i := range s.text {
		offs = append(offs, i)
	}
	offs = append(offs, len(s.text))
	lo, hi := 0, len(offs)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fits(offs[mid]) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	limit := offs[lo]
	if limit == 0 {
		return 0
	}
	text := s.text[:limit]
	half := limit / 2
	if j := lastSentenceEnd(text); j >= half && j > 0 {
		return j
	}
	if j := lastSpace(text); j > 0 && (j >= half || !canDefer) {
		return j
	}
	if canDefer {
		return 0
	}
	return graphemeSafe(s.text, limit)
}

// lastSentenceEnd returns the offset just after the last sentence-ending mark in
// s that is followed by a space or is CJK (which needs none), or -1.
func lastSentenceEnd(s string) int {
	for i := len(s); i > 0; {
		r, w := utf8.DecodeLastRuneInString(s[:i])
		switch r {
		case '。', '！', '？', '…':
			return i
		case '.', '!', '?':
			if i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				return i + 1
			}
		}
		i -= w
	}
	return -1
}

func lastSpace(s string) int {
	for i := len(s); i > 0; {
		r, w := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsSpace(r) {
			return i
		}
		i -= w
	}
	return -1
}

// graphemeSafe moves a hard cut back so it does not separate a character from
// the combining marks, variation selectors or zero-width joiners that follow it.
func graphemeSafe(s string, i int) int {
	for j := i; j > 0; {
		r, _ := utf8.DecodeRuneInString(s[j:])
		p, w := utf8.DecodeLastRuneInString(s[:j])
		if j < len(s) && (unicode.Is(unicode.Mn, r) || r == 0x200d || (r >= 0xfe00 && r <= 0xfe0f) || p == 0x200d) {
			j -= w
			continue
		}
		if j == 0 {
			break
		}
		return j
	}
	return i
}
