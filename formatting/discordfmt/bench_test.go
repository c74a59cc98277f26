package discordfmt

import (
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	F "github.com/kmbridge/kmbridge/formatting"
)

// typicalAnswer is a KM answer as users usually get it: about 2 KB of rich text
// (heading, paragraphs with marks and links, a list), five suggested questions
// and the two rating buttons.
func typicalAnswer() F.Message {
	var blocks []F.RichBlock
	blocks = append(blocks, &F.Heading{Level: 2, Spans: []F.Span{txt("Changing your plan")}})
	for i := 0; i < 6; i++ {
		blocks = append(blocks, para(
			txt("You can change your plan at any time from "), bold("Settings › Billing"),
			txt(". The new price applies from the next billing cycle; "), marked("no refund", F.Italic),
			txt(" is made for the current one. See "), link("the billing guide", "https://help.example.com/billing"),
			txt(" for details, or contact support if the option is greyed out. "),
		))
	}
	blocks = append(blocks, &F.List{Ordered: true, Items: []F.Rich{
		{para(txt("Open Settings"))}, {para(txt("Choose "), bold("Billing"))}, {para(txt("Pick a plan and confirm"))},
	}})
	var suggested []F.Button
	for i := 1; i <= 5; i++ {
		suggested = append(suggested, F.Button{Label: "Related question number " + itoa(i) + "?", Token: "sugg" + itoa(i) + "AbCdEfGhIjKlMn"})
	}
	return F.Message{Blocks: []F.Block{
		text(blocks...),
		&F.Buttons{Title: "Related questions", Items: suggested},
		&F.Buttons{Title: "Was this helpful?", Items: []F.Button{{Label: "👍", Token: "rateUpAbCdEfGhIjKlMnOp"}, {Label: "👎", Token: "rateDnAbCdEfGhIjKlMnOp"}}},
	}}
}

func TestTypicalAnswer(t *testing.T) {
	out := renderValid(t, typicalAnswer())
	// The related questions become a menu above the rating buttons, whose title
	// ends the content: one message.
	if len(out) != 1 {
		t.Fatalf("typical answer took %d messages: %s", len(out), dump(out))
	}
	if n := runes(out[0].Content); n < 1700 || n > MaxContent {
		t.Fatalf("content %d runes; the benchmark should render about 2 KB", n)
	}
	rs := rows(t, out[0])
	if !strings.HasSuffix(out[0].Content, "**Was this helpful?**") || len(rs) != 2 {
		t.Fatalf("got %s", dump(out))
	}
	if m, ok := rs[0].Components[0].(discordgo.SelectMenu); !ok || m.Placeholder != "Related questions" || len(m.Options) != 5 {
		t.Fatalf("row 1 is not the related questions menu: %s", dump(rs[0]))
	}
	if len(rs[1].Components) != 2 {
		t.Fatalf("row 2 is not the rating buttons: %s", dump(rs[1]))
	}
}

func BenchmarkRender(b *testing.B) {
	m := typicalAnswer()
	b.ReportAllocs()
	for b.Loop() {
		Render(m)
	}
}

func BenchmarkValidate(b *testing.B) {
	out := Render(typicalAnswer())
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range out {
			if err := Validate(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
