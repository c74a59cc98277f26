package kmclient

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// CommonQuestionModelsQuery is the query of GET /v1/robots/:id/commonQuestionModels.
// Zero fields are left out (KM defaults: page 1, 20 per page).
type CommonQuestionModelsQuery struct {
	PageNum    int
	PageSize   int
	SearchType int // 1 by name, 2 by modelKey
	SearchWord string
}

// Common question model search types.
const (
	ModelSearchByName     = 1
	ModelSearchByModelKey = 2
)

// CommonQuestionModels lists a robot's FAQ templates (GET /v1/robots/:id/commonQuestionModels).
func (c *Client) CommonQuestionModels(ctx context.Context, robotID ID, q CommonQuestionModelsQuery) ([]CommonQuestionModel, Paging, error) {
	k := newCall(http.MethodGet, idPath("/v1/robots/%s/commonQuestionModels", robotID), "/v1/robots/:id/commonQuestionModels")
	k.query = url.Values{}
	setInt(k.query, "pageNum", q.PageNum)
	setInt(k.query, "pageSize", q.PageSize)
	setInt(k.query, "searchType", q.SearchType)
	if q.SearchWord != "" {
		k.query.Set("searchWord", q.SearchWord)
	}
	var out []CommonQuestionModel
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}

func setInt(q url.Values, key string, v int) {
	if v != 0 {
		q.Set(key, strconv.Itoa(v))
	}
}

// SearchQuestionsRequest is the body of POST /v1/questions/search. Zero fields are
// left out so that KM applies its defaults.
type SearchQuestionsRequest struct {
	PageNum       int    `json:"pageNum,omitempty"`
	PageSize      int    `json:"pageSize,omitempty"`
	RobotID       ID     `json:"robotId"`
	CategoryID    ID     `json:"categoryId,omitempty"`
	SearchWord    string `json:"searchWord,omitempty"`
	SearchType    int    `json:"searchType,omitempty"` // 1 questions+similar, 2 standard, 3 answer (default), 4 all
	Type          int    `json:"type,omitempty"`       // 1 question, 3 flow, 4 chat, 0 all
	Order         int    `json:"order,omitempty"`      // by update time: 1 ascending, 2 descending
	IsWorking     int    `json:"isWorking,omitempty"`  // 1 all, 2 valid, 3 invalid
	ChannelIDList []ID   `json:"channelIdList,omitempty"`
}

// FAQ is an FAQ question as the knowledge admin endpoints return it.
type FAQ struct {
	ID                ID              `json:"id"`
	RobotID           ID              `json:"robotId"`
	CategoryID        ID              `json:"categoryId"`
	Content           string          `json:"content"`
	Type              int             `json:"type"` // 1 regular, 2 similar, 3 flow entry, 4 chat
	Keyword           string          `json:"keyword"`
	SuggestType       int             `json:"suggestType"`       // 1 off, 2 smart, 3 manual
	AvailableTimeType *int            `json:"availableTimeType"` // 0 never, 1 always, 2 custom; nil when KM sends null
	StartTime         string          `json:"startTime"`
	EndTime           string          `json:"endTime"`
	CreateTime        string          `json:"createTime"`
	UpdateTime        string          `json:"updateTime"`
	NeedLearnCount    *int            `json:"needLearnCount,omitempty"`
	Answer            *FAQAnswer      `json:"answer"`
	SuggestList       []FAQSuggestion `json:"suggestList"`
	ChannelList       []Channel       `json:"channelList,omitempty"`
}

// FAQAnswer is the answer of an FAQ question, in responses and in create/update
// requests (where ID is set only when updating).
type FAQAnswer struct {
	ID             ID           `json:"id,omitempty"`
	Content        string       `json:"content"`
	Type           int          `json:"type"` // 1 plain, 2 rich, 3 voice URL, 4 link URL, 5 image URL
	AttachmentList []Attachment `json:"attachmentList,omitempty"`
}

// FAQ answer types.
const (
	FAQAnswerPlain = 1
	FAQAnswerRich  = 2
	FAQAnswerVoice = 3
	FAQAnswerLink  = 4
	FAQAnswerImage = 5
)

// FAQSuggestion is a question recommended with an FAQ question.
type FAQSuggestion struct {
	ID      ID   `json:"id"`
	Content Text `json:"content"`
	Type    int  `json:"type,omitempty"`
	Orders  int  `json:"orders,omitempty"`
}

// Channel is a KM scene.
type Channel struct {
	ID          ID     `json:"id"`
	RobotID     ID     `json:"robotId"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        int    `json:"type"` // 1 default, 2 other
}

// IDRef is {"id": n}, how KM lists scenes and recommended questions in requests.
type IDRef struct {
	ID ID `json:"id"`
}

// SearchQuestions lists FAQ questions (POST /v1/questions/search).
func (c *Client) SearchQuestions(ctx context.Context, req SearchQuestionsRequest) ([]FAQ, Paging, error) {
	k := newCall(http.MethodPost, "/v1/questions/search", "/v1/questions/search")
	k.body = req
	var out []FAQ
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}

// GetQuestion returns one FAQ question (GET /v1/questions/:id).
func (c *Client) GetQuestion(ctx context.Context, id ID) (*FAQ, error) {
	k := newCall(http.MethodGet, idPath("/v1/questions/%s", id), "/v1/questions/:id")
	out := new(FAQ)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateQuestionRequest is the body of POST /v1/questions.
type CreateQuestionRequest struct {
	RobotID           ID        `json:"robotId"`
	CategoryID        ID        `json:"categoryId"`
	Content           string    `json:"content"` // ≤ 200 characters
	Type              int       `json:"type"`    // 1 regular, 4 chat
	Answer            FAQAnswer `json:"answer"`
	ChannelList       []IDRef   `json:"channelList"`
	AvailableTimeType *int      `json:"availableTimeType,omitempty"`
	StartTime         string    `json:"startTime,omitempty"`
	EndTime           string    `json:"endTime,omitempty"`
	Keyword           string    `json:"keyword,omitempty"` // comma-separated
	SuggestType       int       `json:"suggestType"`
	SuggestsList      []IDRef   `json:"suggestsList,omitempty"`
	IsSwitchStaff     *int      `json:"isSwitchStaff,omitempty"`
}

// CreateQuestion creates an FAQ question (POST /v1/questions).
func (c *Client) CreateQuestion(ctx context.Context, req CreateQuestionRequest) (*FAQ, error) {
	k := newCall(http.MethodPost, "/v1/questions", "/v1/questions")
	k.body = req
	out := new(FAQ)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateQuestionRequest is the body of PUT /v1/questions/:id. Note KM's names:
// answerUpdateRequest and simpleChannelList.
type UpdateQuestionRequest struct {
	ID                  ID        `json:"id,omitempty"` // UpdateQuestion fills it from its id
	CategoryID          ID        `json:"categoryId"`
	Content             string    `json:"content"`
	Type                int       `json:"type,omitempty"`
	AnswerUpdateRequest FAQAnswer `json:"answerUpdateRequest"`
	SimpleChannelList   []IDRef   `json:"simpleChannelList"`
	AvailableTimeType   *int      `json:"availableTimeType,omitempty"`
	StartTime           string    `json:"startTime,omitempty"`
	EndTime             string    `json:"endTime,omitempty"`
	Keyword             string    `json:"keyword,omitempty"`
	SuggestType         int       `json:"suggestType,omitempty"`
	SuggestsList        []IDRef   `json:"suggestsList,omitempty"`
	IsSwitchStaff       *int      `json:"isSwitchStaff,omitempty"`
}

// UpdateQuestion edits an FAQ question (PUT /v1/questions/:id).
func (c *Client) UpdateQuestion(ctx context.Context, id ID, req UpdateQuestionRequest) error {
	if req.ID == 0 {
		req.ID = id
	}
	k := newCall(http.MethodPut, idPath("/v1/questions/%s", id), "/v1/questions/:id")
	k.body = req
	_, err := c.invoke(ctx, k, nil)
	return err
}

// DeleteQuestion deletes an FAQ question (DELETE /v1/questions/:id; KM answers 204).
func (c *Client) DeleteQuestion(ctx context.Context, id ID) error {
	k := newCall(http.MethodDelete, idPath("/v1/questions/%s", id), "/v1/questions/:id")
	_, err := c.invoke(ctx, k, nil)
	return err
}
