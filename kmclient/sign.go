package kmclient

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strconv"
	"time"
)

// Signer adds KM's authentication parameters (email, timestamp, sign, …) to a query.
// It is an interface so a tenant with another scheme, or a test, can swap it.
type Signer interface {
	Sign(q url.Values, now time.Time)
}

// SignV1 computes the robot API signature: lowercase hex SHA1 of "email&token&timestamp".
func SignV1(email, token string, timestamp int64) string {
	sum := sha1.Sum([]byte(email + "&" + token + "&" + strconv.FormatInt(timestamp, 10)))
	return hex.EncodeToString(sum[:])
}

// SignV2 computes the open API signature: lowercase hex SHA256 of
// "email&token&timestamp&nonce&v2".
func SignV2(email, token string, timestamp int64, nonce string) string {
	sum := sha256.Sum256([]byte(email + "&" + token + "&" + strconv.FormatInt(timestamp, 10) + "&" + nonce + "&v2"))
	return hex.EncodeToString(sum[:])
}
