// Package option is the one set of options every platform adapter's New
// takes (New(cfg, host, opts…)), so cmd/kmbridge builds every adapter the same
// way from one table and tests configure any adapter alike.
package option

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kmbridge/kmbridge/i18n"
)

// Set is what the options chose, with defaults filled in by Apply.
type Set struct {
	// Logger of the adapter; default: discard.
	Logger *slog.Logger
	// Catalog of the adapter's own words; default: the built-in catalogue.
	Catalog *i18n.Catalog
	// HTTPClient carries the adapter's calls to its platform; nil lets the
	// adapter choose (each sizes its own pool and timeout for its platform).
	HTTPClient *http.Client
	// IdleConns is how many idle connections to the platform an adapter
	// that builds its own HTTPClient keeps per host: as many as the calls it
	// may have in flight at once (the bridge's workers), so that none is
	// dialled twice under load. ≤ 0: httpx.DefaultIdlePerHost.
	IdleConns int
	// Clock of the adapter's memory, expiries and signed timestamps; default:
	// time.Now.
	Clock func() time.Time
}

// Option sets one part of a Set.
type Option func(*Set)

// Logger sets the adapter's logger.
func Logger(l *slog.Logger) Option { return func(s *Set) { s.Logger = l } }

// Catalog sets the catalogue of the adapter's own words.
func Catalog(c *i18n.Catalog) Option { return func(s *Set) { s.Catalog = c } }

// HTTPClient sets the client of the adapter's platform calls.
func HTTPClient(c *http.Client) Option { return func(s *Set) { s.HTTPClient = c } }

// IdleConns sets how many idle connections per host an adapter's own HTTP
// client keeps (see Set.IdleConns).
func IdleConns(n int) Option { return func(s *Set) { s.IdleConns = n } }

// Clock sets the adapter's clock.
func Clock(now func() time.Time) Option { return func(s *Set) { s.Clock = now } }

// Apply runs opts (nil ones are skipped) and fills in the defaults.
func Apply(opts []Option) (Set, error) {
	var s Set
	for _, o := range opts {
		if o != nil {
			o(&s)
		}
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Clock == nil {
		s.Clock = time.Now
	}
	if s.Catalog == nil {
		c, err := i18n.New("", nil)
		if err != nil {
			return Set{}, fmt.Errorf("option: built-in catalogue: %w", err)
		}
		s.Catalog = c
	}
	return s, nil
}
