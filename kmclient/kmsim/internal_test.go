package kmsim

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"How do I reset my password?": "how do i reset my password",
		"  Wi-Fi   password!!! ":      "wifi password",
		"ｗｉｆｉ　ＰＡＳＳＷＯＲＤ？":              "wifi password",
		"Don't  panic…":               "dont panic",
		"忘记密码怎么办？":                    "忘记密码怎么办",
		"Wi-Fiのパスワードを教えてください":         "wifiのパスワードを教えてください",
		"e-mail / VPN (remote)":       "email vpn remote",
		"":                            "",
		"?!":                          "",
		"Café au lait":                "café au lait",
		"ＶＰＮ":                         "vpn",
	}
	for in, want := range cases {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	cases := map[string][]string{
		"how do i reset my passwords": {"password", "reset"},
		"printing printed printers":   {"print", "printer"},
		"忘记密码":                        {"密码", "忘记", "记密"},
		"wifiのパス":                     {"wifi", "のパ", "パス"},
		"年":                           {"年"},
		"the of to":                   nil,
	}
	for in, want := range cases {
		if got := tokens(in); !slices.Equal(got, want) {
			t.Errorf("tokens(%q) = %q, want %q", in, got, want)
		}
	}
	if d := dice([]string{"a", "b"}, []string{"b", "c"}); d != 0.5 {
		t.Errorf("dice = %v", d)
	}
	if d := dice(nil, []string{"a"}); d != 0 {
		t.Errorf("dice with nothing = %v", d)
	}
}

func TestPlainText(t *testing.T) {
	cases := map[string]string{
		"plain & simple": "plain & simple",
		"<h3>Title</h3><p>Para <b>bold</b> &amp; more</p>":                          "Title\nPara bold & more",
		"<ol><li>One</li><li>Two <a href=\"https://x.example\">link</a></li></ol>":  "- One\n- Two link (https://x.example)",
		"<table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></table>": "A | B\n1 | 2",
		"<p>x<br>y</p><script>alert(1)</script><img src=a alt=Pic>":                 "x\ny\n[Pic]",
		"<a href=\"https://a.example\">https://a.example</a>":                       "https://a.example",
		"<p>unclosed <b>bold": "unclosed bold",
	}
	for in, want := range cases {
		if got := plainText(in); got != want {
			t.Errorf("plainText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClickables(t *testing.T) {
	got := clickables(`<p>Pick: <a data-type="flow" data-id="12"><b>Next</b> step</a>
		<span data-type="1" data-id="1001">Reset</span> <a data-type="2" data-id="3"/> <a href="x">plain</a>
		<button data-type="video" data-id="4">Play</button> <a data-type="question">no id</a></p>`)
	want := []clickable{
		{kind: "flow", id: "12", raw: "flow", text: "Next step"},
		{kind: "question", id: "1001", raw: "1", text: "Reset"},
		{kind: "flow", id: "3", raw: "2"},
		{kind: "", id: "4", raw: "video", text: "Play"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("clickables:\n got %+v\nwant %+v", got, want)
	}
}

func TestSplitText(t *testing.T) {
	for _, s := range []string{
		"", "short", "Salaries are paid on the last working day of each month.",
		strings.Repeat("密码", 40), "a b", strings.Repeat("word ", 100),
	} {
		parts := splitText(s, 5)
		if strings.Join(parts, "") != s {
			t.Errorf("splitText(%q) loses text: %q", s, parts)
		}
		if len(parts) > 5 {
			t.Errorf("splitText(%q) gives %d parts", s, len(parts))
		}
		if len(s) > 40 && len(parts) < 3 {
			t.Errorf("splitText(%q) gives only %d parts", s, len(parts))
		}
	}
}

func TestMatchThresholds(t *testing.T) {
	kb := SampleKB()
	cases := []struct {
		q    string
		kind matchKind
	}{
		{"", matchUnknown},
		{"???", matchUnknown},
		{"hello", matchGreeting},
		{"Hello!", matchGreeting},
		{"hello, my vpn is broken", matchAnswer}, // a greeting must be the whole message
		{"you are stupid", matchSensitive},
		{"transfer me to an agent please", matchTransfer},
		{"转人工", matchTransfer},
		{"password", matchSuggest},
		{"laptop", matchSuggest},
		{"zebra crossing", matchUnknown},
	}
	for _, tc := range cases {
		if m := kb.match(tc.q); m.kind != tc.kind {
			t.Errorf("match(%q) kind %d, want %d", tc.q, m.kind, tc.kind)
		}
	}
	m := kb.match("laptop")
	if len(m.suggestions) < 2 || len(m.suggestions) > kb.matching.maxSuggestions {
		t.Errorf("laptop suggestions %d", len(m.suggestions))
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"<p>a <b>b</b></p>", "忘记密码怎么办？", "Wi-Fi password?", "<a data-type=\"flow\" data-id=\"1\">x</a>", "\xff\xfe<"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := normalize(s)
		if normalize(n) != n {
			t.Fatalf("normalize is not idempotent on %q: %q then %q", s, n, normalize(n))
		}
		_ = tokens(n)
		_ = plainText(s)
		_ = clickables(s)
		if got := strings.Join(splitText(s, 5), ""); got != s {
			t.Fatalf("splitText(%q) rejoins as %q", s, got)
		}
	})
}
