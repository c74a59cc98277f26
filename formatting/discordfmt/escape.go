package discordfmt

import (
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting/internal/weburl"
)

// sanitize makes KM text safe to measure and send: valid UTF-8, no control
// characters other than newline and tab, Unix line ends.
func sanitize(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\r':
			b.WriteByte('\n')
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			// C0/C1 controls are invisible at best and rejected at worst.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// oneLine is sanitize for places that hold a single line (labels, titles).
func oneLine(s string) string {
	s = sanitize(s)
	if strings.ContainsAny(s, "\n\t") {
		s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\t", " ")), " ")
	}
	return strings.TrimSpace(s)
}

// massMention reports whether s starts with "@everyone" or "@here" (any case).
func massMention(s string) bool {
	if len(s) < 5 || s[0] != '@' {
		return false
	}
	t := s[1:]
	return hasPrefixFold(t, "everyone") || hasPrefixFold(t, "here")
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// markdownSpecial are the characters that can start or end Discord markdown:
// emphasis, code, spoilers, quotes, headings, masked links, and "<" which opens
// mentions (<@id>, <@&id>, <#id>), custom emoji, timestamps and command mentions.
func markdownSpecial(r rune) bool {
	switch r {
	case '\\', '*', '_', '~', '`', '|', '>', '#', '[', ']', '<':
		return true
	}
	return false
}

// escapeText escapes KM text so no markdown or mention in it takes effect.
// lineStart says the text begins a line, where "- ", "+ " and "1. " would start a
// list. http(s) URLs in the text become <url> autolinks, because backslashes
// inside a bare URL would end up in the link target.
func escapeText(s string, lineStart bool) string {
	if inertText(s, lineStart) {
		return s
	}
	return string(appendEscaped(make([]byte, 0, len(s)+len(s)/8), s, lineStart))
}

// inertText reports text that escapeText surely returns as it is: no character
// that may need a backslash, no "http" that may start an autolink, no line
// break, no invalid UTF-8, and, at the start of a line, nothing that could
// start a list.
func inertText(s string, lineStart bool) bool {
	if lineStart {
		t := strings.TrimLeft(s, " \t")
		if t != "" && (t[0] == '-' || t[0] == '+' || t[0] >= '0' && t[0] <= '9') {
			return false
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '*', '_', '~', '`', '|', '>', '#', '[', ']', '<', '@', '\n':
			return false
		case 'h', 'H':
			if asciiPrefixFold(s[i:], "http") {
				return false
			}
		default:
			if c >= utf8.RuneSelf {
				r, n := utf8.DecodeRuneInString(s[i:])
				if r == utf8.RuneError && n == 1 {
					return false // escaping writes U+FFFD
				}
				i += n - 1
			}
		}
	}
	return true
}

// appendEscaped is escapeText appending to b.
func appendEscaped(b []byte, s string, lineStart bool) []byte {
	atStart := lineStart
	for i := 0; i < len(s); {
		c := s[i]
		if (c == 'h' || c == 'H') && (i == 0 || !wordByteBefore(s, i)) {
			if n, u, ok := urlAt(s[i:]); ok {
				b = append(append(append(b, '<'), u...), '>')
				i += n
				atStart = false
				continue
			}
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\n':
			b = append(b, '\n')
			atStart = true
			i += w
			continue
		case atStart && (r == ' ' || r == '\t'):
			b = utf8.AppendRune(b, r)
			i += w
			continue
		case atStart && (r == '-' || r == '+'):
			b = append(b, '\\')
			b = utf8.AppendRune(b, r)
		case atStart && r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			b = append(b, s[i:j]...)
			if j < len(s) && (s[j] == '.' || s[j] == ')') {
				b = append(b, '\\')
				b = append(b, s[j])
				j++
			}
			i = j
			atStart = false
			continue
		case r == '@' && massMention(s[i:]):
			b = append(b, `\@`...)
		case markdownSpecial(r):
			b = append(b, '\\')
			b = utf8.AppendRune(b, r)
		default:
			b = utf8.AppendRune(b, r)
		}
		atStart = false
		i += w
	}
	return b
}

func wordByteBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// urlAt recognises an http(s) URL at the start of s the way Discord's autolinker
// does (up to whitespace or "<", without trailing punctuation) and returns its
// length in s and its safe form.
func urlAt(s string) (int, string, bool) {
	if !hasPrefixFold(s, "http://") && !hasPrefixFold(s, "https://") {
		return 0, "", false
	}
	end := len(s)
	for i, r := range s {
		if unicode.IsSpace(r) || r == '<' || r == '>' || r == '"' || r == '`' {
			end = i
			break
		}
	}
	for end > 0 {
		r, w := utf8.DecodeLastRuneInString(s[:end])
		if strings.ContainsRune(".,:;!?'\")]}*_~|", r) || r == '\\' {
			end -= w
			continue
		}
		break
	}
	u, ok := safeURL(s[:end])
	if !ok || runes(u) > maxLinkTargetRune {
		return 0, "", false
	}
	return end, u, true
}

// safeURL checks that raw is an absolute http(s) URL with a host and returns it
// with every character that could end a markdown link or autolink early, or read
// as a mass mention, percent-encoded.
func safeURL(raw string) (string, bool) {
	raw = strings.TrimSpace(sanitize(raw))
	if raw == "" {
		return "", false
	}
	if !weburl.Plain(raw) { // most links in answers: url.Parse allocates a URL for each
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || !(strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")) {
			return "", false
		}
	}
	if !needsURLEncoding(raw) {
		return raw, true
	}
	var b strings.Builder
	b.Grow(len(raw) + 8)
	for i := 0; i < len(raw); {
		r, w := utf8.DecodeRuneInString(raw[i:])
		switch {
		case r == '@' && massMention(raw[i:]):
			b.WriteString("%40")
		case r < 0x80 && strings.ContainsRune(" \t\n<>()[]\\\"'`|{}^", r), r == 0x7f:
			b.WriteString(pctEncode(raw[i : i+w]))
		case r >= 0x80 && unicode.IsSpace(r):
			b.WriteString(pctEncode(raw[i : i+w]))
		default:
			b.WriteString(raw[i : i+w])
		}
		i += w
	}
	return b.String(), true
}

// needsURLEncoding reports whether safeURL would change raw: an '@' that reads
// as a mass mention, or a character it percent-encodes.
func needsURLEncoding(raw string) bool {
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '@' && massMention(raw[i:]):
			return true
		case c < 0x80 && strings.IndexByte(" \t\n<>()[]\\\"'`|{}^\x7f", c) >= 0:
			return true
		case c >= 0x80:
			r, _ := utf8.DecodeRuneInString(raw[i:])
			if unicode.IsSpace(r) {
				return true
			}
		}
	}
	return false
}

func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteByte('%')
		b.WriteByte(hex[s[i]>>4])
		b.WriteByte(hex[s[i]&15])
	}
	return b.String()
}

// isHTTPURL reports whether s is an http(s) URL Discord will accept as is.
func isHTTPURL(s string) bool {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	if weburl.Plain(s) {
		return true
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Scheme, "http") || strings.EqualFold(u.Scheme, "https")
}

// neutralizeCode makes code text inert inside a code span or block: mass mentions
// get a zero-width space after "@" (a backslash would show there), and runs of
// backticks are broken so they cannot close the fence.
func neutralizeCode(s string, block bool) string {
	if !strings.Contains(s, "@") && !(block && strings.Contains(s, "``")) {
		return s
	}
	var b strings.Builder
	ticks := 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r == '@' && massMention(s[i:]) {
			b.WriteString("@" + zwsp)
			i += w
			ticks = 0
			continue
		}
		if r == '`' {
			ticks++
			if block && ticks == 3 {
				b.WriteString(zwsp)
				ticks = 1
			}
		} else {
			ticks = 0
		}
		b.WriteRune(r)
		i += w
	}
	return b.String()
}

// fitEscaped escapes one line of text and shortens it (with "…") so the escaped
// form is at most n runes. cut reports whether text was lost.
func fitEscaped(s string, n int) (out string, cut bool) {
	e := escapeText(s, false)
	if runes(e) <= n {
		return e, false
	}
	lo, hi := 0, runes(s)
	for lo < hi { // largest k with escape(prefix k)+… fitting
		mid := (lo + hi + 1) / 2
		if runes(escapeText(runePrefix(s, mid), false))+1 <= n {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return escapeText(runePrefix(s, lo), false) + ellipsis, true
}
