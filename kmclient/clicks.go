package kmclient

import (
	"html"
	"strconv"
	"strings"
)

// How a click on something KM sent becomes a KM call. Every choice the seeds
// leave open is made here, once; doc.go says why each is the most literal
// reading. The callers (formatting, which builds the buttons, and the bridge,
// which sends the calls) only copy these requests' fields.

// ProductClick is the hit for choosing a product of a selective_product list:
// hitSource 3 ("structured message from product list") with the product's id as
// questionId and its name as questionContent. No queryType: none of /v1/hit's four
// is a product. ok is false when the product has no id to send.
func ProductClick(p Product, logID ID) (req HitRequest, ok bool) {
	if p.ID == 0 {
		return HitRequest{}, false
	}
	return HitRequest{LogID: logID, QuestionID: p.ID, QuestionContent: strings.TrimSpace(p.Name), HitSource: HitProduct}, true
}

// ShortcutClick is the hit for a text shortcut entry: hitSource 1 ("message from a
// shortcut entry") with the entry's content as questionContent and the log the
// entries came with (initClient's). No questionId (modelId is the entry's own id,
// not a question's) and no queryType.
func ShortcutClick(e ShortcutEntry, logID ID) HitRequest {
	content := strings.TrimSpace(e.Content)
	if content == "" {
		content = strings.TrimSpace(e.Name)
	}
	return HitRequest{LogID: logID, QuestionContent: content, HitSource: HitShortcut}
}

// TaskButtonClick is the flow call for a task button that leads to the next node:
// /v1/flow with the button's flowId and, as flowContent, the button's name as a
// paragraph of HTML (flowContent is HTML in the 000/001 example). nodeId has no
// field in /v1/flow and is not sent. ok is false when flowId is not an integer;
// the caller then asks the button's name as text.
func TaskButtonClick(b TaskButton, logID ID) (req FlowRequest, ok bool) {
	id, err := strconv.ParseInt(strings.TrimSpace(string(b.FlowID)), 10, 64)
	name := strings.TrimSpace(b.ButtonName)
	if err != nil || id == 0 || name == "" {
		return FlowRequest{}, false
	}
	return FlowRequest{LogID: logID, FlowID: ID(id), FlowContent: "<p>" + html.EscapeString(name) + "</p>"}, true
}

// FlowElementClick is the flow call for a clickable element of flowContent (one
// with data-type and data-id): the flowId KM gave with the answer, or the
// element's data-id when it gave none, and the element itself, as KM wrote it, as
// flowContent. ok is false when neither id is an integer.
func FlowElementClick(answerFlowID ID, dataID, elementHTML string, logID ID) (req FlowRequest, ok bool) {
	id := answerFlowID
	if id == 0 {
		n, err := strconv.ParseInt(strings.TrimSpace(dataID), 10, 64)
		if err != nil || n == 0 {
			return FlowRequest{}, false
		}
		id = ID(n)
	}
	return FlowRequest{LogID: logID, FlowID: id, FlowContent: elementHTML}, true
}

// FlowQuestionClick is the hit for an element of flowContent that is a question
// (data-type "question" or "1", a convention kmbridge shares with its simulator:
// the seeds do not list data-type values): queryType 8, "question clicked inside
// a flow", with the element's data-id and text. ok is false when data-id is not
// an integer.
func FlowQuestionClick(dataID, text string, logID ID) (req HitRequest, ok bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(dataID), 10, 64)
	if err != nil || n == 0 {
		return HitRequest{}, false
	}
	return HitRequest{QueryType: QueryInFlow, LogID: logID, QuestionID: ID(n), QuestionContent: text, HitSource: HitButton}, true
}

// IsFlowQuestion reports whether a flow element's data-type marks a question.
func IsFlowQuestion(dataType string) bool {
	t := strings.ToLower(strings.TrimSpace(dataType))
	return t == "question" || t == "1"
}
