package formatting

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// streamSeeds are HTML inputs for FuzzStreamMatchesTree: every string in the
// answer fixtures that has markup, the FuzzParseHTML corpus, and cases chosen for
// the HTML5 tree builder's rules that streamHTML has to refuse.
func streamSeeds(tb testing.TB) []string {
	seeds := []string{
		"", "x", "<p>a</p>", "<p>a<p>b", "<p>a<div>b</div>c</p>", "<p><span><div>x</div></span></p>",
		"<ul><li>a<li>b</ul>", "<ul><li>a<span><li>b</span></ul>", "<ul><li>a<div><li>b</div></ul>",
		"<ul><li><ul><li>x</ul><li>y</ul>", "<ul> <li>a</li> stray <b>s</b><!--c--><br><img src=https://x.test/i.png alt=I><p>q</p></ul>",
		"<ul><!--c-->t<li>a</ul>", "<ol start=' 3 '><li>a</ol><ol start=1><li>b</ol><ol start=x><li>c</ol>",
		"<h1>a<h2>b</h2></h1>", "<h3>a</h2>", "<h2><p>x</p></h2><h4></h4>", "<a href=https://x.test>a<a href=https://y.test>b</a></a>",
		"<b>x<i>y</b>z</i>", "<b><b><b><b>deep</b></b></b></b>x", "<b>1<b>2<b>3<b>4</b>5</b>6</b>7</b>8",
		"<pre>\nx</pre>", "<pre>\n\nx</pre>", "<pre>\r\nx</pre>", "<pre><!---->\nx</pre>", "<pre>\x00\nx</pre>", "<pre><b>\nx</b></pre>",
		"<pre>a<pre>\nb</pre>c</pre>", "<pre class=language-go><code class=lang-js>x</code></pre>", "<pre><i>i</i><code class=lang-js>x</code><code class=lang-c>y</code></pre>",
		"<pre>a<br>b<span hidden>h</span><img src=https://x.test/a.png alt=A></pre>", "<pre>  </pre>", "<li>x</li>", "<div><li>x</div>",
		"<blockquote></blockquote><blockquote> <p>q</p></blockquote>", "<p hidden>h<b>b</b></p><span style='display:none'>n</span>v",
		"<ul hidden><li>x</ul><ul style='font-weight:bold'><li hidden style='font-style:italic'>y</ul>", "<br hidden><img hidden src=https://x.test/a.png><hr style='display: none'>",
		"a\x00b", "<p>\x00</p>", "&amp;&nbsp;&#0;", "a\r\nb\rc", "<p/>x<span/>y<br/>z", "<P>Up<B>per</B></P>", "<p>a</p ><p>b</p foo=bar>",
		"<p>x</br>y</p>", "</p>x", "x</span>", "<span>x</div>", "<img>", "<hr>x<hr/>", "<p>a<hr>b</p>", "<table><tr><td>x</table>",
		"<dl><dt>a<dd>b</dl>", "<!DOCTYPE html><p>x", "<html><body>x</body></html>", "<head></head>x", "<script>x</script>y", "<svg><p>x</svg>",
		"<span data-type=flow data-id=1>f</span>", "<span data-type=flow>f</span>", "<p>a<!--c-->b</p>", "<!--c--> <p>x</p>", " \x00 x", "<p>a<", "<p>a</", "<p>a<b",
		"<span style='FONT-WEIGHT: BOLD !important'>b</span>", "<a href='java&#10;script:x'>j</a><a href=https://x.test/a&amp;b>k</a>",
		"<img src=https://x.test/a.png alt='a&lt;b'><a href=https://x.test><img src=https://x.test/b.png></a>",
		"<h3><img src=https://x.test/a.png>t</h3><ul><li><img src=https://x.test/b.png></ul><blockquote><img src=https://x.test/c.png></blockquote>",
		"<foo>x</foo>", "<o:p>x</o:p>", "<font color=red>r</font><center>c</center><nobr>n</nobr>", "<main><section><article><p>deep</p></article></section></main>",
		strings.Repeat("<ul><li>x", 12) + "y", strings.Repeat("<blockquote>", 10) + "q", strings.Repeat("<span>", 150) + "deep",
		strings.Repeat("<img src=https://x.test/a.png>", 60),
	}
	paths, _ := filepath.Glob(filepath.Join("testdata", "answers", "*.json"))
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, markupIn(raw)...)
	}
	corpus, _ := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParseHTML", "*"))
	for _, p := range corpus {
		raw, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if q, ok := strings.CutPrefix(line, "string("); ok {
				if s, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
					seeds = append(seeds, s)
				}
			}
		}
	}
	return seeds
}

// markupIn returns the strings with markup anywhere in a JSON document, strings
// that hold JSON included.
func markupIn(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			if strings.Contains(v, "<") {
				out = append(out, v)
			}
			out = append(out, markupIn([]byte(v))...)
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// FuzzStreamMatchesTree checks the promise streamHTML makes: wherever it accepts
// the HTML, its result is treeHTML's.
func FuzzStreamMatchesTree(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := streamHTML(s)
		if !ok {
			return
		}
		if want := treeHTML(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("streamHTML(%q) differs from the tree:\n--- stream ---\n%s\n--- tree ---\n%s", s, dumpResult(got), dumpResult(want))
		}
	})
}

func dumpResult(r htmlResult) string {
	return Dump(Message{Blocks: htmlBlocks(r)})
}

// TestStreamAccepts keeps the fast path in use for what KM's editor writes: a
// change that makes streamHTML refuse it would pass every other test, only slower.
func TestStreamAccepts(t *testing.T) {
	for _, s := range []string{
		`<h3>How to change your plan</h3><p>Open <a href="https://example.com/settings">Settings</a> and choose <b>Plan</b>. 您可以随时更改套餐,<em>费用按天计算</em>。</p><ul><li>Basic</li><li>Pro</li></ul>`,
		"<p>不和平</p>\n<p><span style=\"color: #e03e2d;\"><strong>注意</strong></span>&nbsp;事项<br></p><p><img src=\"https://x.test/a.png\" alt=\"\" width=\"300\"></p>",
		"<ol start=\"2\"><li><p>one</p></li><li>two<ul><li>sub</li></ul></li></ol><blockquote><p>q</p></blockquote><hr><pre><code class=\"language-go\">x := 1\n</code></pre>",
		"<div>a<br/>b</div><p style=\"text-align: center;\"><u>u</u> <s>s</s> <code>c</code> <sub>1</sub><sup>2</sup></p><p hidden>h</p>",
	} {
		if _, ok := streamHTML(s); !ok {
			t.Errorf("streamHTML refuses %q", s)
		}
	}
	for _, s := range []string{"<table><tr><td>x</table>", "<p><b>a<div>b</div>", "<b>x<i>y</b>z</i>", `<span data-type="flow" data-id="1">f</span>`} {
		if _, ok := streamHTML(s); ok {
			t.Errorf("streamHTML accepts %q, which needs the tree", s)
		}
	}
}

// streamVocab is what FuzzStreamMatchesTreeTags builds HTML from: the tags
// streamHTML takes, with the attributes it reads, and some it refuses.
var streamVocab = []string{
	"<p>", "</p>", "<div>", "</div>", "<span>", "</span>", "<b>", "</b>", "<i>", "</i>", "<strong>", "</strong>",
	"<em>", "</em>", "<u>", "</u>", "<s>", "</s>", "<code>", "</code>", "<code class=lang-go>", "<sub>", "</sub>",
	"<a href=https://x.test/a>", "<a href=javascript:x>", "</a>", "<ul>", "</ul>", "<ol>", "<ol start=3>", "</ol>",
	"<li>", "</li>", "<dl>", "</dl>", "<dt>", "</dt>", "<dd>", "</dd>", "<h1>", "</h1>", "<h3>", "</h3>",
	"<blockquote>", "</blockquote>", "<pre>", "<pre class=language-sh>", "</pre>", "<br>", "<br/>", "</br>", "<hr>",
	"<img src=https://x.test/i.png alt=I>", "<img src=/rel.png alt=R>", "<img>", "<wbr>",
	"<audio src=https://x.test/a.mp3>", "<video>", "</video>", "</audio>", "<source src=https://x.test/v.mp4>", "<source src=x>",
	"<span hidden>", "<div style='display:none'>", "<span style='font-weight:bold;font-style:italic'>", "<p style='text-decoration:underline'>",
	"<o:p>", "</o:p>", "<font>", "</font>", "<center>", "</center>", "<section>", "</section>",
	"<!--c-->", "a", " b ", "c\n", "\n", "  ", "&amp;", "&nbsp;", "\x00", "\r\n", "中文", "<", "</",
	"<table>", "<td>", "<nobr>", "<script>", "<x-y>", "</x-y>", "<p/>", "<span/>",
	"<li style='font-weight:bold'>", "<h2 hidden>", "</h2>", "<pre hidden>", "<blockquote style='display:none'>",
	"<audio hidden src=https://x.test/b.mp3>", "<video src=https://x.test/v.mp4>", "<ol start=-2>", "<ul style='font-style:italic'>",
	"<img hidden src=https://x.test/h.png alt=H>", "<details>", "</details>", "<address>", "<br hidden>", "<hr>",
}

// FuzzStreamMatchesTreeTags is FuzzStreamMatchesTree on HTML assembled from
// streamVocab, which reaches far more of what streamHTML accepts than mutated
// bytes do.
func FuzzStreamMatchesTreeTags(f *testing.F) {
	f.Add([]byte{0, 22, 31, 82, 33, 32, 85, 33, 1, 26, 27})
	f.Add([]byte{28, 30, 32, 83, 32, 83, 30, 84, 29, 86, 51, 50, 85, 52, 53})
	f.Add([]byte{47, 48, 12, 82, 85, 49, 53, 0, 82, 0, 83, 64, 82, 65, 83})
	f.Add([]byte{55, 66, 63, 83, 57, 62, 58, 36, 82, 37, 38, 40, 82, 44, 82})
	f.Fuzz(func(t *testing.T, picks []byte) {
		var b strings.Builder
		for _, p := range picks {
			b.WriteString(streamVocab[int(p)%len(streamVocab)])
		}
		s := b.String()
		got, ok := streamHTML(s)
		if !ok {
			return
		}
		if want := treeHTML(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("streamHTML(%q) differs from the tree:\n--- stream ---\n%s\n--- tree ---\n%s", s, dumpResult(got), dumpResult(want))
		}
	})
}

// TestStreamPoolIsolation checks that the pooled scratch of streamHTML carries
// nothing from one conversion into another: results made before, and others
// made at the same time, stay what they were.
func TestStreamPoolIsolation(t *testing.T) {
	seeds := streamSeeds(t)
	first := make([]htmlResult, len(seeds))
	want := make([]string, len(seeds))
	for i, s := range seeds {
		first[i] = parseHTML(s)
		want[i] = dumpResult(first[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range len(seeds) * 3 {
				i := (k*7 + g*13) % len(seeds)
				if got := dumpResult(parseHTML(seeds[i])); got != want[i] {
					select {
					case errs <- fmt.Sprintf("%q converted at the same time as others:\n%s\nwant\n%s", seeds[i], got, want[i]):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for i := range seeds {
		if got := dumpResult(first[i]); got != want[i] {
			t.Errorf("result for %q changed by later conversions:\n%s\nwant\n%s", seeds[i], got, want[i])
		}
	}
}
