package slackadapter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// officesKB is a knowledge base whose answer offers 30 choices: more than a
// Slack actions block carries as buttons, so they become a static select.
func officesKB(t testing.TB) *kmsim.KB {
	var b strings.Builder
	b.WriteString("robot:\n  id: 83\n  channelId: 82\n  modelKey: helpdesk\n  welcome: Welcome to the office guide.\n")
	b.WriteString("categories:\n  - id: 1\n    name: Offices\n    questions:\n")
	b.WriteString("      - id: 100\n        content: Which office?\n        answer:\n          msgType: selective_list\n          content:\n            title: Pick your office\n            optionList:\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "              - {id: %d, value: Office %d}\n", 100+i, i)
	}
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&b, "      - id: %d\n        content: Office %d\n        answer:\n          msgType: plain\n          content: Office %d is on floor %d.\n", 100+i, i, i, i)
	}
	kb, err := kmsim.LoadKB(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

func TestSelectChoice(t *testing.T) {
	e := newEnv(t, envOpts{kb: officesKB(t)})
	ans := e.askDM("D1", "U1", "Which office?", "Pick your office")
	_, selects := slacktest.Elements(t, ans.Blocks)
	if len(selects) == 0 {
		t.Fatalf("no select in %s", ans.Blocks)
	}
	sel := selects[0]
	opt := sel.Options[6]
	act := e.action(opt.Value).Action
	if act.Kind != formatting.ActSendText || act.Text != "Office 7" {
		t.Fatalf("option 7 stands for %+v", act)
	}
	e.interaction(PathInteractions, e.clickPayload("U1", ans, selectAction(sel, opt)))
	// A selective_list choice is asked as the user's words, in the same session.
	eventually(t, "the choice asked", func() bool { return len(e.sim.CallsTo("POST /v1/chat")) == 2 })
	chats := e.sim.CallsTo("POST /v1/chat")
	if chats[1].Str("queryContent") != "Office 7" || chats[1].Int("sessionId") != chats[0].Int("sessionId") {
		t.Errorf("second chat %v", chats[1].Body)
	}
	eventually(t, "the answer to the choice", func() bool {
		_, ok := find(t, e.slack.Posted("D1"), "Office 7 is on floor 7")
		return ok
	})
	eventually(t, "the select retired", func() bool {
		upd, _ := e.slack.Msg(ans.Channel, ans.TS)
		_, sel := slacktest.Elements(t, upd.Blocks)
		return len(sel) == 0 && strings.Contains(text(t, upd), "✓ Office 7")
	})
}
