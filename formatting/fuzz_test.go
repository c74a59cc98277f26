package formatting_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

func FuzzParseHTML(f *testing.F) {
	for _, s := range []string{
		"", "<p>a</p>", "<b>x<i>y</b>z</i>", `<a href="javascript:x">j</a>`, "&lt;script&gt;alert(1)&lt;/script&gt;",
		"<ul><li>a<ol start=-3><li>b</ol></ul>", "<table><tr><th>a<td>b</table>", "<pre>\n x\n</pre>",
		`<img src="https://x.test/a.png" alt="<script>">`, "<<script>script>", "<scr<script>ipt>",
		"<svg><script>x</script></svg>", "<math><mi><p>m", `<span data-type="flow" data-id="1">f</span>`,
		"plain\ntext\n\nparas", "<p>日本語 😀 &nbsp;</p>", "<!-- <script> -->", "<textarea><script></textarea>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, imgs := formatting.ParseHTML(s)
		if p := strings.ToLower(r.PlainText()); strings.Contains(p, "<script") {
			t.Fatalf("PlainText contains <script: %q", p)
		}
		blocks := []formatting.Block{&formatting.Text{Rich: r}}
		for i := range imgs {
			if _, ok := formatting.SafeImageURL(imgs[i].URL); !ok {
				t.Fatalf("unsafe image URL %q", imgs[i].URL)
			}
			blocks = append(blocks, &imgs[i])
		}
		if err := webfmt.Validate(webfmt.Render(formatting.Message{Blocks: blocks})); err != nil {
			t.Fatal(err)
		}
		checkSpans(t, r)
	})
}

// checkSpans checks the Rich invariants renderers rely on: links are safe, spans
// are never empty.
func checkSpans(t *testing.T, r formatting.Rich) {
	t.Helper()
	eachSpans(r, func(sp []formatting.Span) {
		for _, s := range sp {
			if s.Link != "" {
				if _, ok := formatting.SafeLink(s.Link); !ok {
					t.Fatalf("unsafe link %q", s.Link)
				}
			}
			if s.Text == "" {
				t.Fatalf("empty span in %+v", sp)
			}
		}
	})
}

// eachSpans calls f with every run of spans in r, nested blocks included.
func eachSpans(r formatting.Rich, f func([]formatting.Span)) {
	for _, rb := range r {
		switch v := rb.(type) {
		case *formatting.Para:
			f(v.Spans)
		case *formatting.Heading:
			f(v.Spans)
		case *formatting.List:
			for _, it := range v.Items {
				eachSpans(it, f)
			}
		case *formatting.Quote:
			eachSpans(v.Body, f)
		case *formatting.Table:
			for _, row := range v.Rows {
				for _, c := range row {
					f(c)
				}
			}
		}
	}
}

var fuzzMsgTypes = []string{
	kmclient.MsgRich, kmclient.MsgPlain, kmclient.MsgSelectiveList, kmclient.MsgSelectiveTable,
	kmclient.MsgShowProduct, kmclient.MsgSelectiveProduct, kmclient.MsgWechatImage, kmclient.MsgAudio,
	kmclient.MsgLink, kmclient.MsgImage, kmclient.MsgCustomCard, kmclient.MsgTaskButton, kmclient.MsgMap,
	kmclient.MsgMiniAppsCard, "", "bogus",
}

func FuzzFromKM(f *testing.F) {
	fxs, err := fmttest.Load("testdata/answers")
	if err != nil {
		f.Fatal(err)
	}
	for _, fx := range fxs {
		if fx.Answer == nil {
			continue
		}
		mt := 0
		for i, t := range fuzzMsgTypes {
			if t == fx.Answer.MsgType {
				mt = i
			}
		}
		f.Add(uint8(mt), []byte(fx.Answer.AnsContent.Raw()), fx.Answer.FlowContent, fx.Raw, uint16(0))
	}
	f.Add(uint8(4), []byte(`{"productList":[{"name":"a"},{"name":"b"}],"showSize":1}`), "", []byte(`{}`), uint16(1))
	f.Fuzz(func(t *testing.T, mt uint8, content []byte, flow string, extra []byte, flags uint16) {
		var a kmclient.Answer
		_ = json.Unmarshal(extra, &a) // random other fields, when they parse
		a.MsgType = fuzzMsgTypes[int(mt)%len(fuzzMsgTypes)]
		if flags&1 != 0 { // the JSON-encoded-string form
			b, _ := json.Marshal(string(content))
			content = b
		}
		a.AnsContent = kmclient.NewAnsContent(content)
		if flow != "" {
			a.FlowContent = flow
		}
		a.EnableAppraise = a.EnableAppraise || flags&2 != 0
		if flags&4 != 0 {
			a.AnsType = kmclient.AnsTypeSuggestions
		}
		if st := int(flags>>3) & 3; st != 0 {
			a.SwitchStaffType = st
		}
		if flags&32 != 0 {
			a.MultipleMessageFlag = 1
			a.MultipleMessage = append(a.MultipleMessage, kmclient.MultiMessage{MessageType: a.MsgType, Message: a.AnsContent})
		}
		o, log := fmttest.Options(i18n.Printer{})
		o.PageSize = int(flags >> 6 & 7)
		m, _ := formatting.FromKM(&a, o)
		check(t, m)
		for _, act := range log.Actions() {
			if _, err := json.Marshal(act); err != nil {
				t.Fatalf("action does not marshal: %v", err)
			}
			if act.Kind == formatting.ActPage {
				pm, _ := formatting.Page(act, o)
				check(t, pm)
			}
		}
	})
}

func check(t *testing.T, m formatting.Message) {
	t.Helper()
	w := webfmt.Render(m)
	if err := webfmt.Validate(w); err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(w); err != nil {
		t.Fatal(err)
	}
	_ = formatting.Dump(m)
	for _, b := range m.Blocks {
		switch v := b.(type) {
		case *formatting.Text:
			checkSpans(t, v.Rich)
		case *formatting.Buttons:
			for _, it := range v.Items {
				if (it.Token == "") == (it.URL == "") || it.Label == "" {
					t.Fatalf("bad button %+v", it)
				}
			}
		}
	}
}
