package kmclient

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// MsgSessionExpired is KM's message when a sessionId is unknown or has expired.
const MsgSessionExpired = "sessionId does not exist! Please reinitialize"

// ErrSessionExpired matches (errors.Is) an *APIError whose message says the session
// must be initialised again.
var ErrSessionExpired = errors.New("kmclient: KM session expired")

// APIError is a KM answer with code != 200, or an HTTP error status from KM.
type APIError struct {
	Endpoint   string // e.g. "POST /v1/chat"
	HTTPStatus int    // HTTP status of the response
	Code       int    // the envelope's code; 0 when the body was not an envelope
	Message    string // the envelope's message, or a short description of the body
}

func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("kmclient: %s: KM code %d: %s", e.Endpoint, e.Code, e.Message)
	}
	return fmt.Sprintf("kmclient: %s: HTTP %d: %s", e.Endpoint, e.HTTPStatus, e.Message)
}

// Is makes errors.Is(err, ErrSessionExpired) true for KM's "please reinitialize"
// answer. The seeds give it no code of its own (every failure is code 400), so it
// is recognised by its message, as SameMessage compares them: a tenant's
// capitalisation, punctuation or 【sessionId】 prefix does not hide it.
func (e *APIError) Is(target error) bool {
	return target == ErrSessionExpired && e.Code != CodeOK && SameMessage(e.Message, sessionExpiredCore)
}

// sessionExpiredCore is the part of MsgSessionExpired that says it.
const sessionExpiredCore = "sessionId does not exist"

// SameMessage reports whether KM's message got says want: compared without case,
// spaces and punctuation, and anywhere in got (KM prefixes field names, e.g.
// "【sessionId】…", and may add a hint after). Byte equality would miss KM's
// own variations of one message.
func SameMessage(got, want string) bool {
	w := messageKey(want)
	return w != "" && strings.Contains(messageKey(got), w)
}

func messageKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}
