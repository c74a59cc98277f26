package main

import (
	"log/slog"

	"github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
)

// mountAdapters builds every enabled platform adapter, mounts its HTTP routes on the
// shared server and registers it with the core. It returns the platform names.
func mountAdapters(cfg *config.Config, core *bridge.Core, srv *httpserver.Server, catalog *i18n.Catalog, log *slog.Logger) ([]string, error) {
	var names []string
	if cfg.Web.On() {
		wcfg := web.Config{
			AllowedOrigins: cfg.Web.AllowedOrigins,
			FrameAncestors: cfg.Web.FrameAncestors,
			Title:          cfg.Web.Title,
		}
		if err := wcfg.Validate(); err != nil {
			return nil, err
		}
		w := web.New(wcfg, catalog, log.With("adapter", "web"))
		w.Routes(srv)
		core.Register(w)
		names = append(names, w.Name())
	}
	return names, nil
}
