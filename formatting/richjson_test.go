package formatting_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

// everyKind has one block of each kind, nested, with every mark and a link.
func everyKind() formatting.Rich {
	sp := func(s string, m formatting.Mark) formatting.Span { return formatting.Span{Text: s, Marks: m} }
	return formatting.Rich{
		&formatting.Heading{Level: 2, Spans: []formatting.Span{sp("Title", formatting.Bold)}},
		&formatting.Para{Spans: []formatting.Span{
			sp("a ", formatting.Italic|formatting.Underline), {Text: "link", Link: "https://example.com/x?y=1"},
			{Text: "\n"}, sp("code", formatting.Code|formatting.Strike),
		}},
		&formatting.List{Ordered: true, Start: 3, Items: []formatting.Rich{
			{&formatting.Para{Spans: []formatting.Span{sp("one", 0)}}},
			{&formatting.List{Items: []formatting.Rich{{&formatting.Para{Spans: []formatting.Span{sp("nested", 0)}}}}}},
		}},
		&formatting.CodeBlock{Lang: "go", Code: "x := 1\n"},
		&formatting.Quote{Body: formatting.Rich{&formatting.Para{Spans: []formatting.Span{sp("quoted", 0)}}}},
		&formatting.Table{Header: true, Rows: [][][]formatting.Span{
			{{sp("h1", 0)}, {sp("h2", formatting.Bold)}},
			{{sp("c1", 0)}, nil},
		}},
		&formatting.Rule{},
	}
}

// The JSON form is a stored format (the bridge's inbox): this pins it.
func TestRichJSONForm(t *testing.T) {
	r := formatting.Rich{
		&formatting.Para{Spans: []formatting.Span{{Text: "hi ", Marks: formatting.Bold}, {Text: "docs", Link: "https://example.com/"}}},
		&formatting.List{Ordered: true, Start: 2, Items: []formatting.Rich{{&formatting.Rule{}}}},
		nil,
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"t":"p","s":[{"x":"hi ","m":1},{"x":"docs","l":"https://example.com/"}]},{"t":"ol","n":2,"i":[[{"t":"hr"}]]}]`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestRichJSONRoundTrip(t *testing.T) {
	for name, r := range map[string]formatting.Rich{
		"every kind": everyKind(),
		"nil":        nil,
		"html":       mustHTML(`<h1>T</h1><p><b>b</b> <a href="https://x.test/a">a</a></p><ul><li>x<ol start="4"><li>y</ol></ul><table><tr><th>h<td>d</table><pre>p</pre><blockquote>q</blockquote><hr>`),
	} {
		t.Run(name, func(t *testing.T) { roundTrip(t, r) })
	}
}

func mustHTML(s string) formatting.Rich { r, _ := formatting.ParseHTML(s); return r }

// Decoding is where stored bytes come back: it refuses what it does not know
// and never returns a link SafeLink refuses.
func TestRichJSONDecodeRefuses(t *testing.T) {
	for _, in := range []string{
		`[{"t":"marquee"}]`, `{"t":"p"}`, `[{"t":"p","s":[{"x":"a","m":300}]}]`, `[1]`,
		`[{"t":"quote","b":[{"t":"blink"}]}]`,
	} {
		var r formatting.Rich
		if err := json.Unmarshal([]byte(in), &r); err == nil {
			t.Errorf("%s: decoded as %#v, want an error", in, r)
		}
	}
	var r formatting.Rich
	if err := json.Unmarshal([]byte(`[{"t":"p","s":[{"x":"x","l":"javascript:alert(1)"}]}]`), &r); err != nil {
		t.Fatal(err)
	}
	if l := r[0].(*formatting.Para).Spans[0].Link; l != "" {
		t.Fatalf("unsafe link kept: %q", l)
	}
}

// roundTrip checks that r encodes, decodes to the same tree (nil blocks gone,
// empty slices nil) and that encoding is stable from then on.
func roundTrip(t *testing.T, r formatting.Rich) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var got formatting.Rich
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
	if want := normRich(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip of %s:\ngot  %s\nwant %s", b, dumpRich(got), dumpRich(want))
	}
	// From the first decoding on, the bytes are a fixed point (the first
	// encoding may still escape invalid UTF-8 as \ufffd).
	b2, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var again formatting.Rich
	if err := json.Unmarshal(b2, &again); err != nil {
		t.Fatal(err)
	}
	if b3, _ := json.Marshal(again); !bytes.Equal(b2, b3) {
		t.Fatalf("not stable:\n%s\n%s", b2, b3)
	}
}

// normRich is r as decoding gives it back: no nil blocks, empty slices nil.
func normRich(r formatting.Rich) formatting.Rich {
	var out formatting.Rich
	for _, rb := range r {
		switch b := rb.(type) {
		case *formatting.Para:
			if b != nil {
				out = append(out, &formatting.Para{Spans: normSpans(b.Spans)})
			}
		case *formatting.Heading:
			if b != nil {
				out = append(out, &formatting.Heading{Level: b.Level, Spans: normSpans(b.Spans)})
			}
		case *formatting.List:
			if b != nil {
				l := &formatting.List{Ordered: b.Ordered}
				if b.Ordered {
					l.Start = b.Start
				}
				for _, it := range b.Items {
					l.Items = append(l.Items, normRich(it))
				}
				out = append(out, l)
			}
		case *formatting.CodeBlock:
			if b != nil {
				out = append(out, &formatting.CodeBlock{Lang: viaJSON(b.Lang), Code: viaJSON(b.Code)})
			}
		case *formatting.Quote:
			if b != nil {
				out = append(out, &formatting.Quote{Body: normRich(b.Body)})
			}
		case *formatting.Table:
			if b != nil {
				tb := &formatting.Table{Header: b.Header}
				for _, row := range b.Rows {
					var cells [][]formatting.Span
					if row != nil {
						cells = make([][]formatting.Span, len(row))
					}
					for i, c := range row {
						cells[i] = normSpans(c)
					}
					tb.Rows = append(tb.Rows, cells)
				}
				out = append(out, tb)
			}
		case *formatting.Rule:
			if b != nil {
				out = append(out, &formatting.Rule{})
			}
		}
	}
	return out
}

func normSpans(sp []formatting.Span) []formatting.Span {
	if len(sp) == 0 {
		return nil
	}
	out := make([]formatting.Span, len(sp))
	for i, s := range sp {
		out[i] = formatting.Span{Text: viaJSON(s.Text), Marks: s.Marks, Link: viaJSON(s.Link)}
	}
	return out
}

// viaJSON is s as JSON gives it back: invalid UTF-8 becomes U+FFFD.
func viaJSON(s string) string {
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &s)
	return s
}

// Any rich text the parsers build survives the JSON form unchanged.
func FuzzRichJSONRoundTrip(f *testing.F) {
	for _, s := range []string{
		"", "<p>a</p>", "<ul><li>a<ol start=-3><li>b</ol></ul>", "<table><tr><th>a<td>b</table>",
		"<pre>\n x\n</pre>", "<blockquote><h2>q</h2><hr></blockquote>", `<a href="https://x.test/?a=1&amp;b">l</a>`,
		"plain\ntext\n\nparas", "<p>日本語 😀 &nbsp;</p>", "<b><i><u><s><code>all</code></s></u></i></b>",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, plain bool) {
		var r formatting.Rich
		if plain {
			r = formatting.ParsePlain(s)
		} else {
			r, _ = formatting.ParseHTML(s)
		}
		roundTrip(t, r)
	})
}

// Arbitrary bytes never panic the decoder, and what it accepts is stable.
func FuzzRichJSONDecode(f *testing.F) {
	b, _ := json.Marshal(everyKind())
	f.Add(b)
	f.Add([]byte(`[{"t":"p","s":[{"x":"x","l":"javascript:1"}]}]`))
	f.Add([]byte(`[{"t":"quote","b":[{"t":"quote"}]}]`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r formatting.Rich
		if err := json.Unmarshal(b, &r); err != nil {
			return
		}
		checkLinks(t, r)
		roundTrip(t, r)
	})
}

func dumpRich(r formatting.Rich) string {
	return formatting.Dump(formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: r}}})
}

// checkLinks fails when r holds a link SafeLink refuses.
func checkLinks(t *testing.T, r formatting.Rich) {
	t.Helper()
	eachSpans(r, func(sp []formatting.Span) {
		for _, s := range sp {
			if s.Link != "" {
				if _, ok := formatting.SafeLink(s.Link); !ok {
					t.Fatalf("unsafe link %q", s.Link)
				}
			}
		}
	})
}
