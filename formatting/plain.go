package formatting

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParsePlain converts plain text (msgType plain) into rich text: blank lines
// separate paragraphs, single newlines are line breaks. Nothing is interpreted.
func ParsePlain(s string) Rich {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out Rich
	for _, para := range splitParas(s) {
		var spans []Span
		for i, line := range strings.Split(para, "\n") {
			if i > 0 {
				spans = append(spans, Span{Text: "\n"})
			}
			if line = strings.TrimRightFunc(line, unicode.IsSpace); line != "" {
				spans = append(spans, Span{Text: line})
			}
		}
		if sp := trimSpans(spans); len(sp) > 0 {
			out = append(out, &Para{Spans: sp})
		}
	}
	return out
}

// splitParas splits at lines that are empty or only white space.
func splitParas(s string) []string {
	var paras []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				paras = append(paras, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		paras = append(paras, strings.Join(cur, "\n"))
	}
	return paras
}

// PlainText renders r as plain text for notifications, fallbacks and previews:
// paragraphs separated by blank lines, "• " and "1. " list markers, "> " quotes,
// " | " between table cells, and "text (url)" for links whose text is not the URL.
// Anything that looks like the start of a tag gets a zero-width space after its
// "<", so the text can never be taken for markup by a careless consumer.
func (r Rich) PlainText() string {
	return neutralizeTags(plainText(r))
}

// plainText is PlainText without the tag neutralisation (for text sent back to KM).
func plainText(r Rich) string {
	var b strings.Builder
	writePlain(&b, r, "\n\n")
	return strings.TrimSpace(b.String())
}

func writePlain(b *strings.Builder, r Rich, sep string) {
	for i, rb := range r {
		if isNil(rb) {
			continue
		}
		if i > 0 {
			b.WriteString(sep)
		}
		switch v := rb.(type) {
		case *Para:
			b.WriteString(SpansText(v.Spans))
		case *Heading:
			b.WriteString(SpansText(v.Spans))
		case *List:
			for j, item := range v.Items {
				if j > 0 {
					b.WriteByte('\n')
				}
				marker := "• "
				if v.Ordered {
					start := v.Start
					if start == 0 {
						start = 1
					}
					marker = strconv.Itoa(start+j) + ". "
				}
				var ib strings.Builder
				writePlain(&ib, item, "\n")
				b.WriteString(marker)
				b.WriteString(indent(ib.String(), strings.Repeat(" ", utf8.RuneCountInString(marker))))
			}
		case *CodeBlock:
			b.WriteString(v.Code)
		case *Quote:
			var qb strings.Builder
			writePlain(&qb, v.Body, "\n\n")
			lines := strings.Split(qb.String(), "\n")
			for j, l := range lines {
				if j > 0 {
					b.WriteByte('\n')
				}
				b.WriteString(strings.TrimRight("> "+l, " "))
			}
		case *Table:
			for j, row := range v.Rows {
				if j > 0 {
					b.WriteByte('\n')
				}
				for k, cell := range row {
					if k > 0 {
						b.WriteString(" | ")
					}
					b.WriteString(strings.ReplaceAll(SpansText(cell), "\n", " "))
				}
			}
		case *Rule:
			b.WriteString("——————")
		}
	}
}

// indent prefixes every line but the first with pad.
func indent(s, pad string) string {
	return strings.ReplaceAll(s, "\n", "\n"+pad)
}

// SpansText renders inline spans as plain text, links as "text (url)" unless the
// text already is the URL.
func SpansText(spans []Span) string {
	var b strings.Builder
	for _, sp := range spans {
		b.WriteString(sp.Text)
		if sp.Link != "" && !linkIsText(sp.Link, sp.Text) {
			b.WriteString(" (")
			b.WriteString(sp.Link)
			b.WriteString(")")
		}
	}
	return b.String()
}

func linkIsText(link, text string) bool {
	text = strings.TrimSpace(text)
	if text == link {
		return true
	}
	for _, p := range []string{"mailto:", "tel:", "https://", "http://"} {
		if l, ok := strings.CutPrefix(link, p); ok && (l == text || strings.TrimSuffix(l, "/") == text) {
			return true
		}
	}
	return false
}

// neutralizeTags puts a zero-width space after every "<" that starts something a
// parser would read as markup (a letter, '/', '!' or '?').
func neutralizeTags(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] == '<' && i+1 < len(s) {
			if c := s[i+1]; c == '/' || c == '!' || c == '?' || c >= 0x80 || unicode.IsLetter(rune(c)) {
				b.WriteString("\u200b")
			}
		}
	}
	return b.String()
}
