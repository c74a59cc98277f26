package escalation_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

func TestRelay(t *testing.T) {
	en := printer(t, "en")
	body := formatting.Rich{
		&formatting.Para{Spans: []formatting.Span{{Text: "see "}, {Text: "this", Marks: formatting.Bold}}},
		&formatting.CodeBlock{Code: "rm -rf /"},
	}
	files := []bridge.Attachment{
		{Name: "shot.png", URL: "https://cdn.example.com/shot.png", Size: 5 << 20},
		{Name: "evil", URL: "javascript:alert(1)"},
		{URL: "https://cdn.example.com/x"},
	}
	m := escalation.Relay("Hanako:", body, files, en)
	got := formatting.Dump(m)
	want := `Text
  Para
    "Hanako:" [bold]
    " "
    "see "
    "this" [bold]
  Code "rm -rf /"
Text
  List unordered
    Item
      Para
        "shot.png" link="https://cdn.example.com/shot.png"
        " (5 MB)"
    Item
      Para
        "evil"
        " (no link available)" [italic]
    Item
      Para
        "file" link="https://cdn.example.com/x"
`
	if got != want {
		t.Errorf("relay:\n%s\nwant:\n%s", got, want)
	}
	validate(t, m)
	// A body that does not start with a paragraph gets the label on its own.
	m = escalation.Relay("Hanako:", formatting.Rich{&formatting.CodeBlock{Code: "x"}}, nil, en)
	if p, ok := m.Blocks[0].(*formatting.Text).Rich[0].(*formatting.Para); !ok || formatting.SpansText(p.Spans) != "Hanako:" {
		t.Errorf("label:\n%s", formatting.Dump(m))
	}
}

func TestSuggestion(t *testing.T) {
	en := printer(t, "en")
	for _, at := range []int{kmclient.AnsTypeUnknown, kmclient.AnsTypeSensitive, kmclient.AnsTypeSilent, kmclient.AnsTypeTransferToHuman, kmclient.AnsTypeSuggestions, kmclient.AnsTypeGreeting} {
		if _, ok := escalation.Suggestion(&kmclient.Answer{AnsType: at, MsgType: kmclient.MsgPlain, AnsContent: kmclient.StringContent("x")}, en); ok {
			t.Errorf("ansType %d is a suggestion", at)
		}
	}
	if _, ok := escalation.Suggestion(nil, en); ok {
		t.Error("nil is a suggestion")
	}
	if _, ok := escalation.Suggestion(&kmclient.Answer{AnsType: kmclient.AnsTypeAnswer, MsgType: kmclient.MsgRich, AnsContent: kmclient.StringContent("<p> </p>")}, en); ok {
		t.Error("an empty answer is a suggestion")
	}
	list, err := kmclient.ObjectContent(kmclient.SelectiveList{Title: "Pick one", OptionList: []kmclient.Option{{ID: 1, Value: "A"}}})
	if err != nil {
		t.Fatal(err)
	}
	blocks, ok := escalation.Suggestion(&kmclient.Answer{AnsType: kmclient.AnsTypeAnswer, MsgType: kmclient.MsgSelectiveList, AnsContent: list,
		EnableAppraise: true, SwitchStaffType: kmclient.SwitchStaffRecommend}, en)
	if !ok {
		t.Fatal("a list answer is no suggestion")
	}
	m := formatting.Message{Blocks: blocks}
	if b := bridgetest.Buttons(m); len(b) != 0 {
		t.Errorf("a suggestion keeps KM's buttons: %+v", b)
	}
	if !strings.Contains(bridge.Summary(m, 1000), "Pick one") {
		t.Errorf("suggestion:\n%s", formatting.Dump(m))
	}
}

// FuzzRelay: whatever a user or agent sends, the relay renders valid payloads
// on every platform.
func FuzzRelay(f *testing.F) {
	f.Add("Hanako", "hello *world* <!channel>", "https://example.com/a b", "a.png")
	f.Add("", "", "javascript:x", "")
	f.Add("\u202eevil", "```\ncode\n```", "tel:123", "名前.pdf")
	cat, err := i18n.New("en", nil)
	if err != nil {
		f.Fatal(err)
	}
	p := cat.Printer("ja")
	f.Fuzz(func(t *testing.T, name, text, url, file string) {
		files := []bridge.Attachment{{Name: file, URL: url, Size: int64(len(text))}}
		m := escalation.Relay(p.T("escalation.from_user", name), formatting.ParsePlain(text), files, p)
		if m.IsEmpty() {
			t.Fatal("empty relay")
		}
		validate(t, m)
	})
}

// TestCatalogueCoversDesk: every message id the package uses exists.
func TestCatalogueCoversDesk(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	idRE := regexp.MustCompile(`"((?:escalation|bridge|formatting)\.[a-z_]+)"`)
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[i18n.MsgID]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range idRE.FindAllStringSubmatch(string(b), -1) {
			if !known[i18n.MsgID(m[1])] {
				t.Errorf("%s: %s is not in the catalogue", f, m[1])
			}
		}
	}
}
