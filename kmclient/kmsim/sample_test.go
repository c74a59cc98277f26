package kmsim_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// The demo questions listed at the top of sample.yaml give what the list says,
// and every answer decodes with the client's own types.
func TestSampleMsgTypes(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	sid := f.session().SessionID
	cases := []struct {
		ask     string
		msgType string
		check   func(t *testing.T, a kmclient.Answer, c kmclient.Content)
	}{
		{"How do I reset my password?", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if !a.EnableAppraise || len(a.SuggestQuestionList) == 0 {
				t.Error("want enableAppraise and suggestions")
			}
		}},
		{"How do I set up multi-factor authentication?", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if !strings.Contains(c.(*kmclient.RichText).HTML, "<img ") {
				t.Error("no image")
			}
		}},
		{"How do I connect to the VPN?", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if !strings.Contains(c.(*kmclient.RichText).HTML, "<table>") || len(a.AttachmentList) != 1 {
				t.Error("no table or attachment")
			}
		}},
		{"What is the Wi-Fi password?", kmclient.MsgPlain, nil},
		{"I have a laptop problem", kmclient.MsgSelectiveList, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if l := c.(*kmclient.SelectiveList); len(l.OptionList) != 3 || l.OptionList[2].ID != 1023 {
				t.Errorf("%+v", l)
			}
		}},
		{"Which leave types are there?", kmclient.MsgSelectiveTable, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if tb := c.(*kmclient.SelectiveTable); tb.RowNumber != 3 || tb.ColumnNumber != 2 || len(tb.OptionList) != 6 {
				t.Errorf("%+v", tb)
			}
		}},
		{"What laptops can I order?", kmclient.MsgShowProduct, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if p := c.(*kmclient.ProductList); len(p.ProductList) != 7 || p.ShowSize != 3 || !p.Paged() || p.Selective {
				t.Errorf("%+v", p)
			}
		}},
		{"Which monitor can I get?", kmclient.MsgSelectiveProduct, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if p := c.(*kmclient.ProductList); len(p.ProductList) != 6 || p.ShowSize != 3 || !p.Paged() || !p.Selective {
				t.Errorf("%+v", p)
			}
		}},
		{"Read the latest company newsletter", kmclient.MsgWechatImage, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if !bytes.HasPrefix(a.AnsContent.Raw(), []byte(`"{`)) {
				t.Errorf("want a JSON-encoded string, got %s", a.AnsContent.Raw())
			}
			if w := c.(*kmclient.WechatImage); w.AnswerURL == "" || w.CoverURL == "" {
				t.Errorf("%+v", w)
			}
		}},
		{"Where is the employee handbook?", kmclient.MsgLink, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if l := c.(*kmclient.Link); l.AnswerURL != "https://hr.example.com/handbook" {
				t.Errorf("%+v", l)
			}
		}},
		{"Show me the office floor plan", kmclient.MsgImage, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if !strings.HasPrefix(c.(*kmclient.ImageURL).URL, "https://") {
				t.Error("no URL")
			}
		}},
		{"Play the security awareness briefing", kmclient.MsgAudio, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if !strings.HasSuffix(c.(*kmclient.AudioURL).URL, ".mp3") || a.Msgbox == "" {
				t.Error("no audio URL or msgbox")
			}
		}},
		{"What is the office address?", kmclient.MsgMap, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if _, _, ok := c.(*kmclient.Map).LatLng(); !ok {
				t.Error("no coordinates")
			}
		}},
		{"Open the expenses mini app", kmclient.MsgMiniAppsCard, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if m := c.(*kmclient.MiniAppCard); m.AppID == "" || m.MiniAppCardType != 1 || a.AnsContent.Raw()[0] != '"' {
				t.Errorf("%+v %s", m, a.AnsContent.Raw())
			}
		}},
		{"Show the IT service catalogue", kmclient.MsgCustomCard, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			cc := c.(*kmclient.CustomCard)
			var hits []int
			for _, card := range cc.CardList {
				if card.Type == kmclient.CardRich && card.IsHit == 1 {
					hits = append(hits, int(card.HitType))
				}
			}
			if len(hits) != 3 || hits[0] != 1 || hits[1] != 2 || hits[2] != 3 {
				t.Errorf("hit types %v", hits)
			}
		}},
		{"I'm new, where do I start?", kmclient.MsgCustomCard, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			cc := c.(*kmclient.CustomCard)
			if len(cc.CardList) != 1 || cc.CardList[0].Type != kmclient.CardFAQList || len(cc.CardList[0].SuggestList) != 4 {
				t.Errorf("%+v", cc)
			}
		}},
		{"Book a meeting room", kmclient.MsgTaskButton, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			tb := c.(*kmclient.TaskButtons)
			seen := map[string]bool{}
			for _, b := range tb.Buttons {
				seen[b.NextActionType] = true
				seen[b.DisplayLocationType] = true
			}
			if a.AnsType != 22 || !seen[kmclient.NextNode] || !seen[kmclient.OpenLink] || !seen[kmclient.DefaultPos] || !seen[kmclient.InputBoxAbove] {
				t.Errorf("ansType %d buttons %+v", a.AnsType, tb.Buttons)
			}
		}},
		{"How do I set up the printer?", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if a.MultipleMessageFlag != 1 || len(a.MultipleMessage) != 3 {
				t.Fatalf("multipleMessage %d %+v", a.MultipleMessageFlag, a.MultipleMessage)
			}
			for i, want := range []string{kmclient.MsgRich, kmclient.MsgImage, kmclient.MsgLink} {
				m := a.MultipleMessage[i]
				if _, err := m.Content(); m.MessageType != want || err != nil {
					t.Errorf("message %d: %s %v", i, m.MessageType, err)
				}
			}
		}},
		{"How do I submit an expense claim?", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if len(a.AttachmentList) != 2 || a.AttachmentList[0].Size == 0 {
				t.Errorf("attachments %+v", a.AttachmentList)
			}
		}},
		{"My laptop was stolen", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if a.SwitchStaffType != 1 {
				t.Errorf("switchStaffType %d", a.SwitchStaffType)
			}
		}},
		{"I want to report harassment", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if a.SwitchStaffType != 2 || a.EnableAppraise {
				t.Errorf("switchStaffType %d appraise %v", a.SwitchStaffType, a.EnableAppraise)
			}
		}},
		{"There is an error on my payslip", kmclient.MsgPlain, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if a.SwitchStaffType != 3 || a.SwitchStaffAnswer == "" {
				t.Errorf("switchStaff %d %q", a.SwitchStaffType, a.SwitchStaffAnswer)
			}
		}},
		{"My VPN is not working", kmclient.MsgRich, func(t *testing.T, a kmclient.Answer, c kmclient.Content) {
			if a.FlowID != 201 || !strings.Contains(a.FlowContent, `data-type="question" data-id="1001"`) || !a.AnsContent.IsZero() {
				t.Errorf("flow %d %q content %s", a.FlowID, a.FlowContent, a.AnsContent.Raw())
			}
		}},
		{"忘记密码怎么办？", kmclient.MsgRich, nil},
		{"如何申请年假？", kmclient.MsgRich, nil},
		{"打印机怎么连接？", kmclient.MsgPlain, nil},
		{"パスワードを忘れました", kmclient.MsgRich, nil},
		{"Wi-Fiのパスワードを教えてください", kmclient.MsgPlain, nil},
	}
	for _, tc := range cases {
		t.Run(tc.ask, func(t *testing.T) {
			a := f.chat(sid, tc.ask)
			if a.AnsType != kmclient.AnsTypeAnswer && a.AnsType != 22 {
				t.Fatalf("ansType %d", a.AnsType)
			}
			if kmclient.NormalizeMsgType(a.MsgType) != tc.msgType {
				t.Fatalf("msgType %q, want %q", a.MsgType, tc.msgType)
			}
			c, err := a.Content()
			if err != nil {
				t.Fatalf("the client cannot decode it: %v", err)
			}
			if tc.check != nil {
				tc.check(t, a, c)
			}
		})
	}
}

// Natural helpdesk questions a newcomer types get the sensible answer.
func TestSampleNaturalQuestions(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	sid := f.session().SessionID
	cases := map[string]string{
		"how do I reset my password":           "How do I reset my password?",
		"I forgot my password":                 "How do I reset my password?",
		"how do I connect to vpn":              "How do I connect to the VPN?",
		"my vpn doesn't work":                  "My VPN is not working",
		"I need a new laptop":                  "What laptops can I order?",
		"my laptop won't start":                "My laptop won't turn on",
		"how do I request leave?":              "How do I request leave?",
		"how many days of annual leave":        "How do I request leave?",
		"where can I download my payslip":      "Where can I find my payslip?",
		"what's the wifi password":             "What is the Wi-Fi password?",
		"the printer is not working":           "How do I set up the printer?",
		"how do I submit expenses":             "How do I submit an expense claim?",
		"it's my first day":                    "I'm new, where do I start?",
		"what's the office address":            "What is the office address?",
		"how do I contact human resources":     "How do I contact HR?",
		"when do we get paid":                  "When is payday?",
		"I'm sick today":                       "How does sick leave work?",
		"where is the employee handbook":       "Where is the employee handbook?",
		"I lost my badge":                      "How do I get my badge?",
		"how do I book a meeting room":         "Book a meeting room",
		"how do I set up email on my iphone":   "How do I set up email on my phone?",
		"Small room (4 people)":                "Small room (4 people)",
		"What laptops can I order?":            "What laptops can I order?", // custom card hitType 3 content
		"thanks!":                              "Thank you",
		"我想请假":                                 "如何申请年假？",
		"wifiのパスワードは？":                         "Wi-Fiのパスワードを教えてください",
		"How do I set up multi factor auth":    "How do I set up multi-factor authentication?",
		"do I need a doctor's note when sick?": "How does sick leave work?",
	}
	for ask, want := range cases {
		if a := f.chat(sid, ask); a.HitQuestion != want {
			t.Errorf("%q → ansType %d %q, want %q", ask, a.AnsType, a.HitQuestion, want)
		}
	}
}
