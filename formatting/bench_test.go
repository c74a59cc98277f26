package formatting_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// typicalAnswer is a usual FAQ answer: about 2 KB of rich HTML, five suggested
// questions and the rating buttons.
func typicalAnswer(tb testing.TB) *kmclient.Answer {
	var html strings.Builder
	html.WriteString(`<h3>How to change your plan</h3>`)
	for html.Len() < 2000 {
		html.WriteString(`<p>Open <a href="https://example.com/settings">Settings</a> and choose <b>Plan</b>. 您可以随时更改套餐,<em>费用按天计算</em>。</p><ul><li>Basic</li><li>Pro</li></ul>`)
	}
	var sugg []string
	for i := 1; i <= 5; i++ {
		sugg = append(sugg, fmt.Sprintf(`{"id":%d,"content":"Suggested question number %d?","type":1}`, 100+i, i))
	}
	content, _ := json.Marshal(html.String())
	var a kmclient.Answer
	js := `{"sessionId":1,"logId":2,"ansType":1,"msgType":"rich","enableAppraise":true,"ansContent":` + string(content) +
		`,"suggestQuestionList":[` + strings.Join(sugg, ",") + `]}`
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		tb.Fatal(err)
	}
	return &a
}

func BenchmarkFromKM(b *testing.B) {
	a := typicalAnswer(b)
	n := 0
	o := formatting.Options{Tokens: func(formatting.Action) string { n++; return "tok" }}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := formatting.FromKM(a, o); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHTML(b *testing.B) {
	s := typicalAnswer(b).AnsContent.String()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		formatting.ParseHTML(s)
	}
}

// BenchmarkParseHTMLWithTable is the typical answer with a table at its end:
// HTML that takes the tree (html.Parse) rather than the one-pass walk.
func BenchmarkParseHTMLWithTable(b *testing.B) {
	s := typicalAnswer(b).AnsContent.String() + `<table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>0</td></tr><tr><td>Pro</td><td>10</td></tr></table>`
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		formatting.ParseHTML(s)
	}
}
