package bridge

import (
	"context"
	"fmt"

	"github.com/kmbridge/kmbridge/kmclient"
)

// List cache keys.
const (
	cacheFAQ = "faq"
	cacheHot = "hot"
)

// FAQ returns the knowledge base's FAQ categories (KM commonQuestions): the
// list the faq command shows, for adapters that show it elsewhere (a home
// screen). It is cached for Config.ListCacheTTL and shared by every caller, who
// must not modify it; a failure is not cached. The KM call is bounded by
// Config.KMTimeout and by ctx.
func (c *Core) FAQ(ctx context.Context) ([]kmclient.QuestionCategory, error) {
	if v, ok := c.lists.Get(cacheFAQ); ok {
		return v.([]kmclient.QuestionCategory), nil
	}
	var cats []kmclient.QuestionCategory
	err := c.kmCall(ctx, "common_questions", func(ctx context.Context) error {
		var err error
		cats, err = c.km.CommonQuestions(ctx, kmclient.CommonQuestionsRequest{
			RobotID: kmclient.ID(c.cfg.RobotID), ChannelID: kmclient.ID(c.cfg.ChannelID), ModelKey: c.cfg.ModelKey,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bridge: faq: %w", err)
	}
	c.lists.SetDefault(cacheFAQ, cats)
	return cats, nil
}

// Hot returns the knowledge base's hot questions (KM hotQuestions with
// Config.HotDays and HotCount): the list the hot command shows. It is cached
// like FAQ.
func (c *Core) Hot(ctx context.Context) ([]kmclient.Question, error) {
	if v, ok := c.lists.Get(cacheHot); ok {
		return v.([]kmclient.Question), nil
	}
	var qs []kmclient.Question
	err := c.kmCall(ctx, "hot_questions", func(ctx context.Context) error {
		var err error
		qs, err = c.km.HotQuestions(ctx, kmclient.HotQuestionsRequest{
			LimitDayNum: c.cfg.HotDays, LimitResultNum: c.cfg.HotCount, RobotID: kmclient.ID(c.cfg.RobotID),
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bridge: hot: %w", err)
	}
	c.lists.SetDefault(cacheHot, qs)
	return qs, nil
}
