package tgfmt

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// htmlCase is a Text for Validate and whether it is valid.
type htmlCase struct {
	html string
	ok   bool
}

func htmlCases() []htmlCase {
	return []htmlCase{
		{"plain", true},
		{"<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>", true},
		{`<tg-spoiler>x</tg-spoiler><span class="tg-spoiler">y</span>`, true},
		{`<a href="https://e.com/?a=1&amp;b=2">x</a>`, true},
		{`<a href="tg://user?id=1">x</a>`, true},
		{"<code>x</code>", true},
		{`<pre><code class="language-go">x</code></pre>`, true},
		{"<pre>x</pre>", true},
		{"<blockquote>q <b>b</b> <a href=\"https://e.com\">l</a> <code>c</code></blockquote>", true},
		{"<blockquote expandable>q</blockquote>", true},
		{"<b>a <i>b <u>c</u></i></b>", true},
		{`<a href="https://e.com"><b>x</b></a>`, true},
		{"&lt;&gt;&amp;&quot;&#60;&#x1F600;", true},

		{"", false},
		{"   \n\u200b", false},
		{"a < b", false},
		{"a > b", false},
		{"a & b", false},
		{"&nbsp;", false},
		{"&#xD800;", false},
		{"&#0;", false},
		{"&#;", false},
		{"<br>", false},
		{"<p>x</p>", false},
		{"<script>x</script>", false},
		{"<B>x</B>", false},
		{"<b>x", false},
		{"x</b>", false},
		{"<b><i>x</b></i>", false},
		{"<b/>", false},
		{`<b class="x">x</b>`, false},
		{`<span>x</span>`, false},
		{`<span class="other">x</span>`, false},
		{"<a>x</a>", false},
		{`<a href="javascript:alert(1)">x</a>`, false},
		{`<a href="data:text/html,x">x</a>`, false},
		{`<a href="/relative">x</a>`, false},
		{`<a href='https://e.com'>x</a>`, false},
		{`<a href="https://e.com" title="t">x</a>`, false},
		{`<a href="https://e.com" href="https://f.com">x</a>`, false},
		{`<a href="https://e.com/"x">x</a>`, false},
		{`<a href="https://e.com/<">x</a>`, false},
		{`<a href="https://e.com"><a href="https://e.com">x</a></a>`, false},
		{`<a href="https://e.com"><code>x</code></a>`, false},
		{"<code><b>x</b></code>", false},
		{"<b><code>x</code></b>", false},
		{"<pre><b>x</b></pre>", false},
		{"<b><pre>x</pre></b>", false},
		{"<pre>a<code>x</code></pre>", false},
		{"<pre><code>x</code>a</pre>", false},
		{`<code class="language-go">x</code>`, false},
		{`<pre><code class="go">x</code></pre>`, false},
		{"<blockquote><blockquote>x</blockquote></blockquote>", false},
		{"<blockquote><pre>x</pre></blockquote>", false},
		{`<blockquote expandable="yes">q</blockquote>`, false},
		{"a\xffb", false},
		{strings.Repeat("x", MaxTextLen), true},
		{strings.Repeat("x", MaxTextLen+1), false},
		{strings.Repeat("😀", MaxTextLen/2), true},
		{strings.Repeat("😀", MaxTextLen/2) + "x", false},
		{strings.Repeat("&amp;", MaxTextLen), true},
		{"<b>" + strings.Repeat("x", MaxTextLen) + "</b>", true},
	}
}

func TestValidateHTML(t *testing.T) {
	for _, tt := range htmlCases() {
		err := Validate(Msg{Method: MethodSendMessage, Text: tt.html})
		if (err == nil) != tt.ok {
			name := tt.html
			if len(name) > 60 {
				name = name[:60] + "…"
			}
			t.Errorf("%q: err = %v, want ok=%v", name, err, tt.ok)
		}
	}
}

// msgCase is a message for Validate and whether it is valid.
type msgCase struct {
	name string
	m    Msg
	ok   bool
}

func msgCases() []msgCase {
	cb := func(s string) *string { return &s }
	kb := func(rows ...[]tgbotapi.InlineKeyboardButton) *tgbotapi.InlineKeyboardMarkup {
		return &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}
	}
	reply := func(labels ...string) *tgbotapi.ReplyKeyboardMarkup {
		var row []tgbotapi.KeyboardButton
		for _, l := range labels {
			row = append(row, tgbotapi.KeyboardButton{Text: l})
		}
		return &tgbotapi.ReplyKeyboardMarkup{Keyboard: [][]tgbotapi.KeyboardButton{row}, OneTimeKeyboard: true, ResizeKeyboard: true}
	}
	nine := make([]tgbotapi.InlineKeyboardButton, 9)
	for i := range nine {
		nine[i] = tgbotapi.InlineKeyboardButton{Text: "x", CallbackData: cb("x")}
	}
	var many [][]tgbotapi.InlineKeyboardButton
	for i := 0; i < 13; i++ {
		many = append(many, nine[:8])
	}
	return []msgCase{
		{"text", Msg{Method: MethodSendMessage, Text: "hi"}, true},
		{"unknown method", Msg{Method: "sendSticker", Text: "hi"}, false},
		{"text with photo", Msg{Method: MethodSendMessage, Text: "hi", Photo: "https://e.com/a.png"}, false},
		{"photo", Msg{Method: MethodSendPhoto, Photo: "https://e.com/a.png", Caption: "<b>c</b>"}, true},
		{"photo file_id", Msg{Method: MethodSendPhoto, Photo: "AgACAgIAAxkBAAIB"}, true},
		{"photo no caption", Msg{Method: MethodSendPhoto, Photo: "https://e.com/a.png"}, true},
		{"photo bad url", Msg{Method: MethodSendPhoto, Photo: "ftp://e.com/a.png"}, false},
		{"photo none", Msg{Method: MethodSendPhoto, Caption: "c"}, false},
		{"photo with text", Msg{Method: MethodSendPhoto, Photo: "https://e.com/a.png", Text: "t"}, false},
		{"caption too long", Msg{Method: MethodSendPhoto, Photo: "https://e.com/a.png", Caption: strings.Repeat("x", MaxCaptionLen+1)}, false},
		{"caption max", Msg{Method: MethodSendAudio, Audio: "https://e.com/a.mp3", Caption: strings.Repeat("x", MaxCaptionLen)}, true},
		{"audio bad", Msg{Method: MethodSendAudio, Audio: "javascript:x"}, false},
		{"venue", Msg{Method: MethodSendVenue, Venue: &Venue{Lat: 1, Lng: 2, Title: "t", Address: "a"}}, true},
		{"venue lat", Msg{Method: MethodSendVenue, Venue: &Venue{Lat: 91, Lng: 2, Title: "t", Address: "a"}}, false},
		{"venue lng", Msg{Method: MethodSendVenue, Venue: &Venue{Lat: 1, Lng: -181, Title: "t", Address: "a"}}, false},
		{"venue nan", Msg{Method: MethodSendVenue, Venue: &Venue{Lat: math.NaN(), Lng: 2, Title: "t", Address: "a"}}, false},
		{"venue no title", Msg{Method: MethodSendVenue, Venue: &Venue{Lat: 1, Lng: 2, Address: "a"}}, false},
		{"venue no address", Msg{Method: MethodSendVenue, Venue: &Venue{Lat: 1, Lng: 2, Title: "t"}}, false},
		{"venue missing", Msg{Method: MethodSendVenue}, false},
		{"location", Msg{Method: MethodSendLocation, Venue: &Venue{Lat: 1, Lng: 2}}, true},
		{"inline", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{
			{Text: "a", CallbackData: cb(strings.Repeat("x", 64))}, {Text: "b", URL: cb("https://e.com")}})}, true},
		{"callback 65", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a", CallbackData: cb(strings.Repeat("x", 65))}})}, false},
		{"callback empty", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a", CallbackData: cb("")}})}, false},
		{"button no action", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a"}})}, false},
		{"button both", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a", CallbackData: cb("x"), URL: cb("https://e.com")}})}, false},
		{"button empty text", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: " ", CallbackData: cb("x")}})}, false},
		{"button bad url", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a", URL: cb("javascript:x")}})}, false},
		{"button switch", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a", CallbackData: cb("x"), SwitchInlineQuery: cb("")}})}, false},
		{"row of 9", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb(nine)}, false},
		{"empty row", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{})}, false},
		{"104 buttons", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb(many...)}, false},
		{"100 buttons", Msg{Method: MethodSendMessage, Text: "t", InlineKeyboard: kb(append(many[:12:12], nine[:4])...)}, true},
		{"reply", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply("A", "B"), ReplyTokens: map[string]string{"A": "1", "B": "2"}}, true},
		{"reply dup", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply("A", "A"), ReplyTokens: map[string]string{"A": "1"}}, false},
		{"reply no token", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply("A", "B"), ReplyTokens: map[string]string{"A": "1"}}, false},
		{"reply extra token", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply("A"), ReplyTokens: map[string]string{"A": "1", "B": "2"}}, false},
		{"reply empty label", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply(""), ReplyTokens: map[string]string{"": "1"}}, false},
		{"reply untrimmed", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply(" A"), ReplyTokens: map[string]string{" A": "1"}}, false},
		{"tokens alone", Msg{Method: MethodSendMessage, Text: "t", ReplyTokens: map[string]string{"A": "1"}}, false},
		{"both keyboards", Msg{Method: MethodSendMessage, Text: "t", ReplyKeyboard: reply("A"), ReplyTokens: map[string]string{"A": "1"},
			InlineKeyboard: kb([]tgbotapi.InlineKeyboardButton{{Text: "a", CallbackData: cb("x")}})}, false},
	}
}

func TestValidateMessages(t *testing.T) {
	for _, tt := range msgCases() {
		err := Validate(tt.m)
		if (err == nil) != tt.ok {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestValidateReports pins what Validate says about every invalid case, so that
// making it cheaper for valid messages does not change its reports.
func TestValidateReports(t *testing.T) {
	var b strings.Builder
	for _, tt := range htmlCases() {
		if err := Validate(Msg{Method: MethodSendMessage, Text: tt.html}); err != nil {
			name := tt.html
			if len(name) > 60 {
				name = name[:60] + "…"
			}
			fmt.Fprintf(&b, "%q: %v\n", name, err)
		}
	}
	for _, tt := range msgCases() {
		if err := Validate(tt.m); err != nil {
			fmt.Fprintf(&b, "%s: %v\n", tt.name, err)
		}
	}
	for _, m := range invalidExtras() {
		if err := Validate(m); err != nil {
			fmt.Fprintf(&b, "%q: %v\n", m.Text, err)
		}
	}
	path := filepath.Join("testdata", "validate_reports.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("Validate's reports changed:\n--- got\n%s--- want\n%s", got, want)
	}
}

// invalidExtras are invalid tags and attributes the tables above leave out.
func invalidExtras() []Msg {
	var out []Msg
	for _, h := range []string{
		`<a href="https://e.com/?a=1&amp;b=2&bad;">x</a>`,
		`<a href="https://e.com/?a=1&amp;b=<">x</a>`,
		`<a href="https://e.com/" href="x">x</a>`,
		`<a href=https://e.com/>x</a>`,
		`<a href="https://e.com/>x</a>`,
		`<a  href="https://e.com/">x</a>`,
		`<a href="https://e.com/"title="x">x</a>`,
		`<a href="mailto:a@b.c"><b>x</b></a>`,
		`<a href="https://">x</a>`,
		`<a href="https://u:p@e.com/">x</a>`,
		`<a href=" https://e.com/ ">x</a>`,
		`<a href="HTTPS://E.COM/">x</a>`,
		`<a href="https://e.com/a b">x</a>`,
		`<b>x</b> <a href="ftp://e.com/">x</a>`,
		`<code class="">x</code>`,
		`<pre><code class="language-">x</code></pre>`,
		`<pre><code class="language-go" id="x">x</code></pre>`,
		`<blockquote expandable expandable>q</blockquote>`,
		`<blockquote expandable x>q</blockquote>`,
		`<span class="tg-spoiler" id="x">y</span>`,
		`<tg-spoiler x>y</tg-spoiler>`,
		`<b =x>y</b>`,
		`< b>y</b>`,
		`<>y`,
		`</>y`,
		`&#x110000;`,
		`&#+1;`,
		`&verylongentityname;`,
	} {
		out = append(out, Msg{Method: MethodSendMessage, Text: h})
	}
	return out
}

// TestValidateAllocatesNothing: the adapter validates every message it sends.
func TestValidateAllocatesNothing(t *testing.T) {
	msgs := Render(typical())
	msgs = append(msgs, Msg{Method: MethodSendMessage, Text: `<blockquote>q <a href="https://e.com/a?b=1&amp;c=2">l</a></blockquote><pre><code class="language-go">x</code></pre>`})
	for _, m := range msgs {
		if n := testing.AllocsPerRun(20, func() {
			if err := Validate(m); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Validate allocates %v times for a valid message", n)
		}
	}
}
