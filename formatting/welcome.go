package formatting

import (
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

// Welcome converts an initClient answer: welcome message, leading word, FAQ
// categories with their questions (hit queryType 6) and shortcut entries.
//
// Shortcut entries of type 1 are hits of hitSource 1, "message from a shortcut
// entry" (kmclient.ShortcutClick); type 2 entries open their link.
func Welcome(r *kmclient.InitClientResponse, o Options) Message {
	if r == nil {
		return Message{}
	}
	c := newConv(o, int64(r.LogID))
	c.html(r.WelcomeMessage)
	c.heading(r.LeadingWord)
	if len(r.CommonQuestionList) > 0 {
		c.questions("", r.CommonQuestionList, 6)
	}
	if m := r.CommonQuestionModel; m != nil {
		c.categories(m.CommonQuestionCategoryList)
		c.shortcuts(m.ShortcutEntryList)
	}
	return c.m
}

// Categories renders FAQ categories (the faq command).
func Categories(title string, cats []kmclient.QuestionCategory, o Options) Message {
	c := newConv(o, 0)
	c.heading(title)
	c.categories(cats)
	return c.m
}

// Questions renders a question list whose clicks become hits of queryType
// (hot questions: 6; smart hints: 9).
func Questions(title string, qs []kmclient.Question, queryType int, o Options) Message {
	c := newConv(o, 0)
	c.questions(title, qs, queryType)
	return c.m
}

func (c *conv) categories(cats []kmclient.QuestionCategory) {
	for i, cat := range cats {
		if i == maxCategories {
			c.more(len(cats) - i)
			return
		}
		c.questions(cat.Name, cat.QuestionList, 6)
	}
}

func (c *conv) shortcuts(list []kmclient.ShortcutEntry) {
	c.group("", len(list), func(i int) (Button, bool) {
		e := list[i]
		name := firstNonEmpty(strings.TrimSpace(e.Name), strings.TrimSpace(e.Content))
		switch e.Type {
		case kmclient.ShortcutLink:
			return c.link(name, e.Content)
		default:
			if cleanLabel(name) == "" {
				return Button{}, false
			}
			return c.action(name, HitAction(kmclient.ShortcutClick(e, kmclient.ID(c.log)), "")), true
		}
	})
}
