package formatting_test

import (
	"encoding/json"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// renderAll renders m for every platform and fails on the first payload its
// platform's validator rejects: whatever KM sends, every platform gets valid output.
func renderAll(t *testing.T, m formatting.Message) {
	t.Helper()
	for i, msg := range slackfmt.Render(m) {
		if err := slackfmt.Validate(msg); err != nil {
			t.Fatalf("slack message %d: %v", i, err)
		}
	}
	for i, msg := range tgfmt.Render(m) {
		if err := tgfmt.Validate(msg); err != nil {
			t.Fatalf("telegram message %d: %v", i, err)
		}
	}
	for i, msg := range discordfmt.Render(m) {
		if err := discordfmt.Validate(msg); err != nil {
			t.Fatalf("discord message %d: %v", i, err)
		}
	}
	if err := webfmt.Validate(webfmt.Render(m)); err != nil {
		t.Fatalf("web: %v", err)
	}
}

func fuzzOptions() formatting.Options {
	o, _ := fmttest.Options(i18n.Printer{})
	return o
}

// FuzzEveryRendererFromKM feeds arbitrary KM answers (seeded with every shared
// fixture) through FromKM and all four renderers.
func FuzzEveryRendererFromKM(f *testing.F) {
	fixtures, err := fmttest.Load("testdata/answers")
	if err != nil {
		f.Fatal(err)
	}
	for _, fx := range fixtures {
		if fx.Answer != nil {
			f.Add(fx.Raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var a kmclient.Answer
		if json.Unmarshal(raw, &a) != nil {
			return
		}
		m, _ := formatting.FromKM(&a, fuzzOptions()) // errors are fine; invalid output is not
		renderAll(t, m)
	})
}

// FuzzEveryRendererRichHTML feeds arbitrary KM rich HTML, with the extras a real
// answer carries (suggestions, rating, switch-to-human), through every renderer.
func FuzzEveryRendererRichHTML(f *testing.F) {
	for _, s := range []string{
		`<p>Reset at <a href="https://id.example.com">id</a> &amp; <b>bold <i>both</i></b></p><ul><li>one<ul><li>two</li></ul></li></ul>`,
		`<h2>Title</h2><table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>&lt;2&gt;</td></tr></table><pre>code & <stuff></pre>`,
		`<p>@everyone <!channel> *not bold* _x_ ~y~ ` + "`z`" + ` [l](javascript:alert(1))</p><img src="https://x/y.png" alt="p">`,
		`<blockquote>引用 <script>alert(1)</script>テキスト 😀👍🏽</blockquote><p><a href="data:text/html,x">d</a></p>`,
	} {
		f.Add(s, "Related question <b>", true)
	}
	f.Fuzz(func(t *testing.T, html, suggestion string, appraise bool) {
		a := &kmclient.Answer{
			LogID:             7,
			MsgType:           kmclient.MsgRich,
			AnsContent:        kmclient.StringContent(html),
			EnableAppraise:    appraise,
			SwitchStaffType:   kmclient.SwitchStaffRecommend,
			SwitchStaffAnswer: suggestion,
			SuggestQuestionList: []kmclient.Question{
				{ID: 1, Content: kmclient.Text(suggestion)},
				{ID: 2, Content: kmclient.Text(html)},
			},
		}
		m, _ := formatting.FromKM(a, fuzzOptions())
		renderAll(t, m)
	})
}
