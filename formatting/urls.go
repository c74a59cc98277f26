package formatting

import (
	"net"
	"net/url"
	"strings"
	"unicode"
)

// SafeLink returns s cleaned up as a link target when it is an absolute http, https,
// mailto or tel URL, and false otherwise (javascript:, data:, vbscript:, relative and
// protocol-relative URLs). Characters that could break a platform's link markup
// (spaces, quotes, angle brackets, '|', backticks) are percent-encoded.
func SafeLink(s string) (string, bool) {
	u, ok := parseURL(s)
	if !ok {
		return "", false
	}
	switch u.Scheme {
	case "http", "https":
		if !validHost(u.Hostname()) {
			return "", false
		}
	case "mailto", "tel":
		if u.Opaque == "" && u.Path == "" {
			return "", false
		}
	default:
		return "", false
	}
	return stable(u, strings.TrimSpace(s))
}

// SafeImageURL returns s cleaned up when it is an absolute http or https URL (for
// images, audio and anything a client fetches by itself), and false otherwise.
func SafeImageURL(s string) (string, bool) {
	u, ok := parseURL(s)
	if !ok || (u.Scheme != "http" && u.Scheme != "https") || !validHost(u.Hostname()) {
		return "", false
	}
	return stable(u, strings.TrimSpace(s))
}

// validHost reports whether h can be a host name (letters of any script, digits,
// '-', '_', '.'), an IPv4 address or an IPv6 address. Anything else ("0(00000",
// "a%2Fb") is refused, so that every platform's own URL check, which is at least as
// strict, accepts what formatting lets through.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	if strings.Contains(h, ":") { // IPv6, brackets already stripped by Hostname
		return net.ParseIP(h) != nil
	}
	for _, r := range h {
		switch {
		case r == '-' || r == '_' || r == '.':
		case unicode.IsLetter(r) || unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}

// stable returns the cleaned form of u, parsed from src (trimmed), when cleaning
// it again changes nothing, so that a URL that passed once passes every later
// check (renderers and Validate check again). Encoding can break a URL (a quote
// in the host); it is then refused.
func stable(u *url.URL, src string) (string, bool) {
	s := encodeUnsafe(u.String())
	if s == src { // cleaning it again would parse src again: it passed
		return s, true
	}
	u2, ok := parseURL(s)
	if !ok || u2.Scheme != u.Scheme || u2.Host != u.Host || encodeUnsafe(u2.String()) != s {
		return "", false
	}
	return s, true
}

func parseURL(s string) (*url.URL, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxURLLen {
		return nil, false
	}
	// Browsers drop tabs and newlines inside URLs ("java\nscript:"); refuse them
	// rather than guess.
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return nil, false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.User != nil {
		return nil, false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return u, true
}

// unsafeURLChars are what encodeUnsafe percent-encodes.
const unsafeURLChars = ` "'<>` + "`" + `|\^{}`

// maxURLLen bounds URLs kept from KM content; longer ones are dropped as junk.
const maxURLLen = 4096

func encodeUnsafe(s string) string {
	if !strings.ContainsAny(s, unsafeURLChars) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '"', '\'', '<', '>', '`', '|', '\\', '^', '{', '}':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
