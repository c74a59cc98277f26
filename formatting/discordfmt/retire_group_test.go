package discordfmt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	F "github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
)

// liveTokens are the tokens of the enabled action buttons and menu options.
func liveTokens(msgs []*discordgo.MessageSend) []string {
	var out []string
	for _, m := range msgs {
		eachComponent(m.Components, func(b *discordgo.Button, sm *discordgo.SelectMenu) {
			switch {
			case b != nil && !b.Disabled && b.Style != discordgo.LinkButton:
				if tok := buttonToken(b); tok != "" {
					out = append(out, tok)
				}
			case sm != nil && !sm.Disabled:
				for _, o := range sm.Options {
					if tok := optionToken(o); tok != "" {
						out = append(out, tok)
					}
				}
			}
		})
	}
	return out
}

// The one retirement policy on Discord components: only the clicked group's
// rows go, its links stay, a disabled button shows the choice, the other
// rows stay usable, and the message stays within Discord's limits.
func TestRetireGroup(t *testing.T) {
	for _, tc := range fmttest.RetireCases() {
		t.Run(tc.Name, func(t *testing.T) {
			msgs := Render(fmttest.RetireMessage())
			before, _ := json.Marshal(msgs)
			changed := false
			out := make([]*discordgo.MessageSend, len(msgs))
			for i, m := range msgs {
				c := *m
				comps, ok := RetireGroup(m.Components, tc.Group)
				changed = changed || ok
				c.Components = comps
				out[i] = &c
				if err := Validate(&c); err != nil {
					t.Errorf("message %d fails Validate: %v", i, err)
				}
			}
			if after, _ := json.Marshal(msgs); string(after) != string(before) {
				t.Error("RetireGroup modified its input")
			}
			tc.Check(t, changed, liveTokens(out))
			got := dump(out)
			if tc.Changes && !strings.Contains(got, tc.Group.Shown) {
				t.Errorf("%q not shown:\n%s", tc.Group.Shown, got)
			}
			if strings.Count(got, "https://example.com/") != strings.Count(string(before), "https://example.com/") {
				t.Errorf("a link was dropped:\n%s", got)
			}
			golden(t, "retire/"+tc.Name, out)
		})
	}
}

// Components as Discord sends them back (pointers), a group already retired
// (a second retirement shows a second, numbered no-op id), and a group of two
// rows whose links and shown button need two rows again.
func TestRetireGroupShapes(t *testing.T) {
	link := func(n string) *discordgo.Button {
		return &discordgo.Button{Label: n, Style: discordgo.LinkButton, URL: "https://example.com/" + n}
	}
	comps := []discordgo.MessageComponent{
		&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			&discordgo.Button{Label: "A", CustomID: "ta", Style: discordgo.SecondaryButton}, link("1"), link("2"), link("3"), link("4"),
		}},
		&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			&discordgo.Button{Label: "A2", CustomID: "ta2", Style: discordgo.SecondaryButton}, link("5"), link("6"), link("7"), link("8"),
		}},
		&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			&discordgo.SelectMenu{CustomID: SelectID, Options: []discordgo.SelectMenuOption{{Label: "B", Value: "tb"}}},
		}},
	}
	out, ok := RetireGroup(comps, F.RetiredGroup{Tokens: []string{"ta", "ta2"}, Shown: "✓ A"})
	if !ok || len(out) != 3 {
		t.Fatalf("RetireGroup = %d rows, %v; want 3 (8 links + shown take two rows, then the menu)", len(out), ok)
	}
	out, ok = RetireGroup(out, F.RetiredGroup{Tokens: []string{"tb"}, Shown: "⌛ expired", Expired: true})
	if !ok {
		t.Fatal("the menu's group was not found")
	}
	check := &discordgo.MessageSend{Content: "x", Components: out, AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}}
	if err := Validate(check); err != nil {
		t.Errorf("Validate: %v\n%s", err, dump(out))
	}
	if live := liveTokens([]*discordgo.MessageSend{check}); len(live) != 0 {
		t.Errorf("still live: %v", live)
	}
	if _, ok := RetireGroup(out, F.RetiredGroup{Tokens: []string{"ta"}, Shown: "✓ A"}); ok {
		t.Error("a retired group was retired again")
	}
	s := dump(out)
	if !strings.Contains(s, NoopID+dupSep+"2") || !strings.Contains(s, `"style": 2`) {
		t.Errorf("the second shown button is not numbered or not grey:\n%s", s)
	}
}
