package slackfmt

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// An atom is a piece of escaped inline text. A run starts with its text as whole
// atoms (and auto-linked URLs as atoms of their own); only when a line is too long
// does splitRuns cut them into words, runs of spaces and single CJK characters,
// and an atom is cut between characters only when it alone is too long.
type atom struct {
	text  string // escaped mrkdwn
	n     int    // lenU(text)
	space bool   // whitespace only
	sent  bool   // a sentence ends with this atom
	raw   string // an auto-linked URL: the URL itself, so it can fall back to text
}

// A run is a sequence of atoms with one style: the unit our markers wrap.
type run struct {
	marks formatting.Mark // Bold, Italic, Strike, Code only
	link  string          // escaped URL when the run is a link
	atoms []atom
}

const styleMarks = formatting.Bold | formatting.Italic | formatting.Strike | formatting.Code

// findURL finds a bare URL in text: from "http(s)://" up to a space, a character
// that cannot be in a URL, or CJK text (which ends a URL written inside a sentence).
func findURL(text string) []int {
	loc := urlStart(text)
	if loc == nil {
		return nil
	}
	end := len(text)
	for i, r := range text[loc[1]:] {
		if isSpace(r) || r == '<' || r == '>' || r == '"' || isCJK(r) {
			end = loc[1] + i
			break
		}
	}
	return []int{loc[0], end}
}

// spanAtoms appends sp's atoms to buf and returns its run without them. Escaped
// text is kept in sc's arena.
func (sc *scratch) spanAtoms(buf []atom, sp formatting.Span) (run, []atom) {
	marks := sp.Marks & styleMarks
	if sp.Link != "" && linkURL(sp.Link) {
		eu := sc.escapeURL(sp.Link)
		label := sp.Text
		if strings.TrimSpace(label) == "" {
			if lenU(eu) <= maxInlineURL { // no label: Slack shows the URL itself
				s := sc.angled(eu)
				return run{marks: marks &^ formatting.Code}, append(buf, atom{text: s, n: lenU(s), raw: sp.Link})
			}
			label = sp.Link
		}
		if lenU(eu) <= maxInlineURL {
			return run{marks: marks &^ formatting.Code, link: eu}, appendTextAtom(buf, sc.escapeText(label))
		}
		// Too long to be a link within our limits: show it after the label, and
		// end it with a space. The run has no link, so lineRuns merges the next
		// span of the same style into it: without the space that span's text
		// would continue the URL ("…/page" + "0" shows "…/page0"), a different
		// address, and its first word would be lost in it. A space at the end
		// of a line is trimmed.
		return run{marks: marks &^ formatting.Code}, append(appendTextAtom(buf, escapeText(label+" "+sp.Link)), atom{text: " ", n: 1, space: true})
	}
	if marks&formatting.Code != 0 {
		return run{marks: marks}, appendTextAtom(buf, sc.escapeCode(sp.Text))
	}
	atoms := buf
	text := sp.Text
	for len(text) > 0 {
		loc := findURL(text)
		if loc == nil {
			atoms = appendTextAtom(atoms, sc.escapeText(text))
			break
		}
		u := trimURL(text[loc[0]:loc[1]])
		end := loc[0] + len(u)
		if loc[0] > 0 {
			atoms = appendTextAtom(atoms, sc.escapeText(text[:loc[0]]))
		}
		if eu := sc.escapeURL(u); linkURL(u) && lenU(eu) <= maxInlineURL {
			s := sc.angled(eu)
			atoms = append(atoms, atom{text: s, n: lenU(s), raw: u})
		} else {
			atoms = appendTextAtom(atoms, sc.escapeText(u))
		}
		text = text[end:]
	}
	return run{marks: marks}, atoms
}

// urlStart finds the first "http://" or "https://", in any case.
func urlStart(text string) []int {
	for i := 0; i+7 <= len(text); {
		k := strings.IndexAny(text[i:], "hH")
		if k < 0 {
			return nil
		}
		i += k
		for _, p := range []string{"https://", "http://"} {
			if len(text)-i >= len(p) && strings.EqualFold(text[i:i+len(p)], p) {
				return []int{i, i + len(p)}
			}
		}
		i++
	}
	return nil
}

// trimURL drops punctuation that ends a sentence rather than the URL.
func trimURL(u string) string {
	for u != "" {
		last, _ := utf8.DecodeLastRuneInString(u)
		if strings.ContainsRune(".,;:!?'*_~。，、；：！？」』】", last) ||
			last == ')' && strings.Count(u, "(") < strings.Count(u, ")") {
			u = u[:len(u)-len(string(last))]
			continue
		}
		break
	}
	return u
}

func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func sentenceEnd(r rune) bool { return strings.ContainsRune(".!?。！？…", r) }

// appendTextAtom appends escaped text as one atom, not yet cut into words: most
// lines fit a section, and only splitRuns needs the words.
func appendTextAtom(atoms []atom, s string) []atom {
	if s == "" {
		return atoms
	}
	return append(atoms, atom{text: s, n: lenU(s), space: strings.TrimFunc(s, isSpace) == ""})
}

// tokenize cuts escaped text into atoms.
func tokenize(s string) []atom {
	var atoms []atom
	start, inSpace := 0, false
	var last rune
	flush := func(end int) {
		if end > start {
			t := s[start:end]
			atoms = append(atoms, atom{text: t, n: lenU(t), space: inSpace, sent: !inSpace && sentenceEnd(last)})
		}
		start = end
	}
	for i, r := range s {
		sp := isSpace(r)
		if sp != inSpace {
			flush(i)
			inSpace = sp
		}
		last = r
		if !sp && isCJK(r) {
			flush(i + len(string(r)))
		}
	}
	flush(len(s))
	return atoms
}

// overhead is what a run adds around its atoms: markers, the zero-width spaces
// next to them, the link syntax.
func (r run) overhead() int {
	k := 0
	for _, m := range []formatting.Mark{formatting.Bold, formatting.Italic, formatting.Strike, formatting.Code} {
		if r.marks&m != 0 {
			k++
		}
	}
	o := 0
	if k > 0 {
		o = 2*k + 2
	}
	if r.link != "" {
		o += lenU(r.link) + 3
	}
	return o
}

// styled reports whether the run has markers around it.
func (r run) styled() bool {
	return r.marks&(formatting.Bold|formatting.Italic|formatting.Strike) != 0 || r.marks&formatting.Code != 0 && r.link == ""
}

// appendOpen appends the run's opening markers, appendClose its closing ones.
func (r run) appendOpen(b []byte) []byte {
	if r.marks&formatting.Bold != 0 {
		b = append(b, '*')
	}
	if r.marks&formatting.Italic != 0 {
		b = append(b, '_')
	}
	if r.marks&formatting.Strike != 0 {
		b = append(b, '~')
	}
	if r.marks&formatting.Code != 0 && r.link == "" {
		b = append(b, '`')
	}
	return b
}

func (r run) appendClose(b []byte) []byte {
	if r.marks&formatting.Code != 0 && r.link == "" {
		b = append(b, '`')
	}
	if r.marks&formatting.Strike != 0 {
		b = append(b, '~')
	}
	if r.marks&formatting.Italic != 0 {
		b = append(b, '_')
	}
	if r.marks&formatting.Bold != 0 {
		b = append(b, '*')
	}
	return b
}

// appendRuns appends runs as mrkdwn to b. Spaces at a run's edges go outside its
// markers (Slack ignores "*bold *"), and a marker that touches a non-space
// character gets a zero-width space on its outer side so Slack sees a word
// boundary. A run's text is the concatenation of its atoms, each valid UTF-8, so
// its edges are found atom by atom without joining them.
func appendRuns(b []byte, runs []run) []byte {
	start := len(b)
	afterClose := false
	for _, r := range runs {
		total, lead, trail := 0, 0, 0
		for _, a := range r.atoms {
			total += len(a.text)
		}
		for _, a := range r.atoms {
			t := strings.TrimLeftFunc(a.text, isSpace)
			lead += len(a.text) - len(t)
			if t != "" {
				break
			}
		}
		if lead > 0 {
			b = appendAtoms(b, r.atoms, 0, lead)
			afterClose = false
		}
		if lead == total { // only spaces
			continue
		}
		for i := len(r.atoms) - 1; i >= 0; i-- {
			a := r.atoms[i].text
			t := strings.TrimRightFunc(a, isSpace)
			trail += len(a) - len(t)
			if t != "" {
				break
			}
		}
		styled := r.styled()
		if (styled || afterClose) && len(b) > start {
			if last, _ := utf8.DecodeLastRune(b[start:]); !isSpace(last) {
				b = append(b, zwsp...)
			}
		}
		b = r.appendOpen(b)
		if r.link != "" {
			b = append(b, '<')
			b = append(b, r.link...)
			b = append(b, '|')
			b = appendAtoms(b, r.atoms, lead, total-trail)
			b = append(b, '>')
		} else {
			b = appendAtoms(b, r.atoms, lead, total-trail)
		}
		b = r.appendClose(b)
		afterClose = styled
		if trail > 0 {
			b = appendAtoms(b, r.atoms, total-trail, total)
			afterClose = false
		}
	}
	return b
}

// appendAtoms appends bytes from to to of the atoms' concatenated text.
func appendAtoms(b []byte, atoms []atom, from, to int) []byte {
	off := 0
	for _, a := range atoms {
		if off >= to {
			break
		}
		end := off + len(a.text)
		if end > from {
			b = append(b, a.text[max(from-off, 0):min(to, end)-off]...)
		}
		off = end
	}
	return b
}

// hasText reports whether runs show anything but spaces.
func hasText(runs []run) bool {
	for _, r := range runs {
		for _, a := range r.atoms {
			if !a.space {
				return true
			}
		}
	}
	return false
}

// appendBody appends runs as the body of one line to b, without the spaces at
// its end and with a leading ">" neutralised.
func appendBody(b []byte, runs []run) []byte {
	start := len(b)
	b = appendRuns(b, runs)
	b = b[:start+len(bytes.TrimRight(b[start:], " \t"))]
	t := bytes.TrimLeft(b[start:], " \t")
	if bytes.HasPrefix(t, []byte("&gt;")) || bytes.HasPrefix(t, []byte("＞")) {
		b = slices.Insert(b, start, []byte(softHyph)...)
	}
	return b
}

// lineBody is appendBody as a string.
func lineBody(runs []run) string { return string(appendBody(nil, runs)) }

// splitRuns cuts a line into pieces whose rendering fits budget, preferring the end
// of a sentence, then a space, then any atom boundary; an atom too long on its own
// is cut between characters (never inside an entity).
func splitRuns(runs []run, budget int) [][]run {
	type flat struct {
		ri int
		a  atom
	}
	var fl []flat
	for ri, r := range runs {
		room := budget - r.overhead()
		if room < 16 {
			room = 16
		}
		var atoms []atom
		for _, a := range r.atoms {
			if a.raw != "" {
				atoms = append(atoms, a)
			} else {
				atoms = append(atoms, tokenize(a.text)...)
			}
		}
		for _, a := range atoms {
			if a.n <= room {
				fl = append(fl, flat{ri, a})
				continue
			}
			parts := []atom{a}
			if a.raw != "" { // an auto-linked URL becomes text that may be cut
				parts = tokenize(escapeText(a.raw))
			}
			for _, p := range parts {
				if p.n <= room {
					fl = append(fl, flat{ri, p})
					continue
				}
				for _, piece := range cutEscaped(p.text, room) {
					fl = append(fl, flat{ri, atom{text: piece, n: lenU(piece)}})
				}
			}
		}
	}
	var out [][]run
	for start := 0; start < len(fl); {
		for start < len(fl) && fl[start].a.space {
			start++
		}
		if start == len(fl) {
			break
		}
		end, cost, last := start, 0, -1
		sentCut, sentCost, spaceCut, spaceCost := -1, 0, -1, 0
		for end < len(fl) {
			add := fl[end].a.n
			if fl[end].ri != last {
				add += runs[fl[end].ri].overhead()
			}
			if cost+add > budget && end > start {
				break
			}
			cost += add
			last = fl[end].ri
			end++
			a := fl[end-1].a
			switch {
			case a.space:
				spaceCut, spaceCost = end, cost
				if end-2 >= start && fl[end-2].a.sent {
					sentCut, sentCost = end, cost
				}
			case a.sent && isCJK(firstRune(a.text)):
				sentCut, sentCost = end, cost
			}
		}
		cut := end
		if end < len(fl) {
			switch {
			case sentCut > start && sentCost >= budget/2:
				cut = sentCut
			case spaceCut > start && spaceCost >= budget/4:
				cut = spaceCut
			}
		}
		stop := cut
		for stop > start && fl[stop-1].a.space {
			stop--
		}
		var piece []run
		for k := start; k < stop; k++ {
			f := fl[k]
			if k == start || fl[k-1].ri != f.ri {
				r := runs[f.ri]
				piece = append(piece, run{marks: r.marks, link: r.link})
			}
			piece[len(piece)-1].atoms = append(piece[len(piece)-1].atoms, f.a)
		}
		out = append(out, piece)
		start = cut
	}
	return out
}

// cutEscaped cuts escaped text into pieces of at most max UTF-16 units, never
// inside an entity.
func cutEscaped(s string, max int) []string {
	var out []string
	for lenU(s) > max {
		n, cut := 0, len(s)
		for i, r := range s {
			if n+runeLenU(r) > max {
				cut = i
				break
			}
			n += runeLenU(r)
		}
		if amp := strings.LastIndexByte(s[:cut], '&'); amp > 0 && !strings.Contains(s[amp:cut], ";") {
			cut = amp
		}
		// Rather after punctuation close by than in the middle of a word.
		for i := cut - 1; i > 0 && i >= cut-64; i-- {
			if c := s[i]; c < 0x80 && !isASCIIAlnum(rune(c)) && c != '&' {
				cut = i + 1
				break
			}
		}
		if cut == 0 { // cannot happen with max ≥ 16; never loop forever
			cut = len(string([]rune(s)[0]))
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

// lineRuns turns the spans of one line into runs, merging a span into the previous
// run when it has the same style.
func lineRuns(spans []formatting.Span) []run {
	runs, _ := (*scratch)(nil).appendLineRuns(nil, make([]atom, 0, len(spans)+2), spans)
	if len(runs) == 0 {
		return nil
	}
	return runs
}

// appendLineRuns appends the runs of one line to runs and their atoms to atoms: a
// run's atoms are its slice of atoms (capacity capped, so that appending to them
// copies), so that a line's atoms share one array.
func (sc *scratch) appendLineRuns(runs []run, atoms []atom, spans []formatting.Span) ([]run, []atom) {
	first := len(runs) // the line's first run
	last := 0          // where the last run's atoms start in atoms
	for _, sp := range spans {
		start := len(atoms)
		var r run
		r, atoms = sc.spanAtoms(atoms, sp)
		if len(atoms) == start {
			continue
		}
		if n := len(runs); n > first && runs[n-1].marks == r.marks && runs[n-1].link == r.link && r.link == "" {
			// Its atoms follow the last run's in atoms (which may have moved since).
			runs[n-1].atoms = atoms[last:len(atoms):len(atoms)]
			continue
		}
		r.atoms = atoms[start:len(atoms):len(atoms)]
		last = start
		runs = append(runs, r)
	}
	return runs, atoms
}

// appendLines appends the spans of each line of spans to out, cut at newlines
// (hard breaks and newlines inside text), and the end of each line in out to ends.
func appendLines(out []formatting.Span, ends []int, spans []formatting.Span) ([]formatting.Span, []int) {
	if oneLine(spans) {
		return append(out, spans...), append(ends, len(out)+len(spans))
	}
	for _, sp := range spans {
		if !strings.ContainsAny(sp.Text, "\r\n") { // most spans: one part, itself
			if sp.Text != "" || sp.Link != "" {
				out = append(out, sp)
			}
			continue
		}
		text := sp.Text
		for i := 0; ; i++ {
			p, rest, more := strings.Cut(text, "\n")
			if i > 0 {
				ends = append(ends, len(out))
			}
			if strings.Contains(p, "\r") {
				p = strings.ReplaceAll(p, "\r", "")
			}
			if p != "" || i == 0 && sp.Link != "" {
				s := sp
				s.Text = p
				out = append(out, s)
			}
			if !more {
				break
			}
			text = rest
		}
	}
	return out, append(ends, len(out))
}

// oneLine reports whether spans are one line as they are: no newline, no empty span.
func oneLine(spans []formatting.Span) bool {
	for _, sp := range spans {
		if sp.Text == "" && sp.Link == "" || strings.ContainsAny(sp.Text, "\r\n") {
			return false
		}
	}
	return true
}
