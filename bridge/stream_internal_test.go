package bridge

import (
	"testing"

	"github.com/kmbridge/kmbridge/kmclient"
)

// Without a final full-answer event (the 001 seed describes none) the answer is
// the streamed text, with the ids the chunks carried; a final answer keeps its own.
func TestStreamedAnswer(t *testing.T) {
	a := streamedAnswer(nil, "Hello there", 7, 91)
	if a.SessionID != 7 || a.LogID != 91 || a.MsgType != kmclient.MsgRich || a.AnsContent.String() != "Hello there" || a.AnsType != kmclient.AnsTypeAnswer {
		t.Errorf("from text: %+v", a)
	}
	final := &kmclient.Answer{LogID: 5, MsgType: kmclient.MsgPlain, AnsContent: kmclient.StringContent("whole"), EnableAppraise: true}
	a = streamedAnswer(final, "partial", 7, 91)
	if a.LogID != 5 || a.SessionID != 7 || a.AnsContent.String() != "whole" || !a.EnableAppraise {
		t.Errorf("with a final answer: %+v", a)
	}
	if a = streamedAnswer(&kmclient.Answer{LogID: 5}, "streamed", 0, 0); a.AnsContent.String() != "streamed" || a.MsgType != kmclient.MsgRich {
		t.Errorf("final answer without content: %+v", a)
	}
}
