package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// KM is judged by the calls conversations make, through the real client: a
// replica is ready while KM answers, unready (with the reason) once calls in
// a row do not reach it, ready again after one that does. An idle KM is
// probed once, not on every readiness check.
func TestReadyKM(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	ctx := context.Background()
	for range 5 {
		if err := e.core.Ready(ctx); err != nil {
			t.Fatalf("Ready = %v", err)
		}
	}
	if n := len(e.sim.CallsTo("POST /v1/chat/commonQuestions")); n != 1 {
		t.Errorf("5 readiness checks of an idle KM probed it %d times, want once", n)
	}

	e.sim.SetDown(true)
	for i := range 3 {
		k := bridge.DMKey("test", "", fmt.Sprint("down-", i), fmt.Sprint(i))
		mustHandle(t, e.core, msg(k, bridge.UserInfo{ID: fmt.Sprint(i)}, "What is the Wi-Fi password?"))
		e.rec.WaitSent(t, k, 1, wait) // the apology
	}
	err := e.core.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), "km: unreachable") {
		t.Errorf("Ready after 3 failed KM calls = %v", err)
	}

	e.sim.SetDown(false)
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	bridgetest.Eventually(t, wait, func() error { return e.core.Ready(ctx) })
}

// readier is a platform adapter that reports its connection.
type readier struct {
	*bridgetest.Recorder
	err error
}

func (r readier) Ready() error { return r.err }

// The adapters that report readiness are asked on every check; each problem
// is named.
func TestReadyAdapters(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	e.core.Register(readier{Recorder: bridgetest.New("discord"), err: errors.New("gateway not connected")})
	e.core.Register(readier{Recorder: bridgetest.New("slack")})
	err := e.core.Ready(context.Background())
	if err == nil || err.Error() != "discord: gateway not connected" {
		t.Errorf("Ready = %v", err)
	}
}

// Without a shared store there is one process: Lead runs at once and returns
// what the run returns; Once is always true.
func TestCoordinatorAlone(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	ctx := context.Background()
	var co bridge.Coordinator = e.core
	boom := errors.New("boom")
	ran := false
	if err := co.Lead(ctx, "telegram:poll", func(context.Context) error { ran = true; return boom }); !errors.Is(err, boom) || !ran {
		t.Errorf("Lead = %v, ran %v", err, ran)
	}
	for range 2 {
		if ok, err := co.Once(ctx, "commands", 0); !ok || err != nil {
			t.Errorf("Once = %v, %v", ok, err)
		}
	}
}
