package webfmt_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/kmclient"
)

func BenchmarkWebRender(b *testing.B) {
	m := typicalWebAnswer(b)
	b.ReportAllocs()
	for b.Loop() {
		w := webfmt.Render(m)
		if _, err := json.Marshal(w); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebValidate is the check the web adapter runs on every rendering
// before it reaches a browser.
func BenchmarkWebValidate(b *testing.B) {
	w := webfmt.Render(typicalWebAnswer(b))
	b.ReportAllocs()
	for b.Loop() {
		if err := webfmt.Validate(w); err != nil {
			b.Fatal(err)
		}
	}
}

// typicalWebAnswer is a usual KM answer: ~2 KB of rich HTML, five suggested
// questions and the rating buttons.
func typicalWebAnswer(b *testing.B) formatting.Message {
	var html strings.Builder
	html.WriteString(`<h3>How to change your plan</h3>`)
	for html.Len() < 2000 {
		html.WriteString(`<p>Open <a href="https://example.com/settings">Settings</a> and choose <b>Plan</b>. 您可以随时更改套餐,<em>费用按天计算</em>。</p><ul><li>Basic</li><li>Pro</li></ul>`)
	}
	var a kmclient.Answer
	a.MsgType, a.EnableAppraise, a.LogID = "rich", true, 2
	a.AnsContent = kmclient.StringContent(html.String())
	for i := 1; i <= 5; i++ {
		a.SuggestQuestionList = append(a.SuggestQuestionList, kmclient.Question{ID: kmclient.ID(100 + i), Content: kmclient.Text(fmt.Sprintf("Suggested question number %d?", i))})
	}
	m, err := formatting.FromKM(&a, formatting.Options{Tokens: func(formatting.Action) string { return "tok" }})
	if err != nil {
		b.Fatal(err)
	}
	return m
}
