package formatting

import (
	"strconv"
	"strings"
	"testing"
)

// compact renders rich text in a terse notation for table tests:
// P{…} paragraph, H2{…} heading, UL{…|…} / OL3{…} lists, Q{…} quote, CODE{…},
// T{…} table (TH when headed; rows by ';', cells by ','), HR; spans as
// b(…) i(…) u(…) s(…) c(…), links [text](url), "/" a line break.
func compact(r Rich) string {
	var parts []string
	for _, rb := range r {
		switch v := rb.(type) {
		case *Para:
			parts = append(parts, "P{"+compactSpans(v.Spans)+"}")
		case *Heading:
			parts = append(parts, "H"+strconv.Itoa(v.Level)+"{"+compactSpans(v.Spans)+"}")
		case *List:
			tag := "UL"
			if v.Ordered {
				tag = "OL"
				if v.Start != 0 {
					tag += strconv.Itoa(v.Start)
				}
			}
			var items []string
			for _, it := range v.Items {
				items = append(items, compact(it))
			}
			parts = append(parts, tag+"{"+strings.Join(items, "|")+"}")
		case *Quote:
			parts = append(parts, "Q{"+compact(v.Body)+"}")
		case *CodeBlock:
			parts = append(parts, "CODE"+v.Lang+"{"+v.Code+"}")
		case *Table:
			tag := "T"
			if v.Header {
				tag = "TH"
			}
			var rows []string
			for _, row := range v.Rows {
				var cells []string
				for _, c := range row {
					cells = append(cells, compactSpans(c))
				}
				rows = append(rows, strings.Join(cells, ","))
			}
			parts = append(parts, tag+"{"+strings.Join(rows, ";")+"}")
		case *Rule:
			parts = append(parts, "HR")
		}
	}
	return strings.Join(parts, " ")
}

func compactSpans(spans []Span) string {
	var b strings.Builder
	for _, sp := range spans {
		if sp.Text == "\n" {
			b.WriteString("/")
			continue
		}
		t := sp.Text
		for _, m := range []struct {
			m Mark
			n string
		}{{Code, "c"}, {Strike, "s"}, {Underline, "u"}, {Italic, "i"}, {Bold, "b"}} {
			if sp.Marks&m.m != 0 {
				t = m.n + "(" + t + ")"
			}
		}
		if sp.Link != "" {
			t = "[" + t + "](" + sp.Link + ")"
		}
		b.WriteString(t)
	}
	return b.String()
}

func TestParseHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
		images         []string
	}{
		{"empty", "", "", nil},
		{"km empty audio paragraphs", "<p>不和平</p>\n<p><audio style=\"display: none;\" controls=\"controls\"></audio></p>\n<p><audio style=\"display: none;\" controls=\"controls\"></audio></p>", "P{不和平}", nil},
		{"plain with newlines", "line 1\nline 2\n\npara 2 &amp; more", "P{line 1/line 2} P{para 2 & more}", nil},
		{"whitespace collapsed", "<p>  a \n\t b  <b> c </b> d </p>", "P{a b b(c )d}", nil},
		{"br", "<p>a<br>b<br/><br>c<br></p>", "P{a/b//c}", nil},
		{"marks", "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del><code>c</code>", "P{b(bs)i(ie)u(un)s(skd)c(c)}", nil},
		{"nested marks", "<b>x<i>y</i></b>", "P{b(x)b(i(y))}", nil},
		{"style marks", `<span style="font-weight: bold">B</span><span style="font-style:italic;text-decoration:underline line-through">I</span><span style="font-weight:700">W</span>`, "P{b(B)i(u(s(I)))b(W)}", nil},
		{"links kept", `<a href="https://x.test/a b">h</a> <a href="HTTP://x.test">H</a> <a href="mailto:a@x.test">m</a> <a href="tel:+1">t</a>`, "P{[h](https://x.test/a%20b) [H](http://x.test) [m](mailto:a@x.test) [t](tel:+1)}", nil},
		{"links dropped", `<a href="javascript:alert(1)">j</a> <a href="data:text/html,x">d</a> <a href="vbscript:x">v</a> <a href="/rel">r</a> <a href="//x.test">p</a> <a href="java&#10;script:x">n</a> <a>none</a>`, "P{j d v r p n none}", nil},
		{"headings", "<h1>One</h1><h6><b>Six</b></h6><h3></h3>", "H1{One} H6{b(Six)}", nil},
		{"lists", `<ul><li>a</li><li>b<ol start="4"><li>c</li></ol></li><li></li></ul>`, "UL{P{a}|P{b} OL4{P{c}}}", nil},
		{"stray list content", `<ul><li>a</li><ul><li>nested</li></ul></ul>`, "UL{P{a} UL{P{nested}}}", nil},
		{"pre kept", "<pre class=\"language-go\">  a\n    b  </pre><p>x</p>", "CODEgo{  a\n    b} P{x}", nil},
		{"pre code lang", "<pre><code class=\"lang-js\">x &lt; y</code></pre>", "CODEjs{x < y}", nil},
		{"blockquote", "<blockquote><p>q1</p><p>q2</p></blockquote>", "Q{P{q1} P{q2}}", nil},
		{"table thead", "<table><thead><tr><th>A</th><th>B</th></tr></thead><tbody><tr><td>1</td><td><b>2</b></td></tr></tbody></table>", "TH{A,B;1,b(2)}", nil},
		{"table th first row", "<table><tr><th>A</th></tr><tr><td>1</td></tr></table>", "TH{A;1}", nil},
		{"table plain", "<table><tr><td>1</td><td>2</td></tr><tr><td></td><td></td></tr></table>", "T{1,2}", nil},
		{"hr", "<p>a</p><hr><p>b</p>", "P{a} HR P{b}", nil},
		{"images pulled out", `<p>see <img src="https://x.test/a.png" alt="A"> here</p><img src="data:image/png;base64,AA" alt="inline"><img src="/rel.png"><a href="https://x.test/l"><img src="http://x.test/b.png"></a>`, "P{see here} P{inline}", []string{"https://x.test/a.png|A|", "http://x.test/b.png||https://x.test/l"}},
		{"audio video source", `<p>hear <audio src="https://x.test/a.mp3"></audio></p><video><source src="javascript:x"><source src="https://x.test/v.mp4"></video>`, "P{hear [https://x.test/a.mp3](https://x.test/a.mp3)} P{[https://x.test/v.mp4](https://x.test/v.mp4)}", nil},
		{"dropped elements", `<head><title>T</title></head><script>alert(1)</script><style>p{}</style><template><p>t</p></template><!-- c --><p onclick="x()" onmouseover="y">ok</p><noscript>ns</noscript><iframe src="https://x.test"></iframe>`, "P{ok}", nil},
		{"hidden", `<p hidden>h</p><div style="display:none">n</div><p>v</p>`, "P{v}", nil},
		{"entities and emoji", "<p>&lt;tag&gt; &amp; &quot;q&quot; &#x1F600; 中文 日本語 &nbsp;x</p>", "P{<tag> & \"q\" 😀 中文 日本語 \u00a0x}", nil},
		{"nbsp only paragraph", "<p>&nbsp;</p><p> </p>", "", nil},
		{"text at top level", "hello <b>world</b>", "P{hello b(world)}", nil},
		{"div blocks", "<div>a</div><div><div>b</div>c</div>", "P{a} P{b} P{c}", nil},
		{"unclosed tags", "<p><b>bold<p>next", "P{b(bold)} P{b(next)}", nil},
		{"link around block", `<a href="https://x.test"><p>in</p></a>`, "P{[in](https://x.test)}", nil},
		{"lt not a tag", "a < b and c > d", "P{a < b and c > d}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, imgs := ParseHTML(tt.in)
			if got := compact(r); got != tt.want {
				t.Errorf("ParseHTML(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			var gotImgs []string
			for _, im := range imgs {
				gotImgs = append(gotImgs, im.URL+"|"+im.Alt+"|"+im.Link)
			}
			if strings.Join(gotImgs, " ") != strings.Join(tt.images, " ") {
				t.Errorf("images = %q, want %q", gotImgs, tt.images)
			}
		})
	}
}

func TestParseHTMLDeepNesting(t *testing.T) {
	deep := strings.Repeat("<ul><li>x", 5000) + strings.Repeat("</li></ul>", 5000)
	r, _ := ParseHTML(deep)
	if d := nestDepth(r); d > maxRichNest+1 {
		t.Errorf("rich nesting depth %d, want ≤ %d", d, maxRichNest+1)
	}
	if n := strings.Count(r.PlainText(), "x"); n != 5000 {
		t.Errorf("lost text: %d of 5000 x", n)
	}
	divs := strings.Repeat("<div><span>", 3000) + "deep" + strings.Repeat("</span></div>", 3000)
	if r, _ := ParseHTML(divs); r.PlainText() != "deep" {
		t.Errorf("deep divs = %.200q", r.PlainText())
	}
	tooDeep := strings.Repeat("<div><b>", 600) + "text<script>x()</script><br>more" + strings.Repeat("</b></div>", 600)
	if r, _ := ParseHTML(tooDeep); r.PlainText() != "text\nmore" {
		t.Errorf("too deep for the parser = %.200q", r.PlainText())
	}
}

func nestDepth(r Rich) int {
	d := 0
	for _, rb := range r {
		switch v := rb.(type) {
		case *List:
			for _, it := range v.Items {
				d = max(d, 1+nestDepth(it))
			}
		case *Quote:
			d = max(d, 1+nestDepth(v.Body))
		}
	}
	return d
}

func TestImagePlacement(t *testing.T) {
	res := parseHTML(`<p>one</p><p><img src="https://x.test/1.png"></p><p>two <img src="https://x.test/2.png"> more</p><ul><li><img src="https://x.test/3.png">item</li></ul><p>end</p>`)
	var got []string
	for _, b := range htmlBlocks(res) {
		switch v := b.(type) {
		case *Text:
			got = append(got, compact(v.Rich))
		case *Image:
			got = append(got, "IMG "+v.URL[len(v.URL)-5:])
		}
	}
	want := []string{"P{one}", "IMG 1.png", "P{two more}", "IMG 2.png", "UL{P{item}}", "IMG 3.png", "P{end}"}
	if strings.Join(got, " ; ") != strings.Join(want, " ; ") {
		t.Errorf("blocks\n got %q\nwant %q", got, want)
	}
}

func TestPlainText(t *testing.T) {
	r, _ := ParseHTML(`<h2>Title</h2><p>Go to <a href="https://x.test/docs">the docs</a> or <a href="https://x.test">https://x.test</a>, mail <a href="mailto:a@x.test">a@x.test</a>.<br>Next line</p><ol start="9"><li>nine<ul><li>sub</li></ul></li><li>ten</li></ol><blockquote><p>q1</p><p>q2</p></blockquote><table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table><hr><p>&lt;script&gt;alert(1)&lt;/script&gt; a&lt;b</p>`)
	want := "Title\n\nGo to the docs (https://x.test/docs) or https://x.test, mail a@x.test.\nNext line\n\n" +
		"9. nine\n   • sub\n10. ten\n\n> q1\n>\n> q2\n\nA | B\n1 | 2\n\n——————\n\n<\u200bscript>alert(1)<\u200b/script> a<\u200bb"
	if got := r.PlainText(); got != want {
		t.Errorf("PlainText\n got %q\nwant %q", got, want)
	}
}

func TestSafeURLs(t *testing.T) {
	for _, tt := range []struct {
		in        string
		link, img string
	}{
		{"https://x.test/a?b=1#c", "https://x.test/a?b=1#c", "https://x.test/a?b=1#c"},
		{"  HTTPS://x.test/p q ", "https://x.test/p%20q", "https://x.test/p%20q"},
		{`https://x.test/?q="><script>`, "https://x.test/?q=%22%3E%3Cscript%3E", "https://x.test/?q=%22%3E%3Cscript%3E"},
		{"mailto:a@x.test", "mailto:a@x.test", ""},
		{"tel:+81 3", "tel:+81%203", ""},
		{"javascript:alert(1)", "", ""},
		{"JaVaScRiPt:alert(1)", "", ""},
		{"data:text/html;base64,AA", "", ""},
		{"vbscript:x", "", ""},
		{"/relative", "", ""},
		{"//proto.relative", "", ""},
		{"http://user:pw@x.test/", "", ""},
		{"https://", "", ""},
		{"java\tscript:x", "", ""},
		{"ftp://x.test/f", "", ""},
	} {
		if got, _ := SafeLink(tt.in); got != tt.link {
			t.Errorf("SafeLink(%q) = %q, want %q", tt.in, got, tt.link)
		}
		if got, _ := SafeImageURL(tt.in); got != tt.img {
			t.Errorf("SafeImageURL(%q) = %q, want %q", tt.in, got, tt.img)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", -5: "0 B", 1023: "1023 B", 1024: "1 KB", 1536: "1.5 KB", 248320: "243 KB", 10 << 20: "10 MB", 3 << 30: "3 GB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
