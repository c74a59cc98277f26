package discordfmt

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	F "github.com/kmbridge/kmbridge/formatting"
)

// layout describes rendered messages, one string per message: its rows as
// "S(placeholder)" for a menu, "B<n>" for n buttons; a leading "T" when the
// content ends with a bold title.
func layout(t testing.TB, out []*discordgo.MessageSend) []string {
	var msgs []string
	for _, m := range out {
		var parts []string
		if strings.HasSuffix(m.Content, "**") {
			parts = append(parts, "T")
		}
		for _, r := range rows(t, m) {
			if s, ok := r.Components[0].(discordgo.SelectMenu); ok {
				parts = append(parts, "S("+s.Placeholder+")")
				continue
			}
			parts = append(parts, "B"+itoa(len(r.Components)))
		}
		msgs = append(msgs, strings.Join(parts, " "))
	}
	return msgs
}

func TestRenderRuns(t *testing.T) {
	rating := &F.Buttons{Title: "Rate", Items: []F.Button{{Label: "👍", Token: "up"}, {Label: "👎", Token: "down"}}}
	related := &F.Buttons{Title: "Related", Items: tokButtons(3, "Q")}
	links := &F.Buttons{Title: "Links", Items: []F.Button{{Label: "Docs", URL: "https://docs.example.com"}, {Label: "Ask", Token: "ask"}}}
	group := func(title string, n int, prefix string) *F.Buttons {
		return &F.Buttons{Title: title, Items: tokButtons(n, prefix)}
	}
	tests := []struct {
		name string
		m    F.Message
		want []string
	}{
		{"single titled group as before", F.Message{Blocks: []F.Block{plain("Answer."), related}},
			[]string{"T B3"}},
		{"related questions and rating: one message", F.Message{Blocks: []F.Block{plain("Answer."), related, rating}},
			[]string{"T S(Related) B2"}},
		{"six categories: two messages", F.Message{Blocks: append([]F.Block{plain("Hi")}, categories(6, 4)...)},
			[]string{"S(Category 1) S(Category 2) S(Category 3) S(Category 4) S(Category 5)", "T B4"}},
		{"five categories: one message", F.Message{Blocks: categories(5, 4)},
			[]string{"T S(Category 1) S(Category 2) S(Category 3) S(Category 4) B4"}},
		{"last group as buttons when its rows fit", F.Message{Blocks: []F.Block{group("A", 3, "a"), group("B", 12, "b")}},
			[]string{"T S(A) B5 B5 B2"}},
		{"last group as a menu when its buttons do not fit", F.Message{Blocks: []F.Block{group("A", 3, "a"), group("B", 3, "b"), group("C", 3, "c"), group("D", 12, "d")}},
			[]string{"S(A) S(B) S(C) S(D)"}},
		{"more than 25 choices: numbered menus", F.Message{Blocks: []F.Block{group("Offices", 60, "o"), rating}},
			[]string{"T S(Offices (1/3)) S(Offices (2/3)) S(Offices (3/3)) B2"}},
		{"a group with links keeps its buttons and ends its message", F.Message{Blocks: []F.Block{related, links, group("More", 2, "m"), rating}},
			[]string{"T S(Related) B2", "T S(More) B2"}},
		{"a group with links first", F.Message{Blocks: []F.Block{links, related, rating}},
			[]string{"T B2", "T S(Related) B2"}},
		{"a run after embeds starts a new message", F.Message{Blocks: []F.Block{&F.Card{Title: "Card"}, related, rating}},
			[]string{"", "T S(Related) B2"}},
		{"untitled buttons after a run join its last message", F.Message{Blocks: []F.Block{related, rating},
			InputHints: []F.Button{{Label: "Menu", Token: "menu"}}},
			[]string{"T S(Related) B2 B1"}},
		{"an untitled group ends a run", F.Message{Blocks: []F.Block{related, &F.Buttons{Items: tokButtons(2, "U")}, rating}},
			[]string{"T B3 B2", "T B2"}},
		{"nil blocks do not end a run", F.Message{Blocks: []F.Block{related, nil, (*F.Buttons)(nil), rating}},
			[]string{"T S(Related) B2"}},
		{"a long title is cut for the placeholder", F.Message{Blocks: []F.Block{group(strings.Repeat("t", 200), 30, "x"), rating}},
			[]string{"T S(" + strings.Repeat("t", 143) + "… (1/2)) S(" + strings.Repeat("t", 143) + "… (2/2)) B2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := renderValid(t, tc.m)
			if got := layout(t, out); strings.Join(got, " | ") != strings.Join(tc.want, " | ") {
				t.Errorf("layout\n got %q\nwant %q", got, tc.want)
			}
			checkReachable(t, tc.m, out)
		})
	}
}
