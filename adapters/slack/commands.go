package slackadapter

import (
	"context"
	"errors"
	"strconv"
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
// that the answer is in the DM), or nil, and whether Slack may be told the
// command arrived. Each event goes to the host under the command's trigger_id
// (and its place, when the command makes two), so a command Slack sends again
// is answered once.
func (r *receiver) onCommand(ctx context.Context, cmd slack.SlashCommand) (*slack.Msg, bool) {
	if cmd.UserID == "" || cmd.ChannelID == "" {
		return nil, true
	}
	if cmd.Command != "" && cmd.Command != r.cfg.Command {
		r.log.Info("slack: slash command differs from slack.command; handled anyway", "command", cmd.Command)
	}
	user := r.people.userInfo(ctx, cmd.UserID)
	var (
		key   bridge.ConvKey
		reply *slack.Msg
	)
	if r.cfg.SlashReply == ReplyDM || isDM(cmd.ChannelID) {
		dm, err := r.people.openDM(ctx, cmd.UserID)
		if err == nil {
			key = dmKey(dm, "", cmd.UserID)
			if dm != cmd.ChannelID {
				reply = &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: escapeMrkdwn(r.extras.printer(user.Locale).T("slack.answered_in_dm"))}
			}
		} else {
			r.log.Warn("slack: cannot open a DM for the command; answering in the channel", "err", err)
			key = ephemeralKey(cmd.ChannelID, cmd.UserID)
		}
	} else {
		key = ephemeralKey(cmd.ChannelID, cmd.UserID)
	}
	if isEphemeral(key) && cmd.ResponseURL != "" {
		r.convs.setReplyURL(key, cmd.ResponseURL)
	}
	for i, ev := range commandEvents(key, user, cmd.Text) {
		id := ""
		if cmd.TriggerID != "" {
			id = "command:" + cmd.TriggerID + ":" + strconv.Itoa(i)
		}
		err := deliver(ctx, r.host, r.log, id, ev)
		if !bridge.Ack(err) {
			return nil, false
		}
		if errors.Is(err, bridge.ErrBusy) { // the user was told; the rest would be refused too
			break
		}
	}
	return reply, true
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
