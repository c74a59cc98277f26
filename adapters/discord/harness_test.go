package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/httpserver"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world is what outlives a bridge process: Discord (the fake) and KM (the
// simulator behind real HTTP).
type world struct {
	t      testing.TB
	fake   *fakeDiscord
	sim    *kmsim.Sim
	simURL string
}

func newWorld(t testing.TB, kb *kmsim.KB) *world {
	t.Helper()
	if kb == nil {
		kb = kmsim.SampleKB()
	}
	sim := kmsim.New(kb, kmsim.Options{})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	return &world{t: t, fake: newFakeDiscord(t), sim: sim, simURL: srv.URL + "/api"}
}

// options tune one bridge process.
type options struct {
	dc    func(*discord.Config)
	core  func(*bridge.Config)
	quiet bool // discard logs (benchmarks)
}

// process is one run of the bridge: store, core and adapter, and the shared
// HTTP server with the adapter's routes.
type process struct {
	t      testing.TB
	w      *world
	core   *bridge.Core
	ad     *discord.Adapter
	http   *httptest.Server
	logs   *syncBuf
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	// wantErr: Run is expected to fail (the test reads done itself).
	wantErr bool
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testConfig(w *world) discord.Config {
	return discord.Config{Token: fakeToken, ApplicationID: appID, APIURL: w.fake.apiURL()}
}

// boot starts a bridge process and waits until the adapter is connected and
// has registered its commands.
func (w *world) boot(t testing.TB, o options) *process {
	t.Helper()
	n := len(w.fake.callsTo("PUT", `/applications/\d+(/guilds/\d+)?/commands`))
	p := w.start(t, o)
	waitFor(t, "the commands to be registered", func() bool {
		return len(w.fake.callsTo("PUT", `/applications/\d+(/guilds/\d+)?/commands`)) > n
	})
	w.fake.waitGateway(t)
	return p
}

// start starts a bridge process.
func (w *world) start(t testing.TB, o options) *process {
	t.Helper()
	km, err := kmclient.New(kmclient.Config{BaseURL: w.simURL, Email: kmsim.SampleEmail, Token: kmsim.SampleToken})
	if err != nil {
		t.Fatal(err)
	}
	store, err := memstore.Open(memstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bc := bridge.Config{RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey}
	if o.core != nil {
		o.core(&bc)
	}
	logs := &syncBuf{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if o.quiet {
		log = slog.New(slog.DiscardHandler)
	}
	core, err := bridge.New(bc, bridge.Deps{KM: km, Store: store, Logger: log.With("c", "core")})
	if err != nil {
		t.Fatal(err)
	}
	dc := testConfig(w)
	if o.dc != nil {
		o.dc(&dc)
	}
	ad, err := discord.New(dc, nil, log.With("c", "discord"), discord.WithCore(core))
	if err != nil {
		t.Fatal(err)
	}
	core.Register(ad)
	srv := httpserver.New(httpserver.Options{Logger: log})
	ad.Routes(srv)
	hs := httptest.NewServer(srv.Handler())
	ctx, cancel := context.WithCancel(context.Background())
	p := &process{t: t, w: w, core: core, ad: ad, http: hs, logs: logs, cancel: cancel, done: make(chan error, 1)}
	go func() { p.done <- ad.Run(ctx, core.Handle) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
			t.Logf("calls:\n%s", w.fake.dump())
		}
	})
	return p
}

// stop ends the adapter, then drains the core, as a graceful shutdown does.
func (p *process) stop() {
	p.once.Do(func() {
		p.cancel()
		select {
		case err := <-p.done:
			if err != nil && !p.wantErr {
				p.t.Errorf("Run = %v", err)
			}
		case <-time.After(15 * time.Second):
			p.t.Errorf("Run did not return within 15s of cancel")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := p.core.Shutdown(ctx); err != nil {
			p.t.Errorf("Shutdown = %v", err)
		}
		p.http.Close()
	})
}

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
	m := map[string]any{
		"id": w.fake.newID(), "channel_id": channel, "guild_id": guildID, "author": person(user),
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

// components decodes the components of the message as it stood after c.
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
