package tgfmt

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/internal/arena"
)

// Language-neutral decorations.
const (
	ruleText   = "──────────"
	quoteBar   = "│ "
	cellSep    = " | "
	fieldSep   = ": "
	subtleMark = formatting.Italic // Text.Context: Telegram has no small print
)

var bullets = [...]string{"• ", "◦ ", "▪ "}

// rctx is where rich text is being rendered.
type rctx struct {
	// quote: lines sit in a <blockquote>.
	quote bool
	// flat: no block entities may start here (inside a list item or a quote, since
	// Telegram does not nest them): code blocks become inline code lines and quotes
	// become "│ " lines.
	flat bool
	// tight: blocks follow each other without a blank line (list items).
	tight bool
	// marks are added to every span (Italic for context text).
	marks formatting.Mark
	// depth is the list nesting depth, for the bullet shape.
	depth int
	// sc hands out the runs and tags (nil: each is allocated on its own).
	sc *scratch
}

// scratch hands out the runs and tags of one Render from a few large arrays, so
// that a paragraph does not allocate its own.
type scratch struct {
	runs arena.Of[run]
	tags arena.Of[tag]
}

// newScratch sizes the arrays: a typical answer takes about fifty runs and a
// dozen tags.
func newScratch() scratch {
	return scratch{runs: arena.Of[run]{Chunk: 64}, tags: arena.Of[tag]{Chunk: 16}}
}

// takeRuns returns an empty slice with room for n runs.
func (sc *scratch) takeRuns(n int) []run {
	if sc == nil {
		return make([]run, 0, n)
	}
	return sc.runs.Take(n)
}

// takeTags returns an empty slice with room for n tags.
func (sc *scratch) takeTags(n int) []tag {
	if sc == nil {
		return make([]tag, 0, n)
	}
	return sc.tags.Take(n)
}

func (c rctx) block() []tag {
	if c.quote {
		return blockQuoted
	}
	return nil
}

// richLines renders rich text as lines, appended to dst.
func richLines(dst []line, rb formatting.Rich, c rctx) []line {
	base := len(dst)
	for _, b := range rb {
		n := len(dst)
		if n > base && !c.tight {
			dst = append(dst, line{block: c.block()})
		}
		m := len(dst)
		if dst = richBlock(dst, b, c); len(dst) == m {
			dst = dst[:n] // nothing to separate
		}
	}
	return dst
}

// richBlock renders a block as lines, appended to dst.
func richBlock(dst []line, b formatting.RichBlock, c rctx) []line {
	switch b := b.(type) {
	case *formatting.Para:
		if b == nil {
			return dst
		}
		return spanLines(dst, c.sc, b.Spans, c.marks, c.block())
	case *formatting.Heading:
		if b == nil {
			return dst
		}
		return spanLines(dst, c.sc, b.Spans, c.marks|formatting.Bold, c.block())
	case *formatting.List:
		if b == nil {
			return dst
		}
		return listLines(dst, b, c)
	case *formatting.CodeBlock:
		if b == nil {
			return dst
		}
		return append(dst, codeLines(b, c)...)
	case *formatting.Quote:
		if b == nil {
			return dst
		}
		if c.flat {
			inner := c
			inner.tight = true
			n := len(dst)
			dst = richLines(dst, b.Body, inner)
			prefixLines(c.sc, dst[n:], quoteBar, quoteBar)
			return dst
		}
		return richLines(dst, b.Body, rctx{quote: true, flat: true, marks: c.marks, sc: c.sc})
	case *formatting.Table:
		if b == nil {
			return dst
		}
		return append(dst, tableLines(b, c)...)
	case *formatting.Rule:
		return append(dst, line{block: c.block(), runs: []run{{text: ruleText, deco: true}}})
	}
	return dst
}

// spanLines renders inline spans as lines appended to dst, breaking lines at
// "\n". Lines that are all blank at the start and end are dropped, so an empty
// paragraph renders as nothing. The lines' runs are ranges of one array, each
// capped at its end, so a line that grows elsewhere gets an array of its own.
func spanLines(dst []line, sc *scratch, spans []formatting.Span, marks formatting.Mark, block []tag) []line {
	// clean turns a "\r" into at most one "\n", and what spanRun adds holds
	// none, so this bounds the runs.
	breaks := 0
	for _, sp := range spans {
		breaks += strings.Count(sp.Text, "\n") + strings.Count(sp.Text, "\r")
	}
	base := len(dst)
	runs := sc.takeRuns(breaks + len(spans))
	start := 0 // where the current line's runs begin
	endLine := func() {
		l := trimLine(line{block: block, runs: runs[start:len(runs):len(runs)]})
		start = len(runs)
		// Blank lines at the start are dropped; runs of them show as one gap.
		if !lineBlank(l) || len(dst) > base && !lineBlank(dst[len(dst)-1]) {
			dst = append(dst, l)
		}
	}
	for _, sp := range spans {
		text, tags := spanRun(sc, sp, marks)
		for {
			i := strings.IndexByte(text, '\n')
			seg := text
			if i >= 0 {
				seg = text[:i]
			}
			if seg != "" {
				runs = append(runs, run{text: seg, tags: tags})
			}
			if i < 0 {
				break
			}
			endLine()
			text = text[i+1:]
		}
	}
	endLine()
	for len(dst) > base && lineBlank(dst[len(dst)-1]) {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// Tag lists shared by every run that has them, never appended to in place
// (capacity = length): a run's tags are read-only once made.
var (
	blockQuoted = []tag{tagBlockquote}
	codeTags    = []tag{tagCode}
	// markTags[m] is the tags of marks m (Bold, Italic, Underline, Strike), in
	// canonical order.
	markTags = func() (t [16][]tag) {
		for m := range t {
			for i, tg := range []tag{tagBold, tagItalic, tagUnderline, tagStrike} {
				if m&(1<<i) != 0 {
					t[m] = append(t[m], tg)
				}
			}
			t[m] = t[m][:len(t[m]):len(t[m])]
		}
		return t
	}()
)

// spanRun returns the text and the inline elements of a span. Only http(s) links
// become <a>; a mailto:/tel: link shows its address; any other link shows its text
// only. Telegram allows nothing inside <code> and <code> inside nothing inline, so
// a code span carries no other style, and a linked code span is a plain link.
func spanRun(sc *scratch, sp formatting.Span, marks formatting.Mark) (string, []tag) {
	text := clean(sp.Text)
	marks |= sp.Marks
	var href string
	if sp.Link != "" {
		if h, ok := httpURL(sp.Link); ok {
			href = h
			if isBlank(text) {
				text = href
			}
			marks &^= formatting.Code
		} else if addr, ok := contactAddr(sp.Link); ok {
			switch {
			case isBlank(text):
				text = addr
			case !strings.Contains(text, addr):
				text += " (" + addr + ")"
			}
		}
	}
	if marks&formatting.Code != 0 {
		return text, codeTags
	}
	styles := markTags[marks&(formatting.Bold|formatting.Italic|formatting.Underline|formatting.Strike)]
	if href == "" {
		return text, styles
	}
	tags := sc.takeTags(1 + len(styles))
	return text, append(append(tags, tag{name: "a", attr: href}), styles...)
}

func trimLine(l line) line {
	// Trailing spaces are invisible and only cost length.
	for len(l.runs) > 0 {
		last := &l.runs[len(l.runs)-1]
		t := strings.TrimRight(last.text, " \t")
		if t != "" {
			last.text = t
			break
		}
		l.runs = l.runs[:len(l.runs)-1]
	}
	return l
}

func lineBlank(l line) bool { return runsBlank(l.runs) }

// listLines renders a list as lines appended to dst.
func listLines(dst []line, l *formatting.List, c rctx) []line {
	start := l.Start
	if start == 0 {
		start = 1
	}
	inner := rctx{quote: c.quote, flat: true, tight: true, marks: c.marks, depth: c.depth + 1, sc: c.sc}
	for i, item := range l.Items {
		marker := bullets[min(c.depth, len(bullets)-1)]
		if l.Ordered {
			marker = strconv.Itoa(start+i) + ". "
		}
		n := len(dst)
		if dst = richLines(dst, item, inner); len(dst) == n {
			dst = append(dst, line{block: c.block()})
		}
		prefixLines(c.sc, dst[n:], marker, pad(utf8.RuneCountInString(marker)+1))
	}
	return dst
}

// pad is n spaces.
func pad(n int) string {
	const spaces = "                "
	if n <= len(spaces) {
		return spaces[:n]
	}
	return strings.Repeat(" ", n)
}

// prefixLines puts first before the first line and rest before every other
// non-blank line.
func prefixLines(sc *scratch, ls []line, first, rest string) {
	for i := range ls {
		p := rest
		if i == 0 {
			p = first
		} else if lineBlank(ls[i]) {
			continue
		}
		runs := sc.takeRuns(len(ls[i].runs) + 1)
		ls[i].runs = append(append(runs, run{text: p, deco: true}), ls[i].runs...)
	}
}

func codeLines(b *formatting.CodeBlock, c rctx) []line {
	code := strings.Trim(clean(b.Code), "\n")
	if isBlank(code) {
		return nil
	}
	texts := strings.Split(code, "\n")
	out := make([]line, 0, len(texts))
	if c.flat {
		for _, t := range texts {
			l := line{block: c.block()}
			if t != "" {
				l.runs = []run{{text: t, tags: []tag{tagCode}}}
			}
			out = append(out, l)
		}
		return out
	}
	block := []tag{tagPre}
	if lang := codeLang(b.Lang); lang != "" {
		block = []tag{tagPre, {name: "code", attr: lang}}
	}
	for _, t := range texts {
		l := line{block: block}
		if t != "" {
			l.runs = []run{{text: t}}
		}
		out = append(out, l)
	}
	return out
}

// codeLang keeps a language name Telegram can use for highlighting and drops
// anything else.
func codeLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > 32 {
		return ""
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '#' || c == '_' || c == '-' || c == '.') {
			return ""
		}
	}
	return s
}

// tableLines renders a table as "a | b" lines, the header row bold. Monospace
// tables (<pre>) would lose links and styles and still misalign CJK text.
func tableLines(t *formatting.Table, c rctx) []line {
	var out []line
	for i, row := range t.Rows {
		marks := c.marks
		if i == 0 && t.Header {
			marks |= formatting.Bold
		}
		l := line{block: c.block()}
		content := false
		for j, cell := range row {
			if j > 0 {
				l.runs = append(l.runs, run{text: cellSep, deco: true})
			}
			for _, sp := range cell {
				text, tags := spanRun(c.sc, sp, marks)
				text = strings.Map(func(r rune) rune {
					if r == '\n' || r == '\t' {
						return ' '
					}
					return r
				}, text)
				if text != "" {
					l.runs = append(l.runs, run{text: text, tags: tags})
					content = content || !isBlank(text)
				}
			}
		}
		if content {
			out = append(out, trimLine(l))
		}
	}
	return out
}
