package kmclient

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// largeChat builds a chat response like KM's biggest: ~100 KB of rich HTML, 20
// suggested questions, a multipleMessage of 10 (structured ones included, some as
// JSON-encoded strings) and attachments.
func largeChat(tb testing.TB) []byte {
	var html strings.Builder
	for i := 0; html.Len() < 100<<10; i++ {
		fmt.Fprintf(&html, `<p style="color:#333">第%d段: Udesk KM <b>rich</b> answer &amp; <a href="https://kb.example/a/%d">link</a> 社保如何办理</p>`+"\n", i, i)
	}
	sugg := make([]map[string]any, 20)
	for i := range sugg {
		sugg[i] = map[string]any{"id": 9000 + i, "content": fmt.Sprintf("Suggested question %d?", i), "type": 1,
			"answer": map[string]any{"id": 5000 + i, "content": "<p>answer</p>", "type": 2, "deleteFlag": 0}}
	}
	products := map[string]any{"title": "Phones", "showSize": 3, "turnFlag": 1, "productList": []any{
		map[string]any{"id": 1, "name": "X", "image": "https://img/x", "url": "https://shop/x", "infoList": []any{map[string]any{"info": "¥1", "boldFlag": 1, "color": "#f00"}}},
		map[string]any{"id": 2, "name": "Y", "image": "https://img/y", "url": "https://shop/y", "infoList": []any{}},
	}}
	productsStr, _ := json.Marshal(products)
	card := map[string]any{"title": "Orders", "pageType": "1", "pageNum": "1", "pageSize": "5", "cardList": []any{
		map[string]any{"id": "1", "type": "1", "content": "<p>c</p>", "isHit": "1", "hitType": "2", "hitContent": "q"},
		map[string]any{"id": "2", "type": "2", "suggestContent": "Ask:", "suggestList": []any{map[string]any{"id": 1, "content": "a", "type": 1}}},
	}}
	multi := []any{
		map[string]any{"messageType": "rich", "message": "<p>one</p>", "aid": 1},
		map[string]any{"messageType": "plain", "message": "two", "aid": 2},
		map[string]any{"messageType": "image", "message": "https://img/3.png", "aid": 3},
		map[string]any{"messageType": "show_product", "message": products, "aid": 4},
		map[string]any{"messageType": "selective_product", "message": string(productsStr), "aid": 5},
		map[string]any{"messageType": "custom_card", "message": card, "aid": 6},
		map[string]any{"messageType": "selective_list", "message": map[string]any{"title": "t", "optionList": []any{map[string]any{"id": 1, "value": "v"}}}, "aid": 7},
		map[string]any{"messageType": "map", "message": `{"address":"a","name":"n","location":"35.6,139.7"}`, "aid": 8},
		map[string]any{"messageType": "link", "message": map[string]any{"title": "t", "answerUrl": "https://x"}, "aid": 9},
		map[string]any{"messageType": "task_button", "message": map[string]any{"richText": "<p>next</p>", "buttons": []any{map[string]any{"flowId": "1", "nodeId": "2", "buttonName": "Go", "nextActionType": "NEXT_NODE"}}}, "aid": 10},
	}
	att := make([]map[string]any, 5)
	for i := range att {
		att[i] = map[string]any{"name": fmt.Sprintf("%d.xlsx", i), "address": fmt.Sprintf("https://files.example/%d.xlsx", i), "size": 18183 + i}
	}
	b, err := json.Marshal(map[string]any{"code": 200, "message": "OK", "visible": false, "exception": nil, "paging": nil,
		"data": map[string]any{"sessionId": 451714, "logId": 793005, "enableAppraise": true, "ansContent": html.String(), "ansType": 1,
			"msgType": "rich", "suggestQuestionList": sugg, "restrictionState": map[string]any{"exceededFlag": 0, "usedCount": 1, "totalCount": 100},
			"attachmentList": att, "multipleMessageFlag": 1, "multipleMessage": multi, "aid": 4441}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkDecodeLargeChat(b *testing.B) {
	body := largeChat(b)
	c := &Client{}
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var a Answer
		if _, err := c.decode("POST /v1/chat", resp, body, &a); err != nil {
			b.Fatal(err)
		}
		if _, err := a.Content(); err != nil {
			b.Fatal(err)
		}
		for i := range a.MultipleMessage {
			if _, err := a.MultipleMessage[i].Content(); err != nil {
				b.Fatal(err)
			}
		}
		if len(a.SuggestQuestionList) != 20 || len(a.MultipleMessage) != 10 {
			b.Fatal("short decode")
		}
	}
}

func TestLargeChatSize(t *testing.T) {
	if n := len(largeChat(t)); n < 100<<10 || n > 200<<10 {
		t.Errorf("large chat is %d bytes", n)
	}
}

// typicalChat is a usual FAQ answer as KM sends it: about 2 KB of rich HTML
// (quoted attributes, so escapes), five suggested questions, the rating.
func typicalChat() []byte {
	var html strings.Builder
	html.WriteString(`<h3>How to change your plan</h3>`)
	for html.Len() < 2000 {
		html.WriteString(`<p>Open <a href="https://example.com/settings">Settings</a> and choose <b>Plan</b>. 您可以随时更改套餐,<em>费用按天计算</em>。</p><ul><li>Basic</li><li>Pro</li></ul>`)
	}
	sugg := make([]map[string]any, 5)
	for i := range sugg {
		sugg[i] = map[string]any{"id": 101 + i, "content": fmt.Sprintf("Suggested question number %d?", i+1), "type": 1}
	}
	b, _ := json.Marshal(map[string]any{"code": 200, "message": "OK", "visible": false, "exception": nil, "paging": nil,
		"data": map[string]any{"sessionId": 451714, "logId": 793005, "enableAppraise": true, "ansContent": html.String(), "ansType": 1,
			"msgType": "rich", "suggestQuestionList": sugg, "aid": 4441}})
	return b
}

// BenchmarkDecodeTypicalChat is the hot path's decoding of one answer: the
// response, then its content.
func BenchmarkDecodeTypicalChat(b *testing.B) {
	body := typicalChat()
	c := &Client{}
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		var a Answer
		if _, err := c.decode("POST /v1/chat", resp, body, &a); err != nil {
			b.Fatal(err)
		}
		ct, err := a.Content()
		if err != nil || len(ct.(*RichText).HTML) < 2000 {
			b.Fatal(err)
		}
	}
}
