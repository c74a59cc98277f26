package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

const kmFAQUsage = `Usage: kmbridge km faq COMMAND [ARGS]

FAQ questions of the configured robot.

Commands:
  search [-word W] [-category N] [-page N] [-size N] [-json]   list questions
  get ID                                                       print a question as JSON
  create -category N -content TEXT -answer TEXT [-keyword K] [-channel N…]
  update ID [-category N] [-content TEXT] [-answer TEXT] [-keyword K] [-channel N…]
  delete ID

Run "kmbridge km faq COMMAND -h" for a command's flags.
`

func (a *app) kmFAQ(ctx context.Context, args []string) int {
	return a.group(ctx, "km faq", kmFAQUsage, args, []subcommand{
		{"search", a.kmFAQSearch},
		{"get", a.kmFAQGet},
		{"create", a.kmFAQCreate},
		{"update", a.kmFAQUpdate},
		{"delete", a.kmFAQDelete},
	})
}

func (a *app) kmFAQSearch(ctx context.Context, args []string) int {
	c := a.command("km faq search", `Usage: kmbridge km faq search [-word W] [-category N] [-page N] [-size N] [-json]

Lists FAQ questions (POST /v1/questions/search): a table of id, category and
question, or JSON lines with -json. The page and the total go to stderr.
`)
	word := c.fs.String("word", "", "search `text`")
	in := c.fs.String("in", "", "where -word is looked for: questions (with similar ones), standard, answer, all; KM's default is answer")
	category := c.fs.Int64("category", 0, "only this category `id`")
	l := c.lister(20, "question", "questions")
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	searchType, ok := map[string]int{"": 0, "questions": 1, "standard": 2, "answer": 3, "all": 4}[*in]
	if !ok {
		return c.usageError("-in %q: use questions, standard, answer or all", *in)
	}
	if code, ok := l.checkPage(); !ok {
		return code
	}
	if *category < 0 {
		return c.usageError("-category must be a positive id")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		qs, pg, err := k.client.SearchQuestions(ctx, kmclient.SearchQuestionsRequest{
			PageNum: *l.page, PageSize: *l.size, RobotID: k.robot(), CategoryID: kmclient.ID(*category),
			SearchWord: *word, SearchType: searchType,
		})
		if err != nil {
			return err
		}
		return printPage(l, qs, pg, "ID\tCATEGORY\tQUESTION", func(q kmclient.FAQ) string {
			return fmt.Sprintf("%d\t%d\t%s", q.ID, q.CategoryID, oneLine(q.Content))
		})
	})
}

func (a *app) kmFAQGet(ctx context.Context, args []string) int {
	c := a.command("km faq get", `Usage: kmbridge km faq get ID

Prints FAQ question ID with its answer, scenes and suggestions as JSON
(GET /v1/questions/:id).
`)
	id, code, ok := c.oneID(args, "ID")
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		q, err := k.client.GetQuestion(ctx, kmclient.ID(id))
		if err != nil {
			return err
		}
		return printJSON(a.stdout, q)
	})
}

// answerTypeNames lists -answer-type's values, in KM's order (1 plain … 5 image).
const answerTypeNames = "plain, rich, voice, link, image"

// answerType maps -answer-type onto KM's FAQ answer types; auto picks rich for
// content that looks like HTML.
func answerType(name, content string) (int, bool) {
	switch name {
	case "", "auto":
		if strings.Contains(content, "<") && strings.Contains(content, ">") {
			return kmclient.FAQAnswerRich, true
		}
		return kmclient.FAQAnswerPlain, true
	case "plain":
		return kmclient.FAQAnswerPlain, true
	case "rich":
		return kmclient.FAQAnswerRich, true
	case "voice":
		return kmclient.FAQAnswerVoice, true
	case "link":
		return kmclient.FAQAnswerLink, true
	case "image":
		return kmclient.FAQAnswerImage, true
	}
	return 0, false
}

// faqFlags are the flags create and update share.
type faqFlags struct {
	category   *int64
	content    *string
	answer     *string
	answerType *string
	keyword    *string
	channels   idList
	chat       *bool
}

func (c *command) faqFlags() *faqFlags {
	f := &faqFlags{
		category:   c.fs.Int64("category", 0, "category `id`"),
		content:    c.fs.String("content", "", "the question `text` (at most 200 characters)"),
		answer:     c.fs.String("answer", "", "the answer: text, HTML, or a URL for voice/link/image"),
		answerType: c.fs.String("answer-type", "auto", "plain, rich, voice, link or image; auto: rich when -answer looks like HTML"),
		keyword:    c.fs.String("keyword", "", "comma-separated `keywords`"),
		chat:       c.fs.Bool("chat", false, "a chit-chat question (type 4) rather than a regular one"),
	}
	c.fs.Var(&f.channels, "channel", "scene `id` the question answers in; repeatable or comma-separated (create: default km.channel_id)")
	return f
}

func (a *app) kmFAQCreate(ctx context.Context, args []string) int {
	c := a.command("km faq create", `Usage: kmbridge km faq create -category N -content TEXT -answer TEXT [-keyword K] [-channel N…]

Creates an FAQ question (POST /v1/questions) and prints it as JSON.
`)
	f := c.faqFlags()
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	switch {
	case *f.category <= 0:
		return c.usageError("-category is required (a positive id)")
	case strings.TrimSpace(*f.content) == "":
		return c.usageError("-content is required")
	case strings.TrimSpace(*f.answer) == "":
		return c.usageError("-answer is required")
	}
	at, ok := answerType(*f.answerType, *f.answer)
	if !ok {
		return c.usageError("-answer-type %q: use %s", *f.answerType, answerTypeNames)
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		channels := f.channels
		if len(channels) == 0 {
			channels = idList{k.channelID}
		}
		qtype := 1
		if *f.chat {
			qtype = 4
		}
		q, err := k.client.CreateQuestion(ctx, kmclient.CreateQuestionRequest{
			RobotID: k.robot(), CategoryID: kmclient.ID(*f.category), Content: *f.content, Type: qtype,
			Answer:      kmclient.FAQAnswer{Content: *f.answer, Type: at},
			ChannelList: idRefs(channels), Keyword: *f.keyword, SuggestType: 1,
		})
		if err != nil {
			return err
		}
		return printJSON(a.stdout, q)
	})
}

func (a *app) kmFAQUpdate(ctx context.Context, args []string) int {
	c := a.command("km faq update", `Usage: kmbridge km faq update ID [-category N] [-content TEXT] [-answer TEXT] [-keyword K] [-channel N…]

Changes FAQ question ID (PUT /v1/questions/:id): it is read first, and only the
given flags change.
`)
	f := c.faqFlags()
	id64, code, ok := c.oneID(args, "ID")
	if !ok {
		return code
	}
	if c.fs.NFlag() == 0 {
		return c.usageError("nothing to change: give at least one flag")
	}
	if c.flagSet("category") && *f.category <= 0 {
		return c.usageError("-category must be a positive id")
	}
	if c.flagSet("content") && strings.TrimSpace(*f.content) == "" {
		return c.usageError("-content must not be empty")
	}
	if c.flagSet("answer") && strings.TrimSpace(*f.answer) == "" {
		return c.usageError("-answer must not be empty")
	}
	if _, ok := answerType(*f.answerType, *f.answer); !ok {
		return c.usageError("-answer-type %q: use %s", *f.answerType, answerTypeNames)
	}
	id := kmclient.ID(id64)
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		q, err := k.client.GetQuestion(ctx, id)
		if err != nil {
			return err
		}
		req := kmclient.UpdateQuestionRequest{
			ID: id, CategoryID: q.CategoryID, Content: q.Content, Type: q.Type, Keyword: q.Keyword,
			SuggestType: q.SuggestType, AvailableTimeType: q.AvailableTimeType,
			StartTime: q.StartTime, EndTime: q.EndTime,
		}
		if q.Answer != nil {
			req.AnswerUpdateRequest = *q.Answer
		}
		for _, ch := range q.ChannelList {
			req.SimpleChannelList = append(req.SimpleChannelList, kmclient.IDRef{ID: ch.ID})
		}
		for _, s := range q.SuggestList {
			req.SuggestsList = append(req.SuggestsList, kmclient.IDRef{ID: s.ID})
		}
		if c.flagSet("category") {
			req.CategoryID = kmclient.ID(*f.category)
		}
		if c.flagSet("content") {
			req.Content = *f.content
		}
		if c.flagSet("answer") {
			req.AnswerUpdateRequest.Content = *f.answer
		}
		if c.flagSet("answer") || c.flagSet("answer-type") {
			req.AnswerUpdateRequest.Type, _ = answerType(*f.answerType, req.AnswerUpdateRequest.Content)
		}
		if c.flagSet("keyword") {
			req.Keyword = *f.keyword
		}
		if c.flagSet("channel") {
			req.SimpleChannelList = idRefs(f.channels)
		}
		if c.flagSet("chat") {
			req.Type = 1
			if *f.chat {
				req.Type = 4
			}
		}
		if err := k.client.UpdateQuestion(ctx, id, req); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "updated question %d\n", id)
		return nil
	})
}

func (a *app) kmFAQDelete(ctx context.Context, args []string) int {
	c := a.command("km faq delete", `Usage: kmbridge km faq delete ID

Deletes FAQ question ID (DELETE /v1/questions/:id).
`)
	id, code, ok := c.oneID(args, "ID")
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		if err := k.client.DeleteQuestion(ctx, kmclient.ID(id)); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "deleted question %d\n", id)
		return nil
	})
}

func idRefs(ids []int64) []kmclient.IDRef {
	out := make([]kmclient.IDRef, len(ids))
	for i, id := range ids {
		out[i] = kmclient.IDRef{ID: kmclient.ID(id)}
	}
	return out
}
