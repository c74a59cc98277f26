package discordadapter_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

// questions of the sample knowledge base and a word of each answer.
var questions = []struct{ q, a string }{
	{"What is the Wi-Fi password?", "ExampleGuest"},
	{"How do I reset my password?", "Reset your password"},
	{"How do I connect to the VPN?", "GlobalProtect"},
	{"Where is the employee handbook?", "Employee handbook"},
}

// answeredOnce checks that each question got exactly one answer.
func (w *world) answeredOnce(t *testing.T, qs ...int) {
	t.Helper()
	for _, i := range qs {
		w.fake.WaitMessage(t, questions[i].a)
	}
	for _, i := range qs {
		if n := len(w.fake.MessagesWith(questions[i].a)); n != 1 {
			t.Errorf("%q answered %d times, want once", questions[i].q, n)
		}
	}
	asked := map[string]int{}
	for _, c := range w.simCalls("POST /v1/chat") {
		asked[c.Str("queryContent")]++
	}
	for _, i := range qs {
		if n := asked[questions[i].q]; n != 1 {
			t.Errorf("KM asked %q %d times, want once", questions[i].q, n)
		}
	}
}

// The gateway's socket drops in the middle of a stream: events written but
// not read, and events dispatched while the bot is away, are replayed by
// Discord after the bot RESUMEs its session; each is answered once, and the
// bot does not identify again.
func TestGatewayResumeReplaysMissedEvents(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.DispatchThenDrop("MESSAGE_CREATE", w.fake.DM(alice, questions[0].q), w.fake.DM(alice, questions[1].q))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[2].q)) // queued: the bot is away
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[3].q))
	w.answeredOnce(t, 0, 1, 2, 3)
	if n := w.fake.Resumed(); n < 1 {
		t.Errorf("RESUMEs = %d, want the session resumed", n)
	}
	if n := len(w.fake.Identifies()); n != 1 {
		t.Errorf("identified %d times, want once (the session was resumed)", n)
	}
	if n := len(w.fake.CallsTo("GET", `/channels/\d+/messages`)); n != 0 {
		t.Errorf("%d channel reads after a resume: Discord replayed everything", n)
	}
}

// Discord refuses to resume (INVALID_SESSION): the bot identifies anew, and
// since nothing is replayed on a new session, it reads what was said while it
// was away in the channels it was spoken to lately and in the configured
// channels, and answers it once; what it had answered before is not answered
// again.
func TestGatewayInvalidSessionCatchesUp(t *testing.T) {
	const helpdesk = "600000000000000002"
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: helpdesk, Type: 0, GuildID: discordtest.GuildID})
	w.boot(t, options{dc: func(c *discordadapter.Config) { c.Channels = []string{helpdesk} }})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[0].q))
	w.fake.WaitMessage(t, questions[0].a)

	w.fake.InvalidateSessions()
	w.fake.DropGateway()
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[1].q)) // lost with the old session
	q := w.fake.Post(helpdesk, bob, questions[2].q, false)
	w.fake.Dispatch("MESSAGE_CREATE", q)
	w.answeredOnce(t, 0, 1, 2)
	if got := w.fake.WaitMessage(t, questions[2].a); got.Channel != q["id"] {
		t.Errorf("the configured channel's question was answered in %s, want its thread", got.Channel)
	}
	if n := len(w.fake.Identifies()); n != 2 {
		t.Errorf("identified %d times, want twice (a new session)", n)
	}
	for _, ch := range []string{discordtest.DMChannel(alice), helpdesk} {
		reads := w.fake.CallsTo("GET", `/channels/`+ch+`/messages`)
		if len(reads) != 1 || !strings.Contains(reads[0].Query, "after=") {
			t.Errorf("channel %s read %d times (%v), want once, after a point in time", ch, len(reads), reads)
		}
	}
	// Events flow on the new session.
	w.fake.WaitGateway(t)
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[3].q))
	w.answeredOnce(t, 3)
}

// Servers at 1000<<22 and 1001<<22 fall on shards 0 and 1 of 2.
var (
	guildShard0 = strconv.FormatUint(1000<<22, 10)
	guildShard1 = strconv.FormatUint(1001<<22, 10)
)

// Two processes share the bot as shards 0 and 1 of 2, against one gateway:
// each identifies as its shard and gets only its servers' events, by
// Discord's (guild_id >> 22) % shard_count; DMs reach shard 0; only shard 0
// registers the commands.
func TestTwoShards(t *testing.T) {
	const ch0, ch1 = "600000000000000010", "600000000000000011"
	w := newWorld(t, nil)
	w.fake.AddChannel(discordtest.Channel{ID: ch0, Type: 0, GuildID: guildShard0})
	w.fake.AddChannel(discordtest.Channel{ID: ch1, Type: 0, GuildID: guildShard1})
	hosts := []*bridgetest.Host{bridgetest.NewHost(), bridgetest.NewHost()}
	for i, h := range hosts {
		w.run(t, h, options{dc: func(c *discordadapter.Config) {
			c.ShardID, c.ShardCount = i, 2
			c.Channels = []string{ch0, ch1}
		}})
		w.fake.WaitShard(t, i)
	}
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.PostIn(guildShard0, ch0, alice, questions[0].q, false))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.PostIn(guildShard1, ch1, bob, questions[1].q, false))
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[2].q))
	got0 := hosts[0].WaitDeliveries(t, 2, 15*time.Second)
	got1 := hosts[1].WaitDeliveries(t, 1, 15*time.Second)
	texts := func(ds []bridge.Delivery) (out []string) {
		for _, d := range ds {
			m, _ := d.Event.(bridge.Message)
			out = append(out, m.Key.Workspace+" "+m.Text)
		}
		return out
	}
	if got := strings.Join(texts(got0), " | "); got != guildShard0+" "+questions[0].q+" |  "+questions[2].q {
		t.Errorf("shard 0 got %q, want its server's message and the DM", got)
	}
	if got := strings.Join(texts(got1), " | "); got != guildShard1+" "+questions[1].q {
		t.Errorf("shard 1 got %q, want its server's message only", got)
	}
	var shards []string
	for _, raw := range w.fake.Identifies() {
		var id struct {
			Shard [2]int `json:"shard"`
		}
		if err := json.Unmarshal(raw, &id); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, strconv.Itoa(id.Shard[0])+"/"+strconv.Itoa(id.Shard[1]))
	}
	if strings.Join(shards, " ") != "0/2 1/2" {
		t.Errorf("identified as shards %v", shards)
	}
	waitFor(t, "shard 0's commands", func() bool { return w.commandCalls() > 0 })
	time.Sleep(100 * time.Millisecond)
	if n := len(w.fake.CallsTo("GET", `/applications/\d+/commands`)); n != 1 {
		t.Errorf("commands read %d times, want once (shard 0 only)", n)
	}
}
