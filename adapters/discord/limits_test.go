package discordadapter_test

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"
	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// A 429 on one route holds back only that route: a send to another channel
// goes at once.
func TestRateLimitPerBucket(t *testing.T) {
	const a, b = "600000000000000051", "600000000000000052"
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	w.fake.Limit("POST", "/channels/"+a+"/messages", 1, 0.6)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		_, err := p.ad.Send(ctx, bridge.ConvKey{Platform: "discord", Channel: a}, formatting.Plain("to a"))
		errs <- err
	}()
	waitFor(t, "the 429", func() bool { return len(w.fake.CallsTo("POST", "/channels/"+a+"/messages")) == 1 })
	start := time.Now()
	if _, err := p.ad.Send(ctx, bridge.ConvKey{Platform: "discord", Channel: b}, formatting.Plain("to b")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a send to another channel waited %s behind the 429", d)
	}
	if err := <-errs; err != nil {
		t.Errorf("the limited send: %v", err)
	}
	calls := w.fake.CallsTo("POST", "/channels/"+a+"/messages")
	if len(calls) != 2 || calls[1].At.Sub(calls[0].At) < 550*time.Millisecond {
		t.Errorf("the limited route was retried %v after its 429, want retry_after (600ms)", calls[len(calls)-1].At.Sub(calls[0].At))
	}
}

// A 429 of Discord's global limit holds back every route until it passes.
func TestGlobalRateLimitHoldsEveryRoute(t *testing.T) {
	const a, b = "600000000000000053", "600000000000000054"
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	w.fake.LimitAs("POST", "/channels/"+a+"/messages", 1, discordtest.Limit{RetryAfter: 0.6, Global: true})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	errs := make(chan error, 1)
	go func() {
		_, err := p.ad.Send(ctx, bridge.ConvKey{Platform: "discord", Channel: a}, formatting.Plain("to a"))
		errs <- err
	}()
	waitFor(t, "the global 429", func() bool { return len(w.fake.CallsTo("POST", "/channels/"+a+"/messages")) == 1 })
	limited := w.fake.CallsTo("POST", "/channels/"+a+"/messages")[0].At
	time.Sleep(50 * time.Millisecond) // the retry's verdict blocks the global key
	if _, err := p.ad.Send(ctx, bridge.ConvKey{Platform: "discord", Channel: b}, formatting.Plain("to b")); err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Errorf("the limited send: %v", err)
	}
	other := w.fake.CallsTo("POST", "/channels/"+b+"/messages")
	if len(other) != 1 || other[0].At.Sub(limited) < 550*time.Millisecond {
		t.Errorf("another route went %v after a global 429 of 600ms", other[0].At.Sub(limited))
	}
}

// Discord's global limit is 50 requests a second: 60 messages to 60
// channels at once go out as 50, then one every 20 ms.
func TestGlobalLimitPaces(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	before := len(w.fake.All())
	errs := make(chan error, 60)
	start := time.Now()
	for i := range 60 {
		go func() {
			_, err := p.ad.Send(ctx, bridge.ConvKey{Platform: "discord", Channel: strconv.Itoa(610000000000000000 + i)}, formatting.Plain("hello"))
			errs <- err
		}()
	}
	for range 60 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	var at []time.Time
	for _, c := range w.fake.All()[before:] {
		if c.Method == "POST" && strings.HasSuffix(c.Path, "/messages") {
			at = append(at, c.At)
		}
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	if len(at) != 60 {
		t.Fatalf("%d posts", len(at))
	}
	// From the start, not from the first post's arrival: on a busy machine
	// the first of the burst can arrive tens of ms late while the bucket's
	// clock already runs, and the last then seems early.
	if d := at[59].Sub(start); d < 190*time.Millisecond {
		t.Errorf("60 posts took %s from the first send, want at least 10 × 20 ms past the burst of 50", d)
	}
}

// pingKB is a knowledge base whose answer tries to ping everyone.
const pingKB = `
robot: {id: 83, channelId: 82, name: Ping Bot, modelKey: helpdesk, welcome: "Hi @everyone!"}
categories:
  - id: 1
    name: Pings
    questions:
      - id: 10
        content: Who is on call?
        answer: {msgType: plain, content: "@everyone @here <@123456789012345678> <@&234567890123456789> on call: **Mia**"}
`

// Nothing KM says pings anyone: every message, edit and followup allows no
// mentions (the fake validates each), and mass mentions are escaped.
func TestKMTextNeverPings(t *testing.T) {
	kb, err := kmsim.LoadKB(strings.NewReader(pingKB))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, kb)
	w.boot(t, options{core: func(c *bridge.Config) {
		c.RobotID, c.ChannelID, c.ModelKey = 83, 82, "helpdesk"
	}})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "Who is on call?"))
	ans := w.fake.WaitMessage(t, "on call")
	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", "Who is on call?")
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	waitFor(t, "the answer through the interaction", func() bool { return len(w.fake.MessagesWith("on call")) >= 2 })
	for _, c := range w.fake.Messages() {
		var body struct {
			AM *struct {
				Parse []string `json:"parse"`
			} `json:"allowed_mentions"`
		}
		if c.Method == "HTTP-ANSWER" || strings.Contains(c.Path, "/callback") {
			continue
		}
		c.JSON(t, &body)
		if body.AM == nil || body.AM.Parse == nil || len(body.AM.Parse) != 0 {
			t.Errorf("%s %s: allowed_mentions %s", c.Method, c.Path, c.Body)
		}
	}
	if strings.Contains(ans.Msg.Content, " @everyone") || !strings.Contains(ans.Msg.Content, `\@everyone`) {
		t.Errorf("a mass mention is not escaped: %q", ans.Msg.Content)
	}
}

// A slash command is acknowledged (deferred) within Discord's 3 s however
// slow KM is; the answer replaces "is thinking…" when it comes.
func TestSlashDeferredWhileKMIsSlow(t *testing.T) {
	w := newWorld(t, nil)
	w.boot(t, options{})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, questions[0].q)) // the session, at full speed
	w.fake.WaitMessage(t, questions[0].a)
	w.sim.SetLatency(3500*time.Millisecond, 0)
	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", questions[1].q)
	start := time.Now()
	w.fake.Dispatch("INTERACTION_CREATE", ix)
	var cb []discordtest.Call
	waitFor(t, "the deferred response", func() bool {
		cb = w.fake.CallsTo("POST", `/interactions/\d+/`+ix["token"].(string)+`/callback`)
		return len(cb) == 1
	})
	if d := cb[0].At.Sub(start); d > time.Second || string(cb[0].Body) != `{"type":5}` {
		t.Errorf("response %s after %s, want the deferral well within 3 s", cb[0].Body, d)
	}
	ans := w.fake.WaitMessage(t, questions[1].a)
	if ans.Method != "PATCH" || !strings.HasSuffix(ans.Path, "/@original") || ans.At.Sub(start) < 3*time.Second {
		t.Errorf("the answer came by %s %s after %s", ans.Method, ans.Path, ans.At.Sub(start))
	}
}

// HTTP interactions are accepted only within Config.SignatureMaxAge (5
// minutes) of their signed timestamp, on the adapter's clock; refusals are
// logged marked for the log's rate limit (discord.signature).
func TestHTTPSignatureWindow(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	w := newWorld(t, nil)
	o := httpOptions()
	o.opts = []discordadapter.Option{option.Clock(func() time.Time { return now })}
	p := w.boot(t, o)
	for _, c := range []struct {
		at   time.Duration
		want int
	}{
		{-4*time.Minute - 59*time.Second, 200},
		{4*time.Minute + 59*time.Second, 200},
		{-5*time.Minute - 2*time.Second, 401},
		{5*time.Minute + 2*time.Second, 401},
	} {
		ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "help")
		if code, body := p.postInteraction(t, ix, signerKey(), now.Add(c.at)); code != c.want {
			t.Errorf("signed %s from now: %d %s, want %d", c.at, code, body, c.want)
		}
	}
	if logs := p.p.Logs.String(); !strings.Contains(logs, "throttle=discord.signature") {
		t.Errorf("the refusals are not marked for the log's rate limit:\n%s", logs)
	}
}

// The commands are registered once: a process that finds them registered as
// it would write them leaves them; one whose descriptions changed (an
// operator's catalogue override) writes them again.
func TestCommandsRegisteredOnce(t *testing.T) {
	w := newWorld(t, nil)
	settled := func(p *process, want string) {
		t.Helper()
		waitFor(t, "the commands: "+want, func() bool { return strings.Contains(p.p.Logs.String(), want) })
	}
	p := w.boot(t, options{})
	settled(p, `msg="discord: commands registered"`)
	if n := len(w.fake.CallsTo("PUT", `/applications/\d+/commands`)); n != 1 {
		t.Fatalf("first start wrote the commands %d times", n)
	}
	p.stop()
	p = w.boot(t, options{})
	settled(p, `msg="discord: commands already registered"`)
	if n := len(w.fake.CallsTo("PUT", `/applications/\d+/commands`)); n != 1 {
		t.Errorf("a restart wrote the commands again (%d writes)", n)
	}
	p.stop()
	cat, err := i18n.New("en", map[string]map[string]string{"en": {"discord.cmd_help": "What this bot does"}})
	if err != nil {
		t.Fatal(err)
	}
	p = w.boot(t, options{opts: []discordadapter.Option{option.Catalog(cat)}})
	settled(p, `msg="discord: commands registered"`)
	puts := w.fake.CallsTo("PUT", `/applications/\d+/commands`)
	if len(puts) != 2 || !strings.Contains(string(puts[1].Body), "What this bot does") {
		t.Errorf("changed descriptions: %d writes", len(puts))
	}
}

// longKB's answer is far over Discord's limits: 9,000 characters of text and
// 40 related questions.
func longKB() string {
	var qs, rel strings.Builder
	for i := 1; i <= 40; i++ {
		n := strconv.Itoa(i)
		qs.WriteString("      - id: " + strconv.Itoa(3000+i) + "\n        content: Related question number " + n + "\n        answer: {msgType: plain, content: \"Answer " + n + "\"}\n")
		rel.WriteString("          - " + strconv.Itoa(3000+i) + "\n")
	}
	long := strings.Repeat("A long paragraph about printers. ", 280)
	return `
robot: {id: 83, channelId: 82, name: Long Bot, modelKey: helpdesk, welcome: "Hi!"}
categories:
  - id: 1
    name: Long
    questions:
      - id: 3000
        content: Tell me everything
        answer: {msgType: plain, content: "` + long + `"}
        suggest:
` + rel.String() + qs.String()
}

// Every message sent stays within Discord's limits (the fake checks each
// with discordfmt.Validate): a long answer is split, its many choices laid
// out in menus.
func TestLongAnswerWithinLimits(t *testing.T) {
	kb, err := kmsim.LoadKB(strings.NewReader(longKB()))
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, kb)
	w.boot(t, options{core: func(c *bridge.Config) { c.RobotID, c.ChannelID, c.ModelKey = 83, 82, "helpdesk" }})
	w.fake.Dispatch("MESSAGE_CREATE", w.fake.DM(alice, "Tell me everything"))
	waitFor(t, "the whole answer", func() bool { return len(w.fake.MessagesWith("printers")) >= 5 })
	text := 0
	for _, c := range w.fake.MessagesWith("printers") {
		text += len([]rune(c.Text()))
		if n := len([]rune(c.Msg.Content)); n > 2000 {
			t.Errorf("a message of %d characters", n)
		}
	}
	if text < 9000 {
		t.Errorf("%d characters arrived, want the whole answer", text)
	}
	related := 0
	for _, c := range w.fake.Messages() {
		for _, b := range discordtest.Buttons(c) {
			for _, o := range b.Options {
				if strings.HasPrefix(o.Label, "Related question number") {
					related++
				}
			}
			if strings.HasPrefix(b.Label, "Related question number") {
				related++
			}
		}
	}
	if related == 0 {
		t.Errorf("the related questions are not offered")
	}
}
