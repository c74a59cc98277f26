package kmclient

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"
)

// NewSignerV1 returns the robot API signer: it adds email, timestamp (unix seconds)
// and sign = SignV1(email, token, timestamp) to the query.
func NewSignerV1(email, token string) Signer { return signerV1{email: email, token: token} }

// NewSignerV2 returns the open API signer: it adds email, timestamp, a random hex
// nonce, sign_version=v2 and sign = SignV2(email, token, timestamp, nonce).
func NewSignerV2(email, token string) Signer {
	return signerV2{email: email, token: token, nonce: randomNonce}
}

type signerV1 struct{ email, token string }

func (s signerV1) Sign(q url.Values, now time.Time) {
	ts := now.Unix()
	q.Set("email", s.email)
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("sign", SignV1(s.email, s.token, ts))
}

// String keeps the token out of anything that prints the signer.
func (s signerV1) String() string { return "kmclient.SignerV1(" + s.email + ")" }

// GoString keeps the token out of %#v as String keeps it out of %v.
func (s signerV1) GoString() string { return s.String() }

type signerV2 struct {
	email, token string
	nonce        func() string
}

func (s signerV2) Sign(q url.Values, now time.Time) {
	ts := now.Unix()
	n := s.nonce()
	q.Set("email", s.email)
	q.Set("timestamp", strconv.FormatInt(ts, 10))
	q.Set("nonce", n)
	q.Set("sign_version", "v2")
	q.Set("sign", SignV2(s.email, s.token, ts, n))
}

func (s signerV2) String() string { return "kmclient.SignerV2(" + s.email + ")" }

// GoString keeps the token out of %#v as String keeps it out of %v.
func (s signerV2) GoString() string { return s.String() }

func randomNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b[:])
}
