package discordadapter

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

	"github.com/kmbridge/kmbridge/internal/logx"
)

// InteractionsPath is the route Discord posts interactions to, when the
// application's Interactions Endpoint URL points at kmbridge.
const InteractionsPath = "/discord/interactions"

// httpHandler answers HTTP interactions. Nothing is read from a request whose
// Ed25519 signature (over the timestamp header and the body) does not verify
// against the public key, or whose timestamp is further than
// Config.SignatureMaxAge from now: it is answered 401 (and logged, rate
// limited: anyone can send such requests). PING (Discord checking the URL)
// gets PONG. The rest is handled as over the gateway, except that the initial
// response is the HTTP answer, written before the core may use the
// interaction's webhook.
func (r *receiver) httpHandler(pub ed25519.PublicKey) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		arrived := r.now()
		body, err := io.ReadAll(req.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read the request body", http.StatusBadRequest)
			return
		}
		if err := verifySignature(pub, req.Header, body, arrived, r.cfg.SignatureMaxAge); err != nil {
			r.log.Warn("discord: interaction refused", "err", err, "remote", req.RemoteAddr, logx.Throttled("discord.signature"))
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		in, err := decodeInteraction(body)
		if err != nil {
			r.log.Warn("discord: malformed interaction", "err", err)
			http.Error(w, "malformed interaction", http.StatusBadRequest)
			return
		}
		if in.Type == discordgo.InteractionPing {
			writeResponse(w, ixResponse{Type: pong})
			return
		}
		_, done, ok := r.life.enter()
		if !ok {
			// Not running (starting or stopping): Discord shows the user that the
			// interaction failed, which is the truth.
			http.Error(w, "not running", http.StatusServiceUnavailable)
			return
		}
		defer done()
		ctx := context.WithoutCancel(req.Context())
		if in.Type == discordgo.InteractionApplicationCommandAutocomplete {
			ctx, cancel := context.WithTimeout(ctx, respondWithin)
			defer cancel()
			writeResponse(w, r.autocomplete(ctx, in))
			return
		}
		dctx, cancel := context.WithTimeout(ctx, deliverWithin)
		rep := r.interaction(dctx, in)
		cancel()
		if rep.none { // a redelivery: answer it the way the first was answered, change nothing
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
	})
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
