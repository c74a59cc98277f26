package slackadapter

import (
	"context"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
)

// responseURLTTL is how long Slack accepts a slash command's response_url.
const responseURLTTL = 30 * time.Minute

// onCommand handles the slash command (Config.Command, "/ask" by default):
// "/ask <question>" asks, "/ask faq|hot|human|reset|help" runs that command, and
// "/ask" alone shows the help and the FAQ. Answers go to the user's DM with the
// app (Config.SlashReply "dm"), or appear in the channel for the user only
// ("ephemeral"). It returns the immediate reply to the command request (a note
// that the answer is in the DM), or nil; and the core's refusal when the
// command must not be acknowledged (retryLater): Slack then tells the user it
// failed, rather than nothing happening.
func (a *Adapter) onCommand(ctx context.Context, h bridge.Handler, cmd slack.SlashCommand) (*slack.Msg, error) {
	if cmd.UserID == "" || cmd.ChannelID == "" {
		return nil, nil
	}
	if cmd.Command != "" && cmd.Command != a.cfg.Command {
		a.log.Info("slack: slash command differs from slack.command; handled anyway", "command", cmd.Command)
	}
	if cmd.TriggerID != "" && a.seen(ctx, "command:"+cmd.TriggerID) {
		return nil, nil
	}
	user := a.userInfo(ctx, cmd.UserID)
	var (
		key   bridge.ConvKey
		reply *slack.Msg
	)
	if a.cfg.SlashReply == ReplyDM || isDM(cmd.ChannelID) {
		dm, err := a.openDM(ctx, cmd.UserID)
		if err == nil {
			key = dmKey(dm, "", cmd.UserID)
			if dm != cmd.ChannelID {
				reply = &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: escapeMrkdwn(a.printer(user.Locale).T("slack.answered_in_dm"))}
			}
		} else {
			a.log.Warn("slack: cannot open a DM for the command; answering in the channel", "err", err)
			key = ephemeralKey(cmd.ChannelID, cmd.UserID)
		}
	} else {
		key = ephemeralKey(cmd.ChannelID, cmd.UserID)
	}
	if isEphemeral(key) && cmd.ResponseURL != "" {
		a.replyURLs.Put(msgKey(key.Channel, key.User), cmd.ResponseURL)
	}
	for _, ev := range commandEvents(key, user, cmd.Text) {
		if err := a.hand(ctx, h, ev); err != nil {
			if retryLater(err) {
				return nil, err
			}
			break
		}
	}
	return reply, nil
}

// commandEvents maps the command's text to bridge events.
func commandEvents(key bridge.ConvKey, user bridge.UserInfo, text string) []bridge.Event {
	text = strings.TrimSpace(plainText(text, "", false))
	if text == "" {
		return []bridge.Event{
			bridge.Command{Key: key, User: user, Name: bridge.CmdHelp},
			bridge.Command{Key: key, User: user, Name: bridge.CmdFAQ},
		}
	}
	name, arg, _ := strings.Cut(text, " ")
	name = strings.ToLower(name)
	for _, c := range bridge.CommandNames() {
		if name == c {
			return []bridge.Event{bridge.Command{Key: key, User: user, Name: c, Arg: strings.TrimSpace(arg)}}
		}
	}
	return []bridge.Event{bridge.Message{Key: key, User: user, Text: text}}
}
