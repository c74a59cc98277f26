package kmclient

import (
	"errors"
	"fmt"
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

// Is makes errors.Is(err, ErrSessionExpired) true for KM's "please reinitialize" answer.
func (e *APIError) Is(target error) bool {
	return target == ErrSessionExpired && e.Message == MsgSessionExpired
}
