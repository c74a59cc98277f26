package formatting_test

import (
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// The buttons of KM's clickable content carry the calls KM documents for them
// (kmclient/clicks.go): hits of hitSource 3 and 1, /v1/flow with the task button's
// or the answer's flowId, flowContent as HTML.
func TestClickActions(t *testing.T) {
	obj := func(v any) kmclient.AnsContent {
		c, err := kmclient.ObjectContent(v)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		ans  *kmclient.Answer
		init *kmclient.InitClientResponse
		want []formatting.Action
	}{
		{name: "selective_product", ans: &kmclient.Answer{LogID: 9, MsgType: kmclient.MsgSelectiveProduct, AnsContent: obj(map[string]any{
			"title": "Pick", "productList": []any{map[string]any{"id": "601", "name": "Monitor 27\""}, map[string]any{"name": "No id"}}})},
			want: []formatting.Action{
				{Kind: formatting.ActHit, QuestionID: 601, QuestionContent: "Monitor 27\"", HitSource: kmclient.HitProduct, LogID: 9, Label: "Monitor 27\""},
				{Kind: formatting.ActSendText, Text: "No id", Label: "No id"},
			}},
		{name: "shortcut", init: &kmclient.InitClientResponse{LogID: 3, CommonQuestionModel: &kmclient.CommonQuestionModel{
			ShortcutEntryList: []kmclient.ShortcutEntry{{ModelID: 108, Type: kmclient.ShortcutText, Name: "Leave", Content: "How do I request leave?"}}}},
			want: []formatting.Action{{Kind: formatting.ActHit, QuestionContent: "How do I request leave?", HitSource: kmclient.HitShortcut, LogID: 3, Label: "Leave"}}},
		{name: "task_button", ans: &kmclient.Answer{LogID: 5, MsgType: kmclient.MsgTaskButton, AnsContent: obj(map[string]any{
			"richText": "<p>Which?</p>", "buttons": []any{
				map[string]any{"flowId": "31", "nodeId": "2", "buttonName": "Small & quiet", "nextActionType": "NEXT_NODE"},
				map[string]any{"flowId": "x", "nodeId": "3", "buttonName": "Other", "nextActionType": "NEXT_NODE"}}})},
			want: []formatting.Action{
				{Kind: formatting.ActFlow, FlowID: 31, FlowContent: "<p>Small &amp; quiet</p>", LogID: 5, Label: "Small & quiet"},
				{Kind: formatting.ActSendText, Text: "Other", Label: "Other"},
			}},
		{name: "flow element", ans: &kmclient.Answer{LogID: 7, FlowID: 285, FlowTitle: "T",
			FlowContent: `<p>Go <a  data-id='286' data-type="flow">next &amp; on</a>, or <b data-type="1" data-id="1001">ask</b></p>`},
			want: []formatting.Action{
				{Kind: formatting.ActFlow, FlowID: 285, FlowContent: `<a  data-id='286' data-type="flow">next &amp; on</a>`, LogID: 7, Label: "next & on"},
				{Kind: formatting.ActHit, QueryType: kmclient.QueryInFlow, QuestionID: 1001, QuestionContent: "ask", HitSource: kmclient.HitButton, LogID: 7, Label: "ask"},
			}},
		{name: "flow element without the answer's flowId", ans: &kmclient.Answer{FlowContent: `<span data-type="2" data-id="290">back</span>`},
			want: []formatting.Action{{Kind: formatting.ActFlow, FlowID: 290, FlowContent: `<span data-type="2" data-id="290">back</span>`, Label: "back"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, log := fmttest.Options(i18n.Printer{})
			if tc.init != nil {
				formatting.Welcome(tc.init, o)
			} else if _, err := formatting.FromKM(tc.ans, o); err != nil {
				t.Fatal(err)
			}
			got := log.Actions()
			if len(got) != len(tc.want) {
				t.Fatalf("actions %+v, want %+v", got, tc.want)
			}
			for i := range got {
				if got[i].Kind != tc.want[i].Kind || got[i].QuestionID != tc.want[i].QuestionID || got[i].QuestionContent != tc.want[i].QuestionContent ||
					got[i].HitSource != tc.want[i].HitSource || got[i].QueryType != tc.want[i].QueryType || got[i].FlowID != tc.want[i].FlowID ||
					got[i].FlowContent != tc.want[i].FlowContent || got[i].LogID != tc.want[i].LogID || got[i].Text != tc.want[i].Text || got[i].Label != tc.want[i].Label {
					t.Errorf("action %d\n got %+v\nwant %+v", i, got[i], tc.want[i])
				}
			}
			// The request the bridge sends is the one kmclient chose.
			if a := got[0]; a.Kind == formatting.ActHit && a.HitRequest(42).HitSource != a.HitSource || a.Kind == formatting.ActFlow && a.FlowRequest(42).FlowContent != a.FlowContent {
				t.Errorf("request of %+v", a)
			}
		})
	}
}
