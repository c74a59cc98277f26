package kmsim

import (
	"crypto/subtle"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

// verify checks a request's email, timestamp and sign the way KM does: v1 is the
// lowercase hex SHA1 of "email&token&timestamp"; with sign_version=v2 and a nonce it
// is the SHA256 of "email&token&timestamp&nonce&v2". It returns the scheme used, or
// a failure message. The seeds do not document these failures; the simulator
// answers HTTP 401 with {"code":401,"message":"Signature verification failed"}, or
// "Request expired" when a correctly signed timestamp is off by more than MaxSkew.
func (s *Sim) verify(q url.Values, now time.Time) (version, failure string) {
	email, ts, sign := q.Get("email"), q.Get("timestamp"), strings.ToLower(q.Get("sign"))
	if email == "" || ts == "" || sign == "" {
		return "", MsgSignatureFailed
	}
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", MsgSignatureFailed
	}
	if subtle.ConstantTimeCompare([]byte(email), []byte(s.opts.Email)) != 1 {
		return "", MsgSignatureFailed
	}
	var want string
	switch v := q.Get("sign_version"); v {
	case "", "v1":
		version = "v1"
		want = kmclient.SignV1(email, s.opts.Token, t)
	case "v2":
		nonce := q.Get("nonce")
		if nonce == "" {
			return "", MsgSignatureFailed
		}
		version = "v2"
		want = kmclient.SignV2(email, s.opts.Token, t, nonce)
	default:
		return "", MsgSignatureFailed
	}
	if s.opts.SignVersion != "" && s.opts.SignVersion != version {
		return "", MsgSignatureFailed
	}
	if subtle.ConstantTimeCompare([]byte(sign), []byte(want)) != 1 {
		return "", MsgSignatureFailed
	}
	if d := now.Sub(time.Unix(t, 0)); d > s.opts.MaxSkew || d < -s.opts.MaxSkew {
		return "", MsgRequestExpired
	}
	return version, ""
}
