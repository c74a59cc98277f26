package bridge_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// A shared button (minted for a key of only the platform, with no owner) may
// be clicked from any conversation of that platform, and from no other; a
// platform-only key with an owner is not shared.
func TestSharedButtonAnyConversationOfThePlatform(t *testing.T) {
	km := newFakeKM()
	core, _, rec := newTTLEnv(t, km)
	other := bridgetest.New("other")
	core.Register(other)
	ctx := context.Background()
	mint := func(key bridge.ConvKey, owner, text string) string {
		tokens, save := core.Mint(key, owner, bridge.LifeButton)
		tok := tokens(formatting.Action{Kind: formatting.ActSendText, Text: text, Label: text})
		if err := save(ctx); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	shared := mint(bridge.ConvKey{Platform: "test"}, "", "shared question")
	owned := mint(bridge.ConvKey{Platform: "test"}, ann.ID, "owned question")
	elsewhere := bridge.DMKey("other", "", "dm-cy", "cy")

	mustHandle(t, core, bridge.Click{Key: annDM, User: ann, Token: shared})
	mustHandle(t, core, bridge.Click{Key: bobDM, User: bob, Token: shared})
	mustHandle(t, core, bridge.Click{Key: annDM, User: ann, Token: owned})
	mustHandle(t, core, bridge.Click{Key: elsewhere, User: bridge.UserInfo{ID: "cy"}, Token: shared})
	status := map[string]bridge.ClickStatus{}
	for _, r := range rec.WaitClicks(t, 3, wait) {
		status[r.Click.Key.Channel+"/"+r.Click.Token] = r.Status
	}
	for _, r := range other.WaitClicks(t, 1, wait) {
		status[r.Click.Key.Channel+"/"+r.Click.Token] = r.Status
	}
	want := map[string]bridge.ClickStatus{
		"dm-ann/" + shared: bridge.ClickDone,
		"dm-bob/" + shared: bridge.ClickDone,
		"dm-ann/" + owned:  bridge.ClickForeign,
		"dm-cy/" + shared:  bridge.ClickForeign,
	}
	for k, w := range want {
		if status[k] != w {
			t.Errorf("click %s: %s, want %s", k, status[k], w)
		}
	}
	if n := len(km.Calls("chat")); n != 2 {
		t.Errorf("%d questions asked, want 2 (one per conversation that may click)", n)
	}
}

// greeter is a recorder whose platform greets new users itself.
type greeter struct{ *bridgetest.Recorder }

func (greeter) Greets() bool { return true }

// An adapter that greets (bridge.Greeter) gets no KM welcome at first
// contact, only the answer; a reset still shows the welcome.
func TestGreeterGetsNoFirstContactWelcome(t *testing.T) {
	km := newFakeKM()
	g := greeter{bridgetest.New("test")}
	e := newEnv(t, km, envOpt{adapter: g})
	mustHandle(t, e.core, msg(annDM, ann, "hello"))
	got := g.WaitSent(t, annDM, 1, wait)
	if got[0].Text() != "A: hello" {
		t.Errorf("first message = %q, want the answer alone", got[0].Text())
	}
	mustHandle(t, e.core, bridge.Command{Key: annDM, User: ann, Name: bridge.CmdReset})
	got = g.WaitSent(t, annDM, 3, wait)
	if !strings.Contains(bridgetest.Texts(got)[2], "Welcome to the fake KM!") {
		t.Errorf("after a reset: %q, want the welcome", bridgetest.Texts(got))
	}
	if n := len(km.Calls("init")); n != 2 {
		t.Errorf("initClient calls = %d, want 2", n)
	}
}

// The core's HistoryHost and SecretHost: ids per conversation from 1, the
// newest keep entries, bounds, replace, and one secret per name.
func TestHistoryHost(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		id, err := e.core.AppendHistory(ctx, annDM, []byte{byte('0' + i)}, 3)
		if err != nil || id != uint64(i) {
			t.Fatalf("append %d = %d, %v", i, id, err)
		}
	}
	if id, err := e.core.AppendHistory(ctx, bobDM, []byte("b"), 3); err != nil || id != 1 {
		t.Errorf("another conversation's first id = %d, %v", id, err)
	}
	es, err := e.core.History(ctx, annDM, 3)
	if err != nil || len(es) != 3 || es[0].ID != 3 || string(es[2].Data) != "5" {
		t.Fatalf("History = %+v, %v; want entries 3..5", es, err)
	}
	if ok, err := e.core.ReplaceHistory(ctx, annDM, 4, []byte("four")); !ok || err != nil {
		t.Errorf("replace 4 = %v, %v", ok, err)
	}
	if ok, err := e.core.ReplaceHistory(ctx, annDM, 1, []byte("one")); ok || err != nil {
		t.Errorf("replace of a trimmed entry = %v, %v; want not found", ok, err)
	}
	es, _ = e.core.History(ctx, annDM, 10)
	if len(es) != 3 || string(es[1].Data) != "four" {
		t.Errorf("after replace: %+v", es)
	}
	if _, err := e.core.AppendHistory(ctx, annDM, make([]byte, bridge.MaxHistoryEntry+1), 3); err == nil {
		t.Error("an oversized entry was stored")
	}

	s1, err := e.core.Secret(ctx, "web.cookie")
	if err != nil || len(s1) != 32 {
		t.Fatalf("Secret = %x, %v", s1, err)
	}
	s2, _ := e.core.Secret(ctx, "web.cookie")
	s3, _ := e.core.Secret(ctx, "other")
	if !bytes.Equal(s1, s2) || bytes.Equal(s1, s3) {
		t.Error("a secret changed, or two names share one")
	}
	if _, err := e.core.Secret(ctx, ""); err == nil {
		t.Error("a nameless secret was given")
	}
}

// historyless is a store without the optional abilities.
type historyless struct{ bridge.Store }

func TestHistoryHostWithoutAbility(t *testing.T) {
	e := newEnv(t, newFakeKM(), envOpt{})
	core, err := bridge.New(testConfig(), bridge.Deps{KM: newFakeKM(), Store: historyless{e.store}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := core.AppendHistory(ctx, annDM, []byte("x"), 3); err == nil {
		t.Error("append on a store without histories succeeded")
	}
	if _, err := core.Secret(ctx, "web.cookie"); err == nil {
		t.Error("a secret from a store without secrets")
	}
}
