package tgfmt

import (
	"net/url"
	"strings"

	"github.com/kmbridge/kmbridge/formatting/internal/weburl"
)

// httpURL returns s normalized when it is an absolute http or https URL with a host:
// the only links Render puts in an <a href> or a URL button. Telegram clients open
// mailto: links as web addresses, and anything else (javascript:, data:, relative
// URLs) must never reach a user.
func httpURL(s string) (string, bool) {
	if plainHTTPURL(s, false) {
		return s, true
	}
	return parsedHTTPURL(s)
}

// parsedHTTPURL is httpURL by way of url.Parse, for the URLs plainHTTPURL does not
// vouch for.
func parsedHTTPURL(s string) (string, bool) {
	u, ok := parseURL(s)
	if !ok || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return encodeUnsafe(u.String()), true
}

// encodeUnsafe percent-encodes what url.URL.String leaves in a query or fragment but
// Telegram refuses or mangles in a link: spaces, quotes and angle brackets.
func encodeUnsafe(s string) string {
	if !strings.ContainsAny(s, " \"'<>`") {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '"', '\'', '<', '>', '`':
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// contactAddr returns the address of a mailto: or tel: link, which Render shows as
// text (Telegram turns e-mail addresses and phone numbers into links by itself).
func contactAddr(s string) (string, bool) {
	u, ok := parseURL(s)
	if !ok || (u.Scheme != "mailto" && u.Scheme != "tel") {
		return "", false
	}
	addr := u.Opaque
	if addr == "" {
		addr = u.Path
	}
	if i := strings.IndexByte(addr, '?'); i >= 0 {
		addr = addr[:i]
	}
	if a, err := url.PathUnescape(addr); err == nil {
		addr = a
	}
	addr = oneLine(addr)
	return addr, addr != ""
}

func parseURL(s string) (*url.URL, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 4096 {
		return nil, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
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

// urlName is a short name for a URL to use where a label is missing: the last path
// element, else the host.
func urlName(s string) string {
	u, ok := parseURL(s)
	if !ok {
		return ""
	}
	p := strings.TrimRight(u.Path, "/")
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[i+1:]
	}
	if name, err := url.PathUnescape(p); err == nil && oneLine(name) != "" {
		return oneLine(name)
	}
	return u.Host
}

// plainHTTPURL reports a URL that httpURL would return unchanged, seen without
// parsing it (url.Parse and URL.String allocate for every link of an answer):
// "http://" or "https://"; a host of ASCII letters, digits, dots and hyphens;
// then a path, a query and a fragment of characters that url.URL.String writes
// back as they are and encodeUnsafe leaves alone. Anything else is parsed.
// escaped: s is an HTML attribute value, where '&' is written "&amp;".
func plainHTTPURL(s string, escaped bool) bool {
	if len(s) > 4096 {
		return false
	}
	rest, ok := weburl.After(s)
	if !ok {
		return false
	}
	const (
		pathChars     = "-._~/$&+,:;=@"
		queryChars    = pathChars + "?%!()*"
		fragmentChars = pathChars + "?"
	)
	chars := pathChars
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		switch {
		case weburl.IsAlnum(c):
		case c == '&' && escaped:
			if !strings.HasPrefix(rest[i:], "&amp;") {
				return false
			}
			i += len("amp;")
		case c == '?' && chars == pathChars:
			chars = queryChars
		case c == '#' && chars != fragmentChars && i+1 < len(rest):
			chars = fragmentChars // an empty fragment is dropped by String
		case c < 0x80 && strings.IndexByte(chars, c) >= 0:
		default:
			return false
		}
	}
	return true
}
