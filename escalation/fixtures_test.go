package escalation_test

import (
	"flag"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/i18n"
)

var update = flag.Bool("update", false, "rewrite golden files")

// t0 is the start of the sample conversations: late on a day, so that the
// transcript crosses midnight UTC and shows the date twice.
var t0 = time.Date(2026, 3, 14, 23, 58, 30, 0, time.UTC)

var reasons = []string{bridge.ReasonUser, bridge.ReasonKMTransfer, bridge.ReasonSwitchStaff}

// sample is an escalation from a Japanese Telegram user in a group topic.
func sample(reason string) bridge.Escalation {
	return bridge.Escalation{
		Key:       bridge.ConvKey{Platform: "telegram", Channel: "-1001234567890", Thread: "42", User: "5551234"},
		User:      bridge.UserInfo{ID: "5551234", Name: "山田 花子", Email: "hanako@example.jp", Locale: "ja-JP"},
		Reason:    reason,
		SessionID: 450001,
		Transcript: []bridge.Turn{
			{At: t0, Role: bridge.RoleBot, Text: "Hello! How can I help you today?"},
			{At: t0.Add(20 * time.Second), Role: bridge.RoleUser, User: "5551234", Text: "パスワードを忘れました"},
			{At: t0.Add(22 * time.Second), Role: bridge.RoleBot, Text: "Reset your password\nOpen the portal and click *Forgot password*.\n[Yes] [No]"},
			{At: t0.Add(70 * time.Second), Role: bridge.RoleClick, User: "5551234", Text: "No"},
			{At: t0.Add(80 * time.Second), Role: bridge.RoleUser, User: "7770001", Text: "same problem here <!channel>"},
			{At: t0.Add(95 * time.Second), Role: bridge.RoleUser, User: "5551234", Text: "talk to a human"},
			{At: t0.Add(96 * time.Second), Role: bridge.RoleNote, Text: bridge.NoteHumanRequested},
		},
	}
}

func printer(t testing.TB, lang string) i18n.Printer {
	t.Helper()
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cat.Printer(lang)
}
