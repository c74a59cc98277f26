package discordfmt

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
	F "github.com/kmbridge/kmbridge/formatting"
)

var update = flag.Bool("update", false, "rewrite golden files")

// renderValid renders m and fails the test unless every message passes Validate
// and shows no live mass mention.
func renderValid(t testing.TB, m F.Message) []*discordgo.MessageSend {
	t.Helper()
	out := Render(m)
	for i, s := range out {
		if err := Validate(s); err != nil {
			t.Errorf("message %d of %d fails Validate: %v\n%s", i+1, len(out), err, dump(s))
		}
		if txt, ok := liveMassMention(s); ok {
			t.Errorf("message %d has a live mass mention in %q", i+1, txt)
		}
	}
	return out
}

var massRE = regexp.MustCompile(`(?i)@(everyone|here)`)

// liveMassMention finds "@everyone"/"@here" not preceded by an odd run of
// backslashes in any text Discord parses for markdown.
func liveMassMention(s *discordgo.MessageSend) (string, bool) {
	texts := []string{s.Content}
	for _, e := range s.Embeds {
		texts = append(texts, e.Title, e.Description)
		for _, f := range e.Fields {
			texts = append(texts, f.Name, f.Value)
		}
	}
	for _, t := range texts {
		for _, loc := range massRE.FindAllStringIndex(t, -1) {
			bs := 0
			for i := loc[0] - 1; i >= 0 && t[i] == '\\'; i-- {
				bs++
			}
			if bs%2 == 0 {
				return t, true
			}
		}
	}
	return "", false
}

func dump(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
	return b.String()
}

// golden compares the messages, as indented JSON, with testdata/golden/name.golden.
func golden(t *testing.T, name string, msgs []*discordgo.MessageSend) {
	t.Helper()
	got := dump(msgs)
	path := filepath.Join("testdata", "golden", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden (run with -update after checking):\n--- got\n%s", path, got)
	}
}

// Builders for terse test messages.

func para(spans ...F.Span) *F.Para { return &F.Para{Spans: spans} }
func txt(s string) F.Span          { return F.Span{Text: s} }
func text(blocks ...F.RichBlock) *F.Text {
	return &F.Text{Rich: F.Rich(blocks)}
}
func plain(s string) *F.Text { return text(para(txt(s))) }

func tokButtons(n int, prefix string) []F.Button {
	var out []F.Button
	for i := 1; i <= n; i++ {
		out = append(out, F.Button{Label: prefix + " " + itoa(i), Token: "tok" + itoa(i)})
	}
	return out
}

func itoa(i int) string {
	const d = "0123456789"
	if i < 10 {
		return d[i : i+1]
	}
	return itoa(i/10) + d[i%10:i%10+1]
}

func allContent(msgs []*discordgo.MessageSend) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n")
}

// rows returns the action rows of a message as values.
func rows(t testing.TB, m *discordgo.MessageSend) []discordgo.ActionsRow {
	t.Helper()
	var out []discordgo.ActionsRow
	for _, c := range m.Components {
		r, ok := c.(discordgo.ActionsRow)
		if !ok {
			t.Fatalf("component %T is not an ActionsRow value", c)
		}
		out = append(out, r)
	}
	return out
}
