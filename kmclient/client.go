package kmclient

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/internal/httpx"
)

// Defaults applied by New.
const (
	DefaultTimeout    = 10 * time.Second
	DefaultMaxRetries = 2
	// StreamTimeout bounds a streaming newChat: KM gives its model 60 s.
	StreamTimeout = 60 * time.Second
	// maxRetryAfter caps how long a Retry-After makes a call wait.
	maxRetryAfter = 10 * time.Second
	// maxBody bounds what is read of a non-streaming response.
	maxBody = 32 << 20
)

// Config configures a Client.
type Config struct {
	BaseURL     string        // e.g. https://km.udesk.cn/api
	Email       string        // the KM admin email used for signing
	Token       string        // the API token; never logged
	SignVersion string        // "v1" (default) or "v2"
	Timeout     time.Duration // per call; default 10s (streaming: 60s, KM's model bound)
	HTTPClient  *http.Client  // optional; default: httpx.Client, a pool of 256 connections
	Logger      *slog.Logger  // optional
	Signer      Signer        // optional; overrides SignVersion
	MaxRetries  int           // retries of safe failures; default 2 (0 = default, <0 = none)
}

// String describes the configuration without the token, so that printing a Config
// by mistake leaks nothing.
func (c Config) String() string {
	tok := "unset"
	if c.Token != "" {
		tok = "set"
	}
	return fmt.Sprintf("kmclient.Config{BaseURL: %q, Email: %q, Token: %s, SignVersion: %q, Timeout: %s, MaxRetries: %d}",
		c.BaseURL, c.Email, tok, c.SignVersion, c.Timeout, c.MaxRetries)
}

// LogValue keeps the token out of structured logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("email", c.Email),
		slog.Bool("token_set", c.Token != ""),
		slog.String("sign_version", c.SignVersion),
		slog.Duration("timeout", c.Timeout),
	)
}

// Client calls the KM API. It is safe for concurrent use.
type Client struct {
	cfg           Config
	base          string // BaseURL without a trailing slash
	hc            *http.Client
	signer        Signer
	log           *slog.Logger
	timeout       time.Duration
	streamTimeout time.Duration
	maxRetries    int
	dialBackoff   time.Duration // first wait after a dial error; doubles
	secrets       []string      // redacted from error previews
	now           func() time.Time
}

// New validates cfg and returns a Client. It does no network I/O.
func New(cfg Config) (*Client, error) {
	if err := validate(cfg); err != nil {
		return nil, err
	}
	c := &Client{
		cfg:           cfg,
		base:          strings.TrimRight(cfg.BaseURL, "/"),
		hc:            cfg.HTTPClient,
		signer:        cfg.Signer,
		log:           cfg.Logger,
		timeout:       cfg.Timeout,
		streamTimeout: StreamTimeout,
		maxRetries:    cfg.MaxRetries,
		dialBackoff:   200 * time.Millisecond,
		now:           time.Now,
	}
	if c.hc == nil {
		// Every turn makes its KM call at once: keep a connection for each
		// (per-call timeouts come from ctx).
		c.hc = httpx.Client(0, 0)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.signer == nil {
		if cfg.SignVersion == "v2" {
			c.signer = NewSignerV2(cfg.Email, cfg.Token)
		} else {
			c.signer = NewSignerV1(cfg.Email, cfg.Token)
		}
	}
	if cfg.Token != "" {
		c.secrets = append(c.secrets, cfg.Token)
	}
	return c, nil
}

func validate(cfg Config) error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("kmclient: config: "+format, args...))
	}
	if strings.TrimSpace(cfg.BaseURL) == "" {
		bad("BaseURL is required (e.g. https://km.udesk.cn/api)")
	} else if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("BaseURL %q must be an absolute http(s) URL such as https://km.udesk.cn/api", cfg.BaseURL)
	} else if u.RawQuery != "" || u.Fragment != "" {
		bad("BaseURL %q must not carry a query or fragment", cfg.BaseURL)
	}
	if cfg.Signer == nil {
		if strings.TrimSpace(cfg.Email) == "" {
			bad("Email is required to sign requests (the KM admin email)")
		}
		if cfg.Token == "" {
			bad("Token is required to sign requests (KM → Management → API token)")
		}
	}
	switch cfg.SignVersion {
	case "", "v1", "v2":
	default:
		bad("SignVersion %q is not supported (want v1 or v2)", cfg.SignVersion)
	}
	if cfg.Timeout < 0 {
		bad("Timeout %s must not be negative (0 means %s)", cfg.Timeout, DefaultTimeout)
	}
	return errors.Join(errs...)
}
