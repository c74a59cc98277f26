package discordfmt

import (
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

type lineKind uint8

const (
	lkText       lineKind = iota // inline spans
	lkBlank                      // paragraph break: the preferred place to split
	lkFenceOpen                  // ```lang
	lkCode                       // a line of code
	lkFenceClose                 // ```
	lkRaw                        // fixed markdown (a rule)
)

// line is one line of markdown before it is packed into messages. Splitting works
// on lines: between lines first, inside a text line only when it alone is too long.
type line struct {
	kind   lineKind
	prefix string // written first: list markers, "> ", "-# ", "### "
	cont   string // prefix of the continuation when a long text line is cut
	spans  []span // lkText
	text   string // lkCode: neutralised code; lkRaw: markdown; fences: language
}

// appendMarkdown renders the line, appending to dst.
func (l line) appendMarkdown(dst []byte) []byte {
	switch l.kind {
	case lkText:
		start := len(dst)
		dst = appendInline(append(dst, l.prefix...), l.spans)
		for len(dst) > start && (dst[len(dst)-1] == ' ' || dst[len(dst)-1] == '\t') {
			dst = dst[:len(dst)-1]
		}
		return dst
	case lkBlank:
		return dst
	case lkFenceOpen:
		return append(append(append(dst, l.prefix...), "```"...), l.text...)
	case lkFenceClose:
		return append(append(dst, l.prefix...), "```"...)
	default:
		return append(append(dst, l.prefix...), l.text...)
	}
}

// mdSize is about the size of the markdown of ls, so that its buffer grows
// seldom: the text, an eighth more for escapes, links twice, and room for
// markers and separators.
func mdSize(ls []line) int {
	n := 0
	for _, l := range ls {
		n += len(l.prefix) + len(l.text) + 8
		for _, s := range l.spans {
			n += len(s.text) + len(s.text)/8 + 2*len(s.link) + 8
		}
	}
	return n
}

// lctx is where a rich block sits.
type lctx struct {
	compact bool // inside a list item or quote: no blank lines, headings in bold
	quoted  bool
	depth   int // list nesting
	plainH  bool
}

// richLines renders rich text as lines, blocks separated by blank lines.
func richLines(r formatting.Rich, c lctx) []line {
	var out []line
	for _, b := range r {
		ls := blockLines(b, c)
		if len(ls) == 0 {
			continue
		}
		if len(out) > 0 && !c.compact {
			out = append(out, line{kind: lkBlank})
		}
		out = append(out, ls...)
	}
	return out
}

func textLines(spans []formatting.Span) []line {
	sl := spanLines(spans)
	for i, l := range sl {
		if blankSpans(l) {
			sl[i] = nil
		}
	}
	for len(sl) > 0 && len(sl[0]) == 0 {
		sl = sl[1:]
	}
	for len(sl) > 0 && len(sl[len(sl)-1]) == 0 {
		sl = sl[:len(sl)-1]
	}
	out := make([]line, 0, len(sl))
	for _, s := range sl {
		out = append(out, line{kind: lkText, spans: s})
	}
	return out
}

func blockLines(b formatting.RichBlock, c lctx) []line {
	switch b := b.(type) {
	case *formatting.Para:
		if b == nil {
			return nil
		}
		return textLines(b.Spans)
	case *formatting.Heading:
		if b == nil {
			return nil
		}
		return headingLines(b, c)
	case *formatting.List:
		if b == nil {
			return nil
		}
		return listLines(b, c)
	case *formatting.CodeBlock:
		if b == nil {
			return nil
		}
		return codeLines(b)
	case *formatting.Quote:
		if b == nil {
			return nil
		}
		inner := richLines(b.Body, lctx{compact: true, quoted: true, depth: c.depth, plainH: true})
		if c.quoted { // Discord quotes do not nest
			return inner
		}
		for i := range inner {
			inner[i].prefix = "> " + inner[i].prefix
			inner[i].cont = "> " + inner[i].cont
		}
		return inner
	case *formatting.Table:
		if b == nil {
			return nil
		}
		return tableLines(b)
	case *formatting.Rule:
		if b == nil {
			return nil
		}
		return []line{{kind: lkRaw, text: ruleText}}
	}
	return nil
}

// ruleText stands in for a horizontal rule, which Discord markdown lacks.
const ruleText = "──────────"

func headingLines(h *formatting.Heading, c lctx) []line {
	var spans []formatting.Span
	for _, s := range h.Spans {
		s.Text = strings.ReplaceAll(s.Text, "\n", " ")
		spans = append(spans, s)
	}
	if c.compact || c.plainH || h.Level >= 4 || h.Level < 1 {
		for i := range spans {
			spans[i].Marks |= formatting.Bold
		}
		return textLines(spans)
	}
	ls := textLines(spans)
	if len(ls) == 0 {
		return nil
	}
	// Discord has three heading sizes; a chat answer reads best with the smaller two.
	p := "### "
	if h.Level == 1 {
		p = "## "
	}
	ls[0].prefix, ls[0].cont = p, p
	return ls[:1]
}

func listLines(l *formatting.List, c lctx) []line {
	var out []line
	start := l.Start
	if start == 0 {
		start = 1
	}
	for i, item := range l.Items {
		marker := "- "
		if l.Ordered {
			marker = strconv.Itoa(start+i) + ". "
		}
		indent := strings.Repeat(" ", len(marker))
		if c.depth >= maxNesting {
			indent = ""
		}
		inner := richLines(item, lctx{compact: true, quoted: c.quoted, depth: c.depth + 1, plainH: true})
		if len(inner) == 0 || inner[0].kind != lkText {
			inner = append([]line{{kind: lkText}}, inner...)
		}
		for j := range inner {
			if inner[j].kind == lkFenceOpen || inner[j].kind == lkCode || inner[j].kind == lkFenceClose {
				continue // indented fences stop being fences
			}
			if j == 0 {
				inner[j].prefix = marker + inner[j].prefix
			} else {
				inner[j].prefix = indent + inner[j].prefix
			}
			inner[j].cont = indent + inner[j].cont
		}
		out = append(out, inner...)
	}
	return out
}

func codeLines(cb *formatting.CodeBlock) []line {
	code := strings.Trim(sanitize(cb.Code), "\n")
	if strings.TrimSpace(code) == "" {
		return nil
	}
	lang := ""
	for _, r := range cb.Lang {
		if r < 0x80 && (r == '+' || r == '-' || r == '_' || r == '.' || r == '#' ||
			('0' <= r && r <= '9') || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')) {
			lang += string(r)
		}
	}
	lang = strings.ToLower(truncate(lang, 20))
	code = neutralizeCode(code, true)
	out := []line{{kind: lkFenceOpen, text: lang}}
	for _, s := range strings.Split(code, "\n") {
		out = append(out, line{kind: lkCode, text: s})
	}
	return append(out, line{kind: lkFenceClose})
}

// tableSep separates table cells; Discord markdown has no tables.
const tableSep = " │ "

func tableLines(t *formatting.Table) []line {
	var out []line
	for ri, row := range t.Rows {
		var spans []formatting.Span
		for ci, cell := range row {
			if ci > 0 {
				spans = append(spans, formatting.Span{Text: tableSep})
			}
			for _, s := range cell {
				s.Text = strings.ReplaceAll(s.Text, "\n", " ")
				if t.Header && ri == 0 {
					s.Marks |= formatting.Bold
				}
				spans = append(spans, s)
			}
		}
		out = append(out, textLines(spans)...)
	}
	return out
}

// subtext turns lines into Discord's small "-# " text. Code keeps its fences.
func subtext(ls []line) []line {
	for i := range ls {
		switch ls[i].kind {
		case lkText:
			if len(ls[i].spans) == 0 && ls[i].prefix == "" {
				ls[i].kind = lkBlank
				continue
			}
			fallthrough
		case lkRaw:
			ls[i].prefix = "-# " + ls[i].prefix
			ls[i].cont = "-# " + ls[i].cont
		}
	}
	return ls
}

// spansLine is a single text line made of spans (labels, notes).
func spansLine(spans ...formatting.Span) []line {
	return textLines(spans)
}

func blankSpans(sp []span) bool {
	for _, s := range sp {
		if strings.TrimSpace(s.text) != "" {
			return false
		}
	}
	return true
}
