package discordadapter_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
)

// Ready follows the gateway: not ready while connecting, ready once the
// session is up (READY), not ready while the connection is lost, ready again
// once the session is resumed (RESUMED); stopped is not ready.
func TestReadyFollowsTheGateway(t *testing.T) {
	w := newWorld(t, nil)
	host := bridgetest.NewHost()
	r := w.run(t, host, options{})
	if err := r.ad.Ready(); err == nil {
		t.Fatal("ready before the gateway said READY")
	}
	w.fake.WaitGateway(t)
	waitFor(t, "ready", func() bool { return r.ad.Ready() == nil })

	resumes := w.fake.Resumed()
	w.fake.DropGateway()
	waitFor(t, "resumed and ready", func() bool { return w.fake.Resumed() > resumes && r.ad.Ready() == nil })

	w.fake.HangHello() // the next connection never gets going
	w.fake.DropGateway()
	waitFor(t, "unready while reconnecting", func() bool {
		err := r.ad.Ready()
		return err != nil && strings.Contains(err.Error(), "gateway")
	})
	if err := r.ad.Ready(); strings.Contains(err.Error(), discordtest.Token) {
		t.Errorf("Ready names the token: %v", err)
	}
	r.stop(t)
	if err := r.ad.Ready(); err == nil || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("after Run: Ready = %v, want stopped", err)
	}
}

// Replicas register the application commands once (bridge.Coordinator.Once,
// keyed by the application and the commands): a second replica, or a
// replica started in a rollout, neither reads nor writes them.
func TestCommandsRegisteredOnceAcrossReplicas(t *testing.T) {
	w := newWorld(t, nil)
	host := bridgetest.NewHost() // the replicas' coordination
	first := w.run(t, host, options{})
	waitFor(t, "the commands", func() bool { return w.commandCalls() > 0 })
	first.stop(t)
	n := w.commandCalls()
	second := w.run(t, host, options{})
	w.fake.WaitGateway(t)
	waitFor(t, "the second replica ready", func() bool { return second.ad.Ready() == nil && len(host.Onces()) == 2 })
	time.Sleep(100 * time.Millisecond)
	if got := w.commandCalls(); got != n {
		t.Errorf("the second replica made %d command calls, want none", got-n)
	}
	if o := host.Onces(); o[0] != o[1] || !strings.HasPrefix(o[0], "discord:commands:"+discordtest.AppID+":") {
		t.Errorf("Once names %q", o)
	}
}
