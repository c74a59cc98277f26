package slackfmt

import (
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

// spanRun turns one span (without newlines) into a run.
func spanRun(sp formatting.Span) run {
	r, _ := spanRunAppend(nil, sp)
	return r
}

// spanRunAppend is spanRun with the run's atoms appended to buf: the run's atoms
// are the end of the buf it returns (capacity capped, so that appending to them
// copies), and lineRuns keeps the atoms of a whole line in one array.
func spanRunAppend(buf []atom, sp formatting.Span) (run, []atom) {
	start := len(buf)
	r, buf := spanAtoms(buf, sp)
	r.atoms = buf[start:len(buf):len(buf)]
	return r, buf
}

// spanAtoms appends sp's atoms to buf and returns its run without them.
func spanAtoms(buf []atom, sp formatting.Span) (run, []atom) {
	marks := sp.Marks & styleMarks
	if sp.Link != "" && linkURL(sp.Link) {
		eu := escapeURL(sp.Link)
		label := sp.Text
		if strings.TrimSpace(label) == "" {
			if lenU(eu) <= maxInlineURL { // no label: Slack shows the URL itself
				s := "<" + eu + ">"
				return run{marks: marks &^ formatting.Code}, append(buf, atom{text: s, n: lenU(s), raw: sp.Link})
			}
			label = sp.Link
		}
		if lenU(eu) <= maxInlineURL {
			return run{marks: marks &^ formatting.Code, link: eu}, appendTextAtom(buf, escapeText(label))
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
		return run{marks: marks}, appendTextAtom(buf, escapeCode(sp.Text))
	}
	atoms := buf
	text := sp.Text
	for len(text) > 0 {
		loc := findURL(text)
		if loc == nil {
			atoms = appendTextAtom(atoms, escapeText(text))
			break
		}
		u := trimURL(text[loc[0]:loc[1]])
		end := loc[0] + len(u)
		if loc[0] > 0 {
			atoms = appendTextAtom(atoms, escapeText(text[:loc[0]]))
		}
		if linkURL(u) && lenU(escapeURL(u)) <= maxInlineURL {
			s := "<" + escapeURL(u) + ">"
			atoms = append(atoms, atom{text: s, n: lenU(s), raw: u})
		} else {
			atoms = appendTextAtom(atoms, escapeText(u))
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

// textAtom is escaped text as one atom, not yet cut into words: most lines fit a
// section, and only splitRuns needs the words.
func textAtom(s string) []atom { return appendTextAtom(nil, s) }

// appendTextAtom appends textAtom(s) to atoms.
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

func (r run) markers() (open, close string) {
	if r.marks&formatting.Bold != 0 {
		open, close = open+"*", "*"+close
	}
	if r.marks&formatting.Italic != 0 {
		open, close = open+"_", "_"+close
	}
	if r.marks&formatting.Strike != 0 {
		open, close = open+"~", "~"+close
	}
	if r.marks&formatting.Code != 0 && r.link == "" {
		open, close = open+"`", "`"+close
	}
	return open, close
}

// renderRuns writes runs as mrkdwn. Spaces at a run's edges go outside its markers
// (Slack ignores "*bold *"), and a marker that touches a non-space character gets
// a zero-width space on its outer side so Slack sees a word boundary.
func renderRuns(runs []run) string {
	var b strings.Builder
	var lastR rune = ' '
	afterClose := false
	write := func(s string) {
		if s == "" {
			return
		}
		b.WriteString(s)
		lastR, _ = utf8.DecodeLastRuneInString(s)
	}
	for _, r := range runs {
		text := ""
		if len(r.atoms) == 1 {
			text = r.atoms[0].text
		} else {
			var t strings.Builder
			n := 0
			for _, a := range r.atoms {
				n += len(a.text)
			}
			t.Grow(n)
			for _, a := range r.atoms {
				t.WriteString(a.text)
			}
			text = t.String()
		}
		core := strings.TrimLeftFunc(text, isSpace)
		lead := text[:len(text)-len(core)]
		core = strings.TrimRightFunc(core, isSpace)
		trail := text[len(lead)+len(core):]
		if lead != "" {
			write(lead)
			afterClose = false
		}
		if core == "" {
			continue
		}
		open, close := r.markers()
		if (open != "" || afterClose) && b.Len() > 0 && !isSpace(lastR) {
			write(zwsp)
		}
		write(open)
		if r.link != "" {
			write("<")
			write(r.link)
			write("|")
			write(core)
			write(">")
		} else {
			write(core)
		}
		write(close)
		afterClose = close != ""
		if trail != "" {
			write(trail)
			afterClose = false
		}
	}
	return b.String()
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

// lineBody renders runs as the body of one line, neutralising a leading ">".
func lineBody(runs []run) string {
	s := strings.TrimRight(renderRuns(runs), " \t")
	t := strings.TrimLeft(s, " \t")
	if strings.HasPrefix(t, "&gt;") || strings.HasPrefix(t, "＞") {
		s = softHyph + s
	}
	return s
}

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
	runs := make([]run, 0, len(spans))
	buf := make([]atom, 0, len(spans)+2)
	last := 0 // where the last run's atoms start in buf
	for _, sp := range spans {
		start := len(buf)
		var r run
		r, buf = spanRunAppend(buf, sp)
		if len(r.atoms) == 0 {
			continue
		}
		if n := len(runs); n > 0 && runs[n-1].marks == r.marks && runs[n-1].link == r.link && r.link == "" {
			// Its atoms follow the last run's in buf (buf may have moved since).
			runs[n-1].atoms = buf[last:len(buf):len(buf)]
			continue
		}
		last = start
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return nil
	}
	return runs
}

// splitLines cuts spans at newlines (hard breaks and newlines inside text).
func splitLines(spans []formatting.Span) [][]formatting.Span {
	if oneLine(spans) {
		return [][]formatting.Span{spans}
	}
	lines := [][]formatting.Span{nil}
	for _, sp := range spans {
		if !strings.ContainsAny(sp.Text, "\r\n") { // most spans: one part, itself
			if sp.Text != "" || sp.Link != "" {
				lines[len(lines)-1] = append(lines[len(lines)-1], sp)
			}
			continue
		}
		parts := strings.Split(strings.ReplaceAll(sp.Text, "\r", ""), "\n")
		for i, p := range parts {
			if i > 0 {
				lines = append(lines, nil)
			}
			if p != "" || i == 0 && sp.Link != "" {
				s := sp
				s.Text = p
				lines[len(lines)-1] = append(lines[len(lines)-1], s)
			}
		}
	}
	return lines
}

// oneLine reports whether splitLines would return spans unchanged as one line.
func oneLine(spans []formatting.Span) bool {
	for _, sp := range spans {
		if sp.Text == "" && sp.Link == "" || strings.ContainsAny(sp.Text, "\r\n") {
			return false
		}
	}
	return true
}
