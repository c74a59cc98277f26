package telegram

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
)

// WebhookPath is where Telegram posts updates in webhook mode.
const WebhookPath = "/telegram/webhook"

// secretHeader carries the secret_token given to setWebhook.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Routes mounts POST /telegram/webhook on the shared server in webhook mode (in
// long-polling mode there is nothing to mount).
func (a *Adapter) Routes(mux interface{ Handle(string, http.Handler) }) {
	if !a.Webhook() {
		return
	}
	if l, ok := mux.(interface {
		HandleLimit(string, http.Handler, int64)
	}); ok {
		l.HandleLimit("POST "+WebhookPath, a.WebhookHandler(), a.cfg.MaxBodyBytes)
		return
	}
	mux.Handle("POST "+WebhookPath, a.WebhookHandler())
}

// WebhookHandler receives updates posted by Telegram. A request without the
// configured secret gets 401 before its body is read; a body over MaxBodyBytes
// gets 413. An update is deduped, handed to the core and answered 200 at once
// (the core answers the user later); while the adapter is not running, or when
// the core refuses the update because it is shutting down, the answer is 503 so
// that Telegram delivers it again later.
func (a *Adapter) WebhookHandler() http.Handler {
	want := sha256.Sum256([]byte(a.cfg.WebhookSecret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Hashing first makes the comparison constant-time in the length too.
		got := sha256.Sum256([]byte(r.Header.Get(secretHeader)))
		if a.cfg.WebhookSecret == "" || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			a.log.Warn("telegram: webhook request with a missing or wrong secret token refused", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		a.mu.Lock()
		h, ctx := a.h, a.hctx
		if h == nil {
			a.mu.Unlock()
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		a.wg.Add(1) // under mu: Run waits for this request before returning
		a.mu.Unlock()
		defer a.wg.Done()

		raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
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
			a.log.Warn("telegram: webhook body is not an update", "err", err)
			http.Error(w, "not a Telegram update", http.StatusBadRequest)
			return
		}
		if !a.deliver(ctx, *head.ID, raw, h) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
