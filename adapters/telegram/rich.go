package telegramadapter

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/formatting"
)

// The author's formatting, from Telegram's message entities.
//
// Entities mark spans of the text by offset and length in UTF-16 code units;
// they nest (bold inside a link inside a quote) and never trust-worthily so: an
// entity out of the text's range (its offset plus length may even overflow) is
// ignored, never followed. Blocks (pre, blockquote) that overlap an earlier one
// are ignored as blocks; what they cover keeps its inline marks.

// richOf is text as formatting.Rich with the formatting its entities mark, the
// units set in cut (the bot's own mention) left out. It is nil when no entity
// formats anything: the text as written is then all there is.
func richOf(text string, entities []tgbotapi.MessageEntity, cut []bool) formatting.Rich {
	if text == "" || len(entities) == 0 {
		return nil
	}
	units := utf16.Encode([]rune(text))
	n := len(units)
	var inline, blocks []tgbotapi.MessageEntity
	for _, e := range entities {
		if !inRange(e, n) {
			continue
		}
		switch e.Type {
		case "pre", "blockquote", "expandable_blockquote":
			blocks = append(blocks, e)
		case "bold", "italic", "underline", "strikethrough", "code", "spoiler", "text_link", "url", "email":
			inline = append(inline, e)
		}
	}
	if len(inline) == 0 && len(blocks) == 0 {
		return nil
	}
	b := richBuilder{units: units, cut: cut, marks: make([]formatting.Mark, n), links: make([]string, n)}
	// Longer entities first, so that an inner link (the shorter) wins.
	slices.SortStableFunc(inline, func(x, y tgbotapi.MessageEntity) int { return y.Length - x.Length })
	for _, e := range inline {
		b.apply(e)
	}
	slices.SortStableFunc(blocks, func(x, y tgbotapi.MessageEntity) int {
		if x.Offset != y.Offset {
			return x.Offset - y.Offset
		}
		return y.Length - x.Length // the outer one first
	})
	out := b.region(0, n, blocks, true)
	if len(out) == 0 {
		return nil
	}
	return out
}

// inRange reports whether e lies within a text of n UTF-16 units, compared
// without adding: offset+length may overflow int.
func inRange(e tgbotapi.MessageEntity, n int) bool {
	return e.Offset >= 0 && e.Length > 0 && e.Offset <= n && e.Length <= n-e.Offset
}

// richBuilder holds the text and what each of its units is marked with.
type richBuilder struct {
	units []uint16
	cut   []bool
	marks []formatting.Mark
	links []string
}

func (b *richBuilder) apply(e tgbotapi.MessageEntity) {
	var mark formatting.Mark
	link := ""
	switch e.Type {
	case "bold":
		mark = formatting.Bold
	case "italic":
		mark = formatting.Italic
	case "underline":
		mark = formatting.Underline
	case "strikethrough":
		mark = formatting.Strike
	case "code":
		mark = formatting.Code
	case "text_link":
		link = safeLink(e.URL)
	case "url":
		link = safeLink(b.text(e.Offset, e.Offset+e.Length))
	case "email":
		link = safeLink("mailto:" + strings.TrimSpace(b.text(e.Offset, e.Offset+e.Length)))
	}
	// spoiler: the text stays, unmarked (no platform we relay to hides it).
	for i := e.Offset; i < e.Offset+e.Length; i++ {
		b.marks[i] |= mark
		if link != "" {
			b.links[i] = link
		}
	}
}

// safeLink is u when formatting.SafeLink accepts it, or accepts it with
// https:// in front (Telegram marks "example.com" as a url); else "".
func safeLink(u string) string {
	u = strings.TrimSpace(u)
	if l, ok := formatting.SafeLink(u); ok {
		return l
	}
	if !strings.Contains(u, "://") && !strings.Contains(u, ":") {
		if l, ok := formatting.SafeLink("https://" + u); ok {
			return l
		}
	}
	return ""
}

// text is the units [from, to) as a string, cut units left out.
func (b *richBuilder) text(from, to int) string {
	kept := make([]uint16, 0, to-from)
	for i := from; i < to; i++ {
		if !b.isCut(i) {
			kept = append(kept, b.units[i])
		}
	}
	return string(utf16.Decode(kept))
}

func (b *richBuilder) isCut(i int) bool { return i < len(b.cut) && b.cut[i] }

// region is the units [from, to) as rich blocks: the block entities within it
// that overlap no earlier one (top: quotes and code blocks; inside a quote:
// code blocks) become blocks, the rest paragraphs.
func (b *richBuilder) region(from, to int, blocks []tgbotapi.MessageEntity, top bool) formatting.Rich {
	var out formatting.Rich
	at := from
	for _, e := range blocks {
		start, end := e.Offset, e.Offset+e.Length
		if start < at || end > to || (!top && e.Type != "pre") {
			continue // overlaps an accepted block, or lies outside this region
		}
		out = append(out, b.paras(at, start)...)
		switch e.Type {
		case "pre":
			if code := strings.Trim(b.text(start, end), "\n"); strings.TrimSpace(code) != "" {
				out = append(out, &formatting.CodeBlock{Lang: codeLang(e.Language), Code: code})
			}
		default: // a quote
			var inner []tgbotapi.MessageEntity
			for _, x := range blocks {
				if x.Type == "pre" && x.Offset >= start && x.Offset+x.Length <= end {
					inner = append(inner, x)
				}
			}
			if body := b.region(start, end, inner, false); len(body) > 0 {
				out = append(out, &formatting.Quote{Body: body})
			}
		}
		at = end
	}
	return append(out, b.paras(at, to)...)
}

// codeLang keeps a code block's language when it looks like one.
func codeLang(s string) string {
	if len(s) > 32 {
		return ""
	}
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("+#._-", r))) {
			return ""
		}
	}
	return s
}

// paras is the units [from, to) as paragraphs of marked spans: a blank line
// ends a paragraph, a single line break stays one.
func (b *richBuilder) paras(from, to int) formatting.Rich {
	var (
		out      formatting.Rich
		spans    []formatting.Span
		newlines int
	)
	flush := func() {
		if p := trimSpans(spans); len(p) > 0 {
			out = append(out, &formatting.Para{Spans: p})
		}
		spans = nil
	}
	for i := from; i < to; {
		if b.isCut(i) {
			i++
			continue
		}
		j := i + 1
		for j < to && !b.isCut(j) && b.marks[j] == b.marks[i] && b.links[j] == b.links[i] {
			j++
		}
		run := string(utf16.Decode(b.units[i:j]))
		for k, part := range strings.Split(run, "\n") {
			if k > 0 {
				newlines++
			}
			if part == "" {
				continue
			}
			switch {
			case newlines >= 2:
				flush()
			case newlines == 1 && len(spans) > 0:
				spans = append(spans, formatting.Span{Text: "\n"})
			}
			newlines = 0
			spans = append(spans, formatting.Span{Text: part, Marks: b.marks[i], Link: b.links[i]})
		}
		i = j
	}
	flush()
	return out
}

// trimSpans drops the white space a paragraph starts and ends with (a removed
// mention leaves some), and the spans it empties.
func trimSpans(spans []formatting.Span) []formatting.Span {
	for len(spans) > 0 {
		s := &spans[0]
		if s.Text != "\n" {
			s.Text = strings.TrimLeftFunc(s.Text, unicode.IsSpace)
		}
		if s.Text != "" && s.Text != "\n" {
			break
		}
		spans = spans[1:]
	}
	for len(spans) > 0 {
		s := &spans[len(spans)-1]
		if s.Text != "\n" {
			s.Text = strings.TrimRightFunc(s.Text, unicode.IsSpace)
		}
		if s.Text != "" && s.Text != "\n" {
			break
		}
		spans = spans[:len(spans)-1]
	}
	return spans
}
