package kmclient

import (
	"context"
	"encoding/json"
	"net/http"
)

// DatumTemplate is a knowledge (datum) template, as returned by the template
// endpoints and sent to create/update them. Server-assigned ids are omitted when zero,
// so a template read with GetDatumTemplate can be edited and sent back.
type DatumTemplate struct {
	ID                   ID                   `json:"id,omitempty"`
	Name                 string               `json:"name"`
	RobotID              ID                   `json:"robotId"`
	Orders               int                  `json:"orders,omitempty"`
	ParentID             ID                   `json:"parentId"` // 0 for a top-level template
	ParentIDs            string               `json:"parentIds,omitempty"`
	Remark               string               `json:"remark,omitempty"` // ≤ 255 characters
	QuestionAndAnswerSet int                  `json:"questionAndAnswerSet"`
	LeafFlag             int                  `json:"leafFlag,omitempty"` // search results: 1 leaf
	RootID               ID                   `json:"rootId,omitempty"`
	SimilarList          []string             `json:"similarList,omitempty"`
	Attributes           []TemplateAttribute  `json:"attributes,omitempty"`
	Datums               []json.RawMessage    `json:"datums,omitempty"` // undocumented; kept raw
	DatumDefaultAnswer   *DatumDefaultAnswer  `json:"datumDefaultAnswer,omitempty"`
	DatumRecommendation  *DatumRecommendation `json:"datumRecommendation,omitempty"`
	DatumSearch          *DatumSearch         `json:"datumSearch,omitempty"`
	DatumClarify         *DatumClarify        `json:"datumClarify,omitempty"`
}

// questionAndAnswerSet bits.
const (
	QASetDefaultReply   = 1
	QASetClarification  = 2
	QASetRecommendation = 4
	QASetSearch         = 8
)

// TemplateAttribute is an attribute of a datum template.
type TemplateAttribute struct {
	ID             ID       `json:"id,omitempty"`
	RobotID        ID       `json:"robotId,omitempty"`
	TemplateID     ID       `json:"templateId,omitempty"`
	Name           string   `json:"name"`
	AllowInherited int      `json:"allowInherited"`
	Answer         string   `json:"answer"`
	AskBack        string   `json:"askBack,omitempty"`
	AskBackFlag    int      `json:"askBackFlag"`
	SwitchStatus   int      `json:"switchStatus"`
	ChangeType     int      `json:"changeType"` // in updates: 0 none, 1 add, 2 update, 3 delete
	Orders         int      `json:"orders,omitempty"`
	SimilarList    []string `json:"similarList,omitempty"`
	ExpressionList []string `json:"expressionList,omitempty"`
}

// Template attribute change types (UpdateDatumTemplate).
const (
	AttrUnchanged = 0
	AttrAdd       = 1
	AttrUpdate    = 2
	AttrDelete    = 3
)

// DatumDefaultAnswer is a template's default reply.
type DatumDefaultAnswer struct {
	ID              ID   `json:"id,omitempty"`
	RobotID         ID   `json:"robotId,omitempty"`
	TemplateID      ID   `json:"templateId,omitempty"`
	AnswerType      int  `json:"answerType"` // 1 some attributes, 2 ask back, 3 all attributes
	AttributeIDList []ID `json:"attributeIdList,omitempty"`
}

// DatumRecommendation is a template's recommendation setting.
type DatumRecommendation struct {
	ID                   ID     `json:"id,omitempty"`
	RobotID              ID     `json:"robotId,omitempty"`
	TemplateID           ID     `json:"templateId,omitempty"`
	NoResultContent      string `json:"noResultContent"`
	RecommendationNumber int    `json:"recommendationNumber"`
}

// DatumSearch is a template's search setting.
type DatumSearch struct {
	ID                   ID               `json:"id,omitempty"`
	RobotID              ID               `json:"robotId,omitempty"`
	TemplateID           ID               `json:"templateId,omitempty"`
	NoResultContent      string           `json:"noResultContent"`
	RecommendationNumber int              `json:"recommendationNumber"`
	Strategies           []SearchStrategy `json:"strategies,omitempty"`
}

// SearchStrategy is one strategy of a datum search.
type SearchStrategy struct {
	ID                      ID     `json:"id,omitempty"`
	RobotID                 ID     `json:"robotId,omitempty"`
	TemplateID              ID     `json:"templateId,omitempty"`
	DatumSearchID           ID     `json:"datumSearchId,omitempty"`
	Name                    string `json:"name"`
	Remark                  string `json:"remark,omitempty"`
	ClarificationAskContent string `json:"clarificationAskContent"`
	RetrievalTarget         int    `json:"retrievalTarget"` // 1 attribute, 2 knowledge
	AttributeID             ID     `json:"attributeId,omitempty"`
	ClarificationContent    string `json:"clarificationContent,omitempty"`
	ClarificationRounds     Text   `json:"clarificationRounds,omitempty"` // documented String, sent as a number
	FailureContent          string `json:"failureContent,omitempty"`
	Orders                  int    `json:"orders,omitempty"`
}

// DatumClarify is a template's clarification setting.
type DatumClarify struct {
	RobotID              ID                `json:"robotId,omitempty"`
	TemplateID           ID                `json:"templateId,omitempty"`
	RecommendationNumber int               `json:"recommendationNumber,omitempty"`
	NoResultContent      string            `json:"noResultContent,omitempty"`
	ClarifyType          int               `json:"clarifyType,omitempty"` // 1 attribute ask back, 2 strategy follow-up
	AskType              Text              `json:"askType,omitempty"`     // 1 priority, 2 intelligent
	Strategies           []ClarifyStrategy `json:"strategies,omitempty"`
}

// ClarifyStrategy is one strategy of a datum clarification.
type ClarifyStrategy struct {
	RobotID                 ID               `json:"robotId,omitempty"`
	TemplateID              ID               `json:"templateId,omitempty"`
	DatumClarifyID          ID               `json:"datumClarifyId,omitempty"`
	Name                    string           `json:"name,omitempty"`
	Remark                  string           `json:"remark,omitempty"`
	ClarificationAskContent string           `json:"clarificationAskContent,omitempty"`
	RetrievalTarget         int              `json:"retrievalTarget,omitempty"`
	AttributeID             ID               `json:"attributeId,omitempty"`
	AlternativePushContent  json.RawMessage  `json:"alternativePushContent,omitempty"` // documented only as "Object"
	AlternativePushStatus   *AlternativePush `json:"alternativePushStatus,omitempty"`
	ClarificationContent    string           `json:"clarificationContent,omitempty"`
	ClarificationRounds     Text             `json:"clarificationRounds,omitempty"`
	FailureContent          string           `json:"failureContent,omitempty"`
	Orders                  int              `json:"orders,omitempty"`
}

// AlternativePush is the alternative push setting of a clarification strategy.
type AlternativePush struct {
	Chosen    int         `json:"chosen"`
	Style     string      `json:"style,omitempty"`
	LabelList []PushLabel `json:"labelList,omitempty"`
}

// PushLabel is a label of an alternative push.
type PushLabel struct {
	ID      ID   `json:"id"`
	Name    Text `json:"name"`
	Content Text `json:"content"`
}

// GetDatumTemplate returns a datum template (GET /v1/datumTemplates/:id).
func (c *Client) GetDatumTemplate(ctx context.Context, id ID) (*DatumTemplate, error) {
	k := newCall(http.MethodGet, idPath("/v1/datumTemplates/%s", id), "/v1/datumTemplates/:id")
	out := new(DatumTemplate)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateDatumTemplate creates a datum template (POST /v1/datumTemplates).
func (c *Client) CreateDatumTemplate(ctx context.Context, t DatumTemplate) (*DatumTemplate, error) {
	k := newCall(http.MethodPost, "/v1/datumTemplates", "/v1/datumTemplates")
	k.body = t
	out := new(DatumTemplate)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDatumTemplate rewrites datum template id (PUT /v1/datumTemplates/:id);
// attributes say what changed in ChangeType. KM returns no data.
func (c *Client) UpdateDatumTemplate(ctx context.Context, id ID, t DatumTemplate) error {
	if t.ID == 0 {
		t.ID = id
	}
	k := newCall(http.MethodPut, idPath("/v1/datumTemplates/%s", id), "/v1/datumTemplates/:id")
	k.body = t
	_, err := c.invoke(ctx, k, nil)
	return err
}

// DeleteDatumTemplate deletes a datum template (DELETE /v1/datumTemplates/:id; 204).
func (c *Client) DeleteDatumTemplate(ctx context.Context, id ID) error {
	k := newCall(http.MethodDelete, idPath("/v1/datumTemplates/%s", id), "/v1/datumTemplates/:id")
	_, err := c.invoke(ctx, k, nil)
	return err
}

// SearchDatumTemplatesRequest is the body of POST /v1/datumTemplates/search.
type SearchDatumTemplatesRequest struct {
	PageNum  int    `json:"pageNum,omitempty"`
	PageSize int    `json:"pageSize,omitempty"`
	RobotID  ID     `json:"robotId"`
	LeafFlag int    `json:"leafFlag,omitempty"` // 1 leaf templates (default), 2 all
	Keyword  string `json:"keyword,omitempty"`
}

// SearchDatumTemplates lists datum templates (POST /v1/datumTemplates/search).
func (c *Client) SearchDatumTemplates(ctx context.Context, req SearchDatumTemplatesRequest) ([]DatumTemplate, Paging, error) {
	k := newCall(http.MethodPost, "/v1/datumTemplates/search", "/v1/datumTemplates/search")
	k.body = req
	var out []DatumTemplate
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}

// Datum is a knowledge point (datum). Pointer fields keep KM's nulls on a
// read-modify-write round trip.
type Datum struct {
	ID           ID               `json:"id,omitempty"`
	RobotID      ID               `json:"robotId"`
	Name         string           `json:"name"`
	DisplayName  string           `json:"displayName,omitempty"`
	TemplateID   ID               `json:"templateId"`
	TemplateName string           `json:"templateName,omitempty"`
	SimilarList  []string         `json:"similarList"`
	CategoryID   ID               `json:"categoryId"`
	Orders       *int             `json:"orders,omitempty"`
	Category     json.RawMessage  `json:"category,omitempty"` // undocumented; kept raw
	Attributes   []DatumAttribute `json:"attributes,omitempty"`
}

// DatumAttribute is an attribute value of a datum.
type DatumAttribute struct {
	ID                  ID      `json:"id"`
	Name                string  `json:"name"`
	RobotID             ID      `json:"robotId"`
	DatumID             ID      `json:"datumId"`
	TemplateID          ID      `json:"templateId"`
	TemplateAttributeID ID      `json:"templateAttributeId"`
	SwitchStatus        *int    `json:"switchStatus"`
	Answer              *string `json:"answer"`  // rich text; nil inherits the template's value
	SrcType             *int    `json:"srcType"` // 0 own value, 1 inherited
}

// CreateDatumRequest is the body of POST /v1/datums. displayName is always sent:
// the 003 seed lists it as required (its example leaves it out); CreateDatum
// fills an empty one with Name.
type CreateDatumRequest struct {
	RobotID     ID     `json:"robotId"`
	Name        string `json:"name"`
	TemplateID  ID     `json:"templateId"`
	CategoryID  ID     `json:"categoryId"`
	DisplayName string `json:"displayName"`
}

// GetDatum returns a datum (GET /v1/datums/:id).
func (c *Client) GetDatum(ctx context.Context, id ID) (*Datum, error) {
	k := newCall(http.MethodGet, idPath("/v1/datums/%s", id), "/v1/datums/:id")
	out := new(Datum)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateDatum creates a datum (POST /v1/datums). An empty DisplayName is sent as
// Name: KM requires one, and the name is what it would otherwise show.
func (c *Client) CreateDatum(ctx context.Context, req CreateDatumRequest) (*Datum, error) {
	if req.DisplayName == "" {
		req.DisplayName = req.Name
	}
	k := newCall(http.MethodPost, "/v1/datums", "/v1/datums")
	k.body = req
	out := new(Datum)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateDatum rewrites datum id (PUT /v1/datums/:id). Attribute values can be
// changed, not added or removed: start from GetDatum.
func (c *Client) UpdateDatum(ctx context.Context, id ID, d Datum) (*Datum, error) {
	if d.ID == 0 {
		d.ID = id
	}
	k := newCall(http.MethodPut, idPath("/v1/datums/%s", id), "/v1/datums/:id")
	k.body = d
	out := new(Datum)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteDatum deletes a datum (DELETE /v1/datums/:id; 204).
func (c *Client) DeleteDatum(ctx context.Context, id ID) error {
	k := newCall(http.MethodDelete, idPath("/v1/datums/%s", id), "/v1/datums/:id")
	_, err := c.invoke(ctx, k, nil)
	return err
}

// DatumCategory is a datum category.
type DatumCategory struct {
	ID       ID     `json:"id"`
	Name     string `json:"name"`
	RobotID  ID     `json:"robotId"`
	ParentID ID     `json:"parentId"`
}

// SearchDatumCategoriesRequest is the body of POST /v1/datumCategories/search.
type SearchDatumCategoriesRequest struct {
	PageNum  int    `json:"pageNum,omitempty"`
	PageSize int    `json:"pageSize,omitempty"`
	RobotID  ID     `json:"robotId"`
	Keyword  string `json:"keyword,omitempty"`
}

// SearchDatumCategories lists datum categories (POST /v1/datumCategories/search).
func (c *Client) SearchDatumCategories(ctx context.Context, req SearchDatumCategoriesRequest) ([]DatumCategory, Paging, error) {
	k := newCall(http.MethodPost, "/v1/datumCategories/search", "/v1/datumCategories/search")
	k.body = req
	var out []DatumCategory
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}
