package bridge

import (
	"strings"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting"
)

// Summary is a plain-text digest of a message, at most n runes: text, titles and
// [button labels], one per line, without markup. The transcript keeps it for bot
// answers; adapters may use it as notification fallback text.
func Summary(m formatting.Message, n int) string {
	var b strings.Builder
	line := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	buttons := func(bs []formatting.Button) {
		labels := make([]string, 0, len(bs))
		for _, x := range bs {
			if x.Label != "" {
				labels = append(labels, "["+x.Label+"]")
			}
		}
		line(strings.Join(labels, " "))
	}
	for _, blk := range m.Blocks {
		switch x := blk.(type) {
		case *formatting.Text:
			line(richText(x.Rich))
		case *formatting.Image:
			line(firstNonEmpty(x.Alt, x.URL))
		case *formatting.Buttons:
			line(x.Title)
			buttons(x.Items)
		case *formatting.Select:
			line(x.Placeholder)
			buttons(x.Options)
		case *formatting.Card:
			line(x.Title)
			line(x.Subtitle)
			line(richText(x.Body))
			for _, f := range x.Fields {
				line(f.Label + ": " + richText(f.Value))
			}
			buttons(x.Buttons)
		case *formatting.Products:
			line(x.Title)
			for _, it := range x.Items {
				line("- " + it.Title)
			}
		case *formatting.Location:
			line(strings.TrimSpace(x.Name + " " + x.Address))
		case *formatting.Audio:
			line(firstNonEmpty(x.Caption, x.URL))
		case *formatting.File:
			line(firstNonEmpty(x.Name, x.URL))
		}
	}
	buttons(m.InputHints)
	return truncateRunes(b.String(), n)
}

// richText flattens rich text: paragraphs and list items on their own lines.
func richText(r formatting.Rich) string {
	var b strings.Builder
	var walk func(r formatting.Rich)
	spans := func(ss []formatting.Span) {
		for _, s := range ss {
			b.WriteString(s.Text)
		}
		b.WriteByte('\n')
	}
	walk = func(r formatting.Rich) {
		for _, rb := range r {
			switch x := rb.(type) {
			case *formatting.Para:
				spans(x.Spans)
			case *formatting.Heading:
				spans(x.Spans)
			case *formatting.List:
				for _, it := range x.Items {
					b.WriteString("- ")
					walk(it)
				}
			case *formatting.CodeBlock:
				b.WriteString(x.Code)
				b.WriteByte('\n')
			case *formatting.Quote:
				walk(x.Body)
			case *formatting.Table:
				for _, row := range x.Rows {
					cells := make([]string, 0, len(row))
					for _, cell := range row {
						var cb strings.Builder
						for _, s := range cell {
							cb.WriteString(s.Text)
						}
						cells = append(cells, cb.String())
					}
					b.WriteString(strings.Join(cells, " | "))
					b.WriteByte('\n')
				}
			}
		}
	}
	walk(r)
	return strings.TrimSpace(b.String())
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// truncateRunes cuts s to at most n runes, marking the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 1 {
		return "…"
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return s[:i] + "…"
}
