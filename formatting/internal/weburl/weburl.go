// Package weburl recognises the plain web addresses answers are full of
// without url.Parse, which allocates a URL for every link: the renderers ask
// it first and parse only what it does not vouch for.
package weburl

import "strings"

// After returns what follows the host of u when u is "http://" or "https://"
// and a host of ASCII letters, digits, dots and hyphens, followed by '/', '?',
// '#' or the end: such a URL has no user, no port and a host url.Parse
// accepts.
func After(u string) (rest string, ok bool) {
	rest, ok = strings.CutPrefix(u, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(u, "http://"); !ok {
			return "", false
		}
	}
	host := 0
	for host < len(rest) && (IsAlnum(rest[host]) || rest[host] == '.' || rest[host] == '-') {
		host++
	}
	if host == 0 || host < len(rest) && rest[host] != '/' && rest[host] != '?' && rest[host] != '#' {
		return "", false
	}
	return rest[host:], true
}

// Plain reports a URL that url.Parse surely reads as http(s) with a host: After
// accepts it, and no control byte or percent escape follows the host (the only
// things url.Parse refuses after such a host).
func Plain(u string) bool {
	rest, ok := After(u)
	if !ok {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c < 0x20 || c == 0x7f || c == '%' {
			return false
		}
	}
	return true
}

// IsAlnum reports an ASCII letter or digit.
func IsAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
