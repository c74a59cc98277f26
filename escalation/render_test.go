package escalation_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/i18n"
)

// validate renders m for every platform agents may sit on (and the web chat) and
// checks each payload against the renderer's own Validate.
func validate(t testing.TB, m formatting.Message) {
	t.Helper()
	sl := slackfmt.Render(m)
	if len(sl) == 0 {
		t.Fatal("slackfmt: nothing rendered")
	}
	for i, s := range sl {
		if err := slackfmt.Validate(s); err != nil {
			t.Errorf("slackfmt part %d: %v", i, err)
		}
	}
	tg := tgfmt.Render(m)
	if len(tg) == 0 {
		t.Fatal("tgfmt: nothing rendered")
	}
	for i, s := range tg {
		if err := tgfmt.Validate(s); err != nil {
			t.Errorf("tgfmt part %d: %v", i, err)
		}
	}
	for i, s := range discordfmt.Render(m) {
		if err := discordfmt.Validate(s); err != nil {
			t.Errorf("discordfmt part %d: %v", i, err)
		}
	}
	if err := webfmt.Validate(webfmt.Render(m)); err != nil {
		t.Errorf("webfmt: %v", err)
	}
}

func TestCardRendersValid(t *testing.T) {
	for name, build := range goldenCases(t) {
		t.Run(name, func(t *testing.T) { validate(t, build()) })
	}
	// The longest card there is: every turn as long as the bridge keeps them.
	huge := long(50, 500)
	huge.User.Name = strings.Repeat("名前", 500)
	validate(t, escalation.Card(huge, printer(t, "ja"), escalation.CardOptions{MaxTurns: 50, MaxTurnRunes: 500}))
}

// TestCardMentionsNeutralised: a user cannot ping the agent channel through the
// card.
func TestCardMentionsNeutralised(t *testing.T) {
	e := sample(bridge.ReasonUser)
	e.User.Name = "<!channel> @everyone"
	m := escalation.Card(e, printer(t, "en"), escalation.CardOptions{})
	for _, s := range slackfmt.Render(m) {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "<!channel>") {
			t.Errorf("slack payload mentions the channel: %s", b)
		}
	}
	for _, s := range tgfmt.Render(m) {
		if strings.Contains(s.Text, "<!channel>") {
			t.Errorf("telegram text has raw markup: %s", s.Text)
		}
	}
}

func FuzzCard(f *testing.F) {
	f.Add("Ann", "hello\nworld", "ja-JP", "user", "C1", int64(1), uint8(3))
	f.Add("<!here> *x*", "<b>&amp;</b>", "", "km_transfer", "", int64(0), uint8(0))
	f.Add(strings.Repeat("\u202e名", 300), strings.Repeat("`_*~|>", 200), "zh_Hans", "other", "-100|x", int64(-5), uint8(60))
	p := printer(f, "zh")
	labels := map[string]bool{}
	for _, id := range []i18n.MsgID{"escalation.field_user", "escalation.field_user_id", "escalation.field_email",
		"escalation.field_language", "escalation.field_platform", "escalation.field_workspace",
		"escalation.field_channel", "escalation.field_thread", "escalation.field_session"} {
		labels[p.T(id)] = true
	}
	f.Fuzz(func(t *testing.T, name, text, locale, reason, channel string, sid int64, turns uint8) {
		e := bridge.Escalation{
			Key:       bridge.ConvKey{Platform: "slack", Channel: channel, Thread: text},
			User:      bridge.UserInfo{ID: name, Name: name, Email: text, Locale: locale},
			Reason:    reason,
			SessionID: sid,
		}
		for i := range int(turns % 64) {
			role := []string{bridge.RoleUser, bridge.RoleBot, bridge.RoleClick, bridge.RoleNote, reason}[i%5]
			e.Transcript = append(e.Transcript, bridge.Turn{At: t0, Role: role, User: name, Text: text})
		}
		m := escalation.Card(e, p, escalation.CardOptions{})
		c := m.Blocks[0].(*formatting.Card)
		if c.Title != p.T("escalation.title") {
			t.Fatalf("title %q", c.Title)
		}
		for _, fl := range c.Fields {
			if !labels[fl.Label] {
				t.Fatalf("label %q is not ours", fl.Label)
			}
		}
		validate(t, m)
	})
}
