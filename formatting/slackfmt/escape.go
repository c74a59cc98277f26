package slackfmt

import (
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting/internal/weburl"
)

const (
	zwsp     = "\u200b" // zero-width space: lets our markers work next to letters
	wordJoin = "\u2060" // keeps "@here" from being a mention
	softHyph = "\u00ad" // keeps a leading ">" from being a quote
	ellipsis = "…"
)

// lookalike maps a mrkdwn marker character to a character that looks the same and
// that Slack does not parse.
func lookalike(r rune) (rune, bool) {
	switch r {
	case '*':
		return '∗', true
	case '_':
		return 'ˍ', true
	case '~':
		return '∼', true
	case '`', '｀':
		return 'ˋ', true
	case '＊':
		return '﹡', true
	case '＿':
		return '⸏', true
	}
	return 0, false
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// dropRune reports control characters that have no place in a message.
func dropRune(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return r < 0x20 || r >= 0x7f && r < 0xa0
}

// escapeText escapes KM text for mrkdwn: &, <, > as entities, marker characters
// that could format as look-alikes, mentions neutralised. The edges of s count as
// unknown neighbours, so a marker there is always replaced.
func escapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	writeEscapedText(&b, s)
	return b.String()
}

// writeEscapedText writes escapeText(s) to b; s is valid UTF-8.
func writeEscapedText(b *strings.Builder, s string) {
	for i, r := range s {
		switch {
		case dropRune(r):
			continue
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '@':
			b.WriteRune(r)
			if isMentionWord(s[i+1:]) {
				b.WriteString(wordJoin)
			}
		default:
			if l, ok := lookalike(r); ok && !inert(s, i, utf8.RuneLen(r)) {
				b.WriteRune(l)
			} else {
				b.WriteRune(r)
			}
		}
	}
}

// inert reports whether the marker at s[i:i+n] cannot open or close formatting:
// it sits between two ASCII letters/digits, or between two spaces.
// needsEscape reports whether escapeText would change s (valid UTF-8).
func needsEscape(s string) bool {
	for i, r := range s {
		switch {
		case dropRune(r), r == '&', r == '<', r == '>', r == '@':
			return true
		}
		if _, ok := lookalike(r); ok && !inert(s, i, utf8.RuneLen(r)) {
			return true
		}
	}
	return false
}

func inert(s string, i, n int) bool {
	if i == 0 || i+n >= len(s) {
		return false
	}
	p, _ := utf8.DecodeLastRuneInString(s[:i])
	x, _ := utf8.DecodeRuneInString(s[i+n:])
	return isASCIIAlnum(p) && isASCIIAlnum(x) || p == ' ' && x == ' '
}

// isMentionWord reports whether s starts with channel, here or everyone.
func isMentionWord(s string) bool {
	for _, w := range []string{"channel", "here", "everyone"} {
		if len(s) >= len(w) && strings.EqualFold(s[:len(w)], w) {
			return true
		}
	}
	return false
}

// escapeCode escapes text shown inside inline code: entities, mentions, and
// backticks as look-alikes (a backtick would end the code span).
func escapeCode(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + 8)
	writeEscapedCode(&b, s)
	return b.String()
}

// writeEscapedCode writes escapeCode(s) to b; s is valid UTF-8.
func writeEscapedCode(b *strings.Builder, s string) {
	for i, r := range s {
		switch {
		case dropRune(r):
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '`', r == '｀':
			b.WriteRune('ˋ')
		case r == '@':
			b.WriteRune(r)
			if isMentionWord(s[i+1:]) {
				b.WriteString(wordJoin)
			}
		default:
			b.WriteRune(r)
		}
	}
}

// escapeCodeLine escapes one line of a code block: entities, mentions, and every
// third backtick of a run so "```" cannot close the block.
func escapeCodeLine(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s) + 8)
	ticks := 0
	for i, r := range s {
		if r != '`' {
			ticks = 0
		}
		switch {
		case dropRune(r):
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '`':
			ticks++
			if ticks%3 == 0 {
				b.WriteRune('ˋ')
			} else {
				b.WriteRune(r)
			}
		case r == '@':
			b.WriteRune(r)
			if isMentionWord(s[i+1:]) {
				b.WriteString(wordJoin)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeURL makes u safe inside <…>: & as an entity, and the characters that
// would end or split the link percent-encoded.
func escapeURL(u string) string {
	if !urlNeedsEscape(u) {
		return strings.ToValidUTF8(u, "%EF%BF%BD")
	}
	var b strings.Builder
	b.Grow(len(u) + 16) // a few "&amp;" or "%XX": one allocation, not one per doubling
	writeEscapedURL(&b, u)
	return strings.ToValidUTF8(b.String(), "%EF%BF%BD")
}

// urlNeedsEscape reports whether escapeURL has more to do than make u valid UTF-8.
func urlNeedsEscape(u string) bool {
	return strings.ContainsFunc(u, func(r rune) bool { return r <= ' ' || r == 0x7f || strings.ContainsRune(`&<>|"`, r) })
}

// writeEscapedURL writes u to b with &, the characters that would end or split
// a link percent-encoded; it leaves invalid UTF-8 as it is.
func writeEscapedURL(b *strings.Builder, u string) {
	for i := 0; i < len(u); i++ {
		c := u[i]
		switch {
		case c == '&':
			b.WriteString("&amp;")
		case c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '|' || c == '"':
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
}

// linkURL reports whether u may be a link inside text (http, https, mailto, tel).
func linkURL(u string) bool {
	if weburl.Plain(u) { // most links in answers: url.Parse allocates a URL for each
		return true
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	switch strings.ToLower(p.Scheme) {
	case "http", "https":
		return p.Host != ""
	case "mailto", "tel":
		return p.Opaque != "" || p.Path != ""
	}
	return false
}

// webURL reports whether u is an http(s) URL Slack accepts for a button or an image.
func webURL(u string) bool {
	if u == "" || lenU(u) > maxURL || strings.ContainsAny(u, " \t\r\n<>\"") || !utf8.ValidString(u) {
		return false
	}
	if weburl.Plain(u) { // most links in answers: url.Parse allocates a URL for each
		return true
	}
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	s := strings.ToLower(p.Scheme)
	return (s == "http" || s == "https") && p.Host != ""
}

// fileName is a neutral name for what u points at: the last path element, else
// the host, else u itself.
func fileName(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return cleanPlain(u)
	}
	if b := path.Base(p.Path); b != "." && b != "/" && b != "" {
		if un, err := url.PathUnescape(b); err == nil {
			b = un
		}
		return cleanPlain(b)
	}
	if p.Host != "" {
		return cleanPlain(p.Host)
	}
	return cleanPlain(u)
}

// cleanPlain makes KM text fit a plain_text object: valid UTF-8, one line, no
// control characters, trimmed, runs of whitespace as one space. Text that is
// already so (most labels and titles) is returned as is: cleanPlain runs for every
// button, title and notification text, so the copy is worth skipping.
func cleanPlain(s string) string {
	if isCleanPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false // a space is due before the next word
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || r == '\r' || unicode.IsSpace(r) && !dropRune(r):
			space = b.Len() > 0
		case dropRune(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCleanPlain reports whether cleanPlain would return s unchanged: valid UTF-8,
// no control character, no whitespace but single spaces between words.
func isCleanPlain(s string) bool {
	space := true // at the start a space is not allowed either
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false
			}
			space = false
		case r == ' ':
			if space {
				return false
			}
			space = true
		case dropRune(r), unicode.IsSpace(r):
			return false
		default:
			space = false
		}
	}
	return !space || s == ""
}

// truncate shortens s to at most max UTF-16 units, ending with "…" when cut.
func truncate(s string, max int) string {
	if lenU(s) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		if n+runeLenU(r) > max-1 {
			return strings.TrimRight(s[:i], "\u200d\ufe0f ") + ellipsis
		}
		n += runeLenU(r)
	}
	return s
}

// isSpace reports a whitespace rune as Slack's formatting sees it.
func isSpace(r rune) bool { return unicode.IsSpace(r) }
