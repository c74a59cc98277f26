package bridge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// The one retirement policy: which clicks retire their group, and what shows
// in its place, in the clicker's language.
func TestRetirementPolicy(t *testing.T) {
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := bridge.MsgRef{Key: annDM, ID: "m1"}
	click := bridge.Click{Key: annDM, User: ann, Token: "tok", Ref: ref}
	hit := formatting.Action{Kind: formatting.ActHit, Label: "  Opening\nhours? "}
	rate := formatting.Action{Kind: formatting.ActRateAnswer, Label: "👍"}
	for _, tc := range []struct {
		name    string
		click   bridge.Click
		status  bridge.ClickStatus
		action  formatting.Action
		lang    string
		want    bridge.Retirement
		retired bool
	}{
		{"a choice shows", click, bridge.ClickDone, hit, "en",
			bridge.Retirement{Ref: ref, Token: "tok", Shown: "✓ Opening hours?"}, true},
		{"a rating KM had is a choice", click, bridge.ClickAlreadyRated, rate, "en",
			bridge.Retirement{Ref: ref, Token: "tok", Shown: "✓ 👍"}, true},
		{"a choice without a label", click, bridge.ClickDone, formatting.Action{Kind: formatting.ActSendText}, "en",
			bridge.Retirement{Ref: ref, Token: "tok", Shown: "✓"}, true},
		{"expired says so, in the user's language", click, bridge.ClickExpired, formatting.Action{}, "ja",
			bridge.Retirement{Ref: ref, Token: "tok", Shown: cat.Printer("ja").T("bridge.retired_expired"), Expired: true}, true},
		{"another user's click changes nothing", click, bridge.ClickForeign, hit, "en", bridge.Retirement{}, false},
		{"a failed click changes nothing", click, bridge.ClickFailed, hit, "en", bridge.Retirement{}, false},
		{"paging keeps its group", click, bridge.ClickDone, formatting.Action{Kind: formatting.ActPage, Label: "Next ›"}, "en", bridge.Retirement{}, false},
		{"no message, nothing to retire", bridge.Click{Key: annDM, User: ann, Token: "tok"}, bridge.ClickDone, hit, "en", bridge.Retirement{}, false},
	} {
		got, ok := bridge.RetirementFor(tc.click, tc.status, tc.action, cat.Printer(tc.lang))
		if ok != tc.retired || got != tc.want {
			t.Errorf("%s: = %+v, %v; want %+v, %v", tc.name, got, ok, tc.want, tc.retired)
		}
	}
}

// Through the core: a done click and an expired one are retired through the
// adapter's Retirer (the Recorder), after the click's reply; a refused one is
// not; a Retirer that fails changes nothing else.
func TestClicksRetire(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	got := e.rec.WaitSent(t, annDM, 2, wait)
	const label = "How do I set up multi-factor authentication?"
	tok := clickable(t, e.rec, annDM, label)
	ref := got[1].Ref
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: bob, Token: tok, Ref: ref})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok, Ref: ref})
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: "never-issued", Ref: ref})
	e.rec.WaitClicks(t, 3, wait)
	rs := e.rec.Retirements()
	want := []bridge.Retirement{
		{Ref: ref, Token: tok, Shown: "✓ " + label},
		{Ref: ref, Token: "never-issued", Shown: en.T("bridge.retired_expired"), Expired: true},
	}
	if len(rs) != len(want) || rs[0] != want[0] || rs[1] != want[1] {
		t.Errorf("retirements = %+v\nwant %+v", rs, want)
	}
}

// failingRetirer is a Recorder whose Retire fails.
type failingRetirer struct{ *bridgetest.Recorder }

func (failingRetirer) Retire(context.Context, bridge.Retirement) error {
	return errors.New("platform refused the edit")
}

func TestRetireFailureIsHarmless(t *testing.T) {
	rec := bridgetest.New("test")
	e := newSimEnv(t, kmsim.Options{}, envOpt{adapter: failingRetirer{rec}})
	mustHandle(t, e.core, msg(annDM, ann, qPassword))
	got := rec.WaitSent(t, annDM, 2, wait)
	tok := clickable(t, rec, annDM, "How do I set up multi-factor authentication?")
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: tok, Ref: got[1].Ref})
	if res := rec.WaitClicks(t, 1, 10*time.Second); res[0].Status != bridge.ClickDone {
		t.Errorf("status %s", res[0].Status)
	}
	rec.WaitSent(t, annDM, 3, wait)
}
