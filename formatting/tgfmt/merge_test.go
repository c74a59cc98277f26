package tgfmt

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// sampleCategories are six FAQ categories like the simulator's sample KB.
var sampleCategories = []struct {
	name string
	qs   []string
}{
	{"Accounts & passwords", []string{"How do I reset my password?", "How do I set up multi-factor authentication?", "My account is locked"}},
	{"Network & VPN", []string{"What is the Wi-Fi password?", "How do I connect to the VPN?", "My VPN is not working"}},
	{"Devices & printing", []string{"I have a laptop problem", "My laptop won't turn on", "How do I set up the printer?", "What laptops can I order?"}},
	{"Leave & pay", []string{"How do I request leave?", "Which leave types are there?", "There is an error on my payslip", "How do I submit an expense claim?"}},
	{"Workplace", []string{"What is the office address?", "Show me the office floor plan", "Is there a gym?"}},
	{"Onboarding", []string{"What do I need on my first day?", "How do I get my badge?"}},
}

// welcomeInit is an initClient answer with the six categories and two shortcuts.
func welcomeInit() *kmclient.InitClientResponse {
	m := &kmclient.CommonQuestionModel{ID: 108, ShortcutEntryList: []kmclient.ShortcutEntry{
		{Type: kmclient.ShortcutText, Name: "Reset password", Content: "How do I reset my password?"},
		{Type: kmclient.ShortcutLink, Name: "IT service portal", Content: "https://it.example.com/portal"},
	}}
	id := int64(1000)
	for i, c := range sampleCategories {
		qc := kmclient.QuestionCategory{ID: kmclient.ID(76 + i), Name: c.name}
		for _, q := range c.qs {
			id++
			qc.QuestionList = append(qc.QuestionList, kmclient.Question{ID: kmclient.ID(id), Content: kmclient.Text(q), Type: 1})
		}
		m.CommonQuestionCategoryList = append(m.CommonQuestionCategoryList, qc)
	}
	return &kmclient.InitClientResponse{SessionID: 9, LogID: 77,
		WelcomeMessage: "Hi! I'm the <b>Example Corp</b> helpdesk bot.", LeadingWord: "Popular topics", CommonQuestionModel: m}
}

func welcomeMessage() formatting.Message {
	o, _ := fmttest.Options(i18n.Printer{})
	return formatting.Welcome(welcomeInit(), o)
}

func faqMessage() formatting.Message {
	o, _ := fmttest.Options(i18n.Printer{})
	return formatting.Categories("Frequently asked questions", welcomeInit().CommonQuestionModel.CommonQuestionCategoryList, o)
}

// groupsOf makes n titled groups of k token buttons: "Group i", tokens "g<i>b<j>".
func groupsOf(n, k int) []formatting.Block {
	var out []formatting.Block
	for i := 1; i <= n; i++ {
		g := &formatting.Buttons{Title: fmt.Sprintf("Group %d", i)}
		for j := 1; j <= k; j++ {
			g.Items = append(g.Items, tokBtn(fmt.Sprintf("Question %d.%d about something", i, j), fmt.Sprintf("g%db%d", i, j)))
		}
		out = append(out, g)
	}
	return out
}

func withLead(lead string, blocks []formatting.Block) formatting.Message {
	return msg(append([]formatting.Block{txt(s(lead))}, blocks...)...)
}

var mergeCases = []struct {
	name string
	m    formatting.Message
}{
	{"run_welcome", welcomeMessage()},
	{"run_faq", faqMessage()},
	{"run_no_text", msg(groupsOf(3, 2)...)},
	{"run_split", withLead("All topics", groupsOf(15, 8))},
	{"run_big_group", withLead("Lead", []formatting.Block{
		groupsOf(1, 5)[0],
		&formatting.Buttons{Title: "Big", Placeholder: "Choose a question", Items: groupsOf(1, 150)[0].(*formatting.Buttons).Items},
		groupsOf(1, 3)[0],
	})},
	{"run_mixed", formatting.Message{
		Blocks: []formatting.Block{
			txt(s("Pick one")),
			&formatting.Buttons{Items: []formatting.Button{tokBtn("Untitled first", "u1")}},
			&formatting.Buttons{Title: "Links", Items: []formatting.Button{urlBtn("Docs", "https://e.com/docs"), urlBtn("Bad", "javascript:x"), tokBtn("Ask", "a1")}},
			&formatting.Buttons{Title: "Empty"},
			&formatting.Buttons{Title: "Grid", Columns: 3, Items: []formatting.Button{tokBtn("1", "n1"), tokBtn("2", "n2"), tokBtn("3", "n3"), tokBtn("4", "n4")}},
			&formatting.Buttons{Items: []formatting.Button{tokBtn("👍", "up"), tokBtn("👎", "down")}},
			txt(s("after")),
		},
		InputHints: []formatting.Button{tokBtn("Menu", "m")},
	}},
}

func TestMergeGolden(t *testing.T) {
	for _, c := range mergeCases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, c.name, render(t, c.m))
		})
	}
}

// header is a header row's title ("" when row is not a header row).
func header(row []string, data []string) string {
	if len(row) == 1 && data[0] == NoopData {
		return strings.TrimPrefix(row[0], headerMark)
	}
	return ""
}

// kbRows returns a message's keyboard as labels and callback data ("" for URL
// buttons), row by row.
func kbRows(m Msg) (labels, data [][]string) {
	if m.InlineKeyboard == nil {
		return nil, nil
	}
	for _, row := range m.InlineKeyboard.InlineKeyboard {
		var l, d []string
		for _, b := range row {
			l = append(l, b.Text)
			cd := ""
			if b.CallbackData != nil {
				cd = *b.CallbackData
			}
			d = append(d, cd)
		}
		labels, data = append(labels, l), append(data, d)
	}
	return labels, data
}

// shape describes each message: its group titles in keyboard order ("*" a
// group introduced by the text, not a header) and button count.
func shape(msgs []Msg) []string {
	var out []string
	for _, m := range msgs {
		labels, data := kbRows(m)
		var groups []string
		n := 0
		for i := range labels {
			n += len(labels[i])
			if h := header(labels[i], data[i]); h != "" {
				groups = append(groups, h)
			} else if len(groups) == 0 {
				groups = append(groups, "*")
			}
		}
		out = append(out, fmt.Sprintf("%d:%s", n, strings.Join(groups, ",")))
	}
	return out
}

func TestMergeRuns(t *testing.T) {
	catNames := func() []string {
		var out []string
		for _, c := range sampleCategories {
			out = append(out, c.name)
		}
		return out
	}()
	groupRange := func(a, b int) string {
		var out []string
		for i := a; i <= b; i++ {
			out = append(out, fmt.Sprintf("Group %d", i))
		}
		return strings.Join(out, ",")
	}
	tests := []struct {
		name  string
		m     formatting.Message
		texts []string // each message's text
		shape []string
	}{
		{"welcome: six categories and shortcuts in one message", welcomeMessage(),
			[]string{"Hi! I'm the <b>Example Corp</b> helpdesk bot.\n\n<b>Popular topics</b>"},
			// 19 questions + 6 headers + 2 shortcuts; the shortcuts (untitled) follow the last category.
			[]string{"27:" + strings.Join(catNames, ",")}},
		{"faq command", faqMessage(),
			[]string{"<b>Frequently asked questions</b>"},
			[]string{"25:" + strings.Join(catNames, ",")}},
		{"no text: the first title is the text", msg(groupsOf(3, 2)...),
			[]string{"<b>Group 1</b>"},
			[]string{"8:*,Group 2,Group 3"}},
		{"15×8 with text: split at group boundaries", withLead("All topics", groupsOf(15, 8)),
			[]string{"All topics", "<b>Group 12</b>"},
			[]string{"99:" + groupRange(1, 11), "35:*," + groupRange(13, 15)}},
		{"15×8 without text", msg(groupsOf(15, 8)...),
			[]string{"<b>Group 1</b>", "<b>Group 12</b>"},
			[]string{"98:*," + groupRange(2, 11), "35:*," + groupRange(13, 15)}},
		{"a group too big for one message is cut", mergeCases[4].m,
			[]string{"Lead", "<b>Big</b>", "Choose a question", "<b>Group 1</b>"},
			[]string{"6:Group 1", "100:*", "50:*", "3:*"}},
		{"one titled group renders as before", withLead("Lead", groupsOf(1, 3)),
			[]string{"Lead\n\n<b>Group 1</b>"},
			[]string{"3:*"}},
		{"one titled group and an untitled one render as before", withLead("Lead", append(groupsOf(1, 3),
			&formatting.Buttons{Items: []formatting.Button{tokBtn("👍", "up")}})),
			[]string{"Lead\n\n<b>Group 1</b>"},
			[]string{"4:*"}},
		{"a divider ends the run", msg(groupsOf(1, 2)[0], &formatting.Divider{}, groupsOf(1, 2)[0]),
			[]string{"<b>Group 1</b>", "<b>Group 1</b>"},
			[]string{"2:*", "2:*"}},
		{"nil blocks do not end a run", msg(groupsOf(1, 2)[0], nil, (*formatting.Buttons)(nil), groupsOf(2, 2)[1]),
			[]string{"<b>Group 1</b>"},
			[]string{"5:*,Group 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := render(t, tt.m)
			var texts []string
			for _, m := range msgs {
				texts = append(texts, m.Text)
			}
			if strings.Join(texts, "\n---\n") != strings.Join(tt.texts, "\n---\n") {
				t.Errorf("texts = %q, want %q", texts, tt.texts)
			}
			if got := shape(msgs); strings.Join(got, " | ") != strings.Join(tt.shape, " | ") {
				t.Errorf("shape = %q, want %q\n%s", got, tt.shape, dump(msgs))
			}
			checkHeaders(t, msgs)
		})
	}
}

// checkHeaders checks every header row: alone on its row, headerMark and a
// title, and followed by that group's buttons.
func checkHeaders(t testing.TB, msgs []Msg) {
	t.Helper()
	for i, m := range msgs {
		labels, data := kbRows(m)
		for r := range labels {
			for c := range data[r] {
				if data[r][c] != NoopData {
					continue
				}
				if len(labels[r]) != 1 || !strings.HasPrefix(labels[r][0], headerMark) || isBlank(strings.TrimPrefix(labels[r][0], headerMark)) {
					t.Errorf("message %d row %d: bad header row %q", i+1, r+1, labels[r])
				}
				if r+1 == len(labels) || header(labels[r+1], data[r+1]) != "" {
					t.Errorf("message %d row %d: header %q introduces no buttons", i+1, r+1, labels[r])
				}
			}
		}
	}
}

// The welcome went out as one message per category; now it is one.
func TestWelcomeMessageCount(t *testing.T) {
	msgs := render(t, welcomeMessage())
	if len(msgs) != 1 {
		t.Fatalf("welcome = %d messages, want 1:\n%s", len(msgs), dump(msgs))
	}
	for _, c := range sampleCategories {
		if strings.Contains(msgs[0].Text, c.name) {
			t.Errorf("category %q listed in the text; it belongs on a header row", c.name)
		}
	}
}

func TestNoopDataIsValid(t *testing.T) {
	if len(NoopData) < 1 || len(NoopData) > MaxCallbackData || !strings.Contains(NoopData, ":") {
		t.Fatalf("NoopData %q must be valid callback_data and never base64url", NoopData)
	}
	d := NoopData
	kb := appendRows(nil, [][]btn{{{label: headerMark + "Title", data: d}}, {{label: "q", data: "tok"}}})
	if err := Validate(Msg{Method: MethodSendMessage, Text: "x", InlineKeyboard: kb}); err != nil {
		t.Fatal(err)
	}
}

// A message made only to carry buttons repeats a title or placeholder; one too
// long for a message gives way to carrierText instead of an invalid message.
func TestLongCarrier(t *testing.T) {
	long := strings.Repeat("placeholder ", 400)
	big := &formatting.Buttons{Placeholder: long, Items: groupsOf(1, 150)[0].(*formatting.Buttons).Items}
	tests := []struct {
		name    string
		m       formatting.Message
		buttons int
	}{
		{"spill of one group", msg(txt(s("x")), big), 150},
		{"untitled first of a run", msg(big, groupsOf(2, 1)[0], groupsOf(2, 1)[1]), 152},
	}
	for _, tt := range tests {
		msgs := render(t, tt.m)
		if got := renderedButtons(msgs); len(got) != tt.buttons {
			t.Errorf("%s: %d buttons, want %d", tt.name, len(got), tt.buttons)
		}
		for _, m := range msgs {
			if strings.Contains(m.Text, "placeholder") {
				t.Errorf("%s: the long placeholder became a text:\n%s", tt.name, dump(msgs))
			}
		}
	}
}
