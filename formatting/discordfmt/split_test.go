package discordfmt

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	F "github.com/kmbridge/kmbridge/formatting"
)

// words returns n distinct words w00001 … so their order can be checked.
func words(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("w%05d", i+1)
	}
	return out
}

func checkOrder(t *testing.T, all string, ws []string) {
	t.Helper()
	pos := 0
	for _, w := range ws {
		i := strings.Index(all[pos:], w)
		if i < 0 {
			t.Fatalf("word %s lost or out of order", w)
		}
		pos += i + len(w)
	}
}

func TestSplit(t *testing.T) {
	ws := words(900) // ~6300 characters
	sentences := func() string {
		var b strings.Builder
		for i, w := range ws {
			b.WriteString(w)
			if i%10 == 9 {
				b.WriteString(". ")
			} else {
				b.WriteString(" ")
			}
		}
		return b.String()
	}()
	var linkSpans []F.Span
	for i := 1; i <= 120; i++ {
		linkSpans = append(linkSpans, txt(fmt.Sprintf("Item %d: see ", i)),
			link(fmt.Sprintf("guide number %d", i), fmt.Sprintf("https://example.com/guide/%d", i)), txt(". "))
	}
	var code strings.Builder
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&code, "line %03d: fmt.Println(%d)\n", i, i)
	}
	cjk := strings.Repeat("日本語の長い文章です", 300) // no spaces, no sentence ends inside a run

	tests := []struct {
		name  string
		m     F.Message
		check func(t *testing.T, contents []string)
	}{
		{"one long paragraph splits at sentence ends", F.Message{Blocks: []F.Block{plain(sentences)}},
			func(t *testing.T, cs []string) {
				if len(cs) < 4 {
					t.Fatalf("%d messages", len(cs))
				}
				for _, c := range cs[:len(cs)-1] {
					if !strings.HasSuffix(c, ".") {
						t.Errorf("chunk does not end at a sentence: …%q", c[len(c)-20:])
					}
				}
				checkOrder(t, strings.Join(cs, " "), ws)
			}},
		{"bold paragraph is closed and reopened", F.Message{Blocks: []F.Block{text(para(bold(sentences)))}},
			func(t *testing.T, cs []string) {
				for i, c := range cs {
					if !strings.HasPrefix(c, "**") || !strings.HasSuffix(c, "**") || strings.Count(c, "**")%2 != 0 {
						t.Errorf("chunk %d has unbalanced bold: %q…%q", i, c[:10], c[len(c)-10:])
					}
				}
				checkOrder(t, strings.Join(cs, " "), ws)
			}},
		{"links are never cut", F.Message{Blocks: []F.Block{text(para(linkSpans...))}},
			func(t *testing.T, cs []string) {
				re := regexp.MustCompile(`\[guide number (\d+)\]\(https://example\.com/guide/(\d+)\)`)
				n := 0
				for _, c := range cs {
					for _, m := range re.FindAllStringSubmatch(c, -1) {
						if m[1] != m[2] {
							t.Errorf("link text and target disagree: %s", m[0])
						}
						n++
					}
					if strings.Count(c, "[") != strings.Count(c, "]") {
						t.Errorf("a link is cut in %q", c)
					}
				}
				if n != 120 {
					t.Errorf("%d of 120 links intact", n)
				}
			}},
		{"code block is closed and reopened", F.Message{Blocks: []F.Block{text(&F.CodeBlock{Lang: "go", Code: code.String()})}},
			func(t *testing.T, cs []string) {
				if len(cs) < 4 {
					t.Fatalf("%d messages", len(cs))
				}
				for i, c := range cs {
					if !strings.HasPrefix(c, "```go\n") || !strings.HasSuffix(c, "\n```") || strings.Count(c, "```") != 2 {
						t.Errorf("chunk %d is not one whole code block: %q…%q", i, c[:12], c[len(c)-12:])
					}
				}
				all := strings.Join(cs, "\n")
				for i := 1; i <= 300; i++ {
					if strings.Count(all, fmt.Sprintf("line %03d:", i)) != 1 {
						t.Fatalf("code line %d lost or repeated", i)
					}
				}
			}},
		{"CJK without spaces is cut between characters", F.Message{Blocks: []F.Block{plain(cjk)}},
			func(t *testing.T, cs []string) {
				if got := strings.Join(cs, ""); got != cjk {
					t.Errorf("text changed: %d runes, want %d", runes(got), runes(cjk))
				}
			}},
		{"CJK sentences are cut after 。", F.Message{Blocks: []F.Block{plain(strings.Repeat("これは文です。", 600))}},
			func(t *testing.T, cs []string) {
				for _, c := range cs {
					if !strings.HasSuffix(c, "。") {
						t.Errorf("chunk ends mid-sentence: …%q", c[len(c)-9:])
					}
				}
			}},
		{"a quote stays a quote in every chunk", F.Message{Blocks: []F.Block{text(&F.Quote{Body: F.Rich{para(txt(sentences))}})}},
			func(t *testing.T, cs []string) {
				for _, c := range cs {
					if !strings.HasPrefix(c, "> ") {
						t.Errorf("chunk lost its quote: %q", c[:10])
					}
				}
			}},
		{"many short paragraphs pack and break between them", F.Message{Blocks: []F.Block{longText(9000)}},
			func(t *testing.T, cs []string) {
				for _, c := range cs {
					if !strings.HasSuffix(c, "answer.") {
						t.Errorf("chunk does not end with a paragraph: …%q", c[len(c)-12:])
					}
				}
			}},
		{"a long list item keeps its marker once and indents the rest", F.Message{Blocks: []F.Block{text(&F.List{Items: []F.Rich{{para(txt(sentences))}, {para(txt("short"))}}})}},
			func(t *testing.T, cs []string) {
				if !strings.HasPrefix(cs[0], "- w00001") || !strings.HasPrefix(cs[1], "  ") {
					t.Errorf("got %q / %q", cs[0][:12], cs[1][:12])
				}
				if !strings.HasSuffix(cs[len(cs)-1], "- short") {
					t.Errorf("last item lost: …%q", cs[len(cs)-1])
				}
			}},
		{"emoji sequences are not cut", F.Message{Blocks: []F.Block{plain(strings.Repeat("👨‍👩‍👧", 900))}},
			func(t *testing.T, cs []string) {
				for _, c := range cs {
					if r, _ := utf8.DecodeRuneInString(c); r != '👨' {
						t.Errorf("chunk starts inside a family emoji: %U", r)
					}
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := renderValid(t, tc.m)
			var cs []string
			for _, m := range out {
				if runes(m.Content) > MaxContent {
					t.Fatalf("content of %d runes", runes(m.Content))
				}
				cs = append(cs, m.Content)
			}
			tc.check(t, cs)
		})
	}
}

func TestSplitLinesBudget(t *testing.T) {
	// Every budget Discord uses, with text that has no good break at all.
	for _, budget := range []int{MaxFieldValue, MaxContent, MaxEmbedDesc} {
		ls := richLines(F.Rich{para(bold(strings.Repeat("x", 3*budget)))}, lctx{})
		chunks := splitLines(ls, budget)
		total := 0
		for _, c := range chunks {
			if runes(c) > budget {
				t.Fatalf("budget %d: chunk of %d", budget, runes(c))
			}
			total += strings.Count(c, "x")
		}
		if total != 3*budget {
			t.Fatalf("budget %d: %d x survive, want %d", budget, total, 3*budget)
		}
	}
}
