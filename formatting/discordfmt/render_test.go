package discordfmt

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	F "github.com/kmbridge/kmbridge/formatting"
)

func bold(s string) F.Span             { return F.Span{Text: s, Marks: F.Bold} }
func link(s, u string) F.Span          { return F.Span{Text: s, Link: u} }
func marked(s string, m F.Mark) F.Span { return F.Span{Text: s, Marks: m} }

// goldenCases are hand-built messages covering every block type.
var goldenCases = []struct {
	name string
	m    F.Message
}{
	{"rich_text", F.Message{Blocks: []F.Block{text(
		&F.Heading{Level: 1, Spans: []F.Span{txt("How to reset your password")}},
		para(txt("Open "), bold("Settings"), txt(", then "), marked("Security", F.Italic), txt(". "),
			marked("Underlined", F.Underline), txt(" "), marked("old", F.Strike), txt(" "),
			marked("code `x`", F.Code), txt(" "), marked("all", F.Bold|F.Italic|F.Underline|F.Strike)),
		para(txt("See "), link("the guide", "https://help.example.com/reset?a=1&b=(2)"), txt(" or "),
			link("https://help.example.com", "https://help.example.com"), txt("."), txt("\n"),
			txt("Mail "), link("support", "mailto:help@example.com"), txt(", call "), link("us", "tel:+81-3-1234")),
		&F.Heading{Level: 2, Spans: []F.Span{txt("Steps")}},
		&F.List{Ordered: true, Items: []F.Rich{
			{para(txt("Sign in"))},
			{para(txt("Choose a method")), &F.List{Items: []F.Rich{{para(txt("SMS"))}, {para(txt("E-mail"))}}}},
			{para(txt("Confirm"))},
		}},
		&F.CodeBlock{Lang: "bash", Code: "curl -X POST https://api.example.com/reset\necho ```done```"},
		&F.Quote{Body: F.Rich{para(txt("Codes expire after 10 minutes.")), para(txt("Ask again if needed."))}},
		&F.Table{Header: true, Rows: [][][]F.Span{{{txt("Plan")}, {txt("Price")}}, {{txt("Basic")}, {txt("$5")}}}},
		&F.Rule{},
		&F.Heading{Level: 5, Spans: []F.Span{txt("Small heading")}},
	), &F.Text{Context: true, Rich: F.Rich{para(txt("Matched question: reset password"), txt("\n"), txt("Attachments: 2"))}}}}},

	// A hand-over relay of what an agent wrote on another platform (Slack
	// mrkdwn, Telegram HTML, the web chat), parsed into neutral rich text: the
	// agent's name in bold first, their formatting kept, their files as links.
	{"relayed_rich", F.Message{Blocks: []F.Block{
		text(
			para(bold("Agent Mia"), txt(" "), txt("Hi! Please "), bold("restart"), txt(" the app, then open "),
				link("the reset page", "https://help.example.com/reset"), txt(" and run "), marked("kmctl reset --all", F.Code), txt(":")),
			&F.List{Ordered: true, Items: []F.Rich{{para(txt("Sign out"))}, {para(marked("Clear", F.Italic), txt(" the cache"))}}},
			&F.Quote{Body: F.Rich{para(txt("You wrote: my *password* <@here> doesn't work"))}},
			&F.CodeBlock{Lang: "sh", Code: "kmctl status\n# ```ok```"},
		),
		text(&F.List{Items: []F.Rich{
			{para(link("screenshot.png", "https://files.example.com/f/1/screenshot.png"), txt(" (120 KB)"))},
			{para(txt("notes.txt"), marked(" (no link available)", F.Italic))},
		}}),
	}}},

	{"escaping", F.Message{Blocks: []F.Block{text(
		para(txt(`@everyone @here @Everyone <@123> <@!45> <@&67> <#89> <t:1700000000> </cmd:1> <:e:1>`)),
		para(txt(`* _ ~ `+"`"+` | > # [ ] \ ||spoiler|| **not bold** [x](https://evil.example)`)),
		para(txt("- not a list"), txt("\n"), txt("1. not a list"), txt("\n"), txt("# not a heading"), txt("\n"), txt("> not a quote"), txt("\n"), txt("-# not subtext")),
		para(txt("中文：密码重置。"), bold("重要"), txt("日本語のテキスト、"), marked("強調", F.Italic), txt("。")),
		para(txt("Emoji 👍🏽 👨‍👩‍👧 🇯🇵 ❤️ and a URL https://example.com/a_b_c*d and https://example.com/@everyone")),
		para(marked("@everyone in code", F.Code), txt(" "), link("@here", "https://example.com/@here")),
	)}}},

	{"buttons", F.Message{Blocks: []F.Block{plain("Was this helpful?"), &F.Buttons{Title: "Related questions", Items: []F.Button{
		{Label: "How do I change my e-mail address?", Token: "q1"},
		{Label: "Where is my invoice?", Token: "q2", Style: F.StylePrimary},
		{Label: "Delete my account", Token: "q3", Style: F.StyleDanger},
		{Label: "Open the help centre", URL: "https://help.example.com"},
		{Label: "Call us", URL: "tel:+81312345678"},
		{Label: strings.Repeat("A very long suggested question label ", 4), Token: "q4"},
		{Label: "👍", Token: "up"},
		{Label: "", Token: "blank"},
	}}}}},

	{"buttons_select", F.Message{Blocks: []F.Block{&F.Buttons{Title: "Pick a topic", Placeholder: "Choose…",
		Items: append(tokButtons(30, "Topic"), F.Button{Label: "Docs", URL: "https://docs.example.com"})}}}},

	{"duplicate_tokens", F.Message{Blocks: []F.Block{
		&F.Buttons{Items: []F.Button{{Label: "Yes", Token: "same"}, {Label: "Yes again", Token: "same"}, {Label: "No", Token: "other"}}},
		&F.Buttons{Items: []F.Button{{Label: "Yes (rating)", Token: "same"}}},
		&F.Select{Placeholder: "Choose", Options: []F.Button{{Label: "A", Token: "same"}, {Label: "B", Token: "same"}}},
	}}},

	{"cards", F.Message{Blocks: []F.Block{
		&F.Card{Title: "Password help", Subtitle: "Knowledge base", URL: "https://help.example.com/pw",
			IconURL: "https://help.example.com/favicon.ico", ImageURL: "https://help.example.com/cover.png",
			Body:    F.Rich{para(txt("Everything about passwords, "), bold("step by step"), txt("."))},
			Fields:  []F.Field{{Label: "Updated", Value: F.Rich{para(txt("2024-05-01"))}}, {Label: "Author", Value: F.Rich{para(txt("Support team"))}}},
			Buttons: []F.Button{{Label: "Open", URL: "https://help.example.com/pw"}, {Label: "Ask about this", Token: "ask"}}},
		&F.Card{Title: strings.Repeat("Long title ", 30), Body: F.Rich{para(txt("Body"))}},
		&F.Card{URL: "https://example.com/untitled", ImageURL: "data:image/png;base64,AAAA"},
	}}},

	{"products", F.Message{Blocks: []F.Block{&F.Products{Title: "Recommended", Page: 2, Pages: 3,
		Items: []F.Card{
			{Title: "Phone X", URL: "https://shop.example.com/x", ImageURL: "https://shop.example.com/x.png",
				Fields: []F.Field{{Label: "Price", Value: F.Rich{para(bold("¥99,800"))}}, {Label: "Stock", Value: F.Rich{para(txt("In stock"))}}}},
			{Title: "Phone Y", URL: "https://shop.example.com/y", ImageURL: "https://shop.example.com/y.png",
				Body: F.Rich{para(txt("Small and light."))}},
		},
		Prev: &F.Button{Label: "◀", Token: "prev"}, Next: &F.Button{Label: "▶", Token: "next"}}}}},

	{"media", F.Message{Blocks: []F.Block{
		&F.Image{URL: "https://cdn.example.com/a.png", Alt: "Diagram"},
		&F.Image{URL: "https://cdn.example.com/b.png", Link: "https://example.com/b"},
		&F.Image{URL: "ftp://cdn.example.com/c.png", Alt: "Old diagram"},
		&F.Location{Name: "Tokyo Station", Address: "1 Chome Marunouchi, Chiyoda City, Tokyo", Lat: 35.6812, Lng: 139.7671, HasCoords: true, MapURL: "https://maps.example.com/?q=35.6812,139.7671"},
		&F.Location{Address: "Somewhere without coordinates"},
		&F.Audio{URL: "https://cdn.example.com/hello.mp3", Caption: "Listen to the greeting"},
		&F.File{Name: "manual.pdf", URL: "https://cdn.example.com/manual.pdf", Size: 1536000},
		&F.File{Name: "notes.txt", URL: "https://cdn.example.com/notes.txt", Size: 512},
		&F.File{Name: "unknown size", URL: "https://cdn.example.com/x"},
	}}},

	{"order", F.Message{Blocks: []F.Block{
		plain("First text."),
		&F.Card{Title: "A card"},
		plain("Text after the card starts a new message."),
		&F.Divider{},
		plain("After a divider."),
		&F.Buttons{Items: tokButtons(2, "B")},
		plain("Text after buttons."),
	}, InputHints: []F.Button{{Label: "Talk to a human", Token: "human"}, {Label: "Menu", Token: "menu"}}}},

	{"long_text", F.Message{Blocks: []F.Block{longText(5200), &F.Buttons{Items: tokButtons(2, "Rate")}}}},

	{"many_embeds", F.Message{Blocks: manyImages(12)}},

	// Runs of titled groups share messages: menus titled by their placeholder,
	// the last group buttons under its title.
	{"run_answer", F.Message{Blocks: []F.Block{plain("You can change your plan in Settings."),
		&F.Buttons{Title: "Related questions", Items: tokButtons(3, "Related")},
		&F.Buttons{Title: "Was this answer helpful?", Items: []F.Button{{Label: "👍 Helpful", Token: "up"}, {Label: "👎 Not helpful", Token: "down"}}},
	}}},
	{"run_categories", F.Message{Blocks: append([]F.Block{plain("Hi! Pick a topic.")},
		append(categories(6, 4), &F.Buttons{Items: []F.Button{{Label: "Talk to a human", Token: "human"}, {Label: "Portal", URL: "https://portal.example.com"}}})...)}},
	{"run_links", F.Message{Blocks: []F.Block{
		&F.Buttons{Title: "Guides", Items: tokButtons(2, "Guide")},
		&F.Buttons{Title: "Links", Items: []F.Button{{Label: "Docs", URL: "https://docs.example.com"}, {Label: "Ask", Token: "ask"}}},
		&F.Buttons{Title: "More", Items: tokButtons(2, "More")},
		&F.Buttons{Title: "Was this answer helpful?", Items: []F.Button{{Label: "👍", Token: "up"}, {Label: "👎", Token: "down"}}},
	}}},
	{"run_long_group", F.Message{Blocks: []F.Block{
		&F.Buttons{Title: "Offices", Items: tokButtons(30, "Office")},
		&F.Buttons{Title: "Was this answer helpful?", Items: []F.Button{{Label: "👍", Token: "up"}, {Label: "👎", Token: "down"}}},
	}}},
}

// categories is n titled groups of k buttons each, like a welcome's FAQ.
func categories(n, k int) []F.Block {
	var out []F.Block
	for i := 1; i <= n; i++ {
		var items []F.Button
		for j := 1; j <= k; j++ {
			items = append(items, F.Button{Label: "Question " + itoa(i) + "." + itoa(j), Token: "q" + itoa(i) + "x" + itoa(j)})
		}
		out = append(out, &F.Buttons{Title: "Category " + itoa(i), Items: items})
	}
	return out
}

func longText(n int) *F.Text {
	var sb strings.Builder
	var blocks []F.RichBlock
	for i := 1; sb.Len() < n; i++ {
		s := "Sentence number " + itoa(i) + " explains one more detail of the answer. "
		sb.WriteString(s)
		if i%12 == 0 {
			blocks = append(blocks, para(txt(sb.String())))
			n -= sb.Len()
			sb.Reset()
		}
	}
	if sb.Len() > 0 {
		blocks = append(blocks, para(txt(sb.String())))
	}
	return text(blocks...)
}

func manyImages(n int) []F.Block {
	var out []F.Block
	for i := 1; i <= n; i++ {
		out = append(out, &F.Image{URL: "https://cdn.example.com/" + itoa(i) + ".png", Alt: "Picture " + itoa(i)})
	}
	return out
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, renderValid(t, tc.m))
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	if got := Render(F.Message{}); len(got) != 0 {
		t.Fatalf("empty message rendered as %d messages", len(got))
	}
	var nilText *F.Text
	var nilCard *F.Card
	if got := Render(F.Message{Blocks: []F.Block{nilText, nilCard, nil, plain("  "), &F.Divider{}}}); len(got) != 0 {
		t.Fatalf("blank blocks rendered as %s", dump(got))
	}
}

func TestRenderAllowedMentions(t *testing.T) {
	for _, tc := range goldenCases {
		for _, m := range Render(tc.m) {
			if m.AllowedMentions == nil || m.AllowedMentions.Parse == nil || len(m.AllowedMentions.Parse) != 0 {
				t.Fatalf("%s: allowed_mentions %+v", tc.name, m.AllowedMentions)
			}
		}
	}
}

func TestRenderLimits(t *testing.T) {
	tests := []struct {
		name  string
		m     F.Message
		check func(t *testing.T, out []*discordgo.MessageSend)
	}{
		{"11 images need two messages", F.Message{Blocks: manyImages(11)}, func(t *testing.T, out []*discordgo.MessageSend) {
			if len(out) != 2 || len(out[0].Embeds) != 10 || len(out[1].Embeds) != 1 {
				t.Fatalf("got %d messages", len(out))
			}
		}},
		{"embed characters over 6000 spill", F.Message{Blocks: []F.Block{
			&F.Card{Title: "A", Body: F.Rich{para(txt(strings.Repeat("a", 4000)))}},
			&F.Card{Title: "B", Body: F.Rich{para(txt(strings.Repeat("b", 4000)))}},
		}}, func(t *testing.T, out []*discordgo.MessageSend) {
			if len(out) != 2 {
				t.Fatalf("got %d messages, want 2", len(out))
			}
		}},
		{"card description over 4096 continues in a second embed", F.Message{Blocks: []F.Block{
			&F.Card{Title: "Long", Body: F.Rich{para(txt(strings.Repeat("word ", 900)))}},
		}}, func(t *testing.T, out []*discordgo.MessageSend) {
			if len(out) != 1 || len(out[0].Embeds) != 2 || out[0].Embeds[1].Title != "" {
				t.Fatalf("got %s", dump(out))
			}
		}},
		{"card text over 6000 continues in a second message", F.Message{Blocks: []F.Block{
			&F.Card{Title: "Long", Body: F.Rich{para(txt(strings.Repeat("word ", 1500)))}},
		}}, func(t *testing.T, out []*discordgo.MessageSend) {
			// 4096 + ~3400 characters exceed the 6000 per message: two messages.
			if len(out) != 2 || len(out[0].Embeds) != 1 || len(out[1].Embeds) != 1 || out[1].Embeds[0].Title != "" {
				t.Fatalf("got %s", dump(out))
			}
			if n := strings.Count(out[0].Embeds[0].Description+" "+out[1].Embeds[0].Description, "word"); n != 1500 {
				t.Fatalf("%d words survive, want 1500", n)
			}
		}},
		{"30 fields use two embeds", F.Message{Blocks: []F.Block{&F.Card{Title: "Specs", Fields: fields(30)}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if len(out[0].Embeds) != 2 || len(out[0].Embeds[0].Fields) != 25 || len(out[0].Embeds[1].Fields) != 5 {
					t.Fatalf("got %s", dump(out))
				}
			}},
		{"long field value continues in unnamed fields", F.Message{Blocks: []F.Block{&F.Card{Title: "X",
			Fields: []F.Field{{Label: "Notes", Value: F.Rich{para(txt(strings.Repeat("note ", 500)))}}}}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				fs := out[0].Embeds[0].Fields
				if len(fs) != 3 || fs[0].Name != "Notes" || fs[1].Name != zwsp {
					t.Fatalf("got %s", dump(fs))
				}
			}},
		{"25 buttons make 5 rows", F.Message{Blocks: []F.Block{&F.Buttons{Items: tokButtons(25, "B")}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if len(out) != 1 || len(rows(t, out[0])) != 5 {
					t.Fatalf("got %s", dump(out))
				}
			}},
		{"26 buttons become one select with 25 and one with 1", F.Message{Blocks: []F.Block{&F.Buttons{Items: tokButtons(26, "B"), Placeholder: "Pick"}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				rs := rows(t, out[0])
				if len(rs) != 2 {
					t.Fatalf("got %s", dump(out))
				}
				s0 := rs[0].Components[0].(discordgo.SelectMenu)
				s1 := rs[1].Components[0].(discordgo.SelectMenu)
				if len(s0.Options) != 25 || len(s1.Options) != 1 || s0.Placeholder != "Pick" || s0.CustomID != SelectID || s1.CustomID != SelectID+"~2" {
					t.Fatalf("got %s", dump(out))
				}
				if s0.Options[0].Value != "tok1" || s1.Options[0].Value != "tok26" {
					t.Fatalf("option values are not the tokens: %s", dump(out))
				}
			}},
		{"200 choices spill over two messages", F.Message{Blocks: []F.Block{&F.Buttons{Items: tokButtons(200, "C")}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if len(out) != 2 || len(out[0].Components) != 5 || len(out[1].Components) != 3 {
					t.Fatalf("got %d messages", len(out))
				}
				if out[1].Content != "" {
					t.Fatalf("spilled menus carry content %q", out[1].Content)
				}
			}},
		{"buttons that do not fit the free rows become a select", F.Message{Blocks: []F.Block{
			&F.Buttons{Items: tokButtons(20, "A")}, &F.Buttons{Items: tokButtons(10, "B")}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				rs := rows(t, out[0])
				if len(out) != 1 || len(rs) != 5 {
					t.Fatalf("got %s", dump(out))
				}
				if _, ok := rs[4].Components[0].(discordgo.SelectMenu); !ok {
					t.Fatalf("row 5 is %T", rs[4].Components[0])
				}
			}},
		{"full rows start a new message", F.Message{Blocks: []F.Block{
			&F.Buttons{Items: tokButtons(25, "A")}, &F.Buttons{Items: tokButtons(3, "B")}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if len(out) != 2 || len(out[1].Components) != 1 {
					t.Fatalf("got %s", dump(out))
				}
			}},
		{"columns hint", F.Message{Blocks: []F.Block{&F.Buttons{Items: tokButtons(6, "A"), Columns: 2}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if rs := rows(t, out[0]); len(rs) != 3 || len(rs[0].Components) != 2 {
					t.Fatalf("got %s", dump(out))
				}
			}},
		{"columns hint yields to fitting", F.Message{Blocks: []F.Block{&F.Buttons{Items: tokButtons(10, "A"), Columns: 1}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if rs := rows(t, out[0]); len(rs) != 2 {
					t.Fatalf("got %s", dump(out))
				}
			}},
		{"paging buttons sit on the last message", F.Message{Blocks: []F.Block{&F.Products{Page: 1, Pages: 4,
			Items: productCards(12), Next: &F.Button{Label: "Next", Token: "next"}}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				if len(out) != 2 || len(out[0].Components) != 0 || len(out[1].Components) != 1 {
					t.Fatalf("got %d messages", len(out))
				}
				r := rows(t, out[1])[0]
				ind := r.Components[0].(discordgo.Button)
				if ind.Label != "1/4" || !ind.Disabled || r.Components[1].(discordgo.Button).CustomID != "next" {
					t.Fatalf("paging row %s", dump(r))
				}
			}},
		{"token over 100 characters is disabled, not dropped", F.Message{Blocks: []F.Block{&F.Buttons{Items: []F.Button{{Label: "Long", Token: strings.Repeat("t", 101)}}}}},
			func(t *testing.T, out []*discordgo.MessageSend) {
				b := rows(t, out[0])[0].Components[0].(discordgo.Button)
				if !b.Disabled || b.Label != "Long" || ClickToken(b.CustomID, nil) != "" {
					t.Fatalf("got %s", dump(b))
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, renderValid(t, tc.m)) })
	}
}

func fields(n int) []F.Field {
	var out []F.Field
	for i := 1; i <= n; i++ {
		out = append(out, F.Field{Label: "F" + itoa(i), Value: F.Rich{para(txt("v" + itoa(i)))}})
	}
	return out
}

func productCards(n int) []F.Card {
	var out []F.Card
	for i := 1; i <= n; i++ {
		out = append(out, F.Card{Title: "Product " + itoa(i), URL: "https://shop.example.com/" + itoa(i)})
	}
	return out
}

func TestRenderLabels(t *testing.T) {
	out := renderValid(t, F.Message{Blocks: []F.Block{&F.Buttons{Items: []F.Button{
		{Label: strings.Repeat("長", 100), Token: "a"},
		{Label: "line\nbreak", Token: "b"},
		{Label: "🙂", Token: "c"},
	}}}})
	bs := rows(t, out[0])[0].Components
	if l := bs[0].(discordgo.Button).Label; runes(l) != 80 || !strings.HasSuffix(l, ellipsis) {
		t.Errorf("long label %q (%d runes)", l, runes(l))
	}
	if l := bs[1].(discordgo.Button).Label; l != "line break" {
		t.Errorf("multi-line label %q", l)
	}
	if l := bs[2].(discordgo.Button).Label; l != "🙂" {
		t.Errorf("emoji label %q", l)
	}
	sel := renderValid(t, F.Message{Blocks: []F.Block{&F.Select{Options: []F.Button{{Label: strings.Repeat("x", 150), Token: "a"}}}}})
	o := rows(t, sel[0])[0].Components[0].(discordgo.SelectMenu).Options[0]
	if runes(o.Label) != 100 || o.Description != ellipsis+strings.Repeat("x", 51) {
		t.Errorf("long option label %q / description %q", o.Label, o.Description)
	}
}

func TestClickToken(t *testing.T) {
	tests := []struct {
		id     string
		values []string
		want   string
	}{
		{"abc", nil, "abc"},
		{"abc~2", nil, "abc"},
		{"abc~x", nil, "abc~x"},
		{"~2", nil, "~2"},
		{SelectID, []string{"tok"}, "tok"},
		{SelectID + "~3", []string{"tok~4"}, "tok"},
		{SelectID, nil, ""},
		{SelectID, []string{NoopID + "~2"}, ""},
		{NoopID + "~5", nil, ""},
	}
	for _, tc := range tests {
		if got := ClickToken(tc.id, tc.values); got != tc.want {
			t.Errorf("ClickToken(%q, %q) = %q, want %q", tc.id, tc.values, got, tc.want)
		}
	}
}

func TestRenderDataURLs(t *testing.T) {
	data := "data:audio/mp3;base64," + strings.Repeat("QUFB", 50000)
	out := renderValid(t, F.Message{Blocks: []F.Block{
		&F.Audio{URL: data, Caption: "Greeting"},
		&F.File{URL: data},
		&F.Image{URL: data, Alt: "Chart"},
		text(para(link("inline", data))),
	}})
	if len(out) != 1 || strings.Contains(out[0].Content, "QUFB") {
		t.Fatalf("data URL printed: %d messages, %d runes", len(out), runes(allContent(out)))
	}
	want := "Greeting\n\n📎 …\n\n🖼️ Chart\n\ninline"
	if out[0].Content != want {
		t.Fatalf("got %q, want %q", out[0].Content, want)
	}
}
