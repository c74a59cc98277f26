package kmclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// logCapture is a slog handler that keeps the records it is given.
type logCapture struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (l *logCapture) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCapture) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = append(l.recs, r.Clone())
	return nil
}
func (l *logCapture) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCapture) WithGroup(string) slog.Handler      { return l }

// text renders every record, message and attributes, as one string.
func (l *logCapture) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, r := range l.recs {
		b.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			b.WriteString(" " + a.Key + "=" + a.Value.String())
			return true
		})
		b.WriteString("\n")
	}
	return b.String()
}

// A chat answer whose every scalar comes in the "wrong" JSON type, as tenants send
// them: numbers as strings and strings as numbers, booleans as 0/1, nulls, and
// multipleMessage[].messageType as the Integer the 001 seed types it as. One field
// (restrictionState.usedCount, an object) cannot be read at all.
const oddChat = `{"code":"200","message":"OK","visible":"false","data":{
 "sessionId":"451714","logId":793005.0,"enableAppraise":1,"ansType":"1","msgType":"rich",
 "ansContent":"<p>Restart the router</p>","flowId":null,"flowTitle":7,"hitQuestion":12345,
 "switchStaffType":"3","switchStaffAnswer":true,
 "suggestQuestionList":[{"id":"8657","content":42,"type":"1","answer":{"id":"4442","content":"<p>No</p>","type":2.0,"deleteFlag":"0"}},
                        "not a question",
                        {"id":9259,"content":"Where?","type":null}],
 "restrictionState":{"exceededFlag":"0","usedCount":{"n":32},"totalCount":"1000000"},
 "aid":"4441","attachmentList":[{"name":1,"address":"https://x.example/1.xlsx","size":"18183"}],
 "customerServiceId":12,"customerServiceStatus":"1","multipleMessageFlag":true,
 "multipleMessage":[{"messageType":1,"message":"<p>first</p>"},{"messageType":"plain","message":"second","aid":"5"}]}}`

func TestTolerantScalarsChat(t *testing.T) {
	_, srv := newFakeKM(t, http.StatusOK, []byte(oddChat))
	logs := &logCapture{}
	c := newTestClient(t, srv, func(cfg *Config) { cfg.Logger = slog.New(logs) })
	a, err := c.Chat(context.Background(), ChatRequest{SessionID: 1, RobotID: 1, QueryContent: "q"})
	if err != nil {
		t.Fatalf("one odd field must not cost the whole answer: %v", err)
	}
	want := Answer{
		SessionID: 451714, LogID: 793005, EnableAppraise: true, AnsType: 1, MsgType: "rich",
		FlowTitle: "7", HitQuestion: "12345", SwitchStaffType: 3, SwitchStaffAnswer: "true",
		SuggestQuestionList: []Question{
			{ID: 8657, Content: "42", Type: 1, Answer: &QuestionAnswer{ID: 4442, Content: "<p>No</p>", Type: 2}},
			{ID: 9259, Content: "Where?"},
		},
		RestrictionState:      &RestrictionState{TotalCount: 1000000},
		AID:                   4441,
		AttachmentList:        []Attachment{{Name: "1", Address: "https://x.example/1.xlsx", Size: 18183}},
		CustomerServiceID:     "12",
		CustomerServiceStatus: ptr(1),
		MultipleMessageFlag:   1,
	}
	got := *a
	if got.AnsContent.String() != "<p>Restart the router</p>" {
		t.Errorf("ansContent %q", got.AnsContent.String())
	}
	if len(got.MultipleMessage) != 2 || got.MultipleMessage[0].MessageType != "1" || got.MultipleMessage[0].Message.String() != "<p>first</p>" ||
		got.MultipleMessage[1].AID != 5 {
		t.Errorf("multipleMessage %+v", got.MultipleMessage)
	}
	got.AnsContent, got.MultipleMessage = AnsContent{}, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded\n%+v\nwant\n%+v", got, want)
	}
	l := logs.text()
	for _, f := range []string{"restrictionState.usedCount", "suggestQuestionList[]"} {
		if !strings.Contains(l, f) {
			t.Errorf("dropped field %s not logged:\n%s", f, l)
		}
	}
	if strings.Contains(l, "not a question") || strings.Contains(l, `"n"`) {
		t.Errorf("the log carries KM's content:\n%s", l)
	}
}

// Lists, paging and admin records read the same way.
func TestTolerantScalarsLists(t *testing.T) {
	body := `{"code":200,"message":"OK","visible":false,"paging":{"pageNum":"1","pageSize":"10","total":"773"},"data":[
	 {"id":"8657","robotId":"102","categoryId":343,"content":1234,"type":"1","keyword":null,"suggestType":"3",
	  "availableTimeType":"1","createTime":20180530,"answer":{"id":4442,"content":"<p>No</p>","type":"2"},
	  "suggestList":[{"id":"9253","content":777}]}]}`
	_, srv := newFakeKM(t, http.StatusOK, []byte(body))
	c := newTestClient(t, srv)
	faqs, pg, err := c.SearchQuestions(context.Background(), SearchQuestionsRequest{RobotID: 102})
	if err != nil {
		t.Fatal(err)
	}
	if pg != (Paging{PageNum: 1, PageSize: 10, Total: 773}) {
		t.Errorf("paging %+v", pg)
	}
	if len(faqs) != 1 || faqs[0].ID != 8657 || faqs[0].Content != "1234" || faqs[0].Type != 1 || *faqs[0].AvailableTimeType != 1 ||
		faqs[0].CreateTime != "20180530" || faqs[0].Answer.Type != 2 || faqs[0].SuggestList[0].Content != "777" {
		t.Errorf("faq %+v", faqs)
	}

	datum := `{"code":200,"message":"OK","data":{"id":"3","name":"Udesk","robotId":83,"templateId":"56","similarList":[1,"a"],
	  "categoryId":"23","orders":"1","attributes":[{"id":"1","name":"C","switchStatus":"1","answer":5,"srcType":true}]}}`
	_, srv = newFakeKM(t, http.StatusOK, []byte(datum))
	d, err := newTestClient(t, srv).GetDatum(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != 3 || *d.Orders != 1 || !reflect.DeepEqual(d.SimilarList, []string{"1", "a"}) || *d.Attributes[0].SwitchStatus != 1 ||
		*d.Attributes[0].Answer != "5" || *d.Attributes[0].SrcType != 1 {
		t.Errorf("datum %+v", d)
	}

	rec := `{"code":200,"message":"OK","paging":{"pageNum":1,"pageSize":2,"total":4088},"data":[{"id":"457955","customerMsgCount":"4",
	  "surveyOption":"1","isSwitchStaff":false,"channelId":"82","customer":{"id":1415457662,"nickname":0}}]}`
	_, srv = newFakeKM(t, http.StatusOK, []byte(rec))
	rs, _, err := newTestClient(t, srv).SearchSessions(context.Background(), SearchSessionsRequest{RobotID: 83})
	if err != nil {
		t.Fatal(err)
	}
	if rs[0].ID != 457955 || rs[0].CustomerMsgCount != 4 || rs[0].SurveyOption != 1 || rs[0].Customer.ID != "1415457662" || rs[0].Customer.Nickname != "0" {
		t.Errorf("record %+v", rs[0])
	}
}

// Structured ansContent reads the same way; what cannot be read is named.
func TestTolerantAnsContent(t *testing.T) {
	ac := NewAnsContent([]byte(`{"title":1,"showSize":"2","turnFlag":true,"productList":[{"id":"5","name":6,"infoList":[{"info":"x","boldFlag":"1"}]},{"id":{"bad":1},"name":"kept"}]}`))
	c, err := ac.Decode(MsgShowProduct)
	var de *DroppedError
	if c == nil || !errors.As(err, &de) || !reflect.DeepEqual(de.Fields, []string{"productList[].id"}) {
		t.Fatalf("content %+v, err %v", c, err)
	}
	p := c.(*ProductList)
	if p.Title != "1" || p.ShowSize != 2 || p.ProductList[0].Name != "6" || p.ProductList[0].InfoList[0].BoldFlag != 1 ||
		p.ProductList[1].Name != "kept" || p.ProductList[1].ID != 0 {
		t.Errorf("products %+v", p)
	}
}

// customer.id is a Long: a number on the wire, never text KM would refuse.
func TestCustomerIDIsALong(t *testing.T) {
	for _, tc := range []struct {
		id, want string
	}{{"1415457662", `"id":1415457662`}, {" 42 ", `"id":42`}, {"U024BE7LH", ""}, {"", ""}} {
		b, err := json.Marshal(InitClientRequest{RobotID: 1, Customer: &Customer{ID: tc.id, CustomerToken: "slack:U1"}})
		if err != nil {
			t.Fatal(err)
		}
		if tc.want == "" && bytes.Contains(b, []byte(`"id"`)) || tc.want != "" && !bytes.Contains(b, []byte(tc.want)) {
			t.Errorf("id %q: %s", tc.id, b)
		}
		if !bytes.Contains(b, []byte(`"customer_token":"slack:U1"`)) {
			t.Errorf("customer_token lost: %s", b)
		}
	}
	var r InitClientRequest
	if err := json.Unmarshal([]byte(`{"robotId":1,"customer":{"id":1415457662,"nickname":"n"}}`), &r); err != nil || r.Customer.ID != "1415457662" {
		t.Errorf("a numeric customer.id does not decode: %v %+v", err, r.Customer)
	}
}
