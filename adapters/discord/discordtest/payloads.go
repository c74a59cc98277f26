package discordtest

// What Discord sends a bot (gateway payloads, interactions), and reading the
// bot's messages.

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// GuildID is the server the builders post in.
const GuildID = "700000000000000001"

// Person is a user as Discord describes one; id ends in three digits that
// name it ("User 101").
func Person(id string) map[string]any {
	return map[string]any{"id": id, "username": "user" + id[len(id)-3:], "global_name": "User " + id[len(id)-3:]}
}

// DMChannel is the DM channel of a user (one per user, as Discord has it).
func DMChannel(user string) string { return "8" + user[1:] }

// DM is a direct message from user.
func (f *Server) DM(user, text string) map[string]any {
	return map[string]any{
		"id": f.NewID(), "channel_id": DMChannel(user), "author": Person(user), "content": text,
		"type": 0, "timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{},
	}
}

// Post is a message in a server channel; mention puts "<@bot> " first.
func (f *Server) Post(channel, user, text string, mention bool) map[string]any {
	return f.PostIn(GuildID, channel, user, text, mention)
}

// PostIn is a message in a channel of guild.
func (f *Server) PostIn(guild, channel, user, text string, mention bool) map[string]any {
	m := map[string]any{
		"id": f.NewID(), "channel_id": channel, "guild_id": guild, "author": Person(user),
		"member": map[string]any{"nick": "Nick" + user[len(user)-3:]}, "content": text, "type": 0,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{},
	}
	if mention {
		m["content"] = "<@" + BotID + "> " + text
		m["mentions"] = []any{map[string]any{"id": BotID, "username": BotName, "bot": true}}
	}
	return m
}

var ixSeq atomic.Int64

// LastTokenPrefix starts the token of the last interaction built (by any
// Server): a test finds the calls made for it by their paths.
func LastTokenPrefix() string { return "ixtok-" + strconv.FormatInt(ixSeq.Load(), 10) + "-" }

// Interaction builds an interaction of type typ from user in channel (a DM
// when guild is ""); data is its data. The fake learns where it comes from.
func (f *Server) Interaction(typ int, user, channel, guild, locale string, data map[string]any, message map[string]any) map[string]any {
	n := ixSeq.Add(1)
	tok := "ixtok-" + strconv.FormatInt(n, 10) + "-secret"
	ix := map[string]any{
		"id": strconv.FormatInt(1300000000000000000+n, 10), "application_id": AppID, "type": typ,
		"token": tok, "version": 1, "channel_id": channel, "locale": locale, "data": data,
	}
	if guild != "" {
		ix["guild_id"] = guild
		ix["member"] = map[string]any{"user": Person(user), "nick": "Nick" + user[len(user)-3:]}
	} else {
		ix["user"] = Person(user)
	}
	msgID := ""
	if message != nil {
		ix["message"] = message
		msgID, _ = message["id"].(string)
	}
	f.RegisterInteraction(tok, channel, msgID)
	return ix
}

// Slash is a slash command; args are option name/value pairs.
func (f *Server) Slash(user, channel, guild, locale, name string, args ...string) map[string]any {
	var opts []any
	for i := 0; i+1 < len(args); i += 2 {
		opts = append(opts, map[string]any{"name": args[i], "type": 3, "value": args[i+1]})
	}
	return f.Interaction(2, user, channel, guild, locale, map[string]any{"id": "1", "name": name, "type": 1, "options": opts}, nil)
}

// Autocomplete is /ask's autocomplete with the question typed so far.
func (f *Server) Autocomplete(user, channel, guild, typed string) map[string]any {
	return f.Interaction(4, user, channel, guild, "en-US", map[string]any{"id": "1", "name": "ask", "type": 1, "options": []any{
		map[string]any{"name": "question", "type": 3, "value": typed, "focused": true},
	}}, nil)
}

// Press is a click of the component (button custom_id, or a select with
// values) on the bot's message msg.
func (f *Server) Press(user, guild string, msg Call, customID string, values ...string) map[string]any {
	data := map[string]any{"custom_id": customID, "component_type": 2}
	if len(values) > 0 {
		data["component_type"], data["values"] = 3, values
	}
	return f.Interaction(3, user, msg.Channel, guild, "en-US", data, f.Message(msg.Ref))
}

// ButtonID finds the custom_id of the button labelled label in a message.
func ButtonID(t testing.TB, c Call, label string) string {
	t.Helper()
	for _, b := range Buttons(c) {
		if b.Label == label {
			return b.CustomID
		}
	}
	t.Fatalf("no button %q in %s", label, CutBody(c.Body))
	return ""
}

// Choice finds the select menu offering an option labelled label in a
// message: the menu's custom_id and the option's value.
func Choice(t testing.TB, c Call, label string) (customID, value string) {
	t.Helper()
	for _, b := range Buttons(c) {
		for _, o := range b.Options {
			if b.Type == 3 && o.Label == label {
				return b.CustomID, o.Value
			}
		}
	}
	t.Fatalf("no menu offers %q in %s", label, CutBody(c.Body))
	return "", ""
}

// Buttons decodes the buttons and menus of the message as it stood after c.
func Buttons(c Call) []ButtonView {
	var out []ButtonView
	if c.Msg == nil {
		return nil
	}
	b, _ := json.Marshal(c.Msg.Components)
	var rows []struct {
		Components []ButtonView `json:"components"`
	}
	_ = json.Unmarshal(b, &rows)
	for _, r := range rows {
		out = append(out, r.Components...)
	}
	return out
}

// ButtonView is a button or select as the tests read it.
type ButtonView struct {
	Type     int    `json:"type"`
	Label    string `json:"label"`
	Style    int    `json:"style"`
	CustomID string `json:"custom_id"`
	Disabled bool   `json:"disabled"`
	URL      string `json:"url"`
	// Placeholder is a select menu's.
	Placeholder string `json:"placeholder"`
	Options     []struct {
		Label   string `json:"label"`
		Value   string `json:"value"`
		Default bool   `json:"default"`
	} `json:"options"`
}

// MessagesWith returns the message calls whose text contains s.
func (f *Server) MessagesWith(s string) []Call {
	var out []Call
	for _, c := range f.Messages() {
		if strings.Contains(c.Text(), s) {
			out = append(out, c)
		}
	}
	return out
}

// WaitMessage waits for a message call whose text contains s and returns the
// last one.
func (f *Server) WaitMessage(t testing.TB, s string) Call {
	t.Helper()
	var got Call
	waitFor(t, "a message containing "+strconv.Quote(s), func() bool {
		if cs := f.MessagesWith(s); len(cs) > 0 {
			got = cs[len(cs)-1]
			return true
		}
		return false
	})
	return got
}

// waitFor polls cond until it holds or 15s pass.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
