package telegramadapter_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	telegramadapter "github.com/kmbridge/kmbridge/adapters/telegram"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/i18n"
)

// runOn runs an adapter on host against fake until the test ends.
func runOn(t *testing.T, fake *telegramtest.Server, host *bridgetest.Host, mod func(*telegramadapter.Config)) *telegramadapter.Adapter {
	t.Helper()
	cfg := telegramadapter.Config{
		Token: telegramtest.Token, APIEndpoint: fake.Endpoint(),
		PerChatInterval: time.Millisecond, GroupPerMinute: -1, GlobalPerSecond: -1,
		PollTimeout: 2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	ad, err := telegramadapter.New(cfg, host)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ad.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})
	return ad
}

// Long polling runs under the host's leadership (bridge.Coordinator.Lead):
// standing by, the adapter calls no getUpdates and is ready; leading, it
// polls; when the leadership is lost, its getUpdates stops at once, and the
// update it had not taken is taken by the next leader (here, itself again).
func TestPollingFollowsTheLeadership(t *testing.T) {
	fake := telegramtest.NewServer(t)
	host := bridgetest.NewHost()
	host.SetLeading(false)
	ad := runOn(t, fake, host, nil)
	waitFor(t, "the stand-by", func() bool { return len(host.Leads()) == 1 })
	if got, want := host.Leads()[0], telegramadapter.PollLeadName(telegramtest.BotID); got != want || want != "telegram:poll:777" {
		t.Fatalf("Lead(%q), want %q", got, want)
	}
	first := fake.Push(telegramtest.Private(42, "hello"))
	time.Sleep(300 * time.Millisecond)
	if n := len(fake.CallsTo("getUpdates")); n != 0 {
		t.Fatalf("a replica standing by called getUpdates %d times", n)
	}
	if err := ad.Ready(); err != nil {
		t.Fatalf("standing by, Ready = %v; want ready", err)
	}

	host.SetLeading(true)
	host.WaitDeliveries(t, 1, 10*time.Second)
	waitFor(t, "the first update confirmed", func() bool { c, _ := fake.Acked(first); return c })

	host.SetLeading(false)
	// The long poll in flight ends with the leadership, and no other starts.
	waitFor(t, "the poll to end", func() bool { return !fake.Polling() })
	n := len(fake.CallsTo("getUpdates"))
	second := fake.Push(telegramtest.Private(42, "again"))
	time.Sleep(300 * time.Millisecond)
	if got := len(fake.CallsTo("getUpdates")); got != n {
		t.Fatalf("after losing the leadership: %d more getUpdates", got-n)
	}
	if got := len(host.Deliveries()); got != 1 {
		t.Fatalf("%d deliveries while standing by", got)
	}
	host.SetLeading(true)
	ds := host.WaitDeliveries(t, 2, 10*time.Second)
	if want := "777:" + strconv.Itoa(second); ds[1].ID != want {
		t.Errorf("delivery %q, want the update that waited (%q)", ds[1].ID, want)
	}
	if c := fake.Conflicts(); len(c) != 0 {
		t.Errorf("%d getUpdates overlapped", len(c))
	}
}

// Ready says why the bot cannot receive: not connected before getMe
// answered, failing while getUpdates fails, ready again once it answers.
func TestReadyFollowsThePoll(t *testing.T) {
	fake := telegramtest.NewServer(t)
	fake.FailNext("getMe", 1, 502, 0, "Bad Gateway")
	host := bridgetest.NewHost()
	ad := runOn(t, fake, host, nil)
	if err := ad.Ready(); err == nil {
		t.Fatal("ready before getMe answered")
	}
	waitFor(t, "ready", func() bool { return ad.Ready() == nil })
	fake.SetPollDown(true)
	waitFor(t, "unready while getUpdates fails", func() bool {
		err := ad.Ready()
		return err != nil && strings.Contains(err.Error(), "getUpdates")
	})
	if err := ad.Ready(); strings.Contains(err.Error(), telegramtest.Token) {
		t.Errorf("Ready names the token: %v", err)
	}
	fake.SetPollDown(false)
	waitFor(t, "ready again", func() bool { return ad.Ready() == nil })
}

// Replicas register the command menus once (bridge.Coordinator.Once, keyed
// by the bot and the menus), however many start.
func TestCommandsRegisteredOnce(t *testing.T) {
	fake := telegramtest.NewServer(t)
	host := bridgetest.NewHost() // both replicas' coordination
	a := runOn(t, fake, host, nil)
	waitFor(t, "a ready", func() bool { return a.Ready() == nil })
	host.SetLeading(false) // the second stands by: it must not poll alongside
	b := runOn(t, fake, host, nil)
	waitFor(t, "b ready", func() bool { return b.Ready() == nil && len(host.Onces()) == 2 })
	onces := host.Onces()
	if onces[0] != onces[1] || !strings.HasPrefix(onces[0], "telegram:commands:777:") {
		t.Errorf("Once names %q, want the same telegram:commands:777:<hash> twice", onces)
	}
	if got, want := len(fake.CallsTo("setMyCommands")), 1+len(i18n.Langs); got != want {
		t.Errorf("setMyCommands called %d times, want %d (once per language, by one replica)", got, want)
	}
}
