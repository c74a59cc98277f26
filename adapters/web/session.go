package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
)

const (
	cookieName   = "kmb_sid"
	cookieMaxAge = 30 * 24 * 60 * 60 // seconds
	sidLen       = 22                // base64url of 16 random bytes
)

// newSID returns a fresh, unguessable conversation id.
func newSID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// validSID accepts only ids newSID could have made, so a forged cookie cannot
// smuggle anything into a ConvKey, a log line or a store key.
func validSID(s string) bool {
	if len(s) != sidLen {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// sidFrom returns the request's conversation id, or "" when it has none or a bad one.
func sidFrom(r *http.Request) string {
	for _, c := range r.Cookies() {
		if c.Name == cookieName && validSID(c.Value) {
			return c.Value
		}
	}
	return ""
}

// isSecure reports whether the browser reached us over TLS, directly or through a
// proxy that says so.
func isSecure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(p), "https")
}

// sessionCookie is the cookie carrying sid (see the package doc on SameSite).
func sessionCookie(r *http.Request, sid string) *http.Cookie {
	c := &http.Cookie{
		Name:     cookieName,
		Value:    sid,
		Path:     "/",
		MaxAge:   cookieMaxAge,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if isSecure(r) {
		c.Secure = true
		c.SameSite = http.SameSiteNoneMode
		c.Partitioned = true
	}
	return c
}
