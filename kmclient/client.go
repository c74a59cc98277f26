// Package kmclient is a typed client for the Udesk KM robot API: every endpoint of
// the seeds, request signing, the response envelope and KM's error messages.
package kmclient

import (
	"log/slog"
	"net/http"
	"time"
)

// Config configures a Client.
type Config struct {
	BaseURL     string        // e.g. https://km.udesk.cn/api
	Email       string        // the KM admin email used for signing
	Token       string        // the API token; never logged
	SignVersion string        // "v1" (default) or "v2"
	Timeout     time.Duration // per call; default 10s (streaming: 60s, KM's model bound)
	HTTPClient  *http.Client  // optional
	Logger      *slog.Logger  // optional
	Signer      Signer        // optional; overrides SignVersion
	MaxRetries  int           // retries of safe failures; default 2
}

// Client calls the KM API. It is safe for concurrent use.
type Client struct {
	cfg Config
}
