package slackfmt

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// An item is a piece of mrkdwn that is never cut: one line, or one fenced code
// chunk. Every line in it already carries its quote/list prefix. Its text is in
// its writer's out, right after its separator, so that the text of items packed
// together is one piece of out.
type item struct {
	start, end int    // its text: out[start:end]
	n          int    // lenU of its text
	sep        string // goes before it when it is not the first in its section
	brk        bool   // continues a line that was cut: start a new section
	rule       bool   // a horizontal rule: ends the section
}

// rctx is where in the rich text tree we are.
type rctx struct {
	quote  string // "> " inside a quote
	indent string // list indentation for continuation lines
	depth  int    // list depth
}

// richWriter turns rich text into items no longer than limit.
type richWriter struct {
	limit int
	items []item
	lead  string           // a list marker waiting for the next line, replacing the indent
	out   *strings.Builder // every item's separator and text, in order (and others' before)
	sc    *scratch
}

// scratch is memory one Render reuses from paragraph to paragraph instead of
// allocating it for each: the lines, runs and atoms of the paragraph being
// written, the mrkdwn of its line being rendered, and an arena for escaped text.
// Nothing in the output points into it: items are copied out of it.
type scratch struct {
	spans []formatting.Span // the spans of a paragraph's lines, one line after another
	ends  []int             // where each line ends in spans, then in runs
	runs  []run
	atoms []atom
	line  []byte
	items []item // lent to one writer at a time, until it packs them
	// chunks holds the chunks of every writer, one after another: a writer's
	// are a piece of it, which stays as it is when it grows (it is copied).
	chunks []chunk
	// arena holds the escaped texts and URLs of atoms. A Builder never changes
	// what it has written (it copies to grow), so a string cut from it stays
	// valid: one growing buffer instead of one allocation per escaped piece.
	arena strings.Builder
	// out is the output of writers, one after another; busy while one writes.
	// When a new writer may not fit in it, a new one is started rather than
	// this one grown (the texts cut from the old one keep it), so the texts of
	// a Render are in a buffer or two, not in one per title, and not copied.
	out  strings.Builder
	busy bool
	// first holds what a usual answer needs of the above, so that a scratch
	// is made with them rather than growing each from nothing.
	first struct {
		spans  [8]formatting.Span
		ends   [4]int
		runs   [16]run
		atoms  [16]atom
		line   [512]byte
		items  [16]item
		chunks [4]chunk
	}
}

// scratches keeps the scratch of finished Renders for the next ones. Render
// runs for every answer, and its scratch (a few KB that no output points to)
// was otherwise most of the bytes it allocates: garbage collection is a large
// part of kmbridge's CPU under load (issue #14).
var scratches = sync.Pool{New: func() any { return newScratch() }}

func newScratch() *scratch {
	sc := new(scratch)
	f := &sc.first
	sc.spans, sc.ends, sc.runs, sc.atoms = f.spans[:0], f.ends[:0], f.runs[:0], f.atoms[:0]
	sc.line, sc.items, sc.chunks = f.line[:0], f.items[:0], f.chunks[:0]
	return sc
}

// maxKept bounds the elements of a scratch slice kept for the next Render: an
// outsized answer's scratch is left to the collector.
const maxKept = 4096

// release gives sc back for the next Render, forgetting the texts it points to
// (the output's among them) so that the pool keeps none of them alive.
func (sc *scratch) release() {
	if cap(sc.spans) > maxKept || cap(sc.runs) > maxKept || cap(sc.atoms) > maxKept ||
		cap(sc.line) > 16*maxKept || cap(sc.items) > maxKept || cap(sc.chunks) > maxKept {
		return
	}
	clear(sc.spans[:cap(sc.spans)])
	clear(sc.runs[:cap(sc.runs)])
	clear(sc.atoms[:cap(sc.atoms)])
	clear(sc.items[:cap(sc.items)])
	clear(sc.chunks[:cap(sc.chunks)])
	sc.spans, sc.ends, sc.runs, sc.atoms = sc.spans[:0], sc.ends[:0], sc.runs[:0], sc.atoms[:0]
	sc.line, sc.items, sc.chunks = sc.line[:0], sc.items[:0], sc.chunks[:0]
	sc.arena, sc.out, sc.busy = strings.Builder{}, strings.Builder{}, false
	scratches.Put(sc)
}

// initWriter readies w to write items of up to limit characters, about size
// bytes of output. (w is the caller's, so that it can stay on the stack.)
func (sc *scratch) initWriter(w *richWriter, limit, size int) {
	w.limit, w.sc, w.items = limit, sc, sc.items[:0]
	sc.items = nil // a writer made before this one packs gets items of its own
	// And its own out: a writer's items must follow each other in out.
	if sc.busy {
		w.out = new(strings.Builder)
		w.out.Grow(size)
		return
	}
	sc.busy = true
	if sc.out.Cap()-sc.out.Len() < size {
		sc.out = strings.Builder{}
		sc.out.Grow(max(size, 256))
	}
	w.out = &sc.out
}

// arenaStart readies the arena for writing and returns where the next string
// starts. Most answers escape a few hundred bytes (links with "&"): one
// allocation up front, not one per doubling.
func (sc *scratch) arenaStart() int {
	if sc.arena.Cap() == 0 {
		sc.arena.Grow(512)
	}
	return sc.arena.Len()
}

// keep is write(s) kept in the arena.
func (sc *scratch) keep(write func(*strings.Builder, string), s string) string {
	start := sc.arenaStart()
	write(&sc.arena, s)
	return sc.arena.String()[start:]
}

// escapeText is escapeText(s), kept in the arena when it is not s itself.
func (sc *scratch) escapeText(s string) string {
	if sc == nil || !utf8.ValidString(s) || !needsEscape(s) {
		return escapeText(s)
	}
	return sc.keep(writeEscapedText, s)
}

// escapeCode is escapeCode(s), kept in the arena.
func (sc *scratch) escapeCode(s string) string {
	if sc == nil || !utf8.ValidString(s) {
		return escapeCode(s)
	}
	return sc.keep(writeEscapedCode, s)
}

// escapeURL is escapeURL(u), kept in the arena when it is not u itself.
func (sc *scratch) escapeURL(u string) string {
	if sc == nil || !utf8.ValidString(u) || !urlNeedsEscape(u) {
		return escapeURL(u)
	}
	return sc.keep(writeEscapedURL, u)
}

// angled is "<" + eu + ">", kept in the arena.
func (sc *scratch) angled(eu string) string {
	if sc == nil {
		return "<" + eu + ">"
	}
	start := sc.arenaStart()
	sc.arena.WriteByte('<')
	sc.arena.WriteString(eu)
	sc.arena.WriteByte('>')
	return sc.arena.String()[start:]
}

// add appends an item: prefix and body after sep.
func (w *richWriter) add(sep, prefix string, body []byte, brk bool) {
	w.out.WriteString(sep)
	start := w.out.Len()
	w.out.WriteString(prefix)
	w.out.Write(body)
	w.items = append(w.items, item{start: start, end: w.out.Len(), n: lenU(prefix) + lenUBytes(body), sep: sep, brk: brk})
}

var bullets = []string{"• ", "◦ ", "▪ "}

// blockSep separates rich blocks: blank lines at the top, tight inside lists, a
// bare ">" line inside quotes so the quote goes on.
func blockSep(c rctx) string {
	switch {
	case c.indent != "":
		return "\n"
	case c.quote != "":
		return "\n>\n"
	}
	return "\n\n"
}

// rich writes rich text; the first item gets first as its separator.
func (w *richWriter) rich(rich formatting.Rich, c rctx, first string) {
	for _, rb := range rich {
		before := len(w.items)
		w.block(rb, c, first)
		if len(w.items) > before {
			first = blockSep(c)
		}
	}
}

func (w *richWriter) block(rb formatting.RichBlock, c rctx, sep string) {
	switch b := rb.(type) {
	case *formatting.Para:
		if b != nil {
			w.spans(b.Spans, c, sep)
		}
	case *formatting.Heading:
		if b != nil {
			w.spans(withMarks(b.Spans, formatting.Bold), c, sep)
		}
	case *formatting.List:
		if b != nil {
			w.list(b, c, sep)
		}
	case *formatting.CodeBlock:
		if b != nil {
			w.code(b.Code, c, sep)
		}
	case *formatting.Quote:
		if b != nil {
			q := c
			q.quote = "> "
			w.rich(b.Body, q, sep)
		}
	case *formatting.Table:
		if b != nil {
			w.table(b, c, sep)
		}
	case *formatting.Rule:
		w.items = append(w.items, item{rule: true})
	}
}

func withMarks(spans []formatting.Span, m formatting.Mark) []formatting.Span {
	out := make([]formatting.Span, len(spans))
	for i, s := range spans {
		s.Marks |= m
		out[i] = s
	}
	return out
}

// prefixes returns the prefix of the next line and of the lines after it.
func (w *richWriter) prefixes(c rctx) (first, rest string) {
	rest = c.quote + c.indent
	first = rest
	if w.lead != "" {
		first = c.quote + w.lead
		w.lead = ""
	}
	return first, rest
}

// spans writes a paragraph: one item per line, lines too long cut into pieces.
func (w *richWriter) spans(spans []formatting.Span, c rctx, sep string) {
	sc := w.sc
	sc.spans, sc.ends = appendLines(sc.spans[:0], sc.ends[:0], spans)
	// Each line's runs, with the line's end in runs in place of its end in spans.
	sc.runs, sc.atoms = sc.runs[:0], sc.atoms[:0]
	from := 0
	for i, end := range sc.ends {
		sc.runs, sc.atoms = sc.appendLineRuns(sc.runs, sc.atoms, sc.spans[from:end])
		from, sc.ends[i] = end, len(sc.runs)
	}
	line := func(i int) []run {
		if i == 0 {
			return sc.runs[:sc.ends[0]]
		}
		return sc.runs[sc.ends[i-1]:sc.ends[i]]
	}
	// Blank lines at the edges of a paragraph show nothing.
	lo, hi := 0, len(sc.ends)
	for lo < hi && !hasText(line(lo)) {
		lo++
	}
	for hi > lo && !hasText(line(hi-1)) {
		hi--
	}
	for i := lo; i < hi; i++ {
		rl := line(i)
		first, rest := w.prefixes(c)
		s := sep
		if i > lo {
			s = "\n"
		}
		if !hasText(rl) {
			w.add(s, strings.TrimRight(first, " "), nil, false)
			continue
		}
		if sc.line = appendBody(sc.line[:0], rl); lenU(first)+lenUBytes(sc.line) <= w.limit {
			w.add(s, first, sc.line, false)
			continue
		}
		budget := w.limit - lenU(first) - 2
		if r := w.limit - lenU(rest) - 2; r < budget {
			budget = r
		}
		for k, piece := range splitRuns(rl, budget) {
			p := first
			if k > 0 {
				p = rest
			}
			sc.line = appendBody(sc.line[:0], piece)
			w.add(s, p, sc.line, k > 0)
		}
	}
}

func (w *richWriter) list(l *formatting.List, c rctx, sep string) {
	n := l.Start
	if n == 0 {
		n = 1
	}
	for i, it := range l.Items {
		marker := bullets[c.depth%len(bullets)]
		if l.Ordered {
			marker = strconv.Itoa(n+i) + ". "
		}
		lead := c.indent + marker
		if w.lead != "" { // a list that opens an item goes on the item's first line
			lead = w.lead + marker
		}
		ic := c
		ic.depth++
		if c.depth < maxDepth {
			ic.indent = c.indent + strings.Repeat(" ", lenU(marker))
		}
		s := sep
		if i > 0 {
			s = "\n"
		}
		w.lead = lead
		before := len(w.items)
		w.rich(it, ic, s)
		if len(w.items) == before { // an empty item still shows its marker
			w.add(s, strings.TrimRight(c.quote+lead, " "), nil, false)
		}
		w.lead = ""
	}
}

func (w *richWriter) table(t *formatting.Table, c rctx, sep string) {
	for ri, row := range t.Rows {
		var spans []formatting.Span
		for ci, cell := range row {
			if ci > 0 {
				spans = append(spans, formatting.Span{Text: " | "})
			}
			for _, sp := range cell {
				sp.Text = strings.ReplaceAll(sp.Text, "\n", " ")
				if t.Header && ri == 0 {
					sp.Marks |= formatting.Bold
				}
				spans = append(spans, sp)
			}
		}
		before := len(w.items)
		w.spans(spans, c, sep)
		if len(w.items) > before {
			sep = "\n"
		}
	}
}

// code writes a code block as fenced chunks that each fit the limit.
func (w *richWriter) code(code string, c rctx, sep string) {
	code = strings.TrimRight(strings.ReplaceAll(code, "\r", ""), "\n")
	if strings.TrimSpace(code) == "" {
		return
	}
	first, rest := w.prefixes(c)
	open, close := first+"```", rest+"```"
	base := lenU(open) + 1 + 1 + lenU(close)
	room := w.limit - base - lenU(rest)
	if room < 16 {
		room = 16
	}
	var lines []string
	for _, l := range strings.Split(code, "\n") {
		lines = append(lines, cutEscaped(escapeCodeLine(l), room)...)
	}
	var cur []string
	cost := base
	flush := func() {
		if len(cur) == 0 {
			return
		}
		w.add(sep, open+"\n"+strings.Join(cur, "\n")+"\n"+close, nil, false)
		sep, open = "\n", rest+"```"
		cur, cost = nil, lenU(open)+2+lenU(close)
	}
	for _, l := range lines {
		l = rest + l
		if len(cur) > 0 && cost+lenU(l)+1 > w.limit {
			flush()
		}
		cur = append(cur, l)
		cost += lenU(l) + 1
	}
	flush()
}

// A chunk is the text of one section (or context element), or a rule between them.
type chunk struct {
	text string
	rule bool
}

// pack joins the items into chunks of at most limit. A chunk is items that follow
// each other with their separators: one piece of out, no copy.
func (w *richWriter) pack(limit int) []chunk {
	all := w.out.String()
	out := w.sc.chunks
	first := len(out)
	from, to, n := 0, 0, 0 // the chunk so far: all[from:to], n characters; none when n is 0
	flush := func() {
		if s := all[from:to]; n > 0 && strings.TrimSpace(s) != "" {
			out = append(out, chunk{text: s})
		}
		n = 0
	}
	for _, it := range w.items {
		if it.rule {
			flush()
			out = append(out, chunk{rule: true})
			continue
		}
		text := all[it.start:it.end]
		if n == 0 || it.brk || n+lenU(it.sep)+it.n > limit {
			flush()
			if strings.TrimSpace(text) == "" {
				continue
			}
			from, to, n = it.start, it.end, it.n
			continue
		}
		to = it.end
		n += lenU(it.sep) + it.n
	}
	flush()
	w.sc.items, w.items = w.items[:0], nil
	w.sc.chunks = out
	if w.out == &w.sc.out {
		w.sc.busy = false
	}
	return out[first:len(out):len(out)]
}

// richChunks renders rich text into chunks of at most limit.
func (sc *scratch) richChunks(r formatting.Rich, limit int) []chunk {
	var w richWriter
	sc.initWriter(&w, limit, richSize(r))
	w.rich(r, rctx{}, "")
	return w.pack(limit)
}

// spanChunks renders one paragraph into chunks of at most limit.
func (sc *scratch) spanChunks(limit int, spans ...formatting.Span) []chunk {
	var w richWriter
	sc.initWriter(&w, limit, spansSize(spans))
	w.spans(spans, rctx{}, "")
	return w.pack(limit)
}

// richSize is about the size of r in mrkdwn: its text and links, with room for
// markers and the odd entity, so that a writer's output seldom grows.
func richSize(r formatting.Rich) int {
	n := 0
	for _, rb := range r {
		switch b := rb.(type) {
		case *formatting.Para:
			if b != nil {
				n += spansSize(b.Spans) + 2
			}
		case *formatting.Heading:
			if b != nil {
				n += spansSize(b.Spans) + 2
			}
		case *formatting.List:
			if b != nil {
				for _, it := range b.Items {
					n += richSize(it) + 8
				}
			}
		case *formatting.CodeBlock:
			if b != nil {
				n += len(b.Code) + len(b.Code)/8 + 16
			}
		case *formatting.Quote:
			if b != nil {
				n += richSize(b.Body) + 16
			}
		case *formatting.Table:
			if b != nil {
				for _, row := range b.Rows {
					for _, cell := range row {
						n += spansSize(cell) + 3
					}
				}
			}
		}
	}
	return n
}

func spansSize(spans []formatting.Span) int {
	n := 0
	for _, sp := range spans {
		n += len(sp.Text) + len(sp.Link) + len(sp.Text)/16 + 8
	}
	return n
}
