package kmclient

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// decodeFixture runs body through the client's envelope decoding into out.
func decodeFixture(t *testing.T, body []byte, out any) (Paging, error) {
	t.Helper()
	c := &Client{}
	return c.decode("fixture", &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}, body, out)
}

// wantContent is the Content type each structured msgType decodes to.
var wantContent = map[string]Content{
	MsgSelectiveList:    &SelectiveList{},
	MsgSelectiveTable:   &SelectiveTable{},
	MsgShowProduct:      &ProductList{},
	MsgSelectiveProduct: &ProductList{},
	MsgWechatImage:      &WechatImage{},
	MsgLink:             &Link{},
	MsgCustomCard:       &CustomCard{},
	MsgTaskButton:       &TaskButtons{},
	MsgMap:              &Map{},
	MsgMiniAppsCard:     &MiniAppCard{},
}

// stringVariant rewrites a chat response whose ansContent is an object into the
// same response with ansContent as a JSON-encoded string of that object.
func stringVariant(t *testing.T, obj []byte) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(obj, &env); err != nil {
		t.Fatal(err)
	}
	data := env["data"].(map[string]any)
	inner, err := marshalNoEscape(data["ansContent"], "")
	if err != nil {
		t.Fatal(err)
	}
	data["ansContent"] = string(bytes.TrimSpace(inner))
	out, err := marshalNoEscape(env, "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func marshalNoEscape(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

func TestAnsContentFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/answers/*.object.json")
	var seen []string
	for _, f := range files {
		msgType := strings.TrimSuffix(filepath.Base(f), ".object.json")
		seen = append(seen, NormalizeMsgType(msgType)) // ans_selective_table: the structure's name
		t.Run(msgType, func(t *testing.T) {
			obj := readFixture(t, "answers/"+msgType+".object.json")
			golden := filepath.Join("testdata", "answers", msgType+".string.json")
			str := stringVariant(t, obj)
			if *update {
				if err := os.WriteFile(golden, str, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want, err := os.ReadFile(golden); err != nil || !bytes.Equal(str, want) {
				t.Fatalf("%s is stale or missing (go test -run TestAnsContentFixtures -update): %v", golden, err)
			}
			var contents [2]Content
			for i, body := range [][]byte{obj, str} {
				var a Answer
				if _, err := decodeFixture(t, body, &a); err != nil {
					t.Fatal(err)
				}
				if a.MsgType != msgType {
					t.Fatalf("msgType %q", a.MsgType)
				}
				c, err := a.Content()
				if err != nil {
					t.Fatalf("variant %d: %v", i, err)
				}
				if want := wantContent[NormalizeMsgType(msgType)]; reflect.TypeOf(c) != reflect.TypeOf(want) {
					t.Fatalf("variant %d: %T, want %T", i, c, want)
				}
				contents[i] = c
			}
			if !reflect.DeepEqual(contents[0], contents[1]) {
				t.Errorf("object and string variants differ:\n%+v\n%+v", contents[0], contents[1])
			}
			checkContent(t, contents[0])
		})
	}
	sort.Strings(seen)
	var want []string
	for k := range wantContent {
		want = append(want, k)
	}
	sort.Strings(want)
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("fixtures for %v, want %v", seen, want)
	}
}

// checkContent spot-checks the decoded fixtures, including KM's strings-for-numbers.
func checkContent(t *testing.T, c Content) {
	t.Helper()
	ok := true
	switch v := c.(type) {
	case *SelectiveList:
		ok = len(v.OptionList) == 2 && v.OptionList[1] == Option{2, "Pro"}
	case *SelectiveTable:
		ok = v.RowNumber == 2 && v.ColumnNumber == 2 && len(v.OptionList) == 4
	case *ProductList:
		if v.Selective {
			ok = v.ShowSize == 3 && v.ProductList[0].ID == 201 && v.ProductList[0].InfoList[0].Color == "#0000ff"
		} else {
			ok = v.ShowSize == 2 && *v.TurnFlag == 1 && v.ProductList[0].InfoList[0].BoldFlag == 1 && len(v.ProductList) == 2
		}
	case *WechatImage:
		ok = v.AnswerURL == "https://kb.example/reset"
	case *Link:
		ok = v.Title == "Udesk"
	case *CustomCard:
		ok = v.PageType == 1 && v.PageSize == 5 && len(v.CardList) == 4 && v.CardList[2].HitType == CardHitSendContent &&
			v.CardList[3].Type == CardFAQList && v.CardList[3].SuggestList[1].Content == "12345"
	case *TaskButtons:
		ok = len(v.Buttons) == 2 && v.Buttons[1].NextActionType == OpenLink && v.Buttons[0].FlowID == "42"
	case *Map:
		lat, lng, valid := v.LatLng()
		ok = valid && lat > 35 && lng > 139
	case *MiniAppCard:
		ok = v.AppID == "wx123" && v.MiniAppCardType == 1
	}
	if !ok {
		t.Errorf("unexpected content %+v", c)
	}
}

func TestMultipleMessageAndAttachments(t *testing.T) {
	var a Answer
	if _, err := decodeFixture(t, readFixture(t, "answers/multipleMessage.json"), &a); err != nil {
		t.Fatal(err)
	}
	if a.MultipleMessageFlag != 1 || len(a.MultipleMessage) != 6 {
		t.Fatalf("multipleMessage: %+v", a)
	}
	wantTypes := []Content{&RichText{}, &PlainText{}, &ImageURL{}, &SelectiveList{}, &Map{}, &Link{}}
	for i, m := range a.MultipleMessage {
		c, err := m.Content()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if reflect.TypeOf(c) != reflect.TypeOf(wantTypes[i]) {
			t.Errorf("message %d: %T, want %T", i, c, wantTypes[i])
		}
	}
	if a.MultipleMessage[5].AID != 6 || a.MultipleMessage[4].Message.String() == "" {
		t.Errorf("aid/message: %+v", a.MultipleMessage)
	}

	a = Answer{}
	if _, err := decodeFixture(t, readFixture(t, "answers/attachmentList.json"), &a); err != nil {
		t.Fatal(err)
	}
	want := []Attachment{{"1.xlsx", "https://staging-udesk.oss-cn-beijing.aliyuncs.com/Data/6/1.xlsx", 18183}, {"manual.pdf", "https://files.example/manual.pdf", 2048576}}
	if !reflect.DeepEqual(a.AttachmentList, want) || a.AID != 727 {
		t.Errorf("attachments: %+v", a.AttachmentList)
	}
}
