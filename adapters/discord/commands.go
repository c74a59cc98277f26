package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/i18n"
)

// Application command and option names.
const (
	cmdAsk      = "ask"
	optQuestion = "question"
)

// maxQuestion bounds /ask's question (Discord allows 6000).
const maxQuestion = 1000

// commandDefs are the application commands: /ask question (with autocomplete)
// and the bridge commands, described in every shipped language (English is
// the default; Chinese and Japanese clients see their own). global adds the
// contexts a global command needs to work in DMs too.
func (a *Adapter) commandDefs(global bool) []*discordgo.ApplicationCommand {
	en := a.cat.Printer(string(discordgo.EnglishUS))
	zh := a.cat.Printer(string(discordgo.ChineseCN))
	ja := a.cat.Printer(string(discordgo.Japanese))
	locs := func(id i18n.MsgID) map[discordgo.Locale]string {
		return map[discordgo.Locale]string{
			discordgo.ChineseCN: cut(zh.T(id), maxDescription),
			discordgo.Japanese:  cut(ja.T(id), maxDescription),
		}
	}
	var contexts *[]discordgo.InteractionContextType
	if global {
		contexts = &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild, discordgo.InteractionContextBotDM}
	}
	cmd := func(name string, id i18n.MsgID, opts ...*discordgo.ApplicationCommandOption) *discordgo.ApplicationCommand {
		l := locs(id)
		return &discordgo.ApplicationCommand{
			Type: discordgo.ChatApplicationCommand, Name: name,
			Description: cut(en.T(id), maxDescription), DescriptionLocalizations: &l,
			Contexts: contexts, Options: opts,
		}
	}
	ask := &discordgo.ApplicationCommandOption{
		Type: discordgo.ApplicationCommandOptionString, Name: optQuestion,
		Description:              cut(en.T("discord.cmd_ask_question"), maxDescription),
		DescriptionLocalizations: locs("discord.cmd_ask_question"),
		Required:                 true, Autocomplete: true, MaxLength: maxQuestion,
	}
	return []*discordgo.ApplicationCommand{
		cmd(cmdAsk, "discord.cmd_ask", ask),
		cmd(bridge.CmdFAQ, "discord.cmd_faq"),
		cmd(bridge.CmdHot, "discord.cmd_hot"),
		cmd(bridge.CmdHuman, "discord.cmd_human"),
		cmd(bridge.CmdReset, "discord.cmd_reset"),
		cmd(bridge.CmdHelp, "discord.cmd_help"),
	}
}

// maxDescription is Discord's limit on command and option descriptions.
const maxDescription = 100

// registerCommands replaces the application's commands (bulk overwrite): in
// each configured server, where they appear at once, or globally. A failure is
// logged, not fatal: messages and buttons work without commands.
func (a *Adapter) registerCommands(ctx context.Context) {
	guilds := a.cfg.GuildIDs
	if len(guilds) == 0 {
		guilds = []string{""}
	}
	for _, g := range guilds {
		ep := discordgo.EndpointApplicationGlobalCommands(a.cfg.ApplicationID)
		if g != "" {
			ep = discordgo.EndpointApplicationGuildCommands(a.cfg.ApplicationID, g)
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.HTTPTimeout)
		err := a.call(cctx, ep, ep, "register commands", func(opts ...discordgo.RequestOption) error {
			_, err := a.s.ApplicationCommandBulkOverwrite(a.cfg.ApplicationID, g, a.commandDefs(g == ""), opts...)
			return err
		})
		cancel()
		if err != nil && ctx.Err() != nil {
			return // shutting down
		}
		if err != nil {
			a.log.Error("discord: commands not registered (was the bot invited with the applications.commands scope?)",
				"guild", g, "err", err)
			continue
		}
		a.log.Info("discord: commands registered", "guild", g)
	}
}
