package slackfmt

import (
	"strings"
	"testing"

	f "github.com/kmbridge/kmbridge/formatting"
)

// typicalAnswer is a usual KM answer: ~2 KB of rich text, five suggested
// questions and the rating buttons.
func typicalAnswer() f.Message {
	sentence := []f.Span{
		s("To change your plan, open "), {Text: "Settings › Billing", Marks: f.Bold},
		s(" and choose a new plan; the "), {Text: "difference", Marks: f.Italic},
		s(" is charged at once (see "), {Text: "pricing", Link: "https://example.com/pricing?ref=kb&lang=en"},
		s("). 中文说明：请在设置中更改套餐。 "),
	}
	var rich f.Rich
	rich = append(rich, &f.Heading{Level: 2, Spans: []f.Span{s("Changing your plan")}})
	for range 9 {
		rich = append(rich, p(sentence...))
	}
	rich = append(rich, &f.List{Ordered: true, Items: []f.Rich{
		{p(s("Open "), f.Span{Text: "Settings", Marks: f.Code})},
		{p(s("Pick a plan & confirm"))},
		{p(s("Check the invoice in your mailbox"))},
	}})
	var related []f.Button
	for _, q := range []string{"How do I cancel?", "Can I get a refund?", "Where is my invoice?", "How do I add a seat?", "什么是企业版？"} {
		related = append(related, f.Button{Label: q, Token: "tok" + strings.Repeat("x", 18)})
	}
	for i := range related {
		related[i].Token = related[i].Token[:20] + string(rune('a'+i))
	}
	return f.Message{Blocks: []f.Block{
		&f.Text{Rich: rich},
		&f.Buttons{Title: "Related questions", Items: related},
		&f.Buttons{Title: "Was this answer helpful?", Items: []f.Button{{Label: "👍 Helpful", Token: "rate-up", Style: f.StylePrimary}, {Label: "👎 Not helpful", Token: "rate-down"}}},
	}}
}

func TestTypicalAnswerSize(t *testing.T) {
	msgs := render(t, typicalAnswer())
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	mrk, _ := texts(msgs)
	if n := len(mrk[0]); n < 1800 || n > 3000 {
		t.Errorf("the typical answer should be about 2 KB of text, is %d bytes", n)
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
	msgs := Render(typicalAnswer())
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range msgs {
			if err := Validate(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}
