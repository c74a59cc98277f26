package discordadapter_test

import (
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest/e2e"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is what outlives a bridge process: Discord (the fake) and KM (the
// simulator behind real HTTP, bridgetest/e2e's World).
type world struct {
	t    testing.TB
	e2e  *e2e.World
	fake *fakeDiscord
	sim  *kmsim.Sim
}

func newWorld(t testing.TB, kb *kmsim.KB) *world {
	t.Helper()
	return newWorldWith(t, e2e.WorldOptions{KB: kb})
}

func newWorldWith(t testing.TB, o e2e.WorldOptions) *world {
	t.Helper()
	ew := e2e.NewWorld(t, o)
	return &world{t: t, e2e: ew, fake: newFakeDiscord(t), sim: ew.Sim}
}

// options tune one bridge process.
type options struct {
	dc    func(*discordadapter.Config)
	core  func(*bridge.Config)
	wrap  func(core bridge.Host, kill func()) bridge.Host
	opts  []discordadapter.Option
	quiet bool // discard logs (benchmarks)
}

// process is one run of the bridge (e2e's Process: store, core) with the
// Discord adapter started on it and its routes served.
type process struct {
	t    testing.TB
	w    *world
	p    *e2e.Process
	ad   *discordadapter.Adapter
	http *httptest.Server
}

func testConfig(w *world) discordadapter.Config {
	return discordadapter.Config{Token: fakeToken, ApplicationID: appID, APIURL: w.fake.apiURL()}
}

// commandCalls counts the reads and writes of the application commands.
func (w *world) commandCalls() int {
	return len(w.fake.callsTo("GET", `/applications/\d+(/guilds/\d+)?/commands`)) +
		len(w.fake.callsTo("PUT", `/applications/\d+(/guilds/\d+)?/commands`))
}

// boot starts a bridge process and waits until the adapter is connected and
// has registered its commands.
func (w *world) boot(t testing.TB, o options) *process {
	t.Helper()
	n := w.commandCalls()
	p := w.start(t, o)
	waitFor(t, "the commands to be registered", func() bool {
		if o.quiet {
			return w.commandCalls() > n
		}
		return strings.Contains(p.p.Logs.String(), `msg="discord: commands`)
	})
	w.fake.waitGateway(t)
	return p
}

// start starts a bridge process in the world, with the adapter running.
func (w *world) start(t testing.TB, o options) *process {
	t.Helper()
	p := w.e2e.Boot(t, e2e.Options{Config: o.core, Quiet: o.quiet, WrapHost: o.wrap})
	ad := w.adapter(t, p.Host, p.Logger("discord"), o)
	p.Start(t, ad)
	srv := p.Serve(t, ad)
	t.Cleanup(func() {
		if t.Failed() && !o.quiet {
			t.Logf("calls:\n%s", w.fake.dump())
		}
	})
	return &process{t: t, w: w, p: p, ad: ad, http: srv}
}

// adapter builds an adapter against the fake, on host.
func (w *world) adapter(t testing.TB, host bridge.Host, log *slog.Logger, o options) *discordadapter.Adapter {
	t.Helper()
	dc := testConfig(w)
	if o.dc != nil {
		o.dc(&dc)
	}
	opts := append([]discordadapter.Option{discordadapter.WithLogger(log)}, o.opts...)
	ad, err := discordadapter.New(dc, host, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

// stop ends the process as a graceful shutdown does.
func (p *process) stop() { p.p.Stop() }

// core is the process's bridge core.
func (p *process) core() *bridge.Core { return p.p.Core }

// Payload builders: the JSON Discord sends.

const guildID = "700000000000000001"

func person(id string) map[string]any {
	return map[string]any{"id": id, "username": "user" + id[len(id)-3:], "global_name": "User " + id[len(id)-3:]}
}

// dmChannel is the DM channel of a user (one per user, as Discord has it).
func dmChannel(user string) string { return "8" + user[1:] }

// dm is a direct message from user.
func (w *world) dm(user, text string) map[string]any {
	return map[string]any{
		"id": w.fake.newID(), "channel_id": dmChannel(user), "author": person(user), "content": text,
		"type": 0, "timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{},
	}
}

// post is a message in a server channel; mention puts "<@bot> " first.
func (w *world) post(channel, user, text string, mention bool) map[string]any {
	return w.postIn(guildID, channel, user, text, mention)
}

// postIn is a message in a channel of guild.
func (w *world) postIn(guild, channel, user, text string, mention bool) map[string]any {
	m := map[string]any{
		"id": w.fake.newID(), "channel_id": channel, "guild_id": guild, "author": person(user),
		"member": map[string]any{"nick": "Nick" + user[len(user)-3:]}, "content": text, "type": 0,
		"timestamp": time.Now().UTC().Format(time.RFC3339), "mentions": []any{},
	}
	if mention {
		m["content"] = "<@" + botID + "> " + text
		m["mentions"] = []any{map[string]any{"id": botID, "username": botName, "bot": true}}
	}
	return m
}

var ixSeq atomic.Int64

// interaction builds an interaction of type typ from user in channel (a DM
// when guild is ""); data is its data. The fake learns where it comes from.
func (w *world) interaction(typ int, user, channel, guild, locale string, data map[string]any, message map[string]any) map[string]any {
	n := ixSeq.Add(1)
	tok := "ixtok-" + strconv.FormatInt(n, 10) + "-secret"
	ix := map[string]any{
		"id": strconv.FormatInt(1300000000000000000+n, 10), "application_id": appID, "type": typ,
		"token": tok, "version": 1, "channel_id": channel, "locale": locale, "data": data,
	}
	if guild != "" {
		ix["guild_id"] = guild
		ix["member"] = map[string]any{"user": person(user), "nick": "Nick" + user[len(user)-3:]}
	} else {
		ix["user"] = person(user)
	}
	msgID := ""
	if message != nil {
		ix["message"] = message
		msgID, _ = message["id"].(string)
	}
	w.fake.registerInteraction(tok, channel, msgID)
	return ix
}

// slash is a slash command; args are option name/value pairs.
func (w *world) slash(user, channel, guild, locale, name string, args ...string) map[string]any {
	var opts []any
	for i := 0; i+1 < len(args); i += 2 {
		opts = append(opts, map[string]any{"name": args[i], "type": 3, "value": args[i+1]})
	}
	return w.interaction(2, user, channel, guild, locale, map[string]any{"id": "1", "name": name, "type": 1, "options": opts}, nil)
}

// autocomplete is /ask's autocomplete with the question typed so far.
func (w *world) autocomplete(user, channel, guild, typed string) map[string]any {
	return w.interaction(4, user, channel, guild, "en-US", map[string]any{"id": "1", "name": "ask", "type": 1, "options": []any{
		map[string]any{"name": "question", "type": 3, "value": typed, "focused": true},
	}}, nil)
}

// press is a click of the component (button custom_id, or a select with
// values) on the bot's message msg.
func (w *world) press(user, guild string, msg apiCall, customID string, values ...string) map[string]any {
	data := map[string]any{"custom_id": customID, "component_type": 2}
	if len(values) > 0 {
		data["component_type"], data["values"] = 3, values
	}
	return w.interaction(3, user, msg.Channel, guild, "en-US", data, w.fake.message(msg.Ref))
}

// buttonID finds the custom_id of the button labelled label in a message.
func buttonID(t testing.TB, c apiCall, label string) string {
	t.Helper()
	for _, b := range buttons(c) {
		if b.Label == label {
			return b.CustomID
		}
	}
	t.Fatalf("no button %q in %s", label, cutBody(c.Body))
	return ""
}

// choice finds the select menu offering an option labelled label in a
// message: the menu's custom_id and the option's value.
func choice(t testing.TB, c apiCall, label string) (customID, value string) {
	t.Helper()
	for _, b := range buttons(c) {
		for _, o := range b.Options {
			if b.Type == 3 && o.Label == label {
				return b.CustomID, o.Value
			}
		}
	}
	t.Fatalf("no menu offers %q in %s", label, cutBody(c.Body))
	return "", ""
}

// buttons decodes the buttons and menus of the message as it stood after c.
func buttons(c apiCall) []buttonView {
	var out []buttonView
	if c.Msg == nil {
		return nil
	}
	b, _ := json.Marshal(c.Msg.Components)
	var rows []struct {
		Components []buttonView `json:"components"`
	}
	_ = json.Unmarshal(b, &rows)
	for _, r := range rows {
		out = append(out, r.Components...)
	}
	return out
}

// buttonView is a button or select as the tests read it.
type buttonView struct {
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

// messagesWith returns the message calls whose text contains s.
func (w *world) messagesWith(s string) []apiCall {
	var out []apiCall
	for _, c := range w.fake.messages() {
		if strings.Contains(c.text(), s) {
			out = append(out, c)
		}
	}
	return out
}

// waitMessage waits for a message call whose text contains s and returns the
// last one.
func (w *world) waitMessage(t testing.TB, s string) apiCall {
	t.Helper()
	var got apiCall
	waitFor(t, "a message containing "+strconv.Quote(s), func() bool {
		if cs := w.messagesWith(s); len(cs) > 0 {
			got = cs[len(cs)-1]
			return true
		}
		return false
	})
	return got
}

// simCalls returns the simulator's calls to route.
func (w *world) simCalls(route string) []kmsim.Call { return w.sim.CallsTo(route) }
