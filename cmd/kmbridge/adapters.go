package main

import (
	"log/slog"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/option"
	slackadapter "github.com/kmbridge/kmbridge/adapters/slack"
	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/i18n"
)

// platform is one row of the adapter table: when it runs, and how its
// configuration section becomes its adapter. Adding a platform is adding a row.
type platform struct {
	name  string
	on    func(*config.Config) bool
	build func(cfg *config.Config, host bridge.Host, opts ...option.Option) (bridge.Adapter, error)
}

// platforms is the adapter table, in start order.
func platforms() []platform {
	scope := func(cfg *config.Config) bridge.Scope { return bridge.Scope(cfg.Bridge.ChannelScope) }
	return []platform{
		{"slack", func(c *config.Config) bool { return c.Slack.On() },
			func(cfg *config.Config, host bridge.Host, opts ...option.Option) (bridge.Adapter, error) {
				return slackadapter.New(slackadapter.Config{
					BotToken:      cfg.Slack.BotToken,
					SigningSecret: cfg.Slack.SigningSecret,
					AppToken:      cfg.Slack.AppToken,
					APIURL:        cfg.Slack.APIURL,
					Command:       cfg.Slack.Command,
					SlashReply:    cfg.Slack.SlashReply,
					Scope:         scope(cfg),
					Streaming:     cfg.KM.Streaming,
					ActionTTL:     cfg.Bridge.ActionTTL.D(),
				}, host, opts...)
			}},
		{"telegram", func(c *config.Config) bool { return c.Telegram.On() },
			func(cfg *config.Config, host bridge.Host, opts ...option.Option) (bridge.Adapter, error) {
				return telegramadapter.New(telegramadapter.Config{
					Token:         cfg.Telegram.Token,
					APIEndpoint:   cfg.Telegram.APIEndpoint,
					WebhookURL:    cfg.Telegram.WebhookURL,
					WebhookSecret: cfg.Telegram.WebhookSecret,
					Scope:         scope(cfg),
					PublicURL:     cfg.HTTP.PublicURL,
				}, host, opts...)
			}},
		{"discord", func(c *config.Config) bool { return c.Discord.On() },
			func(cfg *config.Config, host bridge.Host, opts ...option.Option) (bridge.Adapter, error) {
				return discordadapter.New(discordadapter.Config{
					Token:         cfg.Discord.Token,
					ApplicationID: cfg.Discord.ApplicationID,
					PublicKey:     cfg.Discord.PublicKey,
					GuildIDs:      cfg.Discord.GuildIDs,
					Channels:      cfg.Discord.Channels,
					Scope:         scope(cfg),
					ShardID:       cfg.Discord.ShardID,
					ShardCount:    cfg.Discord.ShardCount,
					APIURL:        cfg.Discord.APIURL,
				}, host, opts...)
			}},
		{"web", func(c *config.Config) bool { return c.Web.On() },
			func(cfg *config.Config, host bridge.Host, opts ...option.Option) (bridge.Adapter, error) {
				return webadapter.New(webadapter.Config{
					AllowedOrigins:      cfg.Web.AllowedOrigins,
					FrameAncestors:      cfg.Web.FrameAncestors,
					Title:               cfg.Web.Title,
					MessagesPerMinPerIP: cfg.Web.MessagesPerMin,
					MaxNewPerIPPerMin:   cfg.Web.MaxNewPerIPPerMin,
					TrustedProxies:      cfg.HTTP.Proxies(),
					ActionTTL:           cfg.Bridge.ActionTTL.D(),
				}, host, opts...)
			}},
	}
}

// mountAdapters builds every enabled platform's adapter on the core, mounts
// its HTTP routes on the shared server and registers it. It returns the
// platform names.
func mountAdapters(cfg *config.Config, core *bridge.Core, srv bridge.Router, catalog *i18n.Catalog, log *slog.Logger) ([]string, error) {
	var names []string
	for _, p := range platforms() {
		if !p.on(cfg) {
			continue
		}
		// Each worker may have a call to the platform in flight: the
		// adapter keeps a connection for each.
		a, err := p.build(cfg, core, option.Catalog(catalog), option.Logger(log.With("adapter", p.name)),
			option.IdleConns(cfg.Bridge.Workers))
		if err != nil {
			return nil, err
		}
		if rm, ok := a.(bridge.RouteMounter); ok {
			rm.Routes(srv)
		}
		core.Register(a)
		names = append(names, a.Name())
	}
	return names, nil
}
