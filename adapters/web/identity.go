package webadapter

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/kmbridge/kmbridge/bridge"
)

// Who a browser is, without keeping anything for it.
//
// The cookie kmb_sid is a bearer value: whoever has it reads and continues the
// chat. So it never leaves the browser and this file: the conversation is
// keyed by an id derived from it with HMAC-SHA256 under a secret kept in the
// store (the same on every replica), and that id is what the ConvKey, the
// hand-over card, logs, metrics and KM's customer_token see. The id cannot be
// turned back into the cookie.
//
// The cookie is 16 random bytes and a MAC of them under the same secret, so
// only cookies this chat issued are accepted: a value chosen by the client (a
// planted, guessed or old-format cookie) gets a fresh cookie, never a
// conversation named by the client (no session fixation). Nothing is stored
// for a cookie until its conversation writes.

const (
	cookieName   = "kmb_sid"
	cookieMaxAge = 30 * 24 * 60 * 60 // seconds
	secretName   = "web.cookie"      // the store's secret for cookies and ids
	partLen      = 22                // base64url of 16 bytes
	cookieLen    = 2*partLen + 1     // random "." MAC
	cidLen       = partLen           // a conversation id
)

var b64 = base64.RawURLEncoding

// identity issues and reads cookies and derives conversation ids.
type identity struct {
	secrets bridge.SecretHost

	mu  sync.Mutex
	key []byte // the secret, once read
}

// secret returns the store's secret, reading it once; a failure is retried
// at the next request.
func (id *identity) secret(ctx context.Context) ([]byte, error) {
	id.mu.Lock()
	defer id.mu.Unlock()
	if id.key != nil {
		return id.key, nil
	}
	k, err := id.secrets.Secret(ctx, secretName)
	if err != nil {
		return nil, fmt.Errorf("web: cookie secret: %w", err)
	}
	id.key = k
	return k, nil
}

func mac(key []byte, label string, rnd []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	h.Write(rnd)
	return h.Sum(nil)[:16]
}

// visitor is who sent a request: the conversation id, and the cookie to set
// when the request brought none this chat issued.
type visitor struct {
	cid    string
	cookie *http.Cookie // nil when the request's cookie is kept
}

// visitorOf reads the request's cookie, or makes a fresh one.
func (id *identity) visitorOf(ctx context.Context, r *http.Request) (visitor, error) {
	key, err := id.secret(ctx)
	if err != nil {
		return visitor{}, err
	}
	for _, c := range r.Cookies() {
		if c.Name != cookieName {
			continue
		}
		if rnd, ok := verify(key, c.Value); ok {
			return visitor{cid: b64.EncodeToString(mac(key, "conv\x00", rnd))}, nil
		}
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:]) // never fails since Go 1.24
	value := b64.EncodeToString(rnd[:]) + "." + b64.EncodeToString(mac(key, "cookie\x00", rnd[:]))
	return visitor{cid: b64.EncodeToString(mac(key, "conv\x00", rnd[:])), cookie: sessionCookie(r, value)}, nil
}

// verify returns the random part of a cookie this chat issued.
func verify(key []byte, v string) ([]byte, bool) {
	if len(v) != cookieLen || v[partLen] != '.' {
		return nil, false
	}
	rnd, err := b64.DecodeString(v[:partLen])
	if err != nil || len(rnd) != 16 {
		return nil, false
	}
	tag, err := b64.DecodeString(v[partLen+1:])
	if err != nil {
		return nil, false
	}
	return rnd, hmac.Equal(tag, mac(key, "cookie\x00", rnd))
}

// validCID accepts only ids visitorOf could have made, so a key from
// elsewhere cannot smuggle anything into a frame, a log line or a store key.
func validCID(s string) bool { return len(s) == cidLen && urlSafe(s) }

// urlSafe reports whether s holds only base64url's letters: A-Z, a-z, 0-9,
// - and _.
func urlSafe(s string) bool {
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// keyFor is the conversation of id cid: one per browser.
func keyFor(cid string) bridge.ConvKey {
	return bridge.ConvKey{Platform: Platform, Channel: cid, User: cid}
}

// cidOf returns the conversation id of a web key.
func cidOf(k bridge.ConvKey) (string, error) {
	if k.Platform != Platform || !validCID(k.Channel) || k.User != k.Channel || k.Workspace != "" || k.Thread != "" {
		return "", fmt.Errorf("not a web conversation: %s", k.String())
	}
	return k.Channel, nil
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

// sessionCookie is the cookie carrying value (see the package doc on SameSite).
func sessionCookie(r *http.Request, value string) *http.Cookie {
	c := &http.Cookie{
		Name:     cookieName,
		Value:    value,
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
