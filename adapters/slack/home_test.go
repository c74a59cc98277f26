package slackadapter

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/formatting"
)

func homeOpened(user, dm string) map[string]any {
	return map[string]any{"type": "app_home_opened", "user": user, "channel": dm, "tab": "home", "event_ts": slacktest.NewTS()}
}

// publishedHome returns the view of the n-th views.publish call.
func (e *env) publishedHome(n int) (userID, metadata string, blocks []slack.Block) {
	e.t.Helper()
	eventually(e.t, "views.publish", func() bool { return len(e.slack.Calls("views.publish")) >= n })
	req := e.slack.Calls("views.publish")[n-1].JSON
	raw, _ := json.Marshal(req["view"])
	var v struct {
		Type            string          `json:"type"`
		PrivateMetadata string          `json:"private_metadata"`
		Blocks          json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || v.Type != "home" {
		e.t.Fatalf("view %s: %v", raw, err)
	}
	userID, _ = req["user_id"].(string)
	return userID, v.PrivateMetadata, slacktest.Blocks(e.t, v.Blocks)
}

func TestAppHomePublishedAndClickable(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.event(slacktest.NewEventID(), homeOpened("U1", "D1"))
	user, meta, blocks := e.publishedHome(1)
	if user != "U1" || meta != "D1" {
		t.Errorf("published for %q with metadata %q", user, meta)
	}
	all := blocksText(blocks)
	for _, b := range blocks {
		if ab, ok := b.(*slack.ActionBlock); ok {
			for _, el := range ab.Elements.ElementSet {
				if bt, ok := el.(*slack.ButtonBlockElement); ok {
					all += "\n" + bt.Text.Text
				}
			}
		}
	}
	for _, want := range []string{"company knowledge base", "/ask", "Search the knowledge base", "Frequently asked questions", "Popular questions", "How do I reset my password?"} {
		if !strings.Contains(all, want) {
			t.Errorf("Home tab lacks %q:\n%s", want, all)
		}
	}
	var search *slack.SelectBlockElement
	var faq *slack.ButtonBlockElement
	for _, b := range blocks {
		ab, ok := b.(*slack.ActionBlock)
		if !ok {
			continue
		}
		for _, el := range ab.Elements.ElementSet {
			switch el := el.(type) {
			case *slack.SelectBlockElement:
				if el.ActionID == searchActionID {
					search = el
				}
			case *slack.ButtonBlockElement:
				if faq == nil && el.Value != "" && el.Text.Text == qPassword && e.action(el.Value).Action.Kind == formatting.ActHit {
					faq = el
				}
			}
		}
	}
	if search == nil || search.Type != slack.OptTypeExternal || search.MinQueryLength == nil {
		t.Fatalf("no external select for search: %+v", search)
	}
	if faq == nil {
		t.Fatal("no FAQ button on the Home tab")
	}
	act := e.action(faq.Value).Action
	if act.QueryType != 6 || act.QuestionID == 0 {
		t.Errorf("FAQ button action %+v", act)
	}
	// Opening it again right away does not publish again.
	e.event(slacktest.NewEventID(), homeOpened("U1", "D1"))

	// A click on the Home tab is answered in the DM.
	p := map[string]any{
		"type": "block_actions", "trigger_id": "trig-home", "user": map[string]any{"id": "U1"},
		"team": map[string]any{"id": "T1"}, "container": map[string]any{"type": "view", "view_id": "V1"},
		"view":    map[string]any{"id": "V1", "type": "home", "private_metadata": "D1"},
		"actions": []any{map[string]any{"type": "button", "block_id": "b", "action_id": faq.ActionID, "value": faq.Value, "action_ts": slacktest.NewTS()}},
	}
	if code, _ := e.interaction(PathInteractions, p); code != http.StatusOK {
		t.Fatalf("HTTP %d", code)
	}
	eventually(t, "the KM hit", func() bool { return len(e.sim.CallsTo("POST /v1/hit")) == 1 })
	hit := e.sim.CallsTo("POST /v1/hit")[0]
	if hit.Int("questionId") != act.QuestionID || hit.Int("queryType") != 6 {
		t.Errorf("hit %v", hit.Body)
	}
	eventually(t, "the answer in the DM", func() bool {
		_, ok := find(t, e.slack.Posted("D1"), "Reset your password")
		return ok
	})
	if n := len(e.slack.Calls("views.publish")); n != 1 {
		t.Errorf("views.publish calls = %d, want 1", n)
	}
}

func TestTypeaheadOptions(t *testing.T) {
	e := newEnv(t, envOpts{})
	suggestion := func(q string) []*slack.OptionBlockObject {
		t.Helper()
		p := map[string]any{
			"type": "block_suggestion", "user": map[string]any{"id": "U1"}, "team": map[string]any{"id": "T1"},
			"action_id": searchActionID, "block_id": searchActionID, "value": q,
			"container": map[string]any{"type": "view", "view_id": "V1"},
			"view":      map[string]any{"id": "V1", "type": "home", "private_metadata": "D1"},
		}
		start := time.Now()
		code, body := e.interaction(PathOptions, p)
		if code != http.StatusOK || time.Since(start) > 3*time.Second {
			t.Fatalf("options: HTTP %d after %s", code, time.Since(start))
		}
		var resp slack.OptionsResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			t.Fatalf("options %s: %v", body, err)
		}
		for _, o := range resp.Options {
			if o.Text == nil || lenU(o.Text.Text) > 75 || o.Value == "" || len(o.Value) > 150 {
				t.Errorf("bad option %+v", o)
			}
		}
		return resp.Options
	}
	// Before the user's first conversation KM has no session for smart hints:
	// only "Ask: …" is offered.
	opts := suggestion("password")
	if len(opts) != 1 || opts[0].Text.Text != "Ask: password" {
		t.Fatalf("options before a session: %+v", opts)
	}
	e.askDM("D1", "U1", qWifi, "ExampleGuest")
	opts = suggestion("password")
	if len(opts) < 2 || len(e.sim.CallsTo("POST /v1/smartHint")) != 1 {
		t.Fatalf("options %d, smartHint calls %d", len(opts), len(e.sim.CallsTo("POST /v1/smartHint")))
	}
	hint := opts[1]
	act := e.action(hint.Value).Action
	if act.Kind != formatting.ActHit || act.QueryType != 9 {
		t.Fatalf("suggestion action %+v", act)
	}
	// Choosing a suggestion in the Home tab's external select is a smart-hint hit.
	p := map[string]any{
		"type": "block_actions", "trigger_id": "trig-search", "user": map[string]any{"id": "U1"},
		"team": map[string]any{"id": "T1"}, "container": map[string]any{"type": "view", "view_id": "V1"},
		"view": map[string]any{"id": "V1", "type": "home", "private_metadata": "D1"},
		"actions": []any{map[string]any{"type": "external_select", "block_id": searchActionID, "action_id": searchActionID,
			"selected_option": map[string]any{"value": hint.Value, "text": map[string]any{"type": "plain_text", "text": hint.Text.Text}}}},
	}
	e.interaction(PathInteractions, p)
	eventually(t, "the smart-hint hit", func() bool { return len(e.sim.CallsTo("POST /v1/hit")) == 1 })
	if h := e.sim.CallsTo("POST /v1/hit")[0]; h.Int("queryType") != 9 || h.Int("questionId") != act.QuestionID {
		t.Errorf("hit %v", h.Body)
	}
	// "Ask: …" asks the typed words.
	opts = suggestion("Wi-Fi password")
	p["trigger_id"] = "trig-ask"
	p["actions"] = []any{map[string]any{"type": "external_select", "block_id": searchActionID, "action_id": searchActionID,
		"selected_option": map[string]any{"value": opts[0].Value, "text": map[string]any{"type": "plain_text", "text": opts[0].Text.Text}}}}
	e.interaction(PathInteractions, p)
	eventually(t, "the typed words asked", func() bool {
		cs := e.sim.CallsTo("POST /v1/chat")
		return len(cs) == 2 && cs[1].Str("queryContent") == "Wi-Fi password"
	})
}

// The Home tab shows the core's cached lists: the faq and hot commands that
// follow do not ask KM again.
func TestAppHomeSharesTheCoresLists(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.event(slacktest.NewEventID(), homeOpened("U1", "D1"))
	e.publishedHome(1)
	e.command("D1", "U1", "faq")
	e.command("D1", "U1", "hot")
	got := e.waitPosted("D1", 2)
	if !strings.Contains(text(t, got[0]), "Accounts") || !strings.Contains(text(t, got[1]), "Popular questions") {
		t.Errorf("faq/hot = %q / %q", text(t, got[0]), text(t, got[1]))
	}
	if n, m := len(e.sim.CallsTo("POST /v1/chat/commonQuestions")), len(e.sim.CallsTo("POST /v1/chat/hotQuestions")); n != 1 || m != 1 {
		t.Errorf("commonQuestions %d, hotQuestions %d calls: want 1 each", n, m)
	}
}

// The fake Slack tells the Home tab's search block by its id: the two agree.
func TestFakeKnowsTheSearchBlock(t *testing.T) {
	if searchActionID != slacktest.SearchActionID {
		t.Errorf("slacktest.SearchActionID = %q, the adapter's is %q", slacktest.SearchActionID, searchActionID)
	}
}
