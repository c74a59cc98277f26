package slackadapter

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/memo"
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

// extras are Slack's places around the conversations: the App Home tab, its
// knowledge-base typeahead, and the assistant threads' status and suggested
// prompts. What they show comes from the host (Home, Suggest, Mint).
type extras struct {
	cfg    Config
	host   bridge.Host
	log    *slog.Logger
	cat    *i18n.Catalog
	api    *api
	people *people
	convs  *convs
	out    *sender
	bg     *background
	homes  *memo.Memo[string, struct{}] // users whose Home was published recently
}

// printer returns the catalogue printer for a Slack locale ("ja-JP").
func (e *extras) printer(locale string) i18n.Printer { return e.cat.Printer(locale) }

// onHomeOpened publishes the user's Home tab when they open it, at most once per
// Config.HomeRefresh, after the event has been acknowledged.
func (e *extras) onHomeOpened(ev *slackevents.AppHomeOpenedEvent) {
	if ev.Tab != "home" || ev.User == "" {
		return
	}
	if !e.homes.Add(ev.User, struct{}{}) {
		return
	}
	user, dm := ev.User, ev.Channel
	e.bg.run(homeTimeout, func(ctx context.Context) {
		if err := e.publishHome(ctx, user, dm); err != nil {
			e.homes.Take(user) // try again when they next open it
			e.log.Warn("slack: publishing the Home tab failed", "err", err)
		}
	})
}

// publishHome builds and publishes a user's Home tab: the welcome, a "Search the
// knowledge base" typeahead, and the FAQ categories and hot questions as
// buttons (host.Home, minted for the user's DM conversation). Every click
// there is answered in the user's DM, whose id the view carries in
// private_metadata.
func (e *extras) publishHome(ctx context.Context, userID, dm string) error {
	u := e.people.userInfo(ctx, userID)
	p := e.printer(u.Locale)
	if !isDM(dm) {
		var err error
		if dm, err = e.people.openDM(ctx, userID); err != nil {
			e.log.Warn("slack: Home tab without buttons: cannot open the DM", "err", err)
			dm = ""
		}
	}
	var blocks []slack.Block
	add := func(m formatting.Message) {
		for _, msg := range e.out.render(m) {
			blocks = append(blocks, msg.Blocks...)
		}
	}
	add(formatting.Plain(p.T("slack.home_welcome", e.cfg.Command)))
	if dm != "" { // buttons only with the DM: a click is answered there
		add(heading(p.T("slack.search_label")))
		blocks = append(blocks, searchBlock(p))
		home, err := e.host.Home(ctx, dmKey(dm, "", userID), u)
		if err != nil {
			e.log.Warn("slack: Home tab without FAQ and hot questions", "err", err)
		}
		for _, m := range []formatting.Message{home.FAQ, home.Hot} {
			if !m.IsEmpty() {
				blocks = append(blocks, slack.NewDividerBlock())
				add(m)
			}
		}
	}
	if len(blocks) > maxViewBlocks {
		e.log.Warn("slack: Home tab cut to Slack's block limit", "blocks", len(blocks), "limit", maxViewBlocks)
		blocks = blocks[:maxViewBlocks]
	}
	view := slack.HomeTabViewRequest{
		Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, PrivateMetadata: dm, CallbackID: "kmbridge_home",
	}
	return e.api.call(ctx, "", "views.publish", func(ctx context.Context) error {
		_, err := e.api.client.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: view})
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
// come from the options-load URL (extras.options).
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
