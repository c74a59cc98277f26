package discordfmt

import (
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/internal/arena"
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
	// spans hands out the lines' spans (nil: each line's are allocated alone).
	spans *arena.Of[span]
}

// richLines renders rich text as lines, blocks separated by blank lines.
func richLines(r formatting.Rich, c lctx) []line { return appendRich(nil, r, c) }

// appendRich is richLines appending to dst.
func appendRich(dst []line, r formatting.Rich, c lctx) []line {
	base := len(dst)
	for _, b := range r {
		n := len(dst)
		if n > base && !c.compact {
			dst = append(dst, line{kind: lkBlank})
		}
		m := len(dst)
		if dst = appendBlock(dst, b, c); len(dst) == m {
			dst = dst[:n] // nothing to separate
		}
	}
	return dst
}

func textLines(spans []formatting.Span) []line { return appendText(nil, nil, spans) }

// appendText turns model spans into text lines of normalised spans, appended
// to dst. Hard breaks end lines; links Discord cannot show (mailto, tel,
// anything else) become text; neighbours with the same style are merged so
// markers never touch. Blank lines at either end are dropped; inside, a blank
// line has no spans. The lines' spans are ranges of one array, each capped at
// its end.
func appendText(dst []line, sa *arena.Of[span], in []formatting.Span) []line {
	// sanitize turns a "\r" into at most one "\n", and what replaces a link's
	// text holds none, so this bounds the spans.
	breaks := 0
	for _, s := range in {
		breaks += strings.Count(s.Text, "\n") + strings.Count(s.Text, "\r")
	}
	all := sa.Take(len(in) + breaks)
	base, start := len(dst), 0 // start: where the current line's spans begin in all
	endLine := func() {
		l := line{kind: lkText}
		if sp := all[start:len(all):len(all)]; !blankSpans(sp) {
			l.spans = sp
		}
		start = len(all)
		if len(l.spans) > 0 || len(dst) > base {
			dst = append(dst, l)
		}
	}
	for _, s := range in {
		text := sanitize(s.Text)
		marks := s.Marks & markMask
		link := ""
		if s.Link != "" {
			if u, ok := safeURL(s.Link); ok && runes(u) <= maxLinkTargetRune {
				link = u
				if strings.TrimSpace(text) == "" {
					text = oneLine(s.Link)
				}
			} else {
				text = linkAsText(text, s.Link)
			}
		}
		for {
			p, rest, more := strings.Cut(text, "\n")
			if p != "" {
				if n := len(all); n > start && all[n-1].marks == marks && all[n-1].link == link {
					all[n-1].text += p
				} else {
					all = append(all, span{text: p, marks: marks, link: link})
				}
			}
			if !more {
				break
			}
			endLine()
			text = rest
		}
	}
	endLine()
	for len(dst) > base && len(dst[len(dst)-1].spans) == 0 {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// appendBlock renders a block as lines appended to dst.
func appendBlock(dst []line, b formatting.RichBlock, c lctx) []line {
	switch b := b.(type) {
	case *formatting.Para:
		if b == nil {
			return dst
		}
		return appendText(dst, c.spans, b.Spans)
	case *formatting.Heading:
		if b == nil {
			return dst
		}
		return append(dst, headingLines(b, c)...)
	case *formatting.List:
		if b == nil {
			return dst
		}
		return appendList(dst, b, c)
	case *formatting.CodeBlock:
		if b == nil {
			return dst
		}
		return append(dst, codeLines(b)...)
	case *formatting.Quote:
		if b == nil {
			return dst
		}
		n := len(dst)
		dst = appendRich(dst, b.Body, lctx{compact: true, quoted: true, depth: c.depth, plainH: true, spans: c.spans})
		if c.quoted { // Discord quotes do not nest
			return dst
		}
		for i := n; i < len(dst); i++ {
			dst[i].prefix = "> " + dst[i].prefix
			dst[i].cont = "> " + dst[i].cont
		}
		return dst
	case *formatting.Table:
		if b == nil {
			return dst
		}
		return append(dst, tableLines(b)...)
	case *formatting.Rule:
		if b == nil {
			return dst
		}
		return append(dst, line{kind: lkRaw, text: ruleText})
	}
	return dst
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

// appendList renders a list as lines appended to dst.
func appendList(dst []line, l *formatting.List, c lctx) []line {
	start := l.Start
	if start == 0 {
		start = 1
	}
	for i, item := range l.Items {
		marker := "- "
		if l.Ordered {
			marker = strconv.Itoa(start+i) + ". "
		}
		indent := spaces(len(marker))
		if c.depth >= maxNesting {
			indent = ""
		}
		n := len(dst)
		dst = appendRich(dst, item, lctx{compact: true, quoted: c.quoted, depth: c.depth + 1, plainH: true, spans: c.spans})
		if len(dst) == n || dst[n].kind != lkText {
			dst = append(dst, line{})
			copy(dst[n+1:], dst[n:])
			dst[n] = line{kind: lkText}
		}
		for j := n; j < len(dst); j++ {
			if dst[j].kind == lkFenceOpen || dst[j].kind == lkCode || dst[j].kind == lkFenceClose {
				continue // indented fences stop being fences
			}
			if j == n {
				dst[j].prefix = marker + dst[j].prefix
			} else {
				dst[j].prefix = indent + dst[j].prefix
			}
			dst[j].cont = indent + dst[j].cont
		}
	}
	return dst
}

// spaces is n spaces.
func spaces(n int) string {
	const s = "                "
	if n <= len(s) {
		return s[:n]
	}
	return strings.Repeat(" ", n)
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
