package walks_test

// The transcript of a walk: what each side wrote and what each platform was
// sent, in the walk's order, as docs/handover-transcript.md shows it. The
// walk's clock and fresh fakes make it the same on every run, so the file is
// checked like a golden file (-update rewrites it).

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
)

const transcriptPath = "../../docs/handover-transcript.md"

type entry struct {
	who, what string // who: a heading; what: verbatim
}

type recorder struct {
	w       *world
	entries []entry
}

func newRecorder(w *world) *recorder { return &recorder{w: w} }

func (r *recorder) add(who, what string) {
	r.entries = append(r.entries, entry{who: fmt.Sprintf("%s · %s", r.w.clock.Now().Format("15:04"), who), what: what})
}

// user records what the user typed.
func (r *recorder) user(name, text string) { r.add(name+" writes (Telegram)", text) }

// userClicks records the user's click.
func (r *recorder) userClicks(name, label string) { r.add(name+" clicks (Telegram)", "["+label+"]") }

// bot records a message the bot sent the user on Telegram, as sent: its
// HTML, and its buttons.
func (r *recorder) bot(c telegramtest.Call) {
	var b strings.Builder
	b.WriteString(c.Params.Get("text") + c.Params.Get("caption"))
	var kb struct {
		Rows [][]struct {
			Text string `json:"text"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(c.Params.Get("reply_markup")), &kb) == nil {
		for _, row := range kb.Rows {
			b.WriteString("\n")
			for i, btn := range row {
				if i > 0 {
					b.WriteString(" ")
				}
				b.WriteString("[" + btn.Text + "]")
			}
		}
	}
	r.add("the bot → the user (Telegram HTML)", b.String())
}

// agentSays records what an agent typed in the case's thread.
func (r *recorder) agentSays(name, text string) { r.add(name+" writes in the thread (Slack)", text) }

// agentClicks records an agent's click.
func (r *recorder) agentClicks(name, label string) { r.add(name+" clicks (Slack)", "["+label+"]") }

// agents records a message the bot posted in the agents' channel.
func (r *recorder) agents(m slacktest.Msg) {
	where := "the bot → #agents (Slack mrkdwn)"
	if m.Thread != "" {
		where = "the bot → the case's thread (Slack mrkdwn)"
	}
	r.add(where, slackBlocks(m))
}

// agentsEdit records the card as redrawn.
func (r *recorder) agentsEdit(m slacktest.Msg) {
	r.add("the card, redrawn (Slack mrkdwn)", slackBlocks(m))
}

// slackBlocks is a Slack message as a reader sees its blocks: texts,
// context lines, buttons in brackets.
func slackBlocks(m slacktest.Msg) string {
	var blocks []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
		Fields []struct {
			Text string `json:"text"`
		} `json:"fields"`
		Elements []struct {
			Type string `json:"type"`
			Text json.RawMessage
		} `json:"elements"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil || len(blocks) == 0 {
		return m.Text
	}
	var lines []string
	for _, b := range blocks {
		switch b.Type {
		case "divider":
			lines = append(lines, "———")
		case "actions":
			var labels []string
			for _, e := range b.Elements {
				var t struct {
					Text string `json:"text"`
				}
				_ = json.Unmarshal(e.Text, &t)
				labels = append(labels, "["+t.Text+"]")
			}
			lines = append(lines, strings.Join(labels, " "))
		case "context":
			var parts []string
			for _, e := range b.Elements {
				var s string
				if json.Unmarshal(e.Text, &s) == nil {
					parts = append(parts, s)
				}
			}
			lines = append(lines, strings.Join(parts, " · "))
		default:
			if b.Text != nil {
				lines = append(lines, b.Text.Text)
			}
			for _, f := range b.Fields {
				lines = append(lines, f.Text)
			}
		}
	}
	return strings.Join(lines, "\n")
}

// write compares the transcript with docs/handover-transcript.md, or
// rewrites the file with -update.
func (r *recorder) write(t *testing.T, users, agents string) {
	t.Helper()
	if t.Failed() {
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, `# A hand-over, as the platforms saw it

A real case from kmbridge's end-to-end walk (%s user, %s agents):
[`+"`escalation/walks`"+`](../escalation/walks/tg_slack_test.go) drives the bridge through
telegram-bot-api and slack-go against fake Telegram and Slack servers and the KM simulator, and
this file is what it recorded: what people typed and clicked, and each message exactly as the
platform received it (Telegram HTML, Slack mrkdwn; buttons in brackets). The test checks that this
file still matches; `+"`go test ./escalation/walks -run TestWalkTelegramUserSlackAgents -update`"+`
rewrites it.

`, users, agents)
	for _, e := range r.entries {
		fmt.Fprintf(&b, "**%s**\n\n```\n%s\n```\n\n", e.who, strings.TrimRight(e.what, "\n"))
	}
	got := strings.TrimRight(b.String(), "\n") + "\n"
	if *update {
		if err := os.WriteFile(transcriptPath, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(transcriptPath)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if string(want) != got {
		t.Errorf("%s is out of date: run go test ./escalation/walks -run %s -update\n%s", filepath.Base(transcriptPath), t.Name(), firstDiff(string(want), got))
	}
}

// firstDiff shows the first line where a and b differ.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  file: %q\n  walk: %q", i+1, x, y)
		}
	}
	return ""
}
