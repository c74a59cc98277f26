package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"regexp"
	"time"

	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// call runs one KM call of the turn (see kmCall).
func (t *turn) call(op string, fn func(ctx context.Context) error) error {
	return t.c.kmCall(t.ctx, op, fn)
}

// kmCall runs one KM call under its own timeout (Config.KMTimeout), so a KM that
// hangs for one conversation holds only that conversation, and records it.
func (c *Core) kmCall(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.KMTimeout)
	defer cancel()
	start := time.Now() // real time: this is a latency metric, not conversation time
	err := fn(ctx)
	res := kmResult(err)
	c.met.km(op, res, time.Since(start))
	c.health.kmOutcome(op, res, err)
	return err
}

// kmResult classifies a KM call's outcome for metrics.
func kmResult(err error) string {
	var apiErr *kmclient.APIError
	var netErr net.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errStore):
		return "store"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, kmclient.ErrSessionExpired):
		return "expired"
	case errors.As(err, &apiErr):
		if apiErr.HTTPStatus >= 500 || (apiErr.Code == 0 && apiErr.HTTPStatus != 0 && apiErr.HTTPStatus != 200) {
			return "unavailable"
		}
		if apiErr.Code == 0 {
			return "malformed"
		}
		return "api"
	case errors.As(err, &netErr):
		if netErr.Timeout() {
			return "timeout"
		}
		return "unavailable"
	case isMalformed(err):
		return "malformed"
	}
	return "unavailable"
}

func isMalformed(err error) bool {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	return errors.As(err, &syn) || errors.As(err, &typ) || errors.Is(err, errMalformed)
}

// errMalformed marks an answer the bridge could not use.
var errMalformed = errors.New("bridge: malformed KM answer")

// errStore marks a failure of the Store, not of KM.
var errStore = errors.New("bridge: store failure")

// apologyFor picks the catalogue apology for a KM failure.
func apologyFor(err error) i18n.MsgID {
	switch kmResult(err) {
	case "timeout":
		return "bridge.km_timeout"
	case "malformed":
		return "bridge.km_malformed"
	case "api", "expired":
		return "bridge.km_error"
	case "store":
		return "bridge.internal_error"
	}
	return "bridge.km_unavailable"
}

// fail apologises to the user for a KM failure and logs it (without secrets).
func (t *turn) fail(op string, err error) string {
	t.log.Warn("bridge: call failed", "op", op, "result", kmResult(err), "err", redact(err))
	t.say(apologyFor(err))
	return "km_" + kmResult(err)
}

var secretParam = regexp.MustCompile(`(?i)((?:sign|token|nonce|secret|access_?key(?:_?id)?)=)[^&\s"']*`)

// redact renders an error for a log line with signing parameters removed: a
// *url.Error from net/http carries the request URL, whose query holds the sign.
func redact(err error) string {
	if err == nil {
		return ""
	}
	return secretParam.ReplaceAllString(err.Error(), "${1}REDACTED")
}
