package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/httpserver"
)

// InteractionsPath is the route Discord posts interactions to, when the
// application's Interactions Endpoint URL points at kmbridge.
const InteractionsPath = "/discord/interactions"

// Routes mounts POST /discord/interactions on the shared server when
// Config.PublicKey is set (otherwise interactions arrive over the gateway).
func (a *Adapter) Routes(srv *httpserver.Server) {
	if a.pubKey == nil {
		return
	}
	srv.HandleLimit("POST "+InteractionsPath, http.HandlerFunc(a.serveInteraction), a.cfg.MaxBodyBytes)
}

// serveInteraction answers one HTTP interaction. Nothing is read from a
// request whose Ed25519 signature (over the timestamp header and the body)
// does not verify against the public key, or whose timestamp is stale: it is
// answered 401. PING (Discord checking the URL) gets PONG. The rest is handled
// as over the gateway, except that the initial response is the HTTP answer,
// written before the core may use the interaction's webhook.
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read the request body", http.StatusBadRequest)
		return
	}
	if err := verifySignature(a.pubKey, r.Header, body, a.now(), a.cfg.SignatureMaxAge); err != nil {
		a.log.Info("discord: interaction refused", "err", err, "remote", r.RemoteAddr)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	in, err := decodeInteraction(body)
	if err != nil {
		a.log.Warn("discord: malformed interaction", "err", err)
		http.Error(w, "malformed interaction", http.StatusBadRequest)
		return
	}
	if in.Type == discordgo.InteractionPing {
		writeResponse(w, ixResponse{Type: pong})
		return
	}
	h, _, done := a.enter()
	defer done()
	if h == nil {
		// Not running (starting or stopping): Discord shows the user that the
		// interaction failed, which is the truth.
		http.Error(w, "not running", http.StatusServiceUnavailable)
		return
	}
	ctx := r.Context()
	if in.Type == discordgo.InteractionApplicationCommandAutocomplete {
		ctx, cancel := context.WithTimeout(ctx, discordgo.InteractionDeadline)
		defer cancel()
		writeResponse(w, a.autocomplete(ctx, in))
		return
	}
	rep, ok := a.interaction(ctx, h, in)
	if !ok { // a redelivery: answer it the way the first was answered, change nothing
		t := deferUpdate
		if in.Type == discordgo.InteractionApplicationCommand {
			t = deferMessage
		}
		writeResponse(w, ixResponse{Type: t})
		return
	}
	err = writeResponse(w, rep.resp)
	if rep.acked != nil {
		rep.acked(err)
	}
}

// writeResponse writes an interaction response as the HTTP answer and pushes
// it out, so that Discord has it before the core answers through the webhook.
func writeResponse(w http.ResponseWriter, resp ixResponse) error {
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, "cannot encode the response", http.StatusInternalServerError)
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(b); err != nil {
		return err
	}
	if err := http.NewResponseController(w).Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// Signature errors.
var (
	errNoSignature  = errors.New("discord: interaction: missing or malformed X-Signature-Ed25519 / X-Signature-Timestamp")
	errBadSignature = errors.New("discord: interaction: signature does not verify")
	errStale        = errors.New("discord: interaction: timestamp too far from now")
)

// verifySignature checks Discord's Ed25519 signature of timestamp+body, and
// that the timestamp (unix seconds) is within maxAge of now.
func verifySignature(pub ed25519.PublicKey, hdr http.Header, body []byte, now time.Time, maxAge time.Duration) error {
	sig, err := hex.DecodeString(hdr.Get("X-Signature-Ed25519"))
	ts := hdr.Get("X-Signature-Timestamp")
	if err != nil || len(sig) != ed25519.SignatureSize || ts == "" || len(pub) != ed25519.PublicKeySize {
		return errNoSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errNoSignature
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(pub, msg, sig) {
		return errBadSignature
	}
	if d := now.Sub(time.Unix(secs, 0)); d > maxAge || d < -maxAge {
		return errStale
	}
	return nil
}
