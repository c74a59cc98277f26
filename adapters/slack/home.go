package slackadapter

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

const (
	// searchActionID is the Home tab's knowledge-base search (an external select).
	searchActionID = "kb_search"
	// maxViewBlocks is Slack's limit for a Home tab.
	maxViewBlocks = 100
	// searchMinQuery is how many characters Slack waits for before asking options
	// (two: a CJK word is often two characters).
	searchMinQuery = 2
	// homeTimeout bounds publishing one Home tab.
	homeTimeout = 20 * time.Second
)

// onHomeOpened publishes the user's Home tab when they open it, at most once per
// Config.HomeRefresh, after the event has been acknowledged.
func (a *Adapter) onHomeOpened(e *slackevents.AppHomeOpenedEvent) {
	if e.Tab != "home" || e.User == "" {
		return
	}
	if !a.homes.Add(e.User, struct{}{}) {
		return
	}
	user, dm := e.User, e.Channel
	a.background(homeTimeout, func(ctx context.Context) {
		if err := a.publishHome(ctx, user, dm); err != nil {
			a.homes.Take(user) // try again when they next open it
			a.log.Warn("slack: publishing the Home tab failed", "err", err)
		}
	})
}

// publishHome builds and publishes a user's Home tab: the welcome, a "Search the
// knowledge base" typeahead, and the FAQ categories and hot questions as
// buttons. Every click there is answered in the user's DM, whose id the view
// carries in private_metadata.
func (a *Adapter) publishHome(ctx context.Context, userID, dm string) error {
	u := a.userInfo(ctx, userID)
	p := a.printer(u.Locale)
	if !isDM(dm) {
		var err error
		if dm, err = a.openDM(ctx, userID); err != nil {
			a.log.Warn("slack: Home tab without buttons: cannot open the DM", "err", err)
			dm = ""
		}
	}
	// Buttons only with the DM: a click is answered there.
	opts := formatting.Options{P: p}
	var save func(context.Context) error
	if dm != "" {
		opts.Tokens, save = a.core.Tokens(dmKey(dm, "", userID), userID)
	}

	var blocks []slack.Block
	add := func(m formatting.Message) {
		for _, msg := range a.render(m) {
			blocks = append(blocks, msg.Blocks...)
		}
	}
	add(formatting.Plain(p.T("slack.home_welcome", a.cfg.Command)))
	if dm != "" {
		add(heading(p.T("slack.search_label")))
		blocks = append(blocks, searchBlock(p))
	}
	if save != nil {
		if cats, err := a.core.FAQ(ctx); err != nil {
			a.log.Warn("slack: Home tab without FAQ", "err", err)
		} else if len(cats) > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
			add(formatting.Categories(p.T("slack.home_faq"), cats, opts))
		}
		if hot, err := a.core.Hot(ctx); err != nil {
			a.log.Warn("slack: Home tab without hot questions", "err", err)
		} else if len(hot) > 0 {
			blocks = append(blocks, slack.NewDividerBlock())
			add(formatting.Questions(p.T("slack.home_hot"), hot, kmclient.QueryFAQ, opts))
		}
	}
	if len(blocks) > maxViewBlocks {
		a.log.Warn("slack: Home tab cut to Slack's block limit", "blocks", len(blocks), "limit", maxViewBlocks)
		blocks = blocks[:maxViewBlocks]
	}
	if save != nil {
		if err := save(ctx); err != nil {
			return fmt.Errorf("slack: Home tab buttons: %w", err)
		}
	}
	view := slack.HomeTabViewRequest{
		Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, PrivateMetadata: dm, CallbackID: "kmbridge_home",
	}
	return a.call(ctx, "", "views.publish", func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view})
		if err != nil {
			return fmt.Errorf("views.publish: %w", err)
		}
		return nil
	})
}

// heading is a one-line heading message (rendered as a header block).
func heading(s string) formatting.Message {
	return formatting.Message{Blocks: []formatting.Block{&formatting.Text{Rich: formatting.Rich{
		&formatting.Heading{Level: 2, Spans: []formatting.Span{{Text: s}}},
	}}}}
}

// searchBlock is the knowledge-base typeahead: an external select whose options
// come from the options-load URL (Adapter.options).
func searchBlock(p i18n.Printer) slack.Block {
	ph := []rune(p.T("slack.search_placeholder"))
	if len(ph) > 150 {
		ph = ph[:150]
	}
	yes := true
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal,
		&slack.TextBlockObject{Type: slack.PlainTextType, Text: string(ph), Emoji: &yes}, searchActionID)
	n := searchMinQuery
	sel.MinQueryLength = &n
	return slack.NewActionBlock(searchActionID, sel)
}
