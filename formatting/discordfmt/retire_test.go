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

// rowStates describes each row: "live", "off" (every action disabled) or
// "mixed", and the marked component ("=label") if any.
func rowStates(cs []discordgo.MessageComponent) []string {
	var out []string
	for _, c := range cs {
		on, off, mark := 0, 0, ""
		eachComponent([]discordgo.MessageComponent{c}, func(b *discordgo.Button, m *discordgo.SelectMenu) {
			if m != nil {
				if m.Disabled {
					off++
				} else {
					on++
				}
				for _, o := range m.Options {
					if o.Default {
						mark += "=" + o.Label
					}
				}
				return
			}
			if b.Style == discordgo.LinkButton {
				return
			}
			if b.Disabled {
				off++
			} else {
				on++
			}
			if b.Style == discordgo.SuccessButton {
				mark += "=" + b.Label
			}
		})
		s := "mixed"
		switch {
		case off == 0:
			s = "live"
		case on == 0:
			s = "off"
		}
		out = append(out, s+mark)
	}
	return out
}

func TestRetireRow(t *testing.T) {
	rating := &F.Buttons{Title: "Was this answer helpful?", Items: []F.Button{{Label: "👍", Token: "up"}, {Label: "👎", Token: "down"}}}
	answer := F.Message{Blocks: []F.Block{plain("Answer."), &F.Buttons{Title: "Related questions", Items: tokButtons(3, "Related")}, rating}}
	welcome := F.Message{Blocks: categories(5, 3)}
	long := F.Message{Blocks: []F.Block{&F.Buttons{Title: "Offices", Items: tokButtons(30, "Office")}, rating}}
	grid := F.Message{Blocks: []F.Block{&F.Buttons{Title: "Pick", Items: tokButtons(8, "Item")}},
		InputHints: []F.Button{{Label: "Menu", Token: "menu"}}}
	dups := F.Message{Blocks: []F.Block{
		&F.Buttons{Items: []F.Button{{Label: "Yes", Token: "same"}, {Label: "Yes again", Token: "same"}, {Label: "No", Token: "other"}}},
		&F.Select{Placeholder: "Choose", Options: []F.Button{{Label: "A", Token: "a"}, {Label: "B", Token: "same"}}},
	}}
	tests := []struct {
		name   string
		m      F.Message
		token  string
		chosen string
		want   []string
		live   bool
	}{
		{"related question: its menu only", answer, "tok2", "Related 2", []string{"off=Related 2", "live"}, true},
		{"rating: its row only", answer, "up", "👍", []string{"live", "off=👍"}, true},
		{"one category of a welcome", welcome, "q3x2", "Question 3.2", []string{"live", "live", "off=Question 3.2", "live", "live"}, true},
		{"numbered menus go together", long, "tok27", "Office 27", []string{"off", "off=Office 27", "live"}, true},
		{"button rows go together", grid, "tok7", "Item 7", []string{"off", "off=Item 7", "off"}, false},
		{"unknown token retires everything", answer, "gone", "", []string{"off", "off"}, false},
		{"empty token retires everything", answer, "", "👍", []string{"off", "off=👍"}, false},
		{"a repeated token: the one labelled as chosen is marked", dups, "same", "Yes again", []string{"off=Yes again", "off"}, false},
		{"a repeated token without a matching label: the first", dups, "same", "", []string{"off=Yes", "off"}, false},
		{"label matches the shortened option", F.Message{Blocks: []F.Block{
			&F.Buttons{Title: "Long", Items: []F.Button{{Label: strings.Repeat("long ", 30), Token: "l"}}}, rating}},
			"l", strings.Repeat("long ", 30), []string{"off=" + truncate(strings.TrimSpace(strings.Repeat("long ", 30)), MaxOptionText), "live"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msgs := renderValid(t, tc.m)
			if len(msgs) != 1 {
				t.Fatalf("%d messages", len(msgs))
			}
			in := msgs[0].Components
			before, _ := json.Marshal(in)
			got, live := RetireRow(in, tc.token, tc.chosen)
			if err := Validate(&discordgo.MessageSend{Components: got, AllowedMentions: none()}); err != nil {
				t.Fatalf("retired components invalid: %v", err)
			}
			if s := rowStates(got); strings.Join(s, " | ") != strings.Join(tc.want, " | ") {
				t.Errorf("rows %q, want %q", s, tc.want)
			}
			if live != tc.live {
				t.Errorf("live = %v, want %v", live, tc.live)
			}
			if after, _ := json.Marshal(in); string(after) != string(before) {
				t.Fatal("RetireRow modified its input")
			}
		})
	}
}

// Retiring the rows of a message one choice after another, on components as
// Discord sends them back (pointers), leaves the earlier ones retired.
func TestRetireRowSuccessive(t *testing.T) {
	msgs := renderValid(t, F.Message{Blocks: []F.Block{
		&F.Buttons{Title: "Related questions", Items: tokButtons(3, "Related")},
		&F.Buttons{Title: "Was this answer helpful?", Items: []F.Button{{Label: "👍", Token: "up"}, {Label: "👎", Token: "down"}}},
	}})
	cs := fromWire(t, msgs[0].Components)
	if Retired(cs, "up") || Retired(cs, SelectID) || Retired(cs, "unknown") {
		t.Fatal("fresh components reported retired")
	}
	cs, live := RetireRow(cs, "tok1", "Related 1")
	if !live || !Retired(cs, SelectID) || Retired(cs, "up") {
		t.Fatalf("after the first choice: live %v, %q", live, rowStates(cs))
	}
	cs, live = RetireRow(cs, "down", "👎")
	if live || !Retired(cs, "up") || !Retired(cs, "down") {
		t.Fatalf("after the rating: live %v, %q", live, rowStates(cs))
	}
	if s := rowStates(cs); s[0] != "off=Related 1" || s[1] != "off=👎" {
		t.Fatalf("rows %q", s)
	}
	if _, ok := cs[0].(*discordgo.ActionsRow); !ok {
		t.Fatalf("row is %T, want the pointer it was", cs[0])
	}
}

// fromWire round-trips components through JSON, as a received message has them.
func fromWire(t testing.TB, cs []discordgo.MessageComponent) []discordgo.MessageComponent {
	t.Helper()
	var out []discordgo.MessageComponent
	for _, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		d, err := discordgo.MessageComponentFromJSON(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// checkRetireRow retires each clickable token of a rendered message in turn:
// the result is valid, the token is no longer clickable, every other row is as
// it was or entirely retired, and live tells whether anything can be clicked.
func checkRetireRow(t testing.TB, s *discordgo.MessageSend) {
	t.Helper()
	before := renderedTokens([]*discordgo.MessageSend{s})
	for tok := range before {
		out, live := RetireRow(s.Components, tok, "x")
		m := &discordgo.MessageSend{Components: out, AllowedMentions: none()}
		if err := Validate(m); err != nil {
			t.Fatalf("RetireRow(%q): %v", tok, err)
		}
		after := renderedTokens([]*discordgo.MessageSend{m})
		if after[tok] != 0 {
			t.Fatalf("RetireRow(%q): still clickable %d times", tok, after[tok])
		}
		if len(after) > 0 && !live {
			t.Fatalf("RetireRow(%q): live = false with %d tokens clickable", tok, len(after))
		}
		if len(out) != len(s.Components) {
			t.Fatalf("RetireRow(%q): %d rows, want %d", tok, len(out), len(s.Components))
		}
		states := rowStates(out)
		for i := range out {
			a, _ := json.Marshal(s.Components[i])
			b, _ := json.Marshal(out[i])
			if string(a) != string(b) && !strings.HasPrefix(states[i], "off") {
				t.Fatalf("RetireRow(%q): row %d changed without being retired: %s → %s", tok, i, a, b)
			}
		}
	}
}
