package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// kmConn is what a km command works with: the configured KM robot and the
// language of the bridge's own words.
type kmConn struct {
	*kmTarget
	cfg *config.Config
	p   i18n.Printer
}

// robot is the configured robot id as a KM id.
func (k *kmConn) robot() kmclient.ID { return kmclient.ID(k.robotID) }

// withKM loads the configuration, connects to KM (starting the demo simulator when
// km.base_url is empty) and runs fn. It maps failures onto exit codes: an invalid
// configuration is exitConfig, anything fn returns is exitFail with KM's message.
func (a *app) withKM(ctx context.Context, name string, fn func(ctx context.Context, k *kmConn) error) int {
	cfg, ok := a.load()
	if !ok {
		return exitConfig
	}
	catalog, err := i18n.New(cfg.Bridge.Language, cfg.Messages)
	if err != nil {
		fmt.Fprintf(a.stderr, "kmbridge %s: %v\n", name, err)
		return exitConfig
	}
	t, err := connectKM(cfg, cliLogger(a.stderr, cfg))
	if err != nil {
		fmt.Fprintf(a.stderr, "kmbridge %s: %v\n", name, redactToken(err.Error(), cfg.KM.Token))
		return exitConfig
	}
	defer t.stop()
	if cfg.Demo() {
		fmt.Fprintf(a.stderr, "kmbridge %s: demo mode: using the built-in simulator and sample knowledge base (set km.base_url to use your Udesk robot)\n", name)
	}
	if err := fn(ctx, &kmConn{kmTarget: t, cfg: cfg, p: catalog.Printer("")}); err != nil {
		return a.kmFailed(name, err, cfg.KM.Token)
	}
	return exitOK
}

// kmFailed prints why a KM call failed, KM's own message first, and returns exitFail.
func (a *app) kmFailed(name string, err error, token string) int {
	var apiErr *kmclient.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.Code != 0:
		fmt.Fprintf(a.stderr, "kmbridge %s: KM said: %s (code %d, %s)\n", name,
			redactToken(apiErr.Message, token), apiErr.Code, apiErr.Endpoint)
	case errors.As(err, &apiErr):
		fmt.Fprintf(a.stderr, "kmbridge %s: KM answered HTTP %d: %s (%s)\n", name,
			apiErr.HTTPStatus, redactToken(apiErr.Message, token), apiErr.Endpoint)
	default:
		fmt.Fprintf(a.stderr, "kmbridge %s: %s\n", name, redactToken(err.Error(), token))
	}
	return exitFail
}

// redactToken keeps the API token out of anything printed, whatever KM or a proxy
// echoed back. (kmclient already keeps it and the sign out of its own errors.)
func redactToken(s, token string) string {
	if token == "" {
		return s
	}
	return strings.ReplaceAll(s, token, "[redacted]")
}

// cliLogger is the logger of the km commands and check: the configured one, but
// quiet below warnings unless log.level is debug, so that stderr carries the
// commands' own messages.
func cliLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	c := *cfg
	if c.Log.Level != "debug" && c.Log.Level != "error" {
		c.Log.Level = "warn"
	}
	return newLogger(w, &c)
}

// printJSON writes v as indented JSON, HTML left as is (KM answers are HTML).
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonLines writes each element of items as one compact JSON object per line.
func jsonLines[T any](w io.Writer, items []T) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range items {
		if err := enc.Encode(&items[i]); err != nil {
			return err
		}
	}
	return nil
}

// oneLine collapses white space so a KM text fits a table cell.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// pageNote tells, on stderr, which page of how many a list command printed.
func (a *app) pageNote(pg kmclient.Paging, shown int, what string) {
	if pg.PageSize <= 0 || pg.Total <= 0 {
		fmt.Fprintf(a.stderr, "%d %s\n", shown, what)
		return
	}
	pages := (pg.Total + int64(pg.PageSize) - 1) / int64(pg.PageSize)
	fmt.Fprintf(a.stderr, "page %d of %d, %d %s in all\n", pg.PageNum, pages, pg.Total, what)
}
