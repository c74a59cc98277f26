package kmsim_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const minimalKB = `
robot:
  id: 1
  channelId: 2
categories:
  - id: 10
    name: General
    questions:
      - id: 100
        content: How do I reset my password?
        answer:
          content: <p>Go to the portal.</p>
`

func TestLoadKBMinimal(t *testing.T) {
	kb, err := kmsim.LoadKB(strings.NewReader(minimalKB))
	if err != nil {
		t.Fatal(err)
	}
	if kb.RobotID() != 1 || kb.ChannelID() != 2 || kb.ModelKey() != "0" {
		t.Errorf("robot %d scene %d modelKey %q", kb.RobotID(), kb.ChannelID(), kb.ModelKey())
	}
	if id, ok := kb.FindQuestion("HOW DO I RESET MY PASSWORD"); !ok || id != 100 {
		t.Errorf("FindQuestion = %d, %v", id, ok)
	}
	if _, ok := kb.FindQuestion("nothing"); ok {
		t.Error("FindQuestion found nothing")
	}
}

func TestLoadKBErrors(t *testing.T) {
	q := func(answer string) string {
		return "robot: {id: 1, channelId: 2}\ncategories:\n  - id: 10\n    name: C\n    questions:\n      - id: 100\n        content: Q\n" + answer
	}
	cases := []struct {
		name string
		yaml string
		want []string // substrings of the error
	}{
		{"empty", "", []string{"empty"}},
		{"not yaml", "robot: [", []string{"yaml"}},
		{"top level list", "- a\n- b\n", []string{"line 1", "knowledge base: want a mapping"}},
		{"unknown top key", "robot: {id: 1, channelId: 2}\nrobots: {}\n", []string{"line 2", `unknown key "robots"`}},
		{"unknown question key", q("        anwser: {content: x}\n"), []string{"line 8", `question: unknown key "anwser"`, "known keys: id, content"}},
		{"missing robot", "categories: []\n", []string{"robot: id is required", "robot: channelId is required", "at least one category"}},
		{"bad number", "robot: {id: one, channelId: 2}\n", []string{"line 1", "cannot unmarshal"}},
		{"question without id", "robot: {id: 1, channelId: 2}\ncategories:\n  - id: 10\n    name: C\n    questions:\n      - content: Q\n        answer: {content: x}\n", []string{"line 6", `question "Q": id is required`}},
		{"duplicate question", "robot: {id: 1, channelId: 2}\ncategories:\n  - id: 10\n    name: C\n    questions:\n      - {id: 5, content: A, answer: {content: x}}\n      - {id: 5, content: B, answer: {content: y}}\n", []string{"line 7", "question 5: id is also used by the question on line 6"}},
		{"no answer", q(""), []string{"line 6", "question 100: answer (or flow) is required"}},
		{"unknown msgType", q("        answer: {msgType: video, content: x}\n"), []string{"line 8", `unknown msgType "video"`}},
		{"image not a URL", q("        answer: {msgType: image, content: cat.png}\n"), []string{"line 8", "wants a URL"}},
		{"text type with mapping", q("        answer: {msgType: plain, content: {a: b}}\n"), []string{"msgType plain wants text content, got a mapping"}},
		{"structured type with text", q("        answer: {msgType: map, content: somewhere}\n"), []string{"msgType map", "want a mapping"}},
		{"structured unknown field", q("        answer:\n          msgType: link\n          content: {title: T, answerUrl: 'https://x', url: 'https://y'}\n"), []string{"line 10", `unknown field "url"`}},
		{"structured missing field", q("        answer:\n          msgType: link\n          content: {title: T}\n"), []string{"answerUrl is required"}},
		{"bad map location", q("        answer:\n          msgType: map\n          content: {name: HQ, address: A, location: 'north'}\n"), []string{`location "north" is not "lat,lng"`}},
		{"task button action", q("        answer:\n          msgType: task_button\n          content: {richText: x, buttons: [{buttonName: B, nextActionType: JUMP}]}\n"), []string{"nextActionType must be NEXT_NODE or OPEN_LINK"}},
		{"open link without address", q("        answer:\n          msgType: task_button\n          content: {richText: x, buttons: [{buttonName: B, nextActionType: OPEN_LINK}]}\n"), []string{"OPEN_LINK without linkAddress"}},
		{"selective list option to nowhere", q("        answer:\n          msgType: selective_list\n          content: {title: T, optionList: [{id: 999, value: V}]}\n"), []string{"selective_list option points at question 999"}},
		{"JSON text content", q("        answer:\n          msgType: link\n          content: '{\"title\":\"T\",\"answerUrl\":\"https://x\"}'\n"), nil},
		{"encodeAsString on text", q("        answer: {content: x, encodeAsString: true}\n"), []string{"encodeAsString applies to structured msgTypes only"}},
		{"msgbox without audio", q("        answer: {content: x, msgbox: hi}\n"), []string{"msgbox goes with msgType audio only"}},
		{"switchStaffType 3 without answer", q("        answer: {content: x, switchStaffType: 3}\n"), []string{"switchStaffType 3 needs switchStaffAnswer"}},
		{"bad switchStaffType", q("        answer: {content: x, switchStaffType: 7}\n"), []string{"switchStaffType must be 0 (none), 1, 2 or 3"}},
		{"suggest to nowhere", q("        suggest: [404]\n        answer: {content: x}\n"), []string{"line 6", "suggests question 404, which does not exist"}},
		{"suggest itself", q("        suggest: [100]\n        answer: {content: x}\n"), []string{"suggests itself"}},
		{"flow and answer", q("        flow: 1\n        answer: {content: x}\n"), []string{"either answer or flow"}},
		{"flow to nowhere", q("        flow: 7\n"), []string{"flow 7 does not exist"}},
		{"flow element to nowhere", q("        answer: {content: x}\nflows:\n  - id: 1\n    title: F\n    content: '<a data-type=\"flow\" data-id=\"9\">Next</a> <a data-type=\"question\" data-id=\"100\">Q</a>'\n"), []string{"line 10", `flow 1: element "Next" points at flow 9, which does not exist`}},
		{"flow element bad type", q("        answer: {content: x}\nflows:\n  - id: 1\n    title: F\n    content: '<a data-type=\"video\" data-id=\"9\">Play</a>'\n"), []string{`data-type "video"`}},
		{"flow element bad id", q("        answer: {content: x}\nflows:\n  - id: 1\n    title: F\n    content: '<a data-type=\"1\" data-id=\"q1\">Q</a>'\n"), []string{`data-id "q1", not a number`}},
		{"shared phrasing", "robot: {id: 1, channelId: 2}\ncategories:\n  - id: 10\n    name: C\n    questions:\n      - {id: 5, content: VPN, answer: {content: x}}\n      - {id: 6, content: Other, similar: [vpn!], answer: {content: y}}\n", []string{"question 6: \"vpn\" is also a phrasing of question 5"}},
		{"thresholds", "robot: {id: 1, channelId: 2}\nmatching: {answerAbove: 0.2, suggestAbove: 0.5}\ncategories: []\n", []string{"line 2", "0 < suggestAbove (0.5) <= answerAbove (0.2) <= 1"}},
		{"shortcut type", "robot: {id: 1, channelId: 2}\nshortcuts:\n  - {name: A, type: video, content: x}\n", []string{"line 3", "shortcut 1: type must be text or link"}},
		{"too long", q("        similar: ['" + strings.Repeat("x", 201) + "']\n        answer: {content: x}\n"), []string{"similar 1 must be 1 to 200 characters"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kmsim.LoadKB(strings.NewReader(tc.yaml))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadKBReportsManyProblems(t *testing.T) {
	var b strings.Builder
	b.WriteString("robot: {id: 1, channelId: 2}\ncategories:\n  - id: 10\n    name: C\n    questions:\n")
	for i := range 30 {
		b.WriteString("      - {id: " + itoa(int64(100+i)) + ", content: Q" + itoa(int64(i)) + "}\n")
	}
	_, err := kmsim.LoadKB(strings.NewReader(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	if n := strings.Count(msg, "answer (or flow) is required"); n != 20 || !strings.Contains(msg, "more problems not shown") {
		t.Errorf("%d problems reported:\n%s", n, msg)
	}
}

func TestSampleYAMLRoundTrip(t *testing.T) {
	y := kmsim.SampleYAML()
	kb, err := kmsim.LoadKB(bytes.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	if kb.RobotID() != kmsim.SampleRobotID || kb.ChannelID() != kmsim.SampleChannelID || kb.ModelKey() != kmsim.SampleModelKey {
		t.Errorf("sample ids %d %d %q", kb.RobotID(), kb.ChannelID(), kb.ModelKey())
	}
	if got := kb.FlowIDs(); len(got) != 7 || got[0] != 31 || got[1] != 201 {
		t.Errorf("flows %v", got)
	}
	y[0] = 'X' // SampleYAML returns a copy
	if kmsim.SampleYAML()[0] == 'X' {
		t.Error("SampleYAML shares its bytes")
	}
}
