package discordadapter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

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

// registerCommands makes the application's commands the ones commandDefs
// describes, in each configured server (where they appear at once), or
// globally. It reads what Discord has first and overwrites it (bulk
// overwrite) only when it differs, so a restart or a second process changes
// nothing. A failure is logged, not fatal: messages and buttons work without
// commands.
func (a *Adapter) registerCommands(ctx context.Context) {
	guilds := a.cfg.GuildIDs
	if len(guilds) == 0 {
		guilds = []string{""}
	}
	if !a.firstToRegister(ctx, guilds) {
		return
	}
	for _, g := range guilds {
		if ctx.Err() != nil {
			return // shutting down
		}
		cctx, cancel := context.WithTimeout(ctx, a.cfg.HTTPTimeout)
		changed, err := a.syncCommands(cctx, g)
		cancel()
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			a.log.Error("discord: commands not registered (was the bot invited with the applications.commands scope?)",
				"guild", g, "err", err)
		case changed:
			a.log.Info("discord: commands registered", "guild", g)
		default:
			a.log.Debug("discord: commands already registered", "guild", g)
		}
	}
}

// commandsOnce is how long a registration of the commands stands for every
// replica (bridge.Coordinator.Once): a rollout registers once.
const commandsOnce = 24 * time.Hour

// firstToRegister reports whether this replica registers the commands: true
// without a host that coordinates replicas, and for the first replica to ask
// for these commands in these servers (a changed command list, or another
// server, is registered at once).
func (a *Adapter) firstToRegister(ctx context.Context, guilds []string) bool {
	co, ok := a.in.host.(bridge.Coordinator)
	if !ok {
		return true
	}
	h := sha256.New()
	for _, g := range guilds {
		b, err := json.Marshal(a.commandDefs(g == ""))
		if err != nil {
			return true
		}
		fmt.Fprintf(h, "%s\x00%s\x00", g, b)
	}
	name := "discord:commands:" + a.cfg.ApplicationID + ":" + hex.EncodeToString(h.Sum(nil)[:8])
	first, err := co.Once(ctx, name, commandsOnce)
	switch {
	case err != nil:
		a.log.Info("discord: cannot tell whether another replica registered the commands; registering them", "err", err)
		return true
	case !first:
		a.log.Debug("discord: commands already registered by a replica")
	}
	return first
}

// syncCommands registers the commands in guild ("": globally) unless Discord
// has them already; it reports whether it wrote them.
func (a *Adapter) syncCommands(ctx context.Context, guild string) (bool, error) {
	ep := discordgo.EndpointApplicationGlobalCommands(a.cfg.ApplicationID)
	if guild != "" {
		ep = discordgo.EndpointApplicationGuildCommands(a.cfg.ApplicationID, guild)
	}
	want := a.commandDefs(guild == "")
	var have []*discordgo.ApplicationCommand
	err := a.api.call(ctx, bucket("GET "+ep), "read the commands", func(opts ...discordgo.RequestOption) error {
		var err error
		have, err = a.api.s.ApplicationCommands(a.cfg.ApplicationID, guild, opts...)
		return err
	})
	if err == nil && sameCommands(have, want) {
		return false, nil
	}
	if err != nil {
		a.log.Info("discord: cannot read the registered commands; writing them", "guild", guild, "err", err)
	}
	err = a.api.call(ctx, bucket(ep), "register commands", func(opts ...discordgo.RequestOption) error {
		_, err := a.api.s.ApplicationCommandBulkOverwrite(a.cfg.ApplicationID, guild, want, opts...)
		return err
	})
	return err == nil, err
}

// commandShape is what of a command kmbridge sets, to compare what Discord
// has with what it would write; ids, versions and defaults Discord adds are
// left out.
type commandShape struct {
	Name, Description string
	Type              discordgo.ApplicationCommandType
	Localized         map[discordgo.Locale]string
	Contexts          []discordgo.InteractionContextType // compared only when set
	Options           []optionShape
}

type optionShape struct {
	Name, Description      string
	Type                   discordgo.ApplicationCommandOptionType
	Localized              map[discordgo.Locale]string
	Required, Autocomplete bool
	MaxLength              int
}

func shapeOf(c *discordgo.ApplicationCommand, contexts bool) commandShape {
	s := commandShape{Name: c.Name, Description: c.Description, Type: c.Type, Localized: map[discordgo.Locale]string{}}
	if s.Type == 0 {
		s.Type = discordgo.ChatApplicationCommand
	}
	if c.DescriptionLocalizations != nil {
		for k, v := range *c.DescriptionLocalizations {
			s.Localized[k] = v
		}
	}
	if contexts && c.Contexts != nil {
		s.Contexts = slices.Clone(*c.Contexts)
		slices.Sort(s.Contexts)
	}
	for _, o := range c.Options {
		if o == nil {
			continue
		}
		os := optionShape{Name: o.Name, Description: o.Description, Type: o.Type, Localized: map[discordgo.Locale]string{},
			Required: o.Required, Autocomplete: o.Autocomplete, MaxLength: o.MaxLength}
		for k, v := range o.DescriptionLocalizations {
			os.Localized[k] = v
		}
		s.Options = append(s.Options, os)
	}
	return s
}

// sameCommands reports whether Discord's commands are the ones to register.
func sameCommands(have, want []*discordgo.ApplicationCommand) bool {
	if len(have) != len(want) {
		return false
	}
	shapes := func(cs []*discordgo.ApplicationCommand, contexts bool) []commandShape {
		out := make([]commandShape, 0, len(cs))
		for _, c := range cs {
			if c == nil {
				return nil
			}
			out = append(out, shapeOf(c, contexts))
		}
		slices.SortFunc(out, func(a, b commandShape) int { return strings.Compare(a.Name, b.Name) })
		return out
	}
	w := shapes(want, true)
	checkContexts := len(w) > 0 && w[0].Contexts != nil
	return reflect.DeepEqual(shapes(have, checkContexts), w)
}
