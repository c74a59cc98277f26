package slackfmt

import (
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// An item is a piece of mrkdwn that is never cut: one line, or one fenced code
// chunk. Every line in it already carries its quote/list prefix.
type item struct {
	text string
	sep  string // goes before it when it is not the first in its section
	brk  bool   // continues a line that was cut: start a new section
	rule bool   // a horizontal rule: ends the section
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
	lead  string // a list marker waiting for the next line, replacing the indent
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
	lines := splitLines(spans)
	var runs [][]run
	for _, l := range lines {
		runs = append(runs, lineRuns(l))
	}
	// Blank lines at the edges of a paragraph show nothing.
	for len(runs) > 0 && !hasText(runs[0]) {
		runs = runs[1:]
	}
	for len(runs) > 0 && !hasText(runs[len(runs)-1]) {
		runs = runs[:len(runs)-1]
	}
	if len(runs) == 0 {
		return
	}
	for i, rl := range runs {
		first, rest := w.prefixes(c)
		s := sep
		if i > 0 {
			s = "\n"
		}
		if !hasText(rl) {
			w.items = append(w.items, item{text: strings.TrimRight(first, " "), sep: s})
			continue
		}
		if body := lineBody(rl); lenU(first)+lenU(body) <= w.limit {
			w.items = append(w.items, item{text: first + body, sep: s})
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
			w.items = append(w.items, item{text: p + lineBody(piece), sep: s, brk: k > 0})
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
			w.items = append(w.items, item{text: strings.TrimRight(c.quote+lead, " "), sep: s})
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
		w.items = append(w.items, item{text: open + "\n" + strings.Join(cur, "\n") + "\n" + close, sep: sep})
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

// pack joins items into chunks of at most limit.
func pack(items []item, limit int) []chunk {
	var out []chunk
	var cur strings.Builder
	n := 0
	flush := func() {
		if s := cur.String(); strings.TrimSpace(s) != "" {
			out = append(out, chunk{text: s})
		}
		cur.Reset()
		n = 0
	}
	for _, it := range items {
		if it.rule {
			flush()
			out = append(out, chunk{rule: true})
			continue
		}
		l := lenU(it.text)
		if n == 0 {
			if strings.TrimSpace(it.text) == "" {
				continue
			}
			cur.WriteString(it.text)
			n = l
			continue
		}
		if it.brk || n+lenU(it.sep)+l > limit {
			flush()
			if strings.TrimSpace(it.text) == "" {
				continue
			}
			cur.WriteString(it.text)
			n = l
			continue
		}
		cur.WriteString(it.sep)
		cur.WriteString(it.text)
		n += lenU(it.sep) + l
	}
	flush()
	return out
}

// richChunks renders rich text into chunks of at most limit.
func richChunks(r formatting.Rich, limit int) []chunk {
	w := richWriter{limit: limit}
	w.rich(r, rctx{}, "")
	return pack(w.items, limit)
}
