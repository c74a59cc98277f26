package escalation_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// goldenCases are the cards kept under testdata: each reason in each language,
// and a few shapes (nothing known about the user, a long transcript, a reason
// this package does not know).
func goldenCases(t testing.TB) map[string]func() formatting.Message {
	cases := map[string]func() formatting.Message{}
	for _, lang := range i18n.Langs {
		p := printer(t, string(lang))
		for _, r := range reasons {
			cases[fmt.Sprintf("card_%s_%s", r, lang)] = func() formatting.Message {
				return escalation.Card(sample(r), p, escalation.CardOptions{})
			}
		}
		cases["card_minimal_"+string(lang)] = func() formatting.Message {
			return escalation.Card(minimal(), p, escalation.CardOptions{})
		}
	}
	en := printer(t, "en")
	cases["card_truncated_en"] = func() formatting.Message {
		return escalation.Card(long(42, 1000), en, escalation.CardOptions{MaxTurnRunes: 60, Location: tokyo(t)})
	}
	cases["card_other_reason_en"] = func() formatting.Message {
		return escalation.Card(sample("agent_busy"), en, escalation.CardOptions{})
	}
	// Case cards, in each state; tokens name the action so the golden shows them.
	tokens := func(a formatting.Action) string { return string(a.Kind) + "/" + a.Case }
	for name, c := range caseStates() {
		for _, lang := range []string{"en", "ja"} {
			p := printer(t, lang)
			cases["casecard_"+name+"_"+lang] = func() formatting.Message {
				return escalation.CaseCard(c, p, escalation.CardOptions{}, tokens)
			}
		}
	}
	cases["casestatus_resolved_en"] = func() formatting.Message {
		return escalation.CaseStatus(caseStates()["resolved"], en, escalation.CardOptions{}, tokens)
	}
	return cases
}

// caseStates are one case in each state, from a Japanese Telegram user; web
// is a web-chat user's, whose ids are the session cookie.
func caseStates() map[string]bridge.Case {
	e := sample(bridge.ReasonSwitchStaff)
	st := 0
	open := bridge.Case{
		ID: "1042", User: e.Key, UserInfo: e.User, Reason: e.Reason, Transcript: e.Transcript, SessionID: e.SessionID,
		State: bridge.CaseOpen, Opened: t0, KMServiceID: "cs-17", KMServiceStatus: &st, KMTips: "Agents are online 9:00–18:00",
		Question: "パスワードを忘れました", Matched: "How do I reset my password?",
	}
	claimed := open
	claimed.State, claimed.Claimed, claimed.ClaimedByName = bridge.CaseClaimed, t0.Add(3*time.Minute), "Alice"
	resolved := claimed
	resolved.State, resolved.Ended, resolved.EndedAt, resolved.EndedByName, resolved.Answer = bridge.CaseResolved, bridge.EndResolved, t0.Add(9*time.Minute), "Alice", "Use the portal."
	robot := claimed
	robot.State, robot.Ended, robot.EndedAt, robot.EndedByName = bridge.CaseResolved, bridge.EndRobot, t0.Add(9*time.Minute), ""
	web := open
	web.User = bridge.DMKey("web", "", "s-cookie-value", "s-cookie-value")
	web.UserInfo = bridge.UserInfo{ID: "s-cookie-value", Locale: "en-US"}
	web.KMServiceID, web.KMServiceStatus, web.KMTips = "", nil, ""
	return map[string]bridge.Case{"open": open, "claimed": claimed, "resolved": resolved, "robot": robot, "web": web}
}

// minimal is an escalation about which nothing is known but the conversation.
func minimal() bridge.Escalation {
	return bridge.Escalation{
		Key:    bridge.ConvKey{Platform: "web", Channel: "s-9f8e7d"},
		Reason: bridge.ReasonUser,
	}
}

// long is an escalation with n turns of about runes runes each, one minute apart.
func long(n, runes int) bridge.Escalation {
	e := sample(bridge.ReasonKMTransfer)
	e.Transcript = nil
	for i := range n {
		role, user := bridge.RoleUser, e.User.ID
		if i%2 == 1 {
			role, user = bridge.RoleBot, ""
		}
		text := fmt.Sprintf("turn %d ", i) + strings.Repeat("word ", runes/5)
		e.Transcript = append(e.Transcript, bridge.Turn{At: t0.Add(time.Duration(i) * time.Minute), Role: role, User: user, Text: text})
	}
	return e
}

func tokyo(t testing.TB) *time.Location {
	t.Helper()
	// A fixed zone rather than the tz database, which a minimal image may lack.
	return time.FixedZone("JST", 9*3600)
}

func TestCardGolden(t *testing.T) {
	for name, build := range goldenCases(t) {
		t.Run(name, func(t *testing.T) {
			got := formatting.Dump(build())
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("card differs from %s (go test -update rewrites it):\n%s", path, got)
			}
		})
	}
}

// TestCardAgentLanguage is issue #6 item 4: the card is in the agent channel's
// language, whatever the user's.
func TestCardAgentLanguage(t *testing.T) {
	for _, agents := range []string{"en", "zh", "ja"} {
		p := printer(t, agents)
		var first string
		for _, locale := range []string{"ja", "ja-JP", "zh-CN", "en-US", "", "fr", "ja,en;q=0.8"} {
			e := sample(bridge.ReasonUser)
			e.User.Locale = locale
			m := escalation.Card(e, p, escalation.CardOptions{})
			card := m.Blocks[0].(*formatting.Card)
			if card.Title != p.T("escalation.title") || card.Subtitle != p.T("escalation.reason_user") {
				t.Errorf("agents %s, user %q: title %q, subtitle %q", agents, locale, card.Title, card.Subtitle)
			}
			wantLabels := []i18n.MsgID{"escalation.field_user", "escalation.field_user_id", "escalation.field_email",
				"escalation.field_language", "escalation.field_platform", "escalation.field_channel",
				"escalation.field_thread", "escalation.field_session"}
			if len(card.Fields) != len(wantLabels) {
				t.Fatalf("agents %s: %d fields, want %d", agents, len(card.Fields), len(wantLabels))
			}
			for i, id := range wantLabels {
				if card.Fields[i].Label != p.T(id) {
					t.Errorf("agents %s, user %q: field %d label %q, want %q", agents, locale, i, card.Fields[i].Label, p.T(id))
				}
			}
			// Apart from the value that names the user's language, the card does
			// not change with the user's locale.
			card.Fields[3].Value = nil
			if d := formatting.Dump(m); first == "" {
				first = d
			} else if d != first {
				t.Errorf("agents %s: card changed with the user's locale %q:\n%s\nvs\n%s", agents, locale, d, first)
			}
		}
	}
	// The value names the user's language in the agents' words.
	for _, tc := range []struct{ locale, agents, want string }{
		{"ja-JP", "en", "Japanese ja-JP"},
		{"ja-JP", "zh", "日语 ja-JP"},
		{"ja-JP", "ja", "日本語 ja-JP"},
		{"ja", "en", "Japanese"},
		{"ja,en;q=0.8", "en", "Japanese"},
		{"zh-CN;q=0.9,en", "en", "English"}, // the bridge answers in English too
		{"zh-TW", "ja", "中国語 zh-TW"},
		{"fr-FR", "en", "not known fr-FR"},
		{"", "ja", "不明"},
	} {
		e := sample(bridge.ReasonUser)
		e.User.Locale = tc.locale
		card := escalation.Card(e, printer(t, tc.agents), escalation.CardOptions{}).Blocks[0].(*formatting.Card)
		if got := formatting.SpansText(card.Fields[3].Value[0].(*formatting.Para).Spans); got != tc.want {
			t.Errorf("user %q, agents %s: language %q, want %q", tc.locale, tc.agents, got, tc.want)
		}
	}
}

// TestCardEnglishForJapaneseUser is the brief's example in full: a Japanese
// user's hand-over reads English to English agents, Chinese to Chinese ones.
func TestCardEnglishForJapaneseUser(t *testing.T) {
	e := sample(bridge.ReasonKMTransfer)
	for _, tc := range []struct {
		agents string
		want   []string
		absent []string
	}{
		{"en", []string{"Conversation handed to a human", "transfer intent", "User's language", "Japanese", "User:", "Bot:", "Clicked:", "oldest first"},
			[]string{"会话", "ユーザー:", "引き継ぎ", "用户:"}},
		{"zh", []string{"会话已转人工", "转人工意图", "用户语言", "日语", "用户:", "机器人:", "点击:", "最早的在前"},
			[]string{"Conversation handed", "User:", "ユーザー:", "引き継ぎ"}},
	} {
		d := formatting.Dump(escalation.Card(e, printer(t, tc.agents), escalation.CardOptions{}))
		for _, s := range tc.want {
			if !strings.Contains(d, s) {
				t.Errorf("agents %s: card lacks %q:\n%s", tc.agents, s, d)
			}
		}
		for _, s := range tc.absent {
			if strings.Contains(d, s) {
				t.Errorf("agents %s: card has %q:\n%s", tc.agents, s, d)
			}
		}
		// The user's own words stay as written.
		if !strings.Contains(d, "パスワードを忘れました") || !strings.Contains(d, "山田 花子") {
			t.Errorf("agents %s: the user's words are missing:\n%s", tc.agents, d)
		}
	}
}

func TestCardTruncation(t *testing.T) {
	en := printer(t, "en")
	e := long(42, 5000)
	e.User.Name = strings.Repeat("名", 1000)
	m := escalation.Card(e, en, escalation.CardOptions{})
	items := turnItems(t, m)
	if len(items) != escalation.DefaultMaxTurns {
		t.Fatalf("%d turns shown, want %d", len(items), escalation.DefaultMaxTurns)
	}
	for i, spans := range items {
		text := spans[len(spans)-1].Text
		if want := fmt.Sprintf("turn %d ", 32+i); !strings.HasPrefix(text, want) {
			t.Errorf("item %d = %.20q…, want the turn starting %q (the last ten, oldest first)", i, text, want)
		}
		if n := utf8.RuneCountInString(text); n > escalation.DefaultMaxTurnRunes || n < escalation.DefaultMaxTurnRunes*4/5 ||
			!strings.HasSuffix(text, "d…") {
			t.Errorf("item %d: %d runes ending %q, want at most %d, cut after a word, ending with …", i, n, text[len(text)-8:], escalation.DefaultMaxTurnRunes)
		}
	}
	if got, want := contextNote(t, m), en.T("escalation.transcript_last", 10, 42, "UTC"); got != want {
		t.Errorf("note %q, want %q", got, want)
	}
	name := formatting.SpansText(m.Blocks[0].(*formatting.Card).Fields[0].Value[0].(*formatting.Para).Spans)
	if n := utf8.RuneCountInString(name); n != escalation.DefaultMaxFieldRunes {
		t.Errorf("name cut to %d runes, want %d", n, escalation.DefaultMaxFieldRunes)
	}

	for _, tc := range []struct {
		turns, max int
		note       string
	}{
		{1, 10, "One turn. Time is UTC."},
		{3, 10, "All 3 turns, oldest first. Times are UTC."},
		{10, 10, "All 10 turns, oldest first. Times are UTC."},
		{11, 10, "The last 10 of 11 turns, oldest first; earlier ones are not shown. Times are UTC."},
		{5, 1, "The last of 5 turns; earlier ones are not shown. Time is UTC."},
	} {
		m := escalation.Card(long(tc.turns, 10), en, escalation.CardOptions{MaxTurns: tc.max})
		if got := contextNote(t, m); got != tc.note {
			t.Errorf("%d turns, max %d: note %q, want %q", tc.turns, tc.max, got, tc.note)
		}
		if n := len(turnItems(t, m)); n != min(tc.turns, tc.max) {
			t.Errorf("%d turns, max %d: %d shown", tc.turns, tc.max, n)
		}
	}
}

// turnItems returns the spans of each transcript line.
func turnItems(t *testing.T, m formatting.Message) [][]formatting.Span {
	t.Helper()
	for _, b := range m.Blocks {
		if tx, ok := b.(*formatting.Text); ok {
			if l, ok := tx.Rich[0].(*formatting.List); ok {
				var out [][]formatting.Span
				for _, it := range l.Items {
					out = append(out, it[0].(*formatting.Para).Spans)
				}
				return out
			}
		}
	}
	t.Fatalf("no transcript list in\n%s", formatting.Dump(m))
	return nil
}

func contextNote(t *testing.T, m formatting.Message) string {
	t.Helper()
	for _, b := range m.Blocks {
		if tx, ok := b.(*formatting.Text); ok && tx.Context {
			return formatting.SpansText(tx.Rich[0].(*formatting.Para).Spans)
		}
	}
	t.Fatalf("no context note in\n%s", formatting.Dump(m))
	return ""
}

// TestCardUserTextStaysText: what users wrote or are called never becomes the
// card's title, subtitle or a label, and is never marked up as ours (bold).
func TestCardUserTextStaysText(t *testing.T) {
	const evil = "*Reason* <!channel> <b>x</b> [a](https://evil.example)"
	e := sample(bridge.ReasonUser)
	e.User.Name, e.User.Email, e.User.ID = evil, evil, evil
	e.Key.Channel, e.Key.Thread = evil, evil
	e.Transcript = []bridge.Turn{{Role: bridge.RoleUser, User: evil, Text: evil}, {Role: bridge.RoleNote, Text: evil}}
	p := printer(t, "en")
	m := escalation.Card(e, p, escalation.CardOptions{})
	card := m.Blocks[0].(*formatting.Card)
	ours := []string{card.Title, card.Subtitle}
	for _, f := range card.Fields {
		ours = append(ours, f.Label)
	}
	for _, b := range m.Blocks[1:] {
		for _, rb := range b.(*formatting.Text).Rich {
			walkSpans(rb, func(s formatting.Span) {
				if s.Marks&formatting.Bold != 0 {
					ours = append(ours, s.Text)
				}
				if s.Link != "" {
					t.Errorf("a link in the card: %+v", s)
				}
			})
		}
	}
	for _, s := range ours {
		if strings.Contains(s, "Reason*") || strings.Contains(s, "channel") || strings.Contains(s, "evil") {
			t.Errorf("user text in our words: %q", s)
		}
	}
	if !strings.Contains(formatting.Dump(m), evil) {
		t.Errorf("the user's text is not shown as written:\n%s", formatting.Dump(m))
	}
}

func walkSpans(rb formatting.RichBlock, f func(formatting.Span)) {
	switch v := rb.(type) {
	case *formatting.Para:
		for _, s := range v.Spans {
			f(s)
		}
	case *formatting.Heading:
		for _, s := range v.Spans {
			f(s)
		}
	case *formatting.List:
		for _, it := range v.Items {
			for _, b := range it {
				walkSpans(b, f)
			}
		}
	}
}

func TestCardNotesAndTimes(t *testing.T) {
	en := printer(t, "en")
	e := minimal()
	// A group topic, where several people speak (web chat ids are never shown).
	e.Key = bridge.ConvKey{Platform: "telegram", Channel: "-1001", Thread: "7"}
	e.User.ID = "u1"
	day := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
	e.Transcript = []bridge.Turn{
		{Role: bridge.RoleNote, Text: bridge.NoteReset}, // no time
		{At: day, Role: bridge.RoleNote, Text: bridge.NoteSilent},
		{At: day.Add(time.Second), Role: bridge.RoleNote, Text: bridge.NoteEscalated + bridge.ReasonKMTransfer},
		{At: day.Add(2 * time.Second), Role: bridge.RoleNote, Text: "something new"},
		{At: day.Add(3 * time.Second), Role: bridge.RoleClick, User: "u1", Text: "Talk to a human"},
		{At: day.Add(4 * time.Second), Role: bridge.RoleUser, User: "u2", Text: "me too"},
		{At: day.Add(5 * time.Second), Role: "future-role", Text: "x"},
	}
	var got []string
	for _, spans := range turnItems(t, escalation.Card(e, en, escalation.CardOptions{Location: tokyo(t)})) {
		got = append(got, formatting.SpansText(spans))
	}
	want := []string{
		"Note: the user started over",
		"2026-01-02 18:00:00 Note: the bot stayed silent",
		"18:00:01 Note: handed to a human before",
		"18:00:02 Note: something new",
		"18:00:03 Clicked: Talk to a human",
		"18:00:04 User: u2 me too",
		"18:00:05 Note: x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("transcript:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := contextNote(t, escalation.Card(e, en, escalation.CardOptions{Location: tokyo(t)})), "All 7 turns, oldest first. Times are JST."; got != want {
		t.Errorf("note %q, want %q", got, want)
	}
}

func TestCardZeroPrinter(t *testing.T) {
	// The zero Printer prints English, so a Notifier built without a catalogue
	// still says something sensible.
	m := escalation.Card(sample(bridge.ReasonSwitchStaff), i18n.Printer{}, escalation.CardOptions{})
	if c := m.Blocks[0].(*formatting.Card); c.Title != "🙋 Conversation handed to a human" || !strings.Contains(c.Subtitle, "rule") {
		t.Errorf("title %q subtitle %q", c.Title, c.Subtitle)
	}
}
