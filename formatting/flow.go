package formatting

import (
	"strconv"
	"strings"
)

// flow adds a flow: its title as a heading, its content as text (clickable
// elements stay in the text) and one button per clickable element.
//
// The convention, shared with the KM simulator: only elements with both data-type
// and data-id are clickable. data-type "question" (or "1") is a question inside the
// flow: a hit of queryType 8 on the question data-id. Any other data-type ("flow",
// "2", …) opens the flow data-id. The element's text is the button label, the
// question content or the flow content. An id that is not an integer cannot be sent
// to KM (questionId and flowId are integers), so such an element gets no button.
func (c *conv) flow(title, content string) {
	if strings.TrimSpace(title) != "" {
		c.heading(title)
	}
	res := parseHTML(content)
	c.add(htmlBlocks(res)...)
	type key struct {
		kind  ActionKind
		id    int64
		label string
	}
	seen := map[key]bool{}
	var items []Button
	for _, cl := range res.clicks {
		label := cleanLabel(cl.text)
		id, err := strconv.ParseInt(cl.id, 10, 64)
		if label == "" || err != nil {
			continue
		}
		a := Action{Kind: ActFlow, FlowID: id, FlowContent: label, LogID: c.log}
		if t := strings.ToLower(cl.typ); t == "question" || t == "1" {
			a = Action{Kind: ActHit, QueryType: 8, QuestionID: id, QuestionContent: label, LogID: c.log, HitSource: 2}
		}
		k := key{a.Kind, id, label}
		if seen[k] {
			continue
		}
		seen[k] = true
		items = append(items, c.action(label, a))
	}
	if len(items) > 0 {
		c.add(&Buttons{Items: items, Placeholder: c.p.T("formatting.choose_placeholder")})
	}
}
