package tgfmt

import (
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
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
}

func (c rctx) block() []tag {
	if c.quote {
		return blockQuoted
	}
	return nil
}

// richLines renders rich text as lines.
func richLines(rb formatting.Rich, c rctx) []line {
	var out []line
	for _, b := range rb {
		ls := richBlock(b, c)
		if len(ls) == 0 {
			continue
		}
		if len(out) > 0 && !c.tight {
			out = append(out, line{block: c.block()})
		}
		out = append(out, ls...)
	}
	return out
}

func richBlock(b formatting.RichBlock, c rctx) []line {
	switch b := b.(type) {
	case *formatting.Para:
		if b == nil {
			return nil
		}
		return spanLines(b.Spans, c.marks, c.block())
	case *formatting.Heading:
		if b == nil {
			return nil
		}
		return spanLines(b.Spans, c.marks|formatting.Bold, c.block())
	case *formatting.List:
		if b == nil {
			return nil
		}
		return listLines(b, c)
	case *formatting.CodeBlock:
		if b == nil {
			return nil
		}
		return codeLines(b, c)
	case *formatting.Quote:
		if b == nil {
			return nil
		}
		if c.flat {
			inner := c
			inner.tight = true
			return prefixLines(richLines(b.Body, inner), quoteBar, quoteBar)
		}
		return richLines(b.Body, rctx{quote: true, flat: true, marks: c.marks})
	case *formatting.Table:
		if b == nil {
			return nil
		}
		return tableLines(b, c)
	case *formatting.Rule:
		return []line{{block: c.block(), runs: []run{{text: ruleText, deco: true}}}}
	}
	return nil
}

// spanLines renders inline spans, breaking lines at "\n". Lines that are all blank
// at the start and end are dropped, so an empty paragraph renders as nothing. The
// lines' runs are ranges of one array, each capped at its end, so a line that
// grows elsewhere gets an array of its own.
func spanLines(spans []formatting.Span, marks formatting.Mark, block []tag) []line {
	// clean turns a "\r" into at most one "\n", and what spanRun adds holds
	// none, so this bounds the lines and runs.
	breaks := 0
	for _, sp := range spans {
		breaks += strings.Count(sp.Text, "\n") + strings.Count(sp.Text, "\r")
	}
	out := make([]line, 0, breaks+1)
	runs := make([]run, 0, breaks+len(spans))
	start := 0 // where the current line's runs begin
	endLine := func() line {
		l := trimLine(line{block: block, runs: runs[start:len(runs):len(runs)]})
		start = len(runs)
		return l
	}
	for _, sp := range spans {
		text, tags := spanRun(sp, marks)
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
			// Runs of empty lines show as one gap.
			if l := endLine(); !(lineBlank(l) && len(out) > 0 && lineBlank(out[len(out)-1])) {
				out = append(out, l)
			}
			text = text[i+1:]
		}
	}
	out = append(out, endLine())
	for len(out) > 0 && lineBlank(out[0]) {
		out = out[1:]
	}
	for len(out) > 0 && lineBlank(out[len(out)-1]) {
		out = out[:len(out)-1]
	}
	return out
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
func spanRun(sp formatting.Span, marks formatting.Mark) (string, []tag) {
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
	tags := make([]tag, 0, 1+len(styles))
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

func listLines(l *formatting.List, c rctx) []line {
	start := l.Start
	if start == 0 {
		start = 1
	}
	inner := rctx{quote: c.quote, flat: true, tight: true, marks: c.marks, depth: c.depth + 1}
	var out []line
	for i, item := range l.Items {
		marker := bullets[min(c.depth, len(bullets)-1)]
		if l.Ordered {
			marker = strconv.Itoa(start+i) + ". "
		}
		ls := richLines(item, inner)
		if len(ls) == 0 {
			ls = []line{{block: c.block()}}
		}
		pad := strings.Repeat(" ", len([]rune(marker))+1)
		out = append(out, prefixLines(ls, marker, pad)...)
	}
	return out
}

// prefixLines puts first before the first line and rest before every other
// non-blank line.
func prefixLines(ls []line, first, rest string) []line {
	for i := range ls {
		p := rest
		if i == 0 {
			p = first
		} else if lineBlank(ls[i]) {
			continue
		}
		ls[i].runs = append([]run{{text: p, deco: true}}, ls[i].runs...)
	}
	return ls
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
				text, tags := spanRun(sp, marks)
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
