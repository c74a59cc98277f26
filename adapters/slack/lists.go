package slackadapter

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

// Lists gives the Home tab and assistant threads the knowledge base's FAQ
// categories and hot questions.
type Lists interface {
	FAQ(ctx context.Context) ([]kmclient.QuestionCategory, error)
	Hot(ctx context.Context) ([]kmclient.Question, error)
}

// ListsKM is the part of the KM client KMLists uses; *kmclient.Client implements it.
type ListsKM interface {
	CommonQuestions(ctx context.Context, req kmclient.CommonQuestionsRequest) ([]kmclient.QuestionCategory, error)
	HotQuestions(ctx context.Context, req kmclient.HotQuestionsRequest) ([]kmclient.Question, error)
}

// KMLists reads the lists from KM with the robot's identity (the km section of
// the configuration; HotDays and HotCount default to 30 and 10).
type KMLists struct {
	KM                 ListsKM
	RobotID, ChannelID int64
	ModelKey           string
	HotDays, HotCount  int
}

// FAQ implements Lists with /v1/chat/commonQuestions.
func (l KMLists) FAQ(ctx context.Context) ([]kmclient.QuestionCategory, error) {
	return l.KM.CommonQuestions(ctx, kmclient.CommonQuestionsRequest{
		RobotID: kmclient.ID(l.RobotID), ChannelID: kmclient.ID(l.ChannelID), ModelKey: l.ModelKey,
	})
}

// Hot implements Lists with /v1/chat/hotQuestions.
func (l KMLists) Hot(ctx context.Context) ([]kmclient.Question, error) {
	days, n := l.HotDays, l.HotCount
	if days <= 0 {
		days = 30
	}
	if n <= 0 {
		n = 10
	}
	return l.KM.HotQuestions(ctx, kmclient.HotQuestionsRequest{
		LimitDayNum: min(days, 100), LimitResultNum: min(n, 50), RobotID: kmclient.ID(l.RobotID),
	})
}

// listCache keeps the lists for a while: Home tabs open often, the lists change
// rarely. Failures are not cached.
type listCache struct {
	src Lists
	ttl time.Duration
	now func() time.Time

	mu     sync.Mutex
	faq    []kmclient.QuestionCategory
	faqAt  time.Time
	hot    []kmclient.Question
	hotAt  time.Time
	loaded [2]bool
}

func newListCache(src Lists, ttl time.Duration, now func() time.Time) *listCache {
	return &listCache{src: src, ttl: ttl, now: now}
}

func (c *listCache) FAQ(ctx context.Context) ([]kmclient.QuestionCategory, error) {
	c.mu.Lock()
	if c.loaded[0] && c.now().Sub(c.faqAt) < c.ttl {
		v := c.faq
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := c.src.FAQ(ctx)
	if err != nil {
		return nil, fmt.Errorf("slack: FAQ list: %w", err)
	}
	c.mu.Lock()
	c.faq, c.faqAt, c.loaded[0] = v, c.now(), true
	c.mu.Unlock()
	return v, nil
}

func (c *listCache) Hot(ctx context.Context) ([]kmclient.Question, error) {
	c.mu.Lock()
	if c.loaded[1] && c.now().Sub(c.hotAt) < c.ttl {
		v := c.hot
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	v, err := c.src.Hot(ctx)
	if err != nil {
		return nil, fmt.Errorf("slack: hot questions: %w", err)
	}
	c.mu.Lock()
	c.hot, c.hotAt, c.loaded[1] = v, c.now(), true
	c.mu.Unlock()
	return v, nil
}
