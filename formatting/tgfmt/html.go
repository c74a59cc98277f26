package tgfmt

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tag is one HTML element Render emits. Render only ever builds runs whose tags are
// in canonical order (blockquote | pre, code; then a, b, i, u, s, tg-spoiler; or
// code alone), which is what keeps the output properly nested and within Telegram's
// entity-nesting rules.
type tag struct {
	name string // b, i, u, s, tg-spoiler, a, code, pre, blockquote
	attr string // a: the href; code directly inside pre: the language
}

// run is a piece of visible text with the elements around it, outermost first.
type run struct {
	text string
	tags []tag
	// deco marks text the renderer added (bullets, icons, sizes, separators), which
	// does not count as content when deciding whether a message is only links.
	deco bool
}

// line is one line of rendered text. block holds the block elements (blockquote,
// pre) the line sits in; the runs carry inline elements only.
type line struct {
	block []tag
	runs  []run
}

var (
	tagBold       = tag{name: "b"}
	tagItalic     = tag{name: "i"}
	tagUnderline  = tag{name: "u"}
	tagStrike     = tag{name: "s"}
	tagCode       = tag{name: "code"}
	tagPre        = tag{name: "pre"}
	tagBlockquote = tag{name: "blockquote"}
)

func commonPrefix(a, b []tag) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// flatten joins lines into one run sequence. The newline between two lines stays
// inside the block elements both lines share, so a quote or a code block is one
// entity, not one per line.
func flatten(lines []line) []run {
	n := 0
	for _, l := range lines {
		n += len(l.runs) + 1
	}
	out := make([]run, 0, n)
	for i, l := range lines {
		if i > 0 {
			prev := lines[i-1].block
			out = append(out, run{text: "\n", tags: prev[:commonPrefix(prev, l.block)], deco: true})
		}
		for _, r := range l.runs {
			if r.text == "" {
				continue
			}
			tags := r.tags
			if len(l.block) > 0 {
				tags = make([]tag, 0, len(l.block)+len(r.tags))
				tags = append(append(tags, l.block...), r.tags...)
			}
			out = append(out, run{text: r.text, tags: tags, deco: r.deco})
		}
	}
	return out
}

// toHTML serializes runs: elements are opened only around text and closed as soon
// as a run no longer has them, so the result is well nested and has no empty
// elements.
func toHTML(runs []run) string {
	var b strings.Builder
	b.Grow(htmlSize(runs))
	var open []tag
	for _, r := range runs {
		if r.text == "" {
			continue
		}
		k := commonPrefix(open, r.tags)
		for j := len(open) - 1; j >= k; j-- {
			writeClose(&b, open[j])
		}
		open = open[:k]
		for _, t := range r.tags[k:] {
			writeOpen(&b, t)
			open = append(open, t)
		}
		escapeText(&b, r.text)
	}
	for j := len(open) - 1; j >= 0; j-- {
		writeClose(&b, open[j])
	}
	return b.String()
}

// htmlSize is about what toHTML writes for runs: the text and the elements it
// opens and closes, with a sixteenth more for escapes, so that its builder
// grows once.
func htmlSize(runs []run) int {
	size := 0
	var open []tag
	for _, r := range runs {
		if r.text == "" {
			continue
		}
		k := commonPrefix(open, r.tags)
		for _, t := range open[k:] {
			size += len("</>") + len(t.name)
		}
		for _, t := range r.tags[k:] {
			size += len(`<code class="language-">`) + len(t.name) + len(t.attr)
		}
		size += len(r.text)
		open = r.tags
	}
	for _, t := range open {
		size += len("</>") + len(t.name)
	}
	return size + size/16
}

func writeOpen(b *strings.Builder, t tag) {
	switch {
	case t.name == "a":
		b.WriteString(`<a href="`)
		escapeAttr(b, t.attr)
		b.WriteString(`">`)
	case t.name == "code" && t.attr != "":
		b.WriteString(`<code class="language-`)
		escapeAttr(b, t.attr)
		b.WriteString(`">`)
	default:
		b.WriteByte('<')
		b.WriteString(t.name)
		b.WriteByte('>')
	}
}

func writeClose(b *strings.Builder, t tag) {
	b.WriteString("</")
	b.WriteString(t.name)
	b.WriteByte('>')
}

// escapeText escapes what Telegram's HTML parser requires in text: & < >.
func escapeText(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// escapeAttr escapes an attribute value: & < > and the quote.
func escapeAttr(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&quot;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(rep)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// escapeHTML is escapeText for a whole string.
func escapeHTML(s string) string {
	var b strings.Builder
	escapeText(&b, s)
	return b.String()
}

// clean makes text safe to send: valid UTF-8, no carriage returns, no control
// characters other than newline and tab (Telegram rejects invalid UTF-8 and some
// clients show control characters as boxes).
func clean(s string) string {
	if cleanAlready(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r == '\r':
			if i >= len(s) || s[i] != '\n' {
				b.WriteByte('\n')
			}
		case r < 0x20 && r != '\n' && r != '\t', r == 0x7f, r >= 0x80 && r < 0xa0:
			// drop C0/C1 controls
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func cleanAlready(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r < 0xa0) {
			return false
		}
		i += n
	}
	return true
}

// oneLine is clean for places that cannot hold a line break (button labels, venue
// titles): every run of whitespace becomes one space, and the ends are trimmed
// (strings.Join(strings.Fields(clean(s)), " "), in one pass). Text that is already
// so, as labels and titles almost always are, is returned as is.
func oneLine(s string) string {
	if isOneLine(s) {
		return s
	}
	s = clean(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is due before the next word
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isOneLine reports whether oneLine would return s unchanged: clean, and no
// whitespace but single spaces between words.
func isOneLine(s string) bool {
	space := true // at the start a space is not allowed either
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20 || c == 0x7f: // controls, \t and \n included
				return false
			case c == ' ':
				if space {
					return false
				}
				space = true
			default:
				space = false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || (r >= 0x80 && r < 0xa0) || unicode.IsSpace(r) {
			return false
		}
		space = false
		i += n
	}
	return !space || s == ""
}

// utf16Len is the length of s in UTF-16 code units, the unit of Telegram's limits.
func utf16Len(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 || c >= 0xC0 {
			n++ // one unit per rune start ...
			if c >= 0xF0 {
				n++ // ... two for runes outside the BMP (4-byte UTF-8)
			}
		}
	}
	return n
}

func runsLen(runs []run) int {
	n := 0
	for _, r := range runs {
		n += utf16Len(r.text)
	}
	return n
}

// isEmptyRune reports characters Telegram strips as "empty" around a message, so
// text made only of them is an empty message ("message text is empty").
func isEmptyRune(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xa0, 0x115f, 0x1160, 0x1680, 0x180e,
		0x2028, 0x2029, 0x202e, 0x202f, 0x205f, 0x2060, 0x2800, 0x3000, 0x3164,
		0xfeff, 0xffa0, 0xfffc:
		return true
	}
	return (r >= 0x2000 && r <= 0x200f) || (r >= 0xfe00 && r <= 0xfe0f)
}

func isBlank(s string) bool {
	for _, r := range s {
		if !isEmptyRune(r) {
			return false
		}
	}
	return true
}

func runsBlank(runs []run) bool {
	for _, r := range runs {
		if !isBlank(r.text) {
			return false
		}
	}
	return true
}

// linksOnly reports whether every piece of content in runs is a link, and there is
// at least one.
func linksOnly(runs []run) bool {
	links := false
	for _, r := range runs {
		if isBlank(r.text) {
			continue
		}
		inLink := false
		for _, t := range r.tags {
			if t.name == "a" {
				inLink = true
				break
			}
		}
		if inLink {
			links = true
		} else if !r.deco {
			return false
		}
	}
	return links
}
