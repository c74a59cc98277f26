package slackfmt

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	f "github.com/kmbridge/kmbridge/formatting"
)

func TestRenderEmpty(t *testing.T) {
	if got := Render(f.Message{}); len(got) != 0 {
		t.Fatalf("empty message rendered as %d messages", len(got))
	}
	if got := Render(msg(txt(p(s("  \n "))))); len(got) != 0 {
		t.Fatalf("blank text rendered as %d messages", len(got))
	}
}

// longURL is longer than maxInlineURL: shown as text, not as a link.
var longURL = "https://ex.com/" + strings.Repeat("a", maxInlineURL)

// TestRenderInline checks the mrkdwn of one paragraph.
func TestRenderInline(t *testing.T) {
	tests := []struct {
		name  string
		spans []f.Span
		want  string
	}{
		{"bold", []f.Span{s("a "), {Text: "b", Marks: f.Bold}, s(" c")}, "a *b* c"},
		{"italic strike code", []f.Span{{Text: "i", Marks: f.Italic}, s(" "), {Text: "s", Marks: f.Strike}, s(" "), {Text: "c", Marks: f.Code}}, "_i_ ~s~ `c`"},
		{"nested marks", []f.Span{{Text: "x", Marks: f.Bold | f.Italic | f.Strike}}, "*_~x~_*"},
		{"underline has no mrkdwn", []f.Span{{Text: "u", Marks: f.Underline}}, "u"},
		{"spaces go outside markers", []f.Span{s("a"), {Text: " b ", Marks: f.Bold}, s("c")}, "a *b* c"},
		{"marker next to cjk gets zwsp", []f.Span{s("请"), {Text: "注意", Marks: f.Bold}, s("安全")}, "请\u200b*注意*\u200b安全"},
		{"adjacent styles", []f.Span{{Text: "a", Marks: f.Bold}, {Text: "b", Marks: f.Italic}}, "*a*\u200b_b_"},
		{"link", []f.Span{s("see "), {Text: "docs", Link: "https://ex.com/d?a=1&b=2"}}, "see <https://ex.com/d?a=1&amp;b=2|docs>"},
		{"bold link", []f.Span{{Text: "docs", Link: "https://ex.com", Marks: f.Bold}}, "*<https://ex.com|docs>*"},
		{"code link drops code", []f.Span{{Text: "x", Link: "https://ex.com", Marks: f.Code}}, "<https://ex.com|x>"},
		{"link label escaped", []f.Span{{Text: "<!here> *x*", Link: "https://ex.com"}}, "<https://ex.com|&lt;!here&gt; ∗x∗>"},
		{"empty label shows url", []f.Span{{Link: "https://ex.com/p"}}, "<https://ex.com/p>"},
		{"mailto", []f.Span{{Text: "mail", Link: "mailto:a@b.c"}}, "<mailto:a@b.c|mail>"},
		{"bad link scheme is text", []f.Span{{Text: "x", Link: "javascript:alert(1)"}}, "x"},
		{"bare url", []f.Span{s("go to https://ex.com/a_b_(c). Now")}, "go to <https://ex.com/a_b_(c)>. Now"},
		{"bare url in cjk", []f.Span{s("请访问https://ex.com/x。谢谢")}, "请访问<https://ex.com/x>。谢谢"},
		{"code escapes", []f.Span{{Text: "a`b<c>", Marks: f.Code}}, "`aˋb&lt;c&gt;`"},
		{"leading quote char", []f.Span{s("> not a quote")}, "\u00ad&gt; not a quote"},
		{"leading full-width quote", []f.Span{s("＞ no")}, "\u00ad＞ no"},
		{"hard break", []f.Span{s("a"), s("\n"), s("b")}, "a\nb"},
		// A URL too long for a link shows as text after its label; the next
		// span of the same style joins its run but must not continue the URL.
		{"url too long for a link, then text", []f.Span{{Text: "doc", Link: longURL}, s("0 more")}, "doc " + longURL + " 0 more"},
		{"url too long for a link, at the end", []f.Span{s("see "), {Text: "doc", Link: longURL}}, "see doc " + longURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(t, msg(txt(p(tt.spans...))))
			if len(msgs) != 1 || len(msgs[0].Blocks) != 1 {
				t.Fatalf("got %s", blockTypes(msgs))
			}
			sec := msgs[0].Blocks[0].(*slack.SectionBlock)
			if sec.Text.Text != tt.want {
				t.Errorf("got  %q\nwant %q", sec.Text.Text, tt.want)
			}
			if !sec.Text.Verbatim {
				t.Error("mrkdwn text must be verbatim so Slack does not parse mentions or link names")
			}
		})
	}
}

func TestRenderRichBlocks(t *testing.T) {
	tests := []struct {
		name string
		rich f.Rich
		want string
	}{
		{"paragraphs", f.Rich{p(s("a")), p(s("b"))}, "a\n\nb"},
		{"heading not first", f.Rich{p(s("a")), &f.Heading{Level: 2, Spans: []f.Span{s("H")}}}, "a\n\n*H*"},
		{"bullets nest", f.Rich{&f.List{Items: []f.Rich{
			{p(s("one"))},
			{p(s("two")), &f.List{Items: []f.Rich{{p(s("deep"))}}}},
		}}}, "• one\n• two\n  ◦ deep"},
		{"ordered from 3", f.Rich{&f.List{Ordered: true, Start: 3, Items: []f.Rich{{p(s("c"))}, {p(s("d"))}}}}, "3. c\n4. d"},
		{"list item paragraphs indent", f.Rich{&f.List{Ordered: true, Items: []f.Rich{{p(s("a")), p(s("a2"))}}}}, "1. a\n   a2"},
		{"empty item keeps number", f.Rich{&f.List{Ordered: true, Items: []f.Rich{{}, {p(s("b"))}}}}, "1.\n2. b"},
		{"quote", f.Rich{&f.Quote{Body: f.Rich{p(s("q1\nq2")), p(s("q3"))}}}, "> q1\n> q2\n>\n> q3"},
		{"code block", f.Rich{&f.CodeBlock{Lang: "go", Code: "x := `a` && b > c\n```\n"}}, "```\nx := `a` &amp;&amp; b &gt; c\n``ˋ\n```"},
		{"table", f.Rich{&f.Table{Header: true, Rows: [][][]f.Span{{{s("k")}, {s("v")}}, {{s("a")}, {s("b")}}}}}, "*k* | *v*\na | b"},
		{"blank lines trimmed", f.Rich{p(s("\n\na\n\n\nb\n"))}, "a\n\n\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(t, msg(&f.Text{Rich: tt.rich}))
			mrk, _ := texts(msgs)
			if got := strings.Join(mrk, "\n---\n"); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestRenderRuleAndLeadingHeading(t *testing.T) {
	msgs := render(t, msg(txt(&f.Heading{Level: 1, Spans: []f.Span{s("Title")}}, p(s("a")), &f.Rule{}, p(s("b")))))
	if got, want := blockTypes(msgs), "header section divider section"; got != want {
		t.Fatalf("blocks %q, want %q", got, want)
	}
	// A heading with a link, or not first in the message, stays a bold line.
	msgs = render(t, msg(txt(&f.Heading{Spans: []f.Span{{Text: "T", Link: "https://ex.com"}}})))
	if got := blockTypes(msgs); got != "section" {
		t.Errorf("linked heading: %q", got)
	}
	msgs = render(t, msg(&f.Divider{}, txt(&f.Heading{Spans: []f.Span{s("T")}})))
	if got := blockTypes(msgs); got != "divider section" {
		t.Errorf("later heading: %q", got)
	}
	long := strings.Repeat("h", 151)
	msgs = render(t, msg(txt(&f.Heading{Spans: []f.Span{s(long)}})))
	if got := blockTypes(msgs); got != "section" {
		t.Errorf("151-char heading: %q", got)
	}
}

func TestRenderContextText(t *testing.T) {
	msgs := render(t, msg(&f.Text{Context: true, Rich: f.Rich{p(s("small <@U1>"))}}))
	if got := blockTypes(msgs); got != "context" {
		t.Fatalf("blocks %q", got)
	}
	mrk, _ := texts(msgs)
	if mrk[0] != "small &lt;@U1&gt;" {
		t.Errorf("context text %q", mrk[0])
	}
}

func TestRenderImage(t *testing.T) {
	msgs := render(t, msg(&f.Image{URL: "https://ex.com/pics/cat.png", Link: "https://ex.com/cat"}))
	if got := blockTypes(msgs); got != "image context" {
		t.Fatalf("blocks %q", got)
	}
	im := msgs[0].Blocks[0].(*slack.ImageBlock)
	if im.AltText != "cat.png" || im.ImageURL != "https://ex.com/pics/cat.png" {
		t.Errorf("image %+v", im)
	}
	msgs = render(t, msg(&f.Image{URL: "https://ex.com/x.png", Alt: "A <b> cat"}))
	if im := msgs[0].Blocks[0].(*slack.ImageBlock); im.AltText != "A <b> cat" {
		t.Errorf("alt %q", im.AltText)
	}
	// Not http(s): Slack cannot show it; its alt text is kept.
	msgs = render(t, msg(&f.Image{URL: "data:image/png;base64,xx", Alt: "chart"}))
	if got := blockTypes(msgs); got != "context" {
		t.Errorf("data URL: %q", got)
	}
	if got := Render(msg(&f.Image{URL: "ftp://x/y.png"})); len(got) != 0 {
		t.Errorf("a non-web image without alt should render nothing, got %s", blockTypes(got))
	}
}

func TestRenderButtons(t *testing.T) {
	msgs := render(t, msg(&f.Buttons{Title: "Pick *one*", Items: []f.Button{
		{Label: "Yes", Token: "t1", Style: f.StylePrimary},
		{Label: "No", Token: "t2", Style: f.StyleDanger},
		{Label: "Same", Token: "t1"},
		{Label: "Docs", URL: "https://ex.com/docs"},
		{Label: "Call", URL: "tel:+123"},
		{Label: "Bad", URL: "javascript:x"},
		{Label: strings.Repeat("L", 100), Token: "t3"},
	}}))
	if got, want := blockTypes(msgs), "section actions context"; got != want {
		t.Fatalf("blocks %q, want %q", got, want)
	}
	els := msgs[0].Blocks[1].(*slack.ActionBlock).Elements.ElementSet
	if len(els) != 5 {
		t.Fatalf("%d buttons", len(els))
	}
	b := func(i int) *slack.ButtonBlockElement { return els[i].(*slack.ButtonBlockElement) }
	if b(0).ActionID != "t1" || b(0).Value != "t1" || b(0).Style != slack.StylePrimary {
		t.Errorf("button 0 %+v", b(0))
	}
	if b(1).Style != slack.StyleDanger {
		t.Errorf("button 1 style %q", b(1).Style)
	}
	if b(2).ActionID != "t1#2" || b(2).Value != "t1" {
		t.Errorf("repeated token: action_id %q value %q", b(2).ActionID, b(2).Value)
	}
	if b(3).URL != "https://ex.com/docs" || b(3).ActionID != "" || b(3).Value != "" {
		t.Errorf("link button %+v", b(3))
	}
	if l := b(4).Text.Text; utf8.RuneCountInString(l) != 75 || !strings.HasSuffix(l, "…") {
		t.Errorf("long label %q", l)
	}
	mrk, _ := texts(msgs)
	if mrk[0] != "Pick ∗one∗" {
		t.Errorf("title %q", mrk[0])
	}
	if ctx := mrk[1] + "|" + mrk[2]; ctx != "<tel:+123|Call>|Bad" {
		t.Errorf("buttons that cannot be buttons: %q", ctx)
	}
}

func tokButtons(n int) []f.Button {
	var bs []f.Button
	for i := range n {
		bs = append(bs, f.Button{Label: fmt.Sprintf("Question %d", i+1), Token: fmt.Sprintf("tok%d", i+1)})
	}
	return bs
}

func TestRenderButtonsSelectFallback(t *testing.T) {
	tests := []struct {
		n       int
		selects []int // options per select; nil = buttons
	}{
		{5, nil},
		{25, nil},
		{26, []int{26}},
		{100, []int{100}},
		{101, []int{100, 1}},
		{250, []int{100, 100, 50}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			items := append(tokButtons(tt.n), f.Button{Label: "Web", URL: "https://ex.com"})
			msgs := render(t, msg(&f.Buttons{Items: items, Placeholder: "Choose a question"}))
			var buttons, options []int
			ids := map[string]bool{}
			for _, m := range msgs {
				for _, b := range m.Blocks {
					for _, e := range b.(*slack.ActionBlock).Elements.ElementSet {
						switch e := e.(type) {
						case *slack.ButtonBlockElement:
							buttons = append(buttons, 1)
						case *slack.SelectBlockElement:
							options = append(options, len(e.Options))
							if e.Placeholder.Text != "Choose a question" {
								t.Errorf("placeholder %q", e.Placeholder.Text)
							}
							for _, o := range e.Options {
								if ids[o.Value] {
									t.Errorf("option value %q twice", o.Value)
								}
								ids[o.Value] = true
							}
						}
					}
				}
			}
			if tt.selects == nil {
				if len(buttons) != tt.n+1 || len(options) != 0 {
					t.Errorf("%d buttons, %d selects", len(buttons), len(options))
				}
				return
			}
			if fmt.Sprint(options) != fmt.Sprint(tt.selects) || len(buttons) != 1 {
				t.Errorf("selects %v (want %v), %d link buttons", options, tt.selects, len(buttons))
			}
		})
	}
}

func TestRenderSelect(t *testing.T) {
	msgs := render(t, msg(&f.Select{Options: []f.Button{
		{Label: "A", Token: "x"}, {Label: "B", Token: "x"}, {Label: "Site", URL: "https://ex.com"},
	}}))
	if got := blockTypes(msgs); got != "actions" {
		t.Fatalf("blocks %q", got)
	}
	els := msgs[0].Blocks[0].(*slack.ActionBlock).Elements.ElementSet
	sel := els[0].(*slack.SelectBlockElement)
	if sel.Placeholder.Text != "…" {
		t.Errorf("empty placeholder became %q", sel.Placeholder.Text)
	}
	if sel.Options[1].Value != "x#2" || Token(sel.Options[1].Value) != "x" {
		t.Errorf("repeated option value %q", sel.Options[1].Value)
	}
	if _, ok := els[1].(*slack.ButtonBlockElement); !ok {
		t.Errorf("link option should be a link button")
	}
}

func TestRenderInputHintsLast(t *testing.T) {
	m := msg(txt(p(s("answer"))), &f.Buttons{Items: tokButtons(2)})
	m.InputHints = []f.Button{{Label: "Human", Token: "h"}}
	msgs := render(t, m)
	if got := blockTypes(msgs); got != "section actions actions" {
		t.Fatalf("blocks %q", got)
	}
	last := msgs[0].Blocks[2].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.ButtonBlockElement)
	if last.Value != "h" {
		t.Errorf("input hint %+v", last)
	}
}

func TestRenderCard(t *testing.T) {
	card := &f.Card{
		Title: "Refund policy", URL: "https://ex.com/refund", Subtitle: "Updated 2024",
		ImageURL: "https://ex.com/r.png", IconURL: "https://ex.com/favicon.ico",
		Body:    f.Rich{p(s("Body text"))},
		Fields:  []f.Field{{Label: "Price", Value: f.Rich{p(s("$5"))}}, {Value: f.Rich{p(s("no label"))}}},
		Buttons: []f.Button{{Label: "Open", URL: "https://ex.com/refund"}, {Label: "Ask", Token: "a1"}},
	}
	msgs := render(t, msg(card))
	if got := blockTypes(msgs); got != "section actions" {
		t.Fatalf("blocks %q", got)
	}
	sec := msgs[0].Blocks[0].(*slack.SectionBlock)
	if want := "*<https://ex.com/refund|Refund policy>*\nUpdated 2024\nBody text"; sec.Text.Text != want {
		t.Errorf("text %q, want %q", sec.Text.Text, want)
	}
	if sec.Accessory == nil || *sec.Accessory.ImageElement.ImageURL != "https://ex.com/r.png" || sec.Accessory.ImageElement.AltText != "Refund policy" {
		t.Errorf("accessory %+v", sec.Accessory)
	}
	if len(sec.Fields) != 2 || sec.Fields[0].Text != "*Price*\n$5" || sec.Fields[1].Text != "no label" {
		t.Errorf("fields %+v", sec.Fields)
	}
	// Without a URL the title is a header; with only an icon, the icon is the thumbnail.
	msgs = render(t, msg(&f.Card{Title: "Plain", IconURL: "https://ex.com/i.ico", Body: f.Rich{p(s("b"))}}))
	if got := blockTypes(msgs); got != "header section" {
		t.Fatalf("blocks %q", got)
	}
	if acc := msgs[0].Blocks[1].(*slack.SectionBlock).Accessory; acc == nil || *acc.ImageElement.ImageURL != "https://ex.com/i.ico" {
		t.Errorf("icon accessory %+v", acc)
	}
	// An image with no text beside it becomes an image block.
	msgs = render(t, msg(&f.Card{Title: "Pic", ImageURL: "https://ex.com/p.png"}))
	if got := blockTypes(msgs); got != "header image" {
		t.Errorf("blocks %q", got)
	}
}

func TestRenderManyFields(t *testing.T) {
	var fields []f.Field
	for i := range 23 {
		fields = append(fields, f.Field{Label: fmt.Sprint("L", i), Value: f.Rich{p(s(strings.Repeat("v", 900)))}})
	}
	msgs := render(t, msg(&f.Card{Title: "T", URL: "https://ex.com", Fields: fields}))
	n := 0
	for _, m := range msgs {
		for _, b := range m.Blocks {
			n += len(b.(*slack.SectionBlock).Fields)
		}
	}
	if n != 23 {
		t.Errorf("%d fields rendered, want 23 (%s)", n, blockTypes(msgs))
	}
	// No text, a long image URL: the image's section still carries a field.
	long := "https://ex.com/" + strings.Repeat("i", 2900) + ".png"
	msgs = render(t, msg(&f.Card{ImageURL: long, Fields: fields[:3]}))
	if got := blockTypes(msgs); got != "section section" {
		t.Errorf("blocks %q", got)
	}
}

func TestRenderProducts(t *testing.T) {
	prev, next := &f.Button{Label: "‹", Token: "prev"}, &f.Button{Label: "›", Token: "next"}
	msgs := render(t, msg(&f.Products{
		Title: "Phones",
		Items: []f.Card{
			{Title: "P1", URL: "https://ex.com/p1", ImageURL: "https://ex.com/p1.png", Fields: []f.Field{{Value: f.Rich{p(f.Span{Text: "$10", Marks: f.Bold})}}}},
			{Title: "P2", Buttons: []f.Button{{Label: "Buy", Token: "buy2"}}},
		},
		Page: 2, Pages: 3, Prev: prev, Next: next,
	}))
	if got, want := blockTypes(msgs), "header section section actions context actions"; got != want {
		t.Fatalf("blocks %q, want %q", got, want)
	}
	if got := msgs[0].Blocks[4].(*slack.ContextBlock).ContextElements.Elements[0].(*slack.TextBlockObject).Text; got != "2/3" {
		t.Errorf("page %q", got)
	}
	sec := msgs[0].Blocks[1].(*slack.SectionBlock)
	if sec.Text.Text != "*<https://ex.com/p1|P1>*" || len(sec.Fields) != 1 || sec.Accessory == nil {
		t.Errorf("product section %+v", sec)
	}
}

func TestRenderLocationAudioFile(t *testing.T) {
	msgs := render(t, msg(&f.Location{Name: "HQ", Address: "1 Main St <b>", MapURL: "https://maps.example/?q=1,2", HasCoords: true, Lat: 1, Lng: 2}))
	sec := msgs[0].Blocks[0].(*slack.SectionBlock)
	if sec.Text.Text != "*HQ*\n1 Main St &lt;b&gt;" || sec.Accessory.ButtonElement.URL != "https://maps.example/?q=1,2" {
		t.Errorf("location %q %+v", sec.Text.Text, sec.Accessory)
	}
	msgs = render(t, msg(&f.Location{Address: "Somewhere", HasCoords: true, Lat: 35.5, Lng: 139.25}))
	if got := msgs[0].Blocks[0].(*slack.SectionBlock).Text.Text; got != "Somewhere\n35.5, 139.25" {
		t.Errorf("location without map %q", got)
	}

	msgs = render(t, msg(&f.Audio{URL: "https://ex.com/a.mp3", Caption: "Listen"}))
	if got := msgs[0].Blocks[0].(*slack.SectionBlock).Text.Text; got != "🔊 <https://ex.com/a.mp3|Listen>" {
		t.Errorf("audio %q", got)
	}
	msgs = render(t, msg(&f.Audio{URL: "https://ex.com/a.mp3"}))
	if got := msgs[0].Blocks[0].(*slack.SectionBlock).Text.Text; got != "🔊 <https://ex.com/a.mp3>" {
		t.Errorf("audio without caption %q", got)
	}

	msgs = render(t, msg(&f.File{Name: "guide_v2.pdf", URL: "https://ex.com/g.pdf", Size: 1536000}))
	if got := blockTypes(msgs); got != "context" {
		t.Fatalf("file blocks %q", got)
	}
	mrk, _ := texts(msgs)
	if mrk[0] != "📎 <https://ex.com/g.pdf|guide_v2.pdf> (1.5 MB)" {
		t.Errorf("file %q", mrk[0])
	}
	msgs = render(t, msg(&f.File{URL: "https://ex.com/files/report.xlsx"}))
	if mrk, _ := texts(msgs); mrk[0] != "📎 <https://ex.com/files/report.xlsx|report.xlsx>" {
		t.Errorf("file without name %q", mrk[0])
	}
}

func TestSizeString(t *testing.T) {
	for n, want := range map[int64]string{1: "1 B", 1023: "1023 B", 1024: "1.0 KB", 1536000: "1.5 MB", 5 << 30: "5.0 GB"} {
		if got := sizeString(n); got != want {
			t.Errorf("sizeString(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFallbackText(t *testing.T) {
	msgs := render(t, msg(&f.Divider{}, txt(p(s("Hello <!channel> "+strings.Repeat("word ", 100))))))
	tx := msgs[0].Text
	if !strings.HasPrefix(tx, "Hello &lt;!channel&gt; word") || !strings.HasSuffix(tx, "…") || lenU(unescape(tx)) > fallbackLen {
		t.Errorf("fallback %q", tx)
	}
	msgs = render(t, msg(&f.Divider{}))
	if msgs[0].Text != "…" {
		t.Errorf("fallback with no words %q", msgs[0].Text)
	}
}

// TestRenderReusesNothingItGaveOut renders every golden case once, then all of
// them again and again from several goroutines at once, and checks that each
// payload stays the same: the scratch a Render reuses (scratches) is never
// shared between Renders, and a message rendered earlier does not change when
// a later Render reuses the scratch it was made with.
func TestRenderReusesNothingItGaveOut(t *testing.T) {
	cases := goldenCases()
	cases["typical"] = typicalAnswer()
	first := map[string][]Msg{}
	want := map[string]string{}
	for name, m := range cases {
		first[name] = Render(m)
		want[name] = allPayloads(first[name])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(cases))
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				for name, m := range cases {
					if got := allPayloads(Render(m)); got != want[name] {
						errs <- name
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for name := range errs {
		t.Errorf("%s renders differently when Renders run at once", name)
	}
	for name, msgs := range first {
		if allPayloads(msgs) != want[name] {
			t.Errorf("%s changed after later Renders", name)
		}
	}
}

func allPayloads(msgs []Msg) string {
	var b strings.Builder
	for _, m := range msgs {
		b.Write(payload(m))
	}
	return b.String()
}
