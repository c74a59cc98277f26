package telegramadapter

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/kmbridge/kmbridge/internal/logx"
)

// WebhookPath is where Telegram posts updates in webhook mode.
const WebhookPath = "/telegram/webhook"

// secretHeader carries the secret_token given to setWebhook.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// serve starts (true) or stops taking webhook requests.
func (r *receiver) serve(on bool) {
	r.mu.Lock()
	r.serving = on
	r.mu.Unlock()
}

// webhook receives updates posted by Telegram. A request without the
// configured secret gets 401 before its body is read; a body over MaxBodyBytes
// gets 413. An update is answered 200 once the host accepted it (bridge.Ack)
// or it needs nothing from the host; while the adapter is not running, and
// when the host refuses the update, the answer is 503, so that Telegram
// delivers it again later.
func (r *receiver) webhook() http.Handler {
	want := sha256.Sum256([]byte(r.cfg.WebhookSecret))
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		// Hashing first makes the comparison constant-time in the length too.
		got := sha256.Sum256([]byte(req.Header.Get(secretHeader)))
		if r.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			r.log.Warn("telegram: webhook request with a missing or wrong secret token refused",
				"remote", req.RemoteAddr, logx.Throttled("telegram.secret"))
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.mu.Lock()
		if !r.serving {
			r.mu.Unlock()
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		r.wg.Add(1) // under mu: Run waits for this request before returning
		r.mu.Unlock()
		defer r.wg.Done()

		raw, err := io.ReadAll(http.MaxBytesReader(w, req.Body, r.cfg.MaxBodyBytes))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		var head struct {
			ID *int `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.ID == nil {
			r.log.Warn("telegram: webhook body is not an update", "err", err)
			http.Error(w, "not a Telegram update", http.StatusBadRequest)
			return
		}
		if !r.handle(req.Context(), *head.ID, raw) {
			http.Error(w, "not accepted; deliver it again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
