package webfmt_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/i18n"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixtures = filepath.Join("..", "testdata", "answers")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from golden (run go test -update to accept):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

func TestGoldenWeb(t *testing.T) {
	fxs, err := fmttest.Load(fixtures)
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		t.Run(fx.Name, func(t *testing.T) {
			o, _ := fmttest.Options(i18n.Printer{})
			m, _ := fx.Message(o)
			w := webfmt.Render(m)
			if err := webfmt.Validate(w); err != nil {
				t.Errorf("Validate: %v", err)
			}
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false) // readable goldens; the bytes a browser gets may escape
			enc.SetIndent("", "  ")
			if err := enc.Encode(w); err != nil {
				t.Fatal(err)
			}
			golden(t, fx.Name+".web.golden", b.Bytes())
		})
	}
}

func TestRenderEscapesEverything(t *testing.T) {
	m := formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{
			{Text: `<script>alert("x")</script> & 'q'`},
			{Text: "click", Link: "javascript:alert(1)"},
			{Text: "ok", Link: `https://example.com/?q="><img src=x onerror=alert(1)>`},
		}}}},
		&formatting.Image{URL: "data:image/png;base64,AAAA", Alt: "<b>alt</b>"},
		&formatting.Image{URL: `https://example.com/a.png" onerror="x`, Alt: `"><script>`},
		&formatting.Buttons{Title: "<i>t</i>", Items: []formatting.Button{
			{Label: "bad", URL: "vbscript:msgbox"},
			{Label: "<b>tok</b>", Token: "tok1"},
		}},
		&formatting.Card{Title: "<x>", URL: "javascript:1", ImageURL: "http://example.com/i.png"},
		&formatting.Audio{URL: "file:///etc/passwd", Caption: "<caption>"},
	}}
	w := webfmt.Render(m)
	if err := webfmt.Validate(w); err != nil {
		t.Fatalf("Validate: %v\n%s", err, w.HTML)
	}
	for _, bad := range []string{"<script", "javascript:", "vbscript:", "data:", " onerror", "file:"} {
		if strings.Contains(w.HTML, bad) {
			t.Errorf("HTML contains %q:\n%s", bad, w.HTML)
		}
		for _, p := range w.Parts {
			if strings.Contains(p.HTML, bad) {
				t.Errorf("part contains %q: %s", bad, p.HTML)
			}
		}
	}
	if g := w.Parts[len(w.Parts)-3].Buttons; g == nil || len(g.Items) != 1 || g.Items[0].Token != "tok1" {
		t.Errorf("unsafe URL button should be dropped, token button kept: %+v", w.Parts)
	}
}

func TestValidateRejects(t *testing.T) {
	for _, h := range []string{
		`<script>x</script>`,
		`<p onclick="x">a</p>`,
		`<p style="color:red">a</p>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="https://x.test" rel="opener">x</a>`,
		`<img src="data:image/png;base64,AA">`,
		`<div>x</div>`,
		`<!-- c -->`,
		`<svg><circle/></svg>`,
		`<iframe src="https://x.test"></iframe>`,
		`<h1>big</h1>`,
	} {
		if err := webfmt.Validate(webfmt.Msg{HTML: h}); err == nil {
			t.Errorf("Validate(%q) = nil, want an error", h)
		}
	}
	ok := `<p><b>a</b><br><a href="https://x.test/" rel="noopener noreferrer" target="_blank">x</a></p><ol start="3"><li>i</li></ol><figure><img src="https://x.test/a.png" alt=""></figure>`
	if err := webfmt.Validate(webfmt.Msg{HTML: ok}); err != nil {
		t.Errorf("Validate(ok) = %v", err)
	}
	if err := webfmt.Validate(webfmt.Msg{Parts: []webfmt.Part{{Kind: "html", HTML: "<p>x</p>"}, {Kind: "audio", Audio: &webfmt.Audio{URL: "javascript:x"}}}}); err == nil {
		t.Error("Validate accepted an unsafe audio URL")
	}
}

func TestRenderNilBlocks(t *testing.T) {
	var text *formatting.Text
	var para *formatting.Para
	m := formatting.Message{Blocks: []formatting.Block{nil, text, &formatting.Text{Rich: formatting.Rich{nil, para, &formatting.Para{Spans: []formatting.Span{{Text: "ok"}}}}}}}
	w := webfmt.Render(m)
	if w.HTML != "<p>ok</p>" {
		t.Errorf("HTML = %q", w.HTML)
	}
	if d := formatting.Dump(m); !strings.Contains(d, "<nil block>") {
		t.Errorf("Dump = %s", d)
	}
	_ = formatting.Rich{nil, para}.PlainText()
}
