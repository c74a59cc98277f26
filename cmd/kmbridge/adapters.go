package main

import (
	"log/slog"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	slackadapter "github.com/kmbridge/kmbridge/adapters/slack"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/i18n"
)

// mountAdapters builds every enabled platform adapter, mounts its HTTP routes on the
// shared server and registers it with the core. It returns the platform names.
func mountAdapters(cfg *config.Config, core *bridge.Core, store bridge.Store, srv *httpserver.Server, catalog *i18n.Catalog, log *slog.Logger) ([]string, error) {
	var names []string
	if cfg.Slack.On() {
		s, err := slackadapter.New(slackadapter.Config{
			BotToken:      cfg.Slack.BotToken,
			SigningSecret: cfg.Slack.SigningSecret,
			AppToken:      cfg.Slack.AppToken,
			APIURL:        cfg.Slack.APIURL,
			Command:       cfg.Slack.Command,
			SlashReply:    cfg.Slack.SlashReply,
			Scope:         bridge.Scope(cfg.Bridge.ChannelScope),
			Streaming:     cfg.KM.Streaming,
			ActionTTL:     cfg.Bridge.ActionTTL.D(),
		}, core, slackadapter.WithCatalog(catalog), slackadapter.WithLogger(log.With("adapter", "slack")))
		if err != nil {
			return nil, err
		}
		s.Routes(srv)
		core.Register(s)
		names = append(names, s.Name())
	}
	if cfg.Telegram.On() {
		tg, err := telegramadapter.New(telegramadapter.Config{
			Token:         cfg.Telegram.Token,
			APIEndpoint:   cfg.Telegram.APIEndpoint,
			WebhookURL:    cfg.Telegram.WebhookURL,
			WebhookSecret: cfg.Telegram.WebhookSecret,
			Scope:         bridge.Scope(cfg.Bridge.ChannelScope),
			PublicURL:     cfg.HTTP.PublicURL,
		}, core, telegramadapter.WithCatalog(catalog), telegramadapter.WithLogger(log.With("adapter", "telegram")))
		if err != nil {
			return nil, err
		}
		tg.Routes(srv)
		core.Register(tg)
		names = append(names, tg.Name())
	}
	if cfg.Discord.On() {
		d, err := discordadapter.New(discordadapter.Config{
			Token:         cfg.Discord.Token,
			ApplicationID: cfg.Discord.ApplicationID,
			PublicKey:     cfg.Discord.PublicKey,
			GuildIDs:      cfg.Discord.GuildIDs,
			Channels:      cfg.Discord.Channels,
			Scope:         bridge.Scope(cfg.Bridge.ChannelScope),
			ShardID:       cfg.Discord.ShardID,
			ShardCount:    cfg.Discord.ShardCount,
			APIURL:        cfg.Discord.APIURL,
		}, core, discordadapter.WithCatalog(catalog), discordadapter.WithLogger(log.With("adapter", "discord")))
		if err != nil {
			return nil, err
		}
		d.Routes(srv)
		core.Register(d)
		names = append(names, d.Name())
	}
	if cfg.Web.On() {
		w, err := webadapter.New(webadapter.Config{
			AllowedOrigins:      cfg.Web.AllowedOrigins,
			FrameAncestors:      cfg.Web.FrameAncestors,
			Title:               cfg.Web.Title,
			MessagesPerMinPerIP: cfg.Web.MessagesPerMin,
			MaxNewPerIPPerMin:   cfg.Web.MaxNewPerIPPerMin,
			TrustedProxies:      cfg.HTTP.Proxies(),
			ActionTTL:           cfg.Bridge.ActionTTL.D(),
		}, core, webadapter.WithCatalog(catalog), webadapter.WithLogger(log.With("adapter", "web")))
		if err != nil {
			return nil, err
		}
		w.Routes(srv)
		core.Register(w)
		names = append(names, w.Name())
	}
	return names, nil
}
