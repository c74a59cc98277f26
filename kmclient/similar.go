package kmclient

import (
	"context"
	"net/http"
	"net/url"
)

// Similar is a similar question (an alternative wording) of an FAQ question.
type Similar struct {
	ID      ID     `json:"id"`
	Content string `json:"content"`
}

// ListSimilar lists the similar questions of an FAQ question, a page at a time
// (GET /v1/faq/similar/{questionId}). Zero pageNum/pageSize leave KM's defaults (1, 10).
func (c *Client) ListSimilar(ctx context.Context, questionID ID, pageNum, pageSize int) ([]Similar, Paging, error) {
	k := newCall(http.MethodGet, idPath("/v1/faq/similar/%s", questionID), "/v1/faq/similar/:questionId")
	k.query = url.Values{}
	setInt(k.query, "pageNum", pageNum)
	setInt(k.query, "pageSize", pageSize)
	var out []Similar
	pg, err := c.invoke(ctx, k, &out)
	if err != nil {
		return nil, Paging{}, err
	}
	return out, pg, nil
}

// AddSimilar adds a similar question (POST /v1/faq/similar/{questionId}).
func (c *Client) AddSimilar(ctx context.Context, questionID ID, content string) (*Similar, error) {
	k := newCall(http.MethodPost, idPath("/v1/faq/similar/%s", questionID), "/v1/faq/similar/:questionId")
	k.body = struct {
		Content string `json:"content"`
	}{content}
	out := new(Similar)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateSimilar rewrites similar question s.ID (PUT /v1/faq/similar/{questionId},
// body {id, content}).
func (c *Client) UpdateSimilar(ctx context.Context, questionID ID, s Similar) (*Similar, error) {
	k := newCall(http.MethodPut, idPath("/v1/faq/similar/%s", questionID), "/v1/faq/similar/:questionId")
	k.body = s
	out := new(Similar)
	if _, err := c.invoke(ctx, k, out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteSimilar deletes a similar question (DELETE /v1/faq/similar/{questionId}?similarId=).
func (c *Client) DeleteSimilar(ctx context.Context, questionID, similarID ID) error {
	k := newCall(http.MethodDelete, idPath("/v1/faq/similar/%s", questionID), "/v1/faq/similar/:questionId")
	k.query = url.Values{"similarId": {similarID.String()}}
	_, err := c.invoke(ctx, k, nil)
	return err
}
