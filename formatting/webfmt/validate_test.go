package webfmt

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
)

// plainTokens are what webfmt writes, and near misses: sequences of them put
// the parser's tree building (implied elements, foster parenting, reopened
// formatting elements) to work.
var plainTokens = []string{
	"<p>", "</p>", "<br>", "<b>", "</b>", "<i>", "</i>", "<u>", "</u>", "<s>", "</s>", "<code>", "</code>",
	"<pre>", "</pre>", "<blockquote>", "</blockquote>", "<ul>", "</ul>", "<ol>", `<ol start="3">`, `<ol start="-2">`,
	"</ol>", "<li>", "</li>", "<h3>", "</h3>", "<h6>", "</h6>", "<table>", "</table>", "<thead>", "</thead>",
	"<tbody>", "</tbody>", "<tr>", "</tr>", "<th>", "</th>", "<td>", "</td>", "<figure>", "</figure>",
	"<figcaption>", "</figcaption>", "<hr>", "<a>", "</a>", "<img>",
	`<a href="https://ex.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">`,
	`<a href="mailto:a@b.c" rel="noopener noreferrer" target="_blank">`,
	`<a href="javascript:alert(1)" rel="noopener noreferrer" target="_blank">`,
	`<a href="https://ex.com/&#34;x" rel="noopener noreferrer" target="_blank">`,
	`<a href="https://ex.com" rel="noopener" target="_blank">`,
	`<img src="https://ex.com/p.png" alt="a &lt;b&gt; &#39;c&#39;">`, `<img src="data:x" alt="">`, `<img src="https://ex.com/p.png" alt="x>`,
	"text", " ", "\n", "&amp;", "&lt;", "&", "中文", "\x00", "\r", ">", `"`, "<", "</", "<!--", "-->", "<script>", "</br>",
	"<image>", "<svg>", "<math>", "<col>", "<select>", "<textarea>", "<p ", "<P>", "<a href=x>",
}

// TestPlainHTMLIsValid holds plainHTML to its promise: what it takes, the
// parser-based check takes too; and what webfmt writes, it takes.
func TestPlainHTMLIsValid(t *testing.T) {
	for _, s := range plainTokens {
		checkPlainHTML(t, s)
	}
	var v validator
	for _, s := range []string{
		`<h3>T</h3><p>a <a href="https://ex.com/s?a=1&amp;b=2" rel="noopener noreferrer" target="_blank"><b>b</b></a></p>`,
		`<ol start="4"><li>x</li></ol><table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>`,
		`<figure><img src="https://ex.com/p.png" alt="a &#34;b&#34;"><figcaption>c</figcaption></figure><hr><pre><code>x &lt; y</code></pre>`,
	} {
		if !v.plainHTML(s) {
			t.Errorf("plainHTML(%q) = false, want true", s)
		}
		checkPlainHTML(t, s)
	}
}

func checkPlainHTML(t *testing.T, s string) {
	t.Helper()
	var v validator
	if v.plainHTML(s) {
		if err := validateHTML(s); err != nil {
			t.Fatalf("plainHTML(%q), but validateHTML: %v", s, err)
		}
	}
}

// FuzzPlainHTMLTags builds HTML from plainTokens.
func FuzzPlainHTMLTags(f *testing.F) {
	f.Add([]byte{40, 0, 38, 1, 2, 3})
	f.Add([]byte{36, 37, 38, 39, 40, 49, 50, 1, 2, 48})
	f.Fuzz(func(t *testing.T, picks []byte) {
		var b strings.Builder
		for _, c := range picks {
			b.WriteString(plainTokens[int(c)%len(plainTokens)])
		}
		checkPlainHTML(t, b.String())
	})
}

// FuzzPlainHTML takes any string.
func FuzzPlainHTML(f *testing.F) {
	for _, s := range plainTokens {
		f.Add("<p>" + s + "</p>")
	}
	f.Fuzz(func(t *testing.T, s string) { checkPlainHTML(t, s) })
}

// TestPlainHTMLDepth: near the parser's depth limit, plainHTML takes only what
// the parser takes, and a rendering nested deeper than the parser reads is
// still refused.
func TestPlainHTMLDepth(t *testing.T) {
	for _, unit := range []string{"<b>", "<table><td>", "<ul><li>", "<blockquote>", "<a><p>", "<b><p></b>"} {
		for _, n := range []int{maxPlainStarts / 2, maxPlainStarts, maxPlainStarts + 1, 300} {
			checkPlainHTML(t, strings.Repeat(unit, n))
		}
	}
	var v validator
	if s := strings.Repeat("<b>", maxPlainStarts+1); v.plainHTML(s) {
		t.Errorf("plainHTML takes %d start tags, more than maxPlainStarts", maxPlainStarts+1)
	}
	deep := strings.Repeat("<ul><li>", 300) + "x"
	if err := Validate(Msg{HTML: deep}); err == nil || !strings.Contains(err.Error(), "exceeds 512") {
		t.Errorf("Validate(HTML nested 600 deep) = %v, want the parser's refusal", err)
	}
}

// TestValidateSaysWhere pins the whole report, places and order: the places
// are spelled out only on failure, and HTML plainHTML does not take is parsed.
func TestValidateSaysWhere(t *testing.T) {
	want := `webfmt: html: attribute onclick="x" not allowed on <p>
webfmt: part 0 (html): attribute href="javascript:x" not allowed on <a>
webfmt: part 1 (buttons) button 1: unsafe link "javascript:alert(1)"
webfmt: part 2 (buttons): no buttons
webfmt: part 3 (select): no select
webfmt: part 4 (select) button 0: unsafe link "javascript:alert(1)"
webfmt: part 5 (card) url: unsafe link "javascript:x"
webfmt: part 5 (card) image: unsafe URL "ftp://x"
webfmt: part 5 (card) icon: unsafe URL "data:x"
webfmt: part 5 (card) body: tag <script> not allowed
webfmt: part 5 (card) field 1: unexpected node type 4
webfmt: part 5 (card) button 1: unsafe link "javascript:alert(1)"
webfmt: part 6 (card): no card
webfmt: part 7 (products) item 1 url: unsafe link "javascript:x"
webfmt: part 7 (products) item 1 image: unsafe URL "ftp://x"
webfmt: part 7 (products) item 1 icon: unsafe URL "data:x"
webfmt: part 7 (products) item 1 body: tag <script> not allowed
webfmt: part 7 (products) item 1 field 1: unexpected node type 4
webfmt: part 7 (products) item 1 button 1: unsafe link "javascript:alert(1)"
webfmt: part 7 (products) paging: unsafe link "javascript:alert(1)"
webfmt: part 8 (products): no products
webfmt: part 9 (location) map: unsafe URL "mailto:a@b"
webfmt: part 10 (location): no location
webfmt: part 11 (audio): unsafe URL "javascript:x"
webfmt: part 12 (audio): no audio URL
webfmt: part 13 (file): unsafe URL "tel:1"
webfmt: part 14 (file): no file
webfmt: part 16 (weird): unknown kind
webfmt: part 17 (html): attribute title="t" not allowed on <img>
webfmt: input hints button 1: unsafe link "javascript:alert(1)"`
	if err := Validate(badMsg()); err == nil || err.Error() != want {
		t.Errorf("Validate =\n%v\nwant\n%s", err, want)
	}
}

// badMsg has a problem of every kind Validate reports, in every place.
func badMsg() Msg {
	bad := Button{Label: "x", URL: "javascript:alert(1)"}
	card := Card{URL: "javascript:x", ImageURL: "ftp://x", IconURL: "data:x", BodyHTML: "<script>x</script>", Fields: []Field{{Label: "l", ValueHTML: "<p>ok</p>"}, {Label: "m", ValueHTML: "<!-- c -->"}}, Buttons: []Button{{Label: "ok", URL: "https://ex.com"}, bad}}
	return Msg{
		HTML: `<p onclick="x">a</p>`,
		Parts: []Part{
			{Kind: KindHTML, HTML: `<a href="javascript:x">y</a>`},
			{Kind: KindButtons, Buttons: &Buttons{Items: []Button{{Label: "a", Token: "t"}, bad}}},
			{Kind: KindButtons},
			{Kind: KindSelect},
			{Kind: KindSelect, Select: &Select{Options: []Button{bad}}},
			{Kind: KindCard, Card: &card},
			{Kind: KindCard},
			{Kind: KindProducts, Products: &Products{Items: []Card{{}, card}, Prev: &bad, Next: &Button{URL: "https://ok.com"}}},
			{Kind: KindProducts},
			{Kind: KindLocation, Location: &Location{MapURL: "mailto:a@b"}},
			{Kind: KindLocation},
			{Kind: KindAudio, Audio: &Audio{URL: "javascript:x"}},
			{Kind: KindAudio, Audio: &Audio{}},
			{Kind: KindFile, File: &File{URL: "tel:1"}},
			{Kind: KindFile},
			{Kind: KindDivider},
			{Kind: "weird"},
			{Kind: KindHTML, HTML: `<ol start="x"><li>a</li></ol><img src="https://ex.com/a.png" alt="x" title="t">`},
		},
		InputHints: []Button{{Label: "ok", Token: "t"}, bad},
	}
}

// TestPlainHTMLTakesRenderings: every HTML field of the shared fixtures'
// renderings is checked without the parser.
func TestPlainHTMLTakesRenderings(t *testing.T) {
	fxs, err := fmttest.Load(filepath.Join("..", "testdata", "answers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		o, _ := fmttest.Options(i18n.Printer{})
		m, _ := fx.Message(o)
		w := Render(m)
		htmls := []string{w.HTML}
		for _, p := range w.Parts {
			htmls = append(htmls, p.HTML)
			cards := []*Card{p.Card}
			if p.Products != nil {
				for i := range p.Products.Items {
					cards = append(cards, &p.Products.Items[i])
				}
			}
			for _, c := range cards {
				if c != nil {
					htmls = append(htmls, c.BodyHTML)
					for _, f := range c.Fields {
						htmls = append(htmls, f.ValueHTML)
					}
				}
			}
		}
		for _, h := range htmls {
			var v validator
			if !v.plainHTML(h) {
				t.Errorf("%s: plainHTML(%q) = false", fx.Name, h)
			}
		}
	}
}
