package tgfmt

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

func TestEscaping(t *testing.T) {
	tests := []struct {
		name string
		in   formatting.Message
		want string
	}{
		{"specials", msg(txt(s(`a < b && c > "d" 'e'`))), `a &lt; b &amp;&amp; c &gt; "d" 'e'`},
		{"entity-looking text", msg(txt(s("&amp; &lt;b&gt; &#60;"))), "&amp;amp; &amp;lt;b&amp;gt; &amp;#60;"},
		{"tags in text", msg(txt(s("<b>not bold</b><script>"))), "&lt;b&gt;not bold&lt;/b&gt;&lt;script&gt;"},
		{"bold specials", msg(txt(sm("<&>", formatting.Bold))), "<b>&lt;&amp;&gt;</b>"},
		{"href quote and amp", msg(txt(link("x", `https://e.com/?a=1&b="2"`))), `<a href="https://e.com/?a=1&amp;b=%222%22">x</a>`},
		{"href angle", msg(txt(link("x", `https://e.com/<script>`))), `<a href="https://e.com/%3Cscript%3E">x</a>`},
		{"code specials", msg(rich(&formatting.CodeBlock{Code: "if a<b && c>d {}"})), "<pre>if a&lt;b &amp;&amp; c&gt;d {}</pre>"},
		{"code lang attr", msg(rich(&formatting.CodeBlock{Lang: `go"><b`, Code: "x"})), "<pre>x</pre>"},
		{"code lang", msg(rich(&formatting.CodeBlock{Lang: "Go", Code: "x := 1"})), `<pre><code class="language-go">x := 1</code></pre>`},
		{"control chars", msg(txt(s("a\x00b\x07c\r\nd\re"))), "abc\nd\ne"},
		{"invalid utf8", msg(txt(s("a\xffb"))), "a\uFFFDb"},
		{"javascript link", msg(txt(link("click", "javascript:alert(1)"))), "click"},
		{"data link", msg(txt(link("img", "data:text/html,<b>x</b>"))), "img"},
		{"relative link", msg(txt(link("rel", "/path"))), "rel"},
		{"mailto", msg(txt(link("Mail us", "mailto:help@example.com"))), "Mail us (help@example.com)"},
		{"mailto same text", msg(txt(link("help@example.com", "mailto:help@example.com"))), "help@example.com"},
		{"tel", msg(txt(link("", "tel:+86-10-1234"))), "+86-10-1234"},
		{"empty link text", msg(txt(link("", "https://e.com/a"))), `<a href="https://e.com/a">https://e.com/a</a>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := onlyText(t, render(t, tt.in))
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNesting(t *testing.T) {
	const B, I, U, S, C = formatting.Bold, formatting.Italic, formatting.Underline, formatting.Strike, formatting.Code
	tests := []struct {
		name string
		in   formatting.Message
		want string
	}{
		{"all marks", msg(txt(sm("x", B|I|U|S))), "<b><i><u><s>x</s></u></i></b>"},
		{"shared outer", msg(txt(sm("a", B), sm("b", B|I), sm("c", B))), "<b>a<i>b</i>c</b>"},
		{"disjoint", msg(txt(sm("a", B), sm("b", I))), "<b>a</b><i>b</i>"},
		{"code drops marks", msg(txt(sm("a", B|C))), "<code>a</code>"},
		{"link outside marks", msg(txt(formatting.Span{Text: "a", Marks: B, Link: "https://e.com"}, s(" b"))),
			`<a href="https://e.com"><b>a</b></a> b`},
		{"linked code is a link", msg(txt(formatting.Span{Text: "f()", Marks: C | B, Link: "https://e.com"})),
			`<a href="https://e.com"><b>f()</b></a>`},
		{"quote", msg(rich(&formatting.Quote{Body: formatting.Rich{para(s("q1")), para(sm("q2", B))}})),
			"<blockquote>q1\n\n<b>q2</b></blockquote>"},
		{"nested quote", msg(rich(&formatting.Quote{Body: formatting.Rich{para(s("a")), &formatting.Quote{Body: formatting.Rich{para(s("b"))}}}})),
			"<blockquote>a\n\n│ b</blockquote>"},
		{"code in quote", msg(rich(&formatting.Quote{Body: formatting.Rich{&formatting.CodeBlock{Code: "x\ny"}}})),
			"<blockquote><code>x</code>\n<code>y</code></blockquote>"},
		{"heading", msg(rich(&formatting.Heading{Level: 1, Spans: []formatting.Span{s("Title "), sm("it", I)}}, para(s("body")))),
			"<b>Title <i>it</i></b>\n\nbody"},
		{"context is italic", msg(&formatting.Text{Context: true, Rich: formatting.Rich{para(s("note "), sm("b", B))}}),
			"<i>note </i><b><i>b</i></b>"},
		{"pre then para", msg(rich(&formatting.CodeBlock{Code: "a\n\nb"}, para(s("after")))),
			"<pre>a\n\nb</pre>\n\nafter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := onlyText(t, render(t, tt.in))
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLists(t *testing.T) {
	item := func(spans ...formatting.Span) formatting.Rich { return formatting.Rich{para(spans...)} }
	nested := &formatting.List{Items: []formatting.Rich{
		item(s("one")),
		{para(s("two")), &formatting.List{Ordered: true, Start: 3, Items: []formatting.Rich{
			item(s("three")),
			{para(s("four")), &formatting.List{Items: []formatting.Rich{item(s("deep"))}}},
		}}},
		{para(s("multi\nline")), &formatting.CodeBlock{Code: "code <x>"}},
	}}
	got := onlyText(t, render(t, msg(rich(nested))))
	want := strings.Join([]string{
		"• one",
		"• two",
		"   3. three",
		"   4. four",
		"       ▪ deep",
		"• multi",
		"   line",
		"   <code>code &lt;x&gt;</code>",
	}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestTableAndRule(t *testing.T) {
	tbl := &formatting.Table{Header: true, Rows: [][][]formatting.Span{
		{{s("Name")}, {s("Price")}},
		{{link("Tea", "https://e.com/tea")}, {s("3 < 4")}},
		{{s("")}, {s(" ")}},
	}}
	got := onlyText(t, render(t, msg(rich(tbl, &formatting.Rule{}, para(s("end"))))))
	want := "<b>Name</b> | <b>Price</b>\n<a href=\"https://e.com/tea\">Tea</a> | 3 &lt; 4\n\n──────────\n\nend"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
