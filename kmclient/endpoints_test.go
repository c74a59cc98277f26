package kmclient

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"testing"
)

// endpointCase is one endpoint's round trip: what the client must send and what it
// must make of a seed-shaped answer.
type endpointCase struct {
	name    string
	call    func(context.Context, *Client) (any, error)
	method  string
	path    string            // under /api
	query   map[string]string // besides email, timestamp, sign
	body    string            // expected JSON; "" = no body
	status  int               // default 200
	fixture string            // "SEED METHOD PATH" of a seed example (seedResponse); "" = no body (204)
	check   func(t *testing.T, res any)
}

func endpointCases() []endpointCase {
	return []endpointCase{
		// ---- chat runtime ----
		{
			name: "InitClient",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.InitClient(ctx, InitClientRequest{RobotID: 103, ChannelID: 106, ModelKey: "0",
					AccessKeyID: "/+7772AKE6kv8AVNjWqP", Platform: ptr(PlatformAPI),
					Customer: &Customer{ID: "1415457662", Nickname: "Ann", Src: "slack", CustomerToken: "slack:U1"}})
			},
			method: "POST", path: "/v1/initClient",
			body:    `{"robotId":103,"channelId":106,"modelKey":"0","accessKeyId":"/+7772AKE6kv8AVNjWqP","platform":5,"customer":{"id":1415457662,"nickname":"Ann","src":"slack","customer_token":"slack:U1"}}`,
			fixture: "000 POST /v1/initClient",
			check: func(t *testing.T, res any) {
				r := res.(*InitClientResponse)
				if r.SessionID != 451724 || r.LogID != 793020 || r.CommonQuestionModel == nil ||
					r.CommonQuestionModel.CommonQuestionCategoryList[0].QuestionList[1].ID != 8647 ||
					r.CommonQuestionModel.CommonQuestionCategoryList[0].QuestionList[1].Answer.ID != 4437 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "Chat",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Chat(ctx, ChatRequest{SessionID: 451714, RobotID: 54, QueryContent: "Mobile phone price", ChannelID: 7, WeixinOpenID: "wx1", ChatMode: 3})
			},
			method: "POST", path: "/v1/chat",
			body:    `{"sessionId":451714,"robotId":54,"queryContent":"Mobile phone price","channel_id":7,"weixin_openid":"wx1","chatMode":3}`,
			fixture: "000 POST /v1/chat",
			check: func(t *testing.T, res any) {
				a := res.(*Answer)
				if a.SessionID != 451714 || a.LogID != 793005 || a.AnsType != AnsTypeUnknown || a.MsgType != MsgPlain || a.AnsContent.IsZero() {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "NewChat",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.NewChat(ctx, NewChatRequest{SessionID: 451714, RobotID: 54, QueryContent: "こんにちは", ResponseMode: ModeStreaming, ProxyModelCall: ptr(false)})
			},
			method: "POST", path: "/v2/newChat",
			body:    `{"sessionId":451714,"robotId":54,"queryContent":"こんにちは","responseMode":"blocking","proxyModelCall":false}`,
			fixture: "001 POST /v2/newChat",
			check: func(t *testing.T, res any) {
				a := res.(*Answer)
				if a.AnsType != AnsTypeAnswer || a.AnsContent.String() != "こんにちは、私はインテリジェントアシスタントです" {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "Hit",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Hit(ctx, HitRequest{SessionID: 450283, QueryType: QuerySuggested, LogID: 785703, QuestionID: 232, QuestionContent: "Whose fan?", HitSource: HitButton})
			},
			method: "POST", path: "/v1/hit",
			body:    `{"sessionId":450283,"queryType":7,"logId":785703,"questionId":232,"questionContent":"Whose fan?","hitSource":2}`,
			fixture: "000 POST /v1/hit",
			check: func(t *testing.T, res any) {
				a := res.(*Answer)
				if a.AID != 4441 || len(a.SuggestQuestionList) != 2 || a.SuggestQuestionList[1].Answer.ID != 5009 {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "Flow",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Flow(ctx, FlowRequest{SessionID: 450285, LogID: 785709, FlowID: 42, FlowContent: "<p>11111</p><p>22222</p><p>33333</p>"})
			},
			method: "POST", path: "/v1/flow",
			body:    `{"sessionId":450285,"logId":785709,"flowId":42,"flowContent":"<p>11111</p><p>22222</p><p>33333</p>"}`,
			fixture: "000 POST /v1/flow",
			check: func(t *testing.T, res any) {
				a := res.(*Answer)
				if a.FlowID != 285 || a.FlowTitle != "Process issue" || a.RestrictionState.UsedCount != 32 || a.RestrictionState.Exceeded() {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "CommonQuestions",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CommonQuestions(ctx, CommonQuestionsRequest{RobotID: 112, ChannelID: 118, ModelKey: "aaa"})
			},
			method: "POST", path: "/v1/chat/commonQuestions",
			body:    `{"robotId":112,"channelId":118,"modelKey":"aaa"}`,
			fixture: "000 POST /v1/chat/commonQuestions",
			check: func(t *testing.T, res any) {
				r := res.([]QuestionCategory)
				if len(r) != 1 || r[0].ModelID != 108 || len(r[0].QuestionList) != 2 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "HotQuestions",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.HotQuestions(ctx, HotQuestionsRequest{LimitDayNum: 100, LimitResultNum: 2, RobotID: 83})
			},
			method: "POST", path: "/v1/chat/hotQuestions",
			body:    `{"limitDayNum":100,"limitResultNum":2,"robotId":83}`,
			fixture: "000 POST /v1/chat/hotQuestions",
			check: func(t *testing.T, res any) {
				r := res.([]Question)
				if len(r) != 2 || r[0].MatchCount != 24 || r[1].Type != 3 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "SurveyQuestion",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SurveyQuestion(ctx, SurveyQuestionRequest{SessionID: 450289, QuestionSurveyOptionID: AnswerSatisfied, LogID: 785716})
			},
			method: "POST", path: "/v1/surveyQuestion",
			body:    `{"sessionId":450289,"questionSurveyOptionId":1,"logId":785716}`,
			fixture: "000 POST /v1/surveyQuestion",
		},
		{
			name: "SurveySession",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SurveySession(ctx, SurveySessionRequest{SessionID: 450290, SessionSurveyOptionID: SessionUnsatisfied, SurveyContent: "hehe"})
			},
			method: "POST", path: "/v1/surveySession",
			body:    `{"sessionId":450290,"sessionSurveyOptionId":4,"surveyContent":"hehe"}`,
			fixture: "000 POST /v1/surveySession",
			check: func(t *testing.T, res any) {
				if r := res.(*SurveySessionResult); r == nil || *r != (SurveySessionResult{}) {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "Assist",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Assist(ctx, AssistRequest{RobotID: 83, ChannelID: 83, QueryContent: "Hello"})
			},
			method: "POST", path: "/v1/assist",
			body:    `{"robotId":83,"channelId":83,"queryContent":"Hello"}`,
			fixture: "000 POST /v1/assist",
			check: func(t *testing.T, res any) {
				a := res.(*Answer)
				if a.AID != 552 || a.HitQuestion != "Who are you?" || a.MsgType != MsgRich {
					t.Errorf("got %+v", a)
				}
			},
		},
		{
			name: "SmartHint",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.SmartHint(ctx, SmartHintRequest{SessionID: 450287, Keyword: "social security"})
			},
			method: "POST", path: "/v1/smartHint",
			body:    `{"sessionId":450287,"keyword":"social security"}`,
			fixture: "000 POST /v1/smartHint",
			check: func(t *testing.T, res any) {
				r := res.([]Question)
				if len(r) != 1 || r[0].ID != 8645 || r[0].Content != "How to handle social security" {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "SwitchStaff",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SwitchStaff(ctx, 451718)
			},
			method: "PUT", path: "/v1/sessions/451718/switchStaff",
			fixture: "000 PUT /v1/sessions/:id/switchStaff",
		},
		// ---- knowledge admin: FAQ ----
		{
			name: "CommonQuestionModels",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.CommonQuestionModels(ctx, 83, CommonQuestionModelsQuery{PageNum: 1, PageSize: 20, SearchType: ModelSearchByName, SearchWord: "king"})
				return pair{r, pg}, err
			},
			method: "GET", path: "/v1/robots/83/commonQuestionModels",
			query:   map[string]string{"pageNum": "1", "pageSize": "20", "searchType": "1", "searchWord": "king"},
			fixture: "002 GET /v1/robots/:id/commonQuestionModels",
			check: func(t *testing.T, res any) {
				r := res.(pair).v.([]CommonQuestionModel)
				if len(r) != 3 || r[1].ModelKey != "hey hey hey" || r[2].RobotID != 83 {
					t.Errorf("got %+v", r)
				}
			},
		},
		{
			name: "SearchQuestions",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.SearchQuestions(ctx, SearchQuestionsRequest{PageNum: 1, PageSize: 10, RobotID: 102, SearchWord: "world", SearchType: 3, Type: 1, Order: 2, IsWorking: 1})
				return pair{r, pg}, err
			},
			method: "POST", path: "/v1/questions/search",
			body:    `{"pageNum":1,"pageSize":10,"robotId":102,"searchWord":"world","searchType":3,"type":1,"order":2,"isWorking":1}`,
			fixture: "002 POST /v1/questions/search",
			check: func(t *testing.T, res any) {
				p := res.(pair)
				r := p.v.([]FAQ)
				if p.pg != (Paging{1, 10, 2}) || len(r) != 2 || r[0].Answer.ID != 4442 || r[1].Answer != nil ||
					r[0].AvailableTimeType != nil || r[0].SuggestList[1].Content != "How to speak English" {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "GetQuestion",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetQuestion(ctx, 1232)
			},
			method: "GET", path: "/v1/questions/1232",
			fixture: "002 GET /v1/questions/:id",
			check: func(t *testing.T, res any) {
				q := res.(*FAQ)
				if q.ID != 1232 || *q.AvailableTimeType != 1 || len(q.Answer.AttachmentList) != 2 ||
					q.Answer.AttachmentList[1].Size != 18184 || q.ChannelList[0].ID != 82 || q.NeedLearnCount != nil {
					t.Errorf("got %+v", q)
				}
			},
		},
		{
			name: "CreateQuestion",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateQuestion(ctx, CreateQuestionRequest{RobotID: 102, CategoryID: 343, Content: "How to apply for an ID card", Type: 1,
					Answer:      FAQAnswer{Content: "Search it on Baidu, you'll know.", Type: FAQAnswerRich, AttachmentList: []Attachment{{Name: "a.pdf", Address: "https://x/a.pdf", Size: 12}}},
					ChannelList: []IDRef{{105}}, AvailableTimeType: ptr(1), Keyword: "ID card, identification", SuggestType: 1,
					SuggestsList: []IDRef{{8657}}, IsSwitchStaff: ptr(0)})
			},
			method: "POST", path: "/v1/questions",
			body:    `{"robotId":102,"categoryId":343,"content":"How to apply for an ID card","type":1,"answer":{"content":"Search it on Baidu, you'll know.","type":2,"attachmentList":[{"name":"a.pdf","address":"https://x/a.pdf","size":12}]},"channelList":[{"id":105}],"availableTimeType":1,"keyword":"ID card, identification","suggestType":1,"suggestsList":[{"id":8657}],"isSwitchStaff":0}`,
			fixture: "002 POST /v1/questions",
			check: func(t *testing.T, res any) {
				q := res.(*FAQ)
				if q.ID != 9458 || q.Answer.ID != 5142 || q.ChannelList[0].Name != "System Default Scene" {
					t.Errorf("got %+v", q)
				}
			},
		},
		{
			name: "UpdateQuestion",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UpdateQuestion(ctx, 9458, UpdateQuestionRequest{CategoryID: 343, Content: "How to apply for an ID card", Type: 1,
					AnswerUpdateRequest: FAQAnswer{ID: 5142, Content: "Search it on Google, you'll know.", Type: 1},
					SimpleChannelList:   []IDRef{{105}}, AvailableTimeType: ptr(1), SuggestType: 1})
			},
			method: "PUT", path: "/v1/questions/9458",
			body:    `{"id":9458,"categoryId":343,"content":"How to apply for an ID card","type":1,"answerUpdateRequest":{"id":5142,"content":"Search it on Google, you'll know.","type":1},"simpleChannelList":[{"id":105}],"availableTimeType":1,"suggestType":1}`,
			fixture: "002 PUT /v1/questions/:id",
		},
		{
			name:   "DeleteQuestion",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteQuestion(ctx, 9362) },
			method: "DELETE", path: "/v1/questions/9362", status: http.StatusNoContent,
		},
		// ---- similar questions ----
		{
			name: "ListSimilar",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.ListSimilar(ctx, 9458, 1, 10)
				return pair{r, pg}, err
			},
			method: "GET", path: "/v1/faq/similar/9458",
			query:   map[string]string{"pageNum": "1", "pageSize": "10"},
			fixture: "002 GET /v1/faq/similar/:questionId",
			check: func(t *testing.T, res any) {
				p := res.(pair)
				r := p.v.([]Similar)
				if p.pg.Total != 773 || len(r) != 2 || r[1] != (Similar{78235, "Example of a similar question 2"}) {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "AddSimilar",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AddSimilar(ctx, 9458, "Example of a similar question 1")
			},
			method: "POST", path: "/v1/faq/similar/9458",
			body:    `{"content":"Example of a similar question 1"}`,
			fixture: "002 POST /v1/faq/similar/:questionId",
			check: func(t *testing.T, res any) {
				if s := res.(*Similar); *s != (Similar{78234, "Example of a similar question 1"}) {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name: "UpdateSimilar",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateSimilar(ctx, 9458, Similar{ID: 78234, Content: "Example of a similar question 1"})
			},
			method: "PUT", path: "/v1/faq/similar/9458",
			body:    `{"id":78234,"content":"Example of a similar question 1"}`,
			fixture: "002 PUT /v1/faq/similar/:questionId",
			check: func(t *testing.T, res any) {
				if s := res.(*Similar); s.ID != 78234 {
					t.Errorf("got %+v", s)
				}
			},
		},
		{
			name:   "DeleteSimilar",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteSimilar(ctx, 9458, 78234) },
			method: "DELETE", path: "/v1/faq/similar/9458",
			query:   map[string]string{"similarId": "78234"},
			fixture: "002 DELETE /v1/faq/similar/:questionId",
		},
		// ---- datum templates ----
		{
			name:   "GetDatumTemplate",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetDatumTemplate(ctx, 56) },
			method: "GET", path: "/v1/datumTemplates/56",
			fixture: "003 GET /v1/datumTemplates/:id",
			check: func(t *testing.T, res any) {
				d := res.(*DatumTemplate)
				if d.ID != 56 || d.ParentIDs != "0-21" || len(d.Attributes) != 2 || d.Attributes[1].ExpressionList[1] != "Expression4" ||
					!reflect.DeepEqual(d.DatumDefaultAnswer.AttributeIDList, []ID{0}) || d.DatumSearch.Strategies[0].ClarificationRounds != "2" ||
					d.DatumRecommendation.RecommendationNumber != 3 {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name: "CreateDatumTemplate",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateDatumTemplate(ctx, DatumTemplate{Name: "Small Template", RobotID: 83, SimilarList: []string{"Template Alias"}, ParentID: 21,
					Remark: "Template Description", QuestionAndAnswerSet: 15,
					Attributes: []TemplateAttribute{{Name: "Template Attribute 2", SimilarList: []string{"Alias"}, AllowInherited: 1,
						Answer: "<p>v</p>", AskBack: "Which?", SwitchStatus: 1, ExpressionList: []string{"Hello", "haha"}, ChangeType: AttrAdd}},
					DatumDefaultAnswer:  &DatumDefaultAnswer{AnswerType: 3},
					DatumRecommendation: &DatumRecommendation{NoResultContent: "Sorry", RecommendationNumber: 3},
					DatumSearch: &DatumSearch{NoResultContent: "Sorry", RecommendationNumber: 3, Strategies: []SearchStrategy{{
						Name: "Strategy 2", Remark: "d", ClarificationAskContent: "ask", RetrievalTarget: 2, ClarificationContent: "tree",
						ClarificationRounds: "2", FailureContent: "failed"}}}})
			},
			method: "POST", path: "/v1/datumTemplates",
			body: `{"name":"Small Template","robotId":83,"parentId":21,"remark":"Template Description","questionAndAnswerSet":15,"similarList":["Template Alias"],
				"attributes":[{"name":"Template Attribute 2","allowInherited":1,"answer":"<p>v</p>","askBack":"Which?","askBackFlag":0,"switchStatus":1,"changeType":1,"similarList":["Alias"],"expressionList":["Hello","haha"]}],
				"datumDefaultAnswer":{"answerType":3},"datumRecommendation":{"noResultContent":"Sorry","recommendationNumber":3},
				"datumSearch":{"noResultContent":"Sorry","recommendationNumber":3,"strategies":[{"name":"Strategy 2","remark":"d","clarificationAskContent":"ask","retrievalTarget":2,"clarificationContent":"tree","clarificationRounds":"2","failureContent":"failed"}]}}`,
			fixture: "003 POST /v1/datumTemplates",
			check: func(t *testing.T, res any) {
				d := res.(*DatumTemplate)
				if d.ID != 56 || d.DatumDefaultAnswer.ID != 0 || d.DatumDefaultAnswer.AttributeIDList != nil || d.DatumSearch.Strategies[1].AttributeID != 2 {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name: "UpdateDatumTemplate",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.UpdateDatumTemplate(ctx, 56, DatumTemplate{Name: "Tiny Template", RobotID: 83, ParentID: 21, QuestionAndAnswerSet: 15,
					DatumDefaultAnswer: &DatumDefaultAnswer{AnswerType: 3}})
			},
			method: "PUT", path: "/v1/datumTemplates/56",
			body:    `{"id":56,"name":"Tiny Template","robotId":83,"parentId":21,"questionAndAnswerSet":15,"datumDefaultAnswer":{"answerType":3}}`,
			fixture: "003 PUT /v1/datumTemplates/:id",
		},
		{
			name:   "DeleteDatumTemplate",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteDatumTemplate(ctx, 57) },
			method: "DELETE", path: "/v1/datumTemplates/57", status: http.StatusNoContent,
		},
		{
			name: "SearchDatumTemplates",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.SearchDatumTemplates(ctx, SearchDatumTemplatesRequest{PageNum: 1, PageSize: 10, RobotID: 83, Keyword: "Country"})
				return pair{r, pg}, err
			},
			method: "POST", path: "/v1/datumTemplates/search",
			body:    `{"pageNum":1,"pageSize":10,"robotId":83,"keyword":"Country"}`,
			fixture: "003 POST /v1/datumTemplates/search",
			check: func(t *testing.T, res any) {
				p := res.(pair)
				r := p.v.([]DatumTemplate)
				if p.pg != (Paging{1, 10, 1}) || len(r) != 1 || r[0].LeafFlag != 1 || r[0].RootID != 127 {
					t.Errorf("got %+v", p)
				}
			},
		},
		// ---- datums ----
		{
			name:   "GetDatum",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetDatum(ctx, 2) },
			method: "GET", path: "/v1/datums/2",
			fixture: "003 GET /v1/datums/:id",
			check: func(t *testing.T, res any) {
				d := res.(*Datum)
				if d.ID != 1 || d.TemplateName != "Udesk Test Template" || len(d.Attributes) != 1 ||
					*d.Attributes[0].Answer != "Udesk Knowledge Answer" || d.Attributes[0].SwitchStatus != nil || *d.Attributes[0].SrcType != 0 {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name: "CreateDatum",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateDatum(ctx, CreateDatumRequest{RobotID: 83, Name: "Create New Knowledge", TemplateID: 56, CategoryID: 23})
			},
			method: "POST", path: "/v1/datums",
			body:    `{"robotId":83,"name":"Create New Knowledge","templateId":56,"categoryId":23,"displayName":"Create New Knowledge"}`,
			fixture: "003 POST /v1/datums",
			check: func(t *testing.T, res any) {
				d := res.(*Datum)
				if d.ID != 3 || len(d.Attributes) != 2 || d.Attributes[0].Answer != nil || *d.Attributes[1].SrcType != 1 || *d.Orders != 1 {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name: "UpdateDatum",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateDatum(ctx, 3, Datum{Name: "Updated New Knowledge", RobotID: 83, TemplateID: 56, CategoryID: 23, SimilarList: []string{},
					Attributes: []DatumAttribute{{ID: 2, Name: "Template Attribute 2", RobotID: 83, DatumID: 3, TemplateID: 56, TemplateAttributeID: 135,
						Answer: ptr("<p>Template Attribute 2 Value</p>"), SrcType: ptr(1)}}})
			},
			method: "PUT", path: "/v1/datums/3",
			body:    `{"id":3,"robotId":83,"name":"Updated New Knowledge","templateId":56,"similarList":[],"categoryId":23,"attributes":[{"id":2,"name":"Template Attribute 2","robotId":83,"datumId":3,"templateId":56,"templateAttributeId":135,"switchStatus":null,"answer":"<p>Template Attribute 2 Value</p>","srcType":1}]}`,
			fixture: "003 PUT /v1/datums/:id",
			check: func(t *testing.T, res any) {
				if d := res.(*Datum); d.Name != "Updated New Knowledge" || len(d.Attributes) != 2 {
					t.Errorf("got %+v", d)
				}
			},
		},
		{
			name:   "DeleteDatum",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteDatum(ctx, 2) },
			method: "DELETE", path: "/v1/datums/2", status: http.StatusNoContent,
		},
		{
			name: "SearchDatumCategories",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.SearchDatumCategories(ctx, SearchDatumCategoriesRequest{PageNum: 1, PageSize: 10, RobotID: 83, Keyword: "a"})
				return pair{r, pg}, err
			},
			method: "POST", path: "/v1/datumCategories/search",
			body:    `{"pageNum":1,"pageSize":10,"robotId":83,"keyword":"a"}`,
			fixture: "003 POST /v1/datumCategories/search",
			check: func(t *testing.T, res any) {
				p := res.(pair)
				if r := p.v.([]DatumCategory); p.pg.Total != 1 || len(r) != 1 || r[0] != (DatumCategory{26, "ablity", 83, 9}) {
					t.Errorf("got %+v", p)
				}
			},
		},
		// ---- records ----
		{
			name: "SearchSessions",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.SearchSessions(ctx, SearchSessionsRequest{RobotID: 83, StartTime: "2019-12-31 00:00:00", EndTime: "2020-01-07 23:59:59",
					PageNum: 1, PageSize: 2, ConditionList: []SessionCondition{{Field: "customerMsgCount", Operator: "greater_than", Value: "0"}}})
				return pair{r, pg}, err
			},
			method: "POST", path: "/v1/sessions",
			body:    `{"robotId":83,"startTime":"2019-12-31 00:00:00","endTime":"2020-01-07 23:59:59","pageNum":1,"pageSize":2,"conditionList":[{"field":"customerMsgCount","operator":"greater_than","value":"0"}]}`,
			fixture: "004 POST /v1/sessions",
			check: func(t *testing.T, res any) {
				p := res.(pair)
				r := p.v.([]SessionRecord)
				if p.pg != (Paging{1, 2, 4088}) || len(r) != 2 || r[0].Customer == nil || r[0].Customer.ID != "1415457662" ||
					r[0].Customer.City != "New York" || r[1].Customer != nil || r[0].DirectResponseCount != 2 || r[0].AppName != "test 1·" {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "SessionLogs",
			call: func(ctx context.Context, c *Client) (any, error) {
				r, pg, err := c.SessionLogs(ctx, 457955, 1, 2)
				return pair{r, pg}, err
			},
			method: "GET", path: "/v1/sessions/457955/logs",
			query:   map[string]string{"pageNum": "1", "pageSize": "2"},
			fixture: "004 GET /v1/sessions/:id/logs",
			check: func(t *testing.T, res any) {
				p := res.(pair)
				r := p.v.([]SessionLog)
				if p.pg.Total != 9 || len(r) != 2 || r[1].QueryResult != 4 || r[1].UserType != 2 || r[0].Content != "Urobot welcome\n \n" {
					t.Errorf("got %+v", p)
				}
			},
		},
	}
}

// pair carries a list and its paging through endpointCase.call.
type pair struct {
	v  any
	pg Paging
}

func TestEndpoints(t *testing.T) {
	cases := endpointCases()
	if len(cases) != 34 {
		t.Errorf("%d endpoint cases, want 34", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == 0 {
				status = http.StatusOK
			}
			var body []byte
			if tc.fixture != "" {
				body = seedResponse(t, tc.fixture)
			}
			fake, srv := newFakeKM(t, status, body)
			c := newTestClient(t, srv)
			res, err := tc.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			r := <-fake.reqs
			if r.method != tc.method || r.path != "/api"+tc.path {
				t.Errorf("request %s %s, want %s /api%s", r.method, r.path, tc.method, tc.path)
			}
			if msg := checkSigned(r.query); msg != "" {
				t.Errorf("signature: %s", msg)
			}
			var extra []string
			for k := range r.query {
				switch k {
				case "email", "timestamp", "sign":
				default:
					if _, ok := tc.query[k]; !ok {
						extra = append(extra, k)
					}
				}
			}
			sort.Strings(extra)
			if len(extra) > 0 {
				t.Errorf("unexpected query parameters %v", extra)
			}
			for k, v := range tc.query {
				if got := r.query[k]; len(got) != 1 || got[0] != v {
					t.Errorf("query %s = %q, want %q", k, got, v)
				}
			}
			if got := r.header.Get("Accept"); got != "application/json" {
				t.Errorf("Accept = %q", got)
			}
			if tc.body == "" {
				if len(r.body) != 0 {
					t.Errorf("body %s, want none", r.body)
				}
			} else {
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if !sameJSON(t, r.body, []byte(tc.body)) {
					t.Errorf("body\n got %s\nwant %s", r.body, tc.body)
				}
			}
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}
