package discordadapter

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestVerifySignature(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"type":1}`)
	sign := func(ts string, b []byte) http.Header {
		h := http.Header{}
		h.Set("X-Signature-Timestamp", ts)
		h.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, append([]byte(ts), b...))))
		return h
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	if err := verifySignature(pub, sign(ts, body), body, now, 5*time.Minute); err != nil {
		t.Fatalf("valid: %v", err)
	}
	_, other, _ := ed25519.GenerateKey(nil)
	forged := http.Header{}
	forged.Set("X-Signature-Timestamp", ts)
	forged.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(other, append([]byte(ts), body...))))
	old := strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10)
	future := strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10)
	for name, c := range map[string]struct {
		h    http.Header
		body []byte
		want error
	}{
		"forged":        {forged, body, errBadSignature},
		"tampered body": {sign(ts, body), bytes.ToUpper(body), errBadSignature},
		"other ts":      {func() http.Header { h := sign(ts, body); h.Set("X-Signature-Timestamp", old); return h }(), body, errBadSignature},
		"stale":         {sign(old, body), body, errStale},
		"future":        {sign(future, body), body, errStale},
		"no headers":    {http.Header{}, body, errNoSignature},
		"bad hex":       {func() http.Header { h := sign(ts, body); h.Set("X-Signature-Ed25519", "zz"); return h }(), body, errNoSignature},
		"short sig":     {func() http.Header { h := sign(ts, body); h.Set("X-Signature-Ed25519", "abcd"); return h }(), body, errNoSignature},
		"non-numeric":   {sign("yesterday", body), body, errNoSignature},
	} {
		if err := verifySignature(pub, c.h, c.body, now, 5*time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	if err := verifySignature(nil, sign(ts, body), body, now, time.Minute); !errors.Is(err, errNoSignature) {
		t.Errorf("no key: %v", err)
	}
}
