package slackadapter

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/formatting"
)

// p, sp and friends build expected rich text.
func para(spans ...formatting.Span) *formatting.Para { return &formatting.Para{Spans: spans} }

func sp(text string, marks formatting.Mark) formatting.Span {
	return formatting.Span{Text: text, Marks: marks}
}

func plain(text string) formatting.Span { return formatting.Span{Text: text} }

func link(text, url string) formatting.Span { return formatting.Span{Text: text, Link: url} }

var br = formatting.Span{Text: "\n"}

func names(id string) (string, bool) {
	if id == "UANN" {
		return "Ann Lee", true
	}
	return "", false
}

func TestParseMrkdwn(t *testing.T) {
	mk := markup{names: names, bot: "UBOT"}
	const (
		B = formatting.Bold
		I = formatting.Italic
		S = formatting.Strike
		C = formatting.Code
	)
	tests := []struct {
		name, in string
		want     formatting.Rich
	}{
		{"plain", "hello world", formatting.Rich{para(plain("hello world"))}},
		{"empty", "  \n ", nil},
		{"bold italic strike", "a *b* _c_ ~d~", formatting.Rich{para(plain("a "), sp("b", B), plain(" "), sp("c", I), plain(" "), sp("d", S))}},
		{"nested", "*bold _and italic_*", formatting.Rich{para(sp("bold ", B), sp("and italic", B|I))}},
		{"code", "run `go *test*` now", formatting.Rich{para(plain("run "), sp("go *test*", C), plain(" now"))}},
		{"not markers", "snake_case 2*3*4 a * b", formatting.Rich{para(plain("snake_case 2*3*4 a * b"))}},
		{"unclosed", "*open and _never", formatting.Rich{para(plain("*open and _never"))}},
		{"link with label", "see <https://ex.com/a?b=1&amp;c=2|the docs>", formatting.Rich{para(plain("see "), link("the docs", "https://ex.com/a?b=1&c=2"))}},
		{"bare link", "<https://ex.com>", formatting.Rich{para(link("https://ex.com", "https://ex.com"))}},
		{"bold link", "*<https://ex.com|x>*", formatting.Rich{para(formatting.Span{Text: "x", Link: "https://ex.com", Marks: B})}},
		{"mailto", "<mailto:a@b.c|mail me>", formatting.Rich{para(link("mail me", "mailto:a@b.c"))}},
		{"unsafe link is text", "<javascript:alert(1)|click>", formatting.Rich{para(plain("click"))}},
		{"mention by name", "hi <@UANN>", formatting.Rich{para(plain("hi "), plain("@Ann Lee"))}},
		{"mention by id", "hi <@U999>", formatting.Rich{para(plain("hi "), plain("@U999"))}},
		{"mention with label", "hi <@U999|bob>", formatting.Rich{para(plain("hi "), plain("@bob"))}},
		{"bot mention dropped", "<@UBOT> what is this", formatting.Rich{para(plain("what is this"))}},
		{"channel and here", "<#C1|general> <!here>", formatting.Rich{para(plain("#general"), plain(" "), plain("@here"))}},
		{"date fallback", "<!date^1392734382^{date}|Feb 18>", formatting.Rich{para(plain("Feb 18"))}},
		{"entities", "a &lt;b&gt; &amp; c", formatting.Rich{para(plain("a <b> & c"))}},
		{"stray angle", "a < b and c > d", formatting.Rich{para(plain("a < b and c > d"))}},
		{"lines and paragraphs", "one\ntwo\n\nthree", formatting.Rich{para(plain("one"), br, plain("two")), para(plain("three"))}},
		{"code block", "before\n```\nx := <y> &amp;\n*z*\n```\nafter", formatting.Rich{
			para(plain("before")), &formatting.CodeBlock{Code: "x := <y> &\n*z*"}, para(plain("after"))}},
		{"inline fence", "```one line```", formatting.Rich{&formatting.CodeBlock{Code: "one line"}}},
		{"unpaired fence", "a ``` b", formatting.Rich{para(plain("a ``` b"))}},
		{"quote", "&gt; quoted *text*\n&gt; more\nafter", formatting.Rich{
			&formatting.Quote{Body: formatting.Rich{para(plain("quoted "), sp("text", B), br, plain("more"))}}, para(plain("after"))}},
		{"quote the rest", "&gt;&gt;&gt;\nall\nof it", formatting.Rich{&formatting.Quote{Body: formatting.Rich{para(plain("all"), br, plain("of it"))}}}},
		{"bullets", "list:\n• one\n• *two*\n- three", formatting.Rich{para(plain("list:")), &formatting.List{Items: []formatting.Rich{
			{para(plain("one"))}, {para(sp("two", B))}, {para(plain("three"))}}}}},
		{"numbered", "3. c\n4. d", formatting.Rich{&formatting.List{Ordered: true, Start: 3, Items: []formatting.Rich{
			{para(plain("c"))}, {para(plain("d"))}}}}},
		{"cjk bold", "请*注意*安全", formatting.Rich{para(plain("请*注意*安全"))}},
		{"cjk bold spaced", "请 *注意* 安全", formatting.Rich{para(plain("请 "), sp("注意", B), plain(" 安全"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mk.parseMrkdwn(tt.in)
			if formatting.Dump(msgOf(got)) != formatting.Dump(msgOf(tt.want)) {
				t.Errorf("parseMrkdwn(%q)\ngot  %s\nwant %s", tt.in, formatting.Dump(msgOf(got)), formatting.Dump(msgOf(tt.want)))
			}
		})
	}
}

func msgOf(r formatting.Rich) formatting.Message {
	if r == nil {
		return formatting.Message{}
	}
	return formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: r}}}
}

// richBlocks decodes rich_text blocks as Slack sends them.
func richBlocks(t testing.TB, js string) []slack.Block {
	t.Helper()
	var bs slack.Blocks
	if err := json.Unmarshal([]byte(js), &bs); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return bs.BlockSet
}

func TestParseRichText(t *testing.T) {
	mk := markup{names: names, bot: "UBOT"}
	const (
		B = formatting.Bold
		I = formatting.Italic
		C = formatting.Code
	)
	tests := []struct {
		name, blocks string
		want         formatting.Rich
	}{
		{"styles, link, mentions, emoji", `[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[
			{"type":"user","user_id":"UBOT"},{"type":"text","text":" Hi "},{"type":"user","user_id":"UANN"},
			{"type":"text","text":", see "},{"type":"link","url":"https://ex.com/a","text":"this","style":{"bold":true}},
			{"type":"text","text":" and ","style":{"italic":true}},{"type":"text","text":"run()","style":{"code":true}},
			{"type":"emoji","name":"thumbsup","unicode":"1f44d"},{"type":"emoji","name":"custom"},
			{"type":"broadcast","range":"here"},{"type":"channel","channel_id":"C1"}]}]}]`,
			formatting.Rich{para(plain("Hi "), plain("@Ann Lee"), plain(", see "), formatting.Span{Text: "this", Link: "https://ex.com/a", Marks: B},
				sp(" and ", I), sp("run()", C), plain("👍"), plain(":custom:"), plain("@here"), plain("#C1"))}},
		{"paragraphs and breaks", `[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[
			{"type":"text","text":"one\ntwo\n\nthree\n"}]}]}]`,
			formatting.Rich{para(plain("one"), br, plain("two")), para(plain("three"))}},
		{"nested lists", `[{"type":"rich_text","elements":[
			{"type":"rich_text_list","style":"bullet","indent":0,"elements":[
				{"type":"rich_text_section","elements":[{"type":"text","text":"a"}]},
				{"type":"rich_text_section","elements":[{"type":"text","text":"b"}]}]},
			{"type":"rich_text_list","style":"ordered","indent":1,"elements":[
				{"type":"rich_text_section","elements":[{"type":"text","text":"b1"}]}]},
			{"type":"rich_text_list","style":"bullet","indent":0,"offset":0,"elements":[
				{"type":"rich_text_section","elements":[{"type":"text","text":"c"}]}]}]}]`,
			formatting.Rich{&formatting.List{Items: []formatting.Rich{
				{para(plain("a"))},
				{para(plain("b")), &formatting.List{Ordered: true, Items: []formatting.Rich{{para(plain("b1"))}}}},
			}}, &formatting.List{Items: []formatting.Rich{{para(plain("c"))}}}}},
		{"quote and code", `[{"type":"rich_text","elements":[
			{"type":"rich_text_quote","elements":[{"type":"text","text":"said "},{"type":"text","text":"this","style":{"bold":true}}]},
			{"type":"rich_text_preformatted","elements":[{"type":"text","text":"x := 1\ny := <2>"}]}]}]`,
			formatting.Rich{&formatting.Quote{Body: formatting.Rich{para(plain("said "), sp("this", B))}},
				&formatting.CodeBlock{Code: "x := 1\ny := <2>"}}},
		{"unsafe link", `[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[
			{"type":"link","url":"javascript:alert(1)","text":"x"}]}]}]`,
			formatting.Rich{para(plain("x"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := mk.parseBlocks(richBlocks(t, tt.blocks))
			if !ok {
				t.Fatal("no rich_text found")
			}
			if formatting.Dump(msgOf(got)) != formatting.Dump(msgOf(tt.want)) {
				t.Errorf("got  %s\nwant %s", formatting.Dump(msgOf(got)), formatting.Dump(msgOf(tt.want)))
			}
		})
	}
	if _, ok := mk.parseBlocks(richBlocks(t, `[{"type":"section","text":{"type":"mrkdwn","text":"*x*"}}]`)); ok {
		t.Error("a message without rich_text blocks: parse its text instead")
	}
	// parse: the blocks when there are some, else the text.
	if got := mk.parse(nil, "*x*"); formatting.Dump(msgOf(got)) != formatting.Dump(msgOf(formatting.Rich{para(sp("x", B))})) {
		t.Errorf("parse without blocks = %s", formatting.Dump(msgOf(got)))
	}
}

var letters = regexp.MustCompile(`\p{L}+`)

// richWords are the words of rich text, in order.
func richWords(r formatting.Rich) []string {
	var words []string
	var walk func(formatting.Rich)
	spans := func(ss []formatting.Span) {
		for _, s := range ss {
			words = append(words, letters.FindAllString(s.Text, -1)...)
		}
	}
	walk = func(r formatting.Rich) {
		for _, b := range r {
			switch b := b.(type) {
			case *formatting.Para:
				spans(b.Spans)
			case *formatting.List:
				for _, it := range b.Items {
					walk(it)
				}
			case *formatting.Quote:
				walk(b.Body)
			case *formatting.CodeBlock:
				words = append(words, letters.FindAllString(b.Code, -1)...)
			}
		}
	}
	walk(r)
	return words
}

// checkRich checks what holds of any parse: links are safe, spans are not
// empty, words come from the input.
func checkRich(t *testing.T, r formatting.Rich, input string) {
	t.Helper()
	var walk func(formatting.Rich)
	walk = func(r formatting.Rich) {
		for _, b := range r {
			switch b := b.(type) {
			case *formatting.Para:
				if len(b.Spans) == 0 {
					t.Fatalf("empty paragraph")
				}
				for _, s := range b.Spans {
					if s.Text == "" {
						t.Fatalf("empty span %+v", s)
					}
					if s.Link != "" {
						if safe, ok := formatting.SafeLink(s.Link); !ok || safe != s.Link {
							t.Fatalf("unsafe link %q", s.Link)
						}
					}
				}
			case *formatting.List:
				for _, it := range b.Items {
					walk(it)
				}
			case *formatting.Quote:
				walk(b.Body)
			}
		}
	}
	walk(r)
	in := mrkdwnEntities.Replace(input)
	for _, w := range richWords(r) {
		if !strings.Contains(in, w) {
			t.Fatalf("word %q is not in the input %q", w, input)
		}
	}
}

func FuzzParseMrkdwn(f *testing.F) {
	for _, s := range []string{"hello *world*", "<https://ex.com|x> <@U1> <#C1|g> <!here>", "```\ncode\n```",
		"&gt; q\n• a\n1. b", "*_~`x`~_*", "<<@U1>>", "a*b*c _d_e", "<javascript:x|y>", "\r\n\n\n", "<@UBOT>", "```a```b```"} {
		f.Add(s)
	}
	mk := markup{bot: "UBOT"}
	f.Fuzz(func(t *testing.T, s string) {
		r := mk.parseMrkdwn(s)
		checkRich(t, r, s)
		// Nothing written outside entities is lost: every word of the text
		// with its <…> entities removed is in the result.
		have := map[string]int{}
		for _, w := range richWords(r) {
			have[w]++
		}
		outside := regexp.MustCompile(`<[^<>\n]*>`).ReplaceAllString(s, " ")
		for _, w := range letters.FindAllString(mrkdwnEntities.Replace(outside), -1) {
			if have[w] == 0 {
				t.Fatalf("word %q of %q is lost: %s", w, s, formatting.Dump(msgOf(r)))
			}
			have[w]--
		}
	})
}

func FuzzParseRichText(f *testing.F) {
	for _, s := range []string{
		`[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"hi","style":{"bold":true}}]}]}]`,
		`[{"type":"rich_text","elements":[{"type":"rich_text_list","style":"ordered","indent":2,"offset":3,"elements":[{"type":"rich_text_section","elements":[{"type":"link","url":"https://x.io"}]}]}]}]`,
		`[{"type":"rich_text","elements":[{"type":"rich_text_quote","elements":[{"type":"emoji","name":"x","unicode":"d800-zz"}]},{"type":"rich_text_preformatted","elements":[]}]}]`,
		`[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"user","user_id":"UBOT"},{"type":"date","timestamp":1,"format":"{date}","fallback":"then"}]}]}]`,
	} {
		f.Add(s)
	}
	mk := markup{bot: "UBOT"}
	f.Fuzz(func(t *testing.T, js string) {
		var bs slack.Blocks
		if json.Unmarshal([]byte(js), &bs) != nil {
			return
		}
		r, _ := mk.parseBlocks(bs.BlockSet)
		checkRich(t, r, js+"👍") // emoji come from code points, not from the text
	})
}
