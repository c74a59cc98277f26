package slackadapter

import (
	"errors"
	"io"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/internal/logx"
)

// verified reads the request body (at most Config.MaxBodyBytes) and checks Slack's
// v0 signature over it and the ±5 minute timestamp. On failure it has answered
// (401, 413 or 400) and returns false: nothing of the request is processed. The
// log says why, never the signature, the secret or the body; anyone can send
// such requests, so the warnings are rate-limited (logx.Throttled).
func (r *receiver) verified(w http.ResponseWriter, req *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			r.log.Warn("slack: request body too large; refused", logx.Throttled("slack.signature"), "path", req.URL.Path, "limit", r.cfg.MaxBodyBytes)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return nil, false
		}
		http.Error(w, "cannot read request body", http.StatusBadRequest)
		return nil, false
	}
	sv, err := slack.NewSecretsVerifier(req.Header, r.cfg.SigningSecret)
	if err == nil {
		_, _ = sv.Write(body)
		err = sv.Ensure()
	}
	if err != nil {
		switch {
		case errors.Is(err, slack.ErrExpiredTimestamp):
			r.log.Warn("slack: unverified request refused: timestamp outside ±5 min (check the clock)", logx.Throttled("slack.signature"), "path", req.URL.Path)
		case errors.Is(err, slack.ErrMissingHeaders):
			r.log.Warn("slack: unverified request refused: signature headers missing", logx.Throttled("slack.signature"), "path", req.URL.Path)
		default:
			r.log.Warn("slack: unverified request refused: bad signature (check slack.signing_secret)", logx.Throttled("slack.signature"), "path", req.URL.Path)
		}
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return nil, false
	}
	return body, true
}
