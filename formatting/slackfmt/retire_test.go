package slackfmt

import (
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting/fmttest"
)

// liveTokens are the tokens of the action buttons and menu options of msgs.
func liveTokens(msgs []Msg) []string {
	var out []string
	for _, m := range msgs {
		for _, b := range m.Blocks {
			a := actionBlock(b)
			if a == nil || a.Elements == nil {
				continue
			}
			for _, e := range a.Elements.ElementSet {
				switch e := e.(type) {
				case *slack.ButtonBlockElement:
					if !isLink(e) {
						out = append(out, Token(e.Value))
					}
				case *slack.SelectBlockElement:
					for _, o := range e.Options {
						out = append(out, Token(o.Value))
					}
				}
			}
		}
	}
	return out
}

// The one retirement policy on Slack blocks: only the clicked group goes, its
// links stay, the choice shows after it, the rest stays usable and valid.
func TestRetireGroup(t *testing.T) {
	for _, tc := range fmttest.RetireCases() {
		t.Run(tc.Name, func(t *testing.T) {
			msgs := Render(fmttest.RetireMessage())
			before := string(payload(msgs[0]))
			changed := false
			out := make([]Msg, len(msgs))
			for i, m := range msgs {
				blocks, ok := RetireGroup(m.Blocks, tc.Group)
				changed = changed || ok
				out[i] = Msg{Text: m.Text, Blocks: blocks}
				if err := Validate(out[i]); err != nil {
					t.Errorf("message %d does not validate: %v", i, err)
				}
			}
			if string(payload(msgs[0])) != before {
				t.Error("RetireGroup modified its input")
			}
			tc.Check(t, changed, liveTokens(out))
			if _, plain := texts(out); tc.Changes && !slices.Contains(plain, tc.Group.Shown) {
				t.Errorf("%q not shown in %q", tc.Group.Shown, plain)
			}
			if tc.Changes && !strings.Contains(string(payload(out[0]))+string(payload(out[len(out)-1])), "https://example.com/") {
				t.Error("a link was dropped")
			}
			golden(t, "retire_"+tc.Name, out)
		})
	}
}
