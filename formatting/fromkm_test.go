package formatting_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

func answer(t testing.TB, js string) *kmclient.Answer {
	t.Helper()
	var a kmclient.Answer
	if err := json.Unmarshal([]byte(js), &a); err != nil {
		t.Fatal(err)
	}
	return &a
}

// find returns the first block of type T.
func find[T formatting.Block](m formatting.Message) (T, bool) {
	for _, b := range m.Blocks {
		if v, ok := b.(T); ok {
			return v, true
		}
	}
	var zero T
	return zero, false
}

func TestFromKMNil(t *testing.T) {
	m, err := formatting.FromKM(nil, formatting.Options{})
	if err == nil || !m.IsEmpty() {
		t.Errorf("FromKM(nil) = %v, %v; want empty and an error", m, err)
	}
	if m := formatting.Welcome(nil, formatting.Options{}); !m.IsEmpty() {
		t.Errorf("Welcome(nil) = %v", m)
	}
	if m, err := formatting.FromKM(&kmclient.Answer{}, formatting.Options{}); err != nil || !m.IsEmpty() {
		t.Errorf("FromKM(empty answer) = %v, %v", m, err)
	}
}

func TestPageTurning(t *testing.T) {
	o, log := fmttest.Options(i18n.Printer{})
	a := answer(t, `{"logId": 7, "msgType": "show_product", "ansContent": "{\"title\":\"P\",\"showSize\":2,\"productList\":[{\"name\":\"A\"},{\"name\":\"B\"},{\"name\":\"C\"},{\"name\":\"D\"},{\"name\":\"E\"}]}"}`)
	m, err := formatting.FromKM(a, o)
	if err != nil {
		t.Fatal(err)
	}
	pr, ok := find[*formatting.Products](m)
	if !ok || pr.Page != 1 || pr.Pages != 3 || pr.Prev != nil || pr.Next == nil || len(pr.Items) != 2 {
		t.Fatalf("page 1 = %s", formatting.Dump(m))
	}
	next, _ := log.Action(pr.Next.Token)
	// The action goes through the store as JSON.
	b, err := json.Marshal(next)
	if err != nil {
		t.Fatal(err)
	}
	var stored formatting.Action
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	for want := 2; want <= 3; want++ {
		m, err = formatting.Page(stored, o)
		if err != nil {
			t.Fatal(err)
		}
		pr, _ = find[*formatting.Products](m)
		if pr == nil || pr.Page != want || pr.Prev == nil || pr.PageLabel != fmt.Sprintf("Page %d of 3", want) {
			t.Fatalf("page %d = %s", want, formatting.Dump(m))
		}
		if want == 3 {
			if pr.Next != nil || len(pr.Items) != 1 || pr.Items[0].Title != "E" {
				t.Errorf("last page = %s", formatting.Dump(m))
			}
			break
		}
		stored, _ = log.Action(pr.Next.Token)
	}
	stored.Page = 99 // out of range: the last page
	if m, err = formatting.Page(stored, o); err != nil {
		t.Fatal(err)
	}
	if pr, _ := find[*formatting.Products](m); pr == nil || pr.Page != 3 {
		t.Errorf("page 99 = %s", formatting.Dump(m))
	}
	if _, err := formatting.Page(formatting.Action{Kind: formatting.ActHit}, o); err == nil {
		t.Error("Page(hit action) succeeded")
	}
	if _, err := formatting.Page(formatting.Action{Kind: formatting.ActPage, MsgType: "show_product", Content: json.RawMessage(`{"productList": 5`)}, o); err == nil {
		t.Error("Page(garbage) succeeded")
	}
}

func TestCustomCardPageKeepsLog(t *testing.T) {
	o, log := fmttest.Options(i18n.Printer{})
	cards := []string{}
	for i := 0; i < 4; i++ {
		cards = append(cards, fmt.Sprintf(`{"type":"2","suggestContent":"s%d","suggestList":[{"id":%d,"content":"q%d"}]}`, i, 100+i, i))
	}
	a := answer(t, `{"logId": 42, "msgType": "custom_card", "ansContent": {"title": "T", "pageSize": "2", "cardList": [`+strings.Join(cards, ",")+`]}}`)
	m, err := formatting.FromKM(a, o)
	if err != nil {
		t.Fatal(err)
	}
	g := m.Blocks[len(m.Blocks)-1].(*formatting.Buttons)
	if g.Title != "Page 1 of 2" || len(g.Items) != 1 {
		t.Fatalf("pager = %s", formatting.Dump(m))
	}
	next, _ := log.Action(g.Items[0].Token)
	m, err = formatting.Page(next, o)
	if err != nil {
		t.Fatal(err)
	}
	d := formatting.Dump(m)
	if !strings.Contains(d, `"s2"`) || !strings.Contains(d, `"s3"`) || strings.Contains(d, `"s0"`) {
		t.Errorf("page 2 = %s", d)
	}
	var hit formatting.Action
	for _, a := range log.Actions() {
		if a.Kind == formatting.ActHit && a.QuestionID == 102 {
			hit = a
		}
	}
	if hit.LogID != 42 || hit.QueryType != 7 || hit.HitSource != 2 || hit.QuestionContent != "q2" {
		t.Errorf("hit on page 2 = %+v", hit)
	}
}

func TestHugeLists(t *testing.T) {
	var opts, sugg []string
	for i := 0; i < 1000; i++ {
		opts = append(opts, fmt.Sprintf(`{"id":%d,"value":"v%d"}`, i, i))
		sugg = append(sugg, fmt.Sprintf(`{"id":%d,"content":"q%d"}`, i+1, i))
	}
	a := answer(t, `{"msgType":"selective_list","ansContent":{"title":"t","optionList":[`+strings.Join(opts, ",")+`]},"suggestQuestionList":[`+strings.Join(sugg, ",")+`]}`)
	o, log := fmttest.Options(i18n.Printer{})
	m, err := formatting.FromKM(a, o)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(log.Actions()); n != 200 {
		t.Errorf("%d tokens made, want 200", n)
	}
	if d := formatting.Dump(m); strings.Count(d, "…and 900 more") != 2 {
		t.Errorf("missing 'and 900 more' notes:\n%.2000s", d)
	}
}

func TestUndecodableContent(t *testing.T) {
	for _, tt := range []struct {
		name, js, want string
	}{
		{"text for a list", `{"msgType":"selective_list","ansContent":"Please choose a product"}`, `"Please choose a product"`},
		{"broken JSON string", `{"msgType":"link","ansContent":"{\"title\": "}`, `can't be shown`},
		{"array for an object", `{"msgType":"map","ansContent":[1,2]}`, `can't be shown`},
		{"number for a card", `{"msgType":"custom_card","ansContent":12}`, `can't be shown`},
		{"bad image", `{"msgType":"image","ansContent":"javascript:alert(1)"}`, `(empty)`},
		{"bad audio keeps the caption", `{"msgType":"audio","ansContent":"/x.mp3","msgbox":"hello"}`, `"hello"`},
		{"wrong field types", `{"msgType":"task_button","ansContent":{"richText":5,"buttons":[{"buttonName":"ok","nextActionType":7},"x"]}}`, `label="ok"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := formatting.FromKM(answer(t, tt.js), formatting.Options{})
			if err == nil {
				t.Error("no error")
			}
			if d := formatting.Dump(m); !strings.Contains(d, tt.want) {
				t.Errorf("Dump = %s, want it to contain %s (err %v)", d, tt.want, err)
			}
		})
	}
}

func TestMultipleMessageFlagZeroShowsAnsContentFirst(t *testing.T) {
	a := answer(t, `{"msgType":"plain","ansContent":"first","multipleMessageFlag":0,"multipleMessage":[{"messageType":"plain","message":"second"}]}`)
	m, _ := formatting.FromKM(a, formatting.Options{})
	if d := formatting.Dump(m); strings.Index(d, "first") > strings.Index(d, "second") || !strings.Contains(d, "first") {
		t.Errorf("order wrong:\n%s", d)
	}
	a.MultipleMessageFlag = 1
	m, _ = formatting.FromKM(a, formatting.Options{})
	if d := formatting.Dump(m); strings.Contains(d, "first") {
		t.Errorf("flag 1 should not repeat ansContent:\n%s", d)
	}
}

func TestHitQuestionOnlyForSuggestions(t *testing.T) {
	a := answer(t, `{"msgType":"plain","ansContent":"x","hitQuestion":"matched?","ansType":1}`)
	m, _ := formatting.FromKM(a, formatting.Options{})
	if strings.Contains(formatting.Dump(m), "matched?") {
		t.Error("hitQuestion shown for ansType 1")
	}
	a.AnsType = 3
	m, _ = formatting.FromKM(a, formatting.Options{})
	if tx, _ := find[*formatting.Text](formatting.Message{Blocks: m.Blocks[1:]}); tx == nil || !tx.Context {
		t.Errorf("hitQuestion for ansType 3 should be context text: %s", formatting.Dump(m))
	}
}

func TestLanguages(t *testing.T) {
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := answer(t, `{"logId":1,"msgType":"plain","ansContent":"x","enableAppraise":true,"switchStaffType":1,"suggestQuestionList":[{"id":1,"content":"q"}]}`)
	for _, tt := range []struct{ lang, want string }{
		{"en", "Related questions"}, {"zh-CN", "相关问题"}, {"ja", "関連する質問"},
	} {
		m, _ := formatting.FromKM(a, formatting.Options{P: cat.Printer(tt.lang)})
		d := formatting.Dump(m)
		if !strings.Contains(d, tt.want) {
			t.Errorf("%s: want %q in\n%s", tt.lang, tt.want, d)
		}
		if strings.Contains(d, "…") && strings.Contains(d, `"…"`) {
			t.Errorf("%s: a message id is missing from the catalogue:\n%s", tt.lang, d)
		}
	}
	p := cat.Printer("ja")
	if got := p.T("formatting.page_of", 2, 5); got != "5 ページ中 2 ページ目" {
		t.Errorf("ja page_of = %q", got)
	}
}

func TestQuestionsAndCategories(t *testing.T) {
	o, log := fmttest.Options(i18n.Printer{})
	m := formatting.Questions("Hints", []kmclient.Question{{ID: 5, Content: "smart"}, {ID: 0, Content: "no id"}, {ID: 6, Content: "  "}}, 9, o)
	g, _ := find[*formatting.Buttons](m)
	if g == nil || g.Title != "Hints" || len(g.Items) != 2 {
		t.Fatalf("Questions = %s", formatting.Dump(m))
	}
	acts := log.Actions()
	if acts[0].Kind != formatting.ActHit || acts[0].QueryType != 9 || acts[0].QuestionID != 5 || acts[1].Kind != formatting.ActSendText {
		t.Errorf("actions = %+v", acts)
	}
	m = formatting.Categories("FAQ", []kmclient.QuestionCategory{{Name: "A", QuestionList: []kmclient.Question{{ID: 1, Content: "a1"}}}, {Name: "Empty"}}, o)
	if d := formatting.Dump(m); !strings.Contains(d, `Heading level=3`) || !strings.Contains(d, `title="A"`) || strings.Contains(d, "Empty") {
		t.Errorf("Categories = %s", d)
	}
}

func TestNilTokens(t *testing.T) {
	fxs, err := fmttest.Load("testdata/answers")
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range fxs {
		fx.Message(formatting.Options{}) // must not panic
	}
}

// TestCatalogueHasEveryID checks that every formatting.* message id used in the
// package exists with Chinese and Japanese texts.
func TestCatalogueHasEveryID(t *testing.T) {
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[i18n.MsgID]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`"(formatting\.[a-z_]+)"`)
	used := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			used++
			id := i18n.MsgID(m[1])
			if !known[id] {
				t.Errorf("%s: message %s is not in the catalogue", f, id)
				continue
			}
			en := cat.Printer("en").T(id, 1, 2)
			for _, l := range []string{"zh", "ja"} {
				if got := cat.Printer(l).T(id, 1, 2); got == en {
					t.Errorf("%s has no %s translation", id, l)
				}
			}
		}
	}
	if used == 0 {
		t.Error("found no message ids")
	}
}
