package tgfmt

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

// typical is a typical KM answer: rich text, suggested questions, rating buttons.
func typical() formatting.Message {
	var blocks formatting.Rich
	blocks = append(blocks, &formatting.Heading{Level: 2, Spans: []formatting.Span{s("How to reset your password")}})
	for i := 0; i < 6; i++ {
		blocks = append(blocks, para(
			s("To reset your password, open "), sm("Settings", formatting.Bold), s(" → "), sm("Account", formatting.Bold),
			s(" and choose "), link("Reset password", "https://help.example.com/reset?from=bot&step="+fmt.Sprint(i)),
			s(". You will get an e-mail within 5 minutes; if it doesn't arrive, check <spam> & try again."),
		))
	}
	blocks = append(blocks, &formatting.List{Items: []formatting.Rich{
		{para(s("Passwords need 8+ characters"))},
		{para(s("Use "), sm("letters", formatting.Italic), s(" and "), sm("digits", formatting.Code))},
	}})
	return formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: blocks},
		&formatting.Buttons{Title: "Related questions", Items: []formatting.Button{
			tokBtn("How do I change my e-mail address?", "tok1"),
			tokBtn("Why was my account locked?", "tok2"),
			tokBtn("How do I enable two-factor authentication?", "tok3"),
			tokBtn("Can I recover a deleted account?", "tok4"),
			tokBtn("Where can I see my login history?", "tok5"),
		}},
		&formatting.Buttons{Items: []formatting.Button{
			{Label: "👍", Token: "tok6", Style: formatting.StylePrimary},
			{Label: "👎", Token: "tok7", Style: formatting.StyleDanger},
		}},
	}}
}

var long65 = strings.Repeat("t", 65)

// cases are hand-built messages covering every block type; each has a golden file.
var cases = []struct {
	name string
	m    formatting.Message
}{
	{"typical", typical()},
	{"plain", formatting.Plain("Sorry, I did not understand <that> & will learn.")},
	{"image", msg(txt(s("See the picture:")), &formatting.Image{URL: "https://e.com/a.png", Alt: "diagram"})},
	{"image_link", msg(&formatting.Image{URL: "https://e.com/a.png", Alt: "Open the article", Link: "https://e.com/article"})},
	{"image_bad_url", msg(&formatting.Image{URL: "data:image/png;base64,AAAA", Alt: "inline picture"})},
	{"buttons_grid", msg(txt(s("Pick a size")), &formatting.Buttons{Columns: 3, Items: []formatting.Button{
		tokBtn("S", "t1"), tokBtn("M", "t2"), tokBtn("L", "t3"), tokBtn("XL", "t4"), tokBtn("XXL", "t5"),
	}})},
	{"buttons_columns_capped", msg(txt(s("Grid")), &formatting.Buttons{Columns: 12, Items: func() []formatting.Button {
		var bs []formatting.Button
		for i := 1; i <= 12; i++ {
			bs = append(bs, tokBtn(fmt.Sprint(i), fmt.Sprintf("t%d", i)))
		}
		return bs
	}()})},
	{"buttons_bad", msg(txt(s("Choose")), &formatting.Buttons{Items: []formatting.Button{
		tokBtn("Too long token", long65),
		tokBtn("", "tok1"),
		urlBtn("", "https://e.com/docs/guide.pdf"),
		urlBtn("Script", "javascript:alert(1)"),
		urlBtn("Mail", "mailto:a@e.com"),
		{Label: "Nothing"},
		tokBtn("Multi\nline   label", "tok2"),
	}})},
	{"buttons_alone", msg(&formatting.Buttons{Items: []formatting.Button{tokBtn("Yes", "y"), tokBtn("No", "n")}})},
	{"buttons_placeholder", msg(&formatting.Buttons{Placeholder: "Choose a topic", Items: []formatting.Button{tokBtn("Billing", "b")}})},
	{"buttons_150", msg(txt(s("Many")), &formatting.Buttons{Title: "All questions", Items: func() []formatting.Button {
		var bs []formatting.Button
		for i := 1; i <= 150; i++ {
			bs = append(bs, tokBtn(fmt.Sprintf("Question number %d about something", i), fmt.Sprintf("t%d", i)))
		}
		return bs
	}()})},
	{"select", msg(txt(s("Which city?")), &formatting.Select{Placeholder: "Choose a city", Options: []formatting.Button{
		tokBtn("北京", "c1"), tokBtn("上海", "c2"), tokBtn("東京", "c3"),
	}})},
	{"card", msg(&formatting.Card{
		Title: "Getting started", Subtitle: "5 min read", URL: "https://e.com/start", IconURL: "https://e.com/fav.ico",
		Body: formatting.Rich{para(s("Everything you need to know."))},
		Fields: []formatting.Field{
			{Label: "Author", Value: formatting.Rich{para(s("KM team"))}},
			{Label: "Updated", Value: formatting.Rich{para(sm("today", formatting.Italic))}},
			{Label: "Empty"},
		},
		Buttons: []formatting.Button{urlBtn("Open", "https://e.com/start"), tokBtn("Ask about it", "tok1")},
	})},
	{"card_image", msg(txt(s("Here is an article:")), &formatting.Card{
		Title: "Spring sale", URL: "https://e.com/sale", ImageURL: "https://e.com/sale.jpg",
		Body: formatting.Rich{para(s("Up to 50% off & free shipping."))},
	}, txt(s("Anything else?")))},
	{"products", msg(&formatting.Products{
		Title: "Our teas", Page: 2, Pages: 3,
		Items: []formatting.Card{
			{Title: "Green tea", URL: "https://e.com/green", ImageURL: "https://e.com/green.jpg",
				Fields: []formatting.Field{{Label: "Price", Value: formatting.Rich{para(sm("¥30", formatting.Bold))}}}},
			{Title: "Black tea", Body: formatting.Rich{para(s("No picture for this one."))},
				Buttons: []formatting.Button{tokBtn("Details", "d2")}},
			{Title: "Oolong", ImageURL: "https://e.com/oolong.jpg"},
		},
		Prev: &formatting.Button{Label: "◀ Prev", Token: "prev"},
		Next: &formatting.Button{Label: "Next ▶", Token: "next"},
	})},
	{"products_empty", msg(&formatting.Products{Title: "Nothing here", Page: 1, Pages: 1})},
	{"location", msg(txt(s("Visit us:")), &formatting.Location{Name: "HQ", Address: "1 Main St", Lat: 31.2304, Lng: 121.4737, HasCoords: true, MapURL: "https://maps.example.com/?q=1"})},
	{"location_nameless", msg(&formatting.Location{Lat: -33.86, Lng: 151.2, HasCoords: true})},
	{"location_no_coords", msg(&formatting.Location{Name: "Shop", Address: "2 High St <rear>", MapURL: "https://maps.example.com/?q=2&z=3"})},
	{"location_bad_coords", msg(&formatting.Location{Name: "Nowhere", Lat: 123, Lng: 0, HasCoords: true})},
	{"audio", msg(&formatting.Audio{URL: "https://e.com/a.mp3", Caption: "Listen to <this>"}, &formatting.Buttons{Items: []formatting.Button{tokBtn("Again", "a")}})},
	{"audio_long_caption", msg(&formatting.Audio{URL: "https://e.com/a.mp3", Caption: strings.Repeat("Long caption sentence. ", 60)})},
	{"files", msg(txt(s("Attachments:")), &formatting.File{Name: "manual.pdf", URL: "https://e.com/manual.pdf", Size: 1234567},
		&formatting.File{Name: "", URL: "https://e.com/files/price%20list.xlsx", Size: 2048},
		&formatting.File{Name: "notes.txt", URL: "https://e.com/n.txt"})},
	{"files_only", msg(&formatting.File{Name: "a.zip", URL: "https://e.com/a.zip", Size: 10 << 30},
		&formatting.File{Name: "b.zip", URL: "https://e.com/b.zip", Size: 999})},
	{"file_bad_url", msg(&formatting.File{Name: "secret.exe", URL: "file:///etc/passwd", Size: 1})},
	{"divider", msg(&formatting.Divider{}, txt(s("one")), &formatting.Divider{}, txt(s("two")), &formatting.Divider{},
		&formatting.Image{URL: "https://e.com/x.png"}, &formatting.Divider{})},
	{"hints", formatting.Message{
		Blocks: []formatting.Block{txt(s("What next?")), &formatting.Buttons{Items: []formatting.Button{tokBtn("Inline", "i1")}}, txt(s("Or pick below."))},
		InputHints: []formatting.Button{
			tokBtn("Order status", "h1"), tokBtn("Refund", "h2"), tokBtn("Refund", "h3"), tokBtn("Refund (2)", "h4"),
			tokBtn(" Talk to a human ", "h5"), urlBtn("Website", "https://e.com"), tokBtn("", "h6"),
		},
	}},
	{"hints_only", formatting.Message{InputHints: []formatting.Button{tokBtn("Yes", "y"), tokBtn("No", "n")}}},
	{"hints_after_keyboard", formatting.Message{
		Blocks:     []formatting.Block{txt(s("Rate me")), &formatting.Buttons{Items: []formatting.Button{tokBtn("👍", "u"), tokBtn("👎", "d")}}},
		InputHints: []formatting.Button{tokBtn("Menu", "m")},
	}},
	{"rich_mix", msg(rich(
		&formatting.Heading{Level: 1, Spans: []formatting.Span{s("Release notes")}},
		para(s("Line one"), s("\n"), s("line two with "), sm("strike", formatting.Strike), s(" and "), sm("under", formatting.Underline)),
		&formatting.Quote{Body: formatting.Rich{para(s("A wise quote")), &formatting.List{Items: []formatting.Rich{{para(s("inside"))}}}}},
		&formatting.CodeBlock{Lang: "sh", Code: "echo 'hi' > /tmp/x\n"},
		&formatting.Table{Header: true, Rows: [][][]formatting.Span{{{s("k")}, {s("v")}}, {{s("a")}, {s("1")}}}},
		&formatting.Rule{},
		para(s("bye")),
	))},
	// An agent's reply relayed from another platform (the hand-over): its
	// name in bold, then the formatting the agent used, parsed from Slack
	// mrkdwn or Discord markdown into the neutral model, then a file link.
	{"relayed_agent_reply", msg(
		rich(para(sm("Bob (agent)", formatting.Bold), s(" "), s("Please "), sm("restart", formatting.Bold), s(" the "),
			sm("VPN client", formatting.Italic), s(" and run "), sm("ipconfig /flushdns", formatting.Code), s(".")),
			&formatting.List{Ordered: true, Items: []formatting.Rich{
				{para(s("Open "), link("the portal", "https://portal.example.com/vpn?a=1&b=<2>"))},
				{para(sm("Sign in", formatting.Underline), s(" again; "), sm("old password", formatting.Strike))}}},
			&formatting.Quote{Body: formatting.Rich{para(s("It says <error 809> & stops"))}},
			&formatting.CodeBlock{Code: "netsh winsock reset"}),
		rich(&formatting.List{Items: []formatting.Rich{{para(link("screenshot.png", "https://bridge.example.com/slack/file/abc"), s(" (12 KB)"))}}}),
	)},
	{"empty_blocks", msg(nil, (*formatting.Text)(nil), &formatting.Text{}, txt(s("   ")), rich(&formatting.CodeBlock{}), &formatting.Buttons{}, (*formatting.Card)(nil))},
}

func TestRenderGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, c.name, render(t, c.m))
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	if got := Render(formatting.Message{}); len(got) != 0 {
		t.Errorf("empty message rendered as:\n%s", dump(got))
	}
	if got := render(t, cases[len(cases)-1].m); len(got) != 0 {
		t.Errorf("blank blocks rendered as:\n%s", dump(got))
	}
}

func TestButtonsAttachToLastMessageOfTheirBlock(t *testing.T) {
	m := msg(txt(s("first")), &formatting.Image{URL: "https://e.com/p.png"}, txt(s("second")),
		&formatting.Buttons{Items: []formatting.Button{tokBtn("A", "a")}}, txt(s("third")))
	msgs := render(t, m)
	if len(msgs) != 4 {
		t.Fatalf("got:\n%s", dump(msgs))
	}
	if msgs[2].Text != "second" || msgs[2].InlineKeyboard == nil || msgs[3].InlineKeyboard != nil {
		t.Errorf("keyboard on the wrong message:\n%s", dump(msgs))
	}
}

func TestTooManyButtons(t *testing.T) {
	var items []formatting.Button
	for i := 0; i < 250; i++ {
		items = append(items, tokBtn(fmt.Sprint(i), fmt.Sprintf("t%d", i)))
	}
	msgs := render(t, msg(txt(s("x")), &formatting.Buttons{Columns: 8, Items: items}))
	total := 0
	for _, m := range msgs {
		n := countButtons(m.InlineKeyboard)
		if n > MaxInlineButtons {
			t.Errorf("%d buttons on one message", n)
		}
		total += n
	}
	if total != 250 || len(msgs) != 3 {
		t.Errorf("%d buttons over %d messages, want 250 over 3", total, len(msgs))
	}
}

func TestLongTokenBecomesText(t *testing.T) {
	msgs := render(t, msg(&formatting.Buttons{Items: []formatting.Button{tokBtn("Keep me", long65), tokBtn("ok", strings.Repeat("k", 64))}}))
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Keep me") || countButtons(msgs[0].InlineKeyboard) != 1 {
		t.Errorf("got:\n%s", dump(msgs))
	}
}

func TestReplyKeyboardDuplicates(t *testing.T) {
	tests := []struct {
		labels []string
		want   []string
	}{
		{[]string{"A", "B"}, []string{"A", "B"}},
		{[]string{"A", "A", "A"}, []string{"A", "A (2)", "A (3)"}},
		{[]string{"A", "A (2)", "A"}, []string{"A", "A (2)", "A (3)"}},
		{[]string{" A ", "A", "A\n"}, []string{"A", "A (2)", "A (3)"}},
		{[]string{"", "", "•"}, []string{"•", "• (2)", "• (3)"}},
	}
	for _, tt := range tests {
		var hints []formatting.Button
		for i, l := range tt.labels {
			hints = append(hints, tokBtn(l, fmt.Sprintf("tok%d", i)))
		}
		msgs := render(t, formatting.Message{InputHints: hints})
		m := msgs[len(msgs)-1]
		var got []string
		for _, row := range m.ReplyKeyboard.Keyboard {
			for _, b := range row {
				got = append(got, b.Text)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: got %q, want %q", tt.labels, got, tt.want)
		}
		for i, l := range tt.want {
			if m.ReplyTokens[l] != fmt.Sprintf("tok%d", i) {
				t.Errorf("%q maps to %q", l, m.ReplyTokens[l])
			}
		}
		if !m.ReplyKeyboard.OneTimeKeyboard || !m.ReplyKeyboard.ResizeKeyboard {
			t.Errorf("reply keyboard must be one-time and resized")
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{
		1: "1 B", 1023: "1023 B", 1024: "1 KB", 1536: "1.5 KB", 10 * 1024: "10 KB", 1234567: "1.2 MB",
		5 << 30: "5 GB", math.MaxInt64: "8 EB",
	} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
