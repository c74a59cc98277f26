package slackadapter

import (
	"errors"
	"io"
	"net/http"

	"github.com/slack-go/slack"
)

// verified reads the request body (at most Config.MaxBodyBytes) and checks Slack's
// v0 signature over it and the ±5 minute timestamp. On failure it has answered
// (401, 413 or 400) and returns false: nothing of the request is processed. The
// log says why, never the signature, the secret or the body.
func (a *Adapter) verified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			a.log.Warn("slack: request body too large; refused", "path", r.URL.Path, "limit", a.cfg.MaxBodyBytes)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(r.Header, a.cfg.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		switch {
		case errors.Is(err, slack.ErrExpiredTimestamp):
			a.log.Warn("slack: unverified request refused: timestamp outside ±5 min (check the clock)", "path", r.URL.Path)
		case errors.Is(err, slack.ErrMissingHeaders):
			a.log.Warn("slack: unverified request refused: signature headers missing", "path", r.URL.Path)
		default:
			a.log.Warn("slack: unverified request refused: bad signature (check slack.signing_secret)", "path", r.URL.Path)
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}
