package discordfmt

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	F "github.com/kmbridge/kmbridge/formatting"
)

func TestRetire(t *testing.T) {
	long := strings.Repeat("Long question ", 10)
	msgs := renderValid(t, F.Message{Blocks: []F.Block{
		&F.Buttons{Items: []F.Button{{Label: "Yes", Token: "y"}, {Label: "No", Token: "n", Style: F.StyleDanger},
			{Label: "Docs", URL: "https://docs.example"}, {Label: long, Token: "l"}}},
		&F.Select{Options: []F.Button{{Label: "A", Token: "a"}, {Label: "B", Token: "b"}}},
	}})
	orig := msgs[0].Components
	before, _ := json.Marshal(orig)

	tests := []struct {
		name   string
		chosen string
		green  string // label of the button expected in success style, "" for none
		option string // label of the option expected as default
	}{
		{"button", "No", "No", ""},
		{"long label matches its shortened form", long, truncate(strings.TrimSpace(long), MaxButtonLabel), ""},
		{"select option", "B", "", "B"},
		{"nothing chosen", "", "", ""},
		{"unknown label", "Maybe", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Retire(orig, tc.chosen)
			m := &discordgo.MessageSend{Components: got, AllowedMentions: none()}
			if err := Validate(m); err != nil {
				t.Fatalf("retired components invalid: %v", err)
			}
			for _, r := range rows(t, m) {
				for _, c := range r.Components {
					switch x := c.(type) {
					case discordgo.Button:
						if x.Style == discordgo.LinkButton {
							if x.Disabled {
								t.Errorf("link button %q disabled", x.Label)
							}
							continue
						}
						if !x.Disabled {
							t.Errorf("button %q still enabled", x.Label)
						}
						if (x.Style == discordgo.SuccessButton) != (x.Label == tc.green) {
							t.Errorf("button %q style %d", x.Label, x.Style)
						}
					case discordgo.SelectMenu:
						if !x.Disabled {
							t.Errorf("select still enabled")
						}
						for _, o := range x.Options {
							if o.Default != (o.Label == tc.option) {
								t.Errorf("option %q default=%v", o.Label, o.Default)
							}
						}
					}
				}
			}
			if after, _ := json.Marshal(orig); string(after) != string(before) {
				t.Fatalf("Retire modified its input")
			}
		})
	}
}

func TestRetirePointers(t *testing.T) {
	// Components as discordgo unmarshals them from a received message.
	in := []discordgo.MessageComponent{&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		&discordgo.Button{Label: "Yes", CustomID: "y", Style: discordgo.SecondaryButton},
		&discordgo.SelectMenu{CustomID: "s", Options: []discordgo.SelectMenuOption{{Label: "Yes", Value: "v"}}},
	}}}
	out := Retire(in, "Yes")
	row := out[0].(*discordgo.ActionsRow)
	b := row.Components[0].(*discordgo.Button)
	s := row.Components[1].(*discordgo.SelectMenu)
	if !b.Disabled || b.Style != discordgo.SuccessButton || !s.Disabled || s.Options[0].Default {
		t.Fatalf("got %s", dump(out))
	}
	if in[0].(*discordgo.ActionsRow).Components[0].(*discordgo.Button).Disabled {
		t.Fatal("input modified")
	}
	if Retire(nil, "x") != nil {
		t.Fatal("nil in, non-nil out")
	}
}
