package slackadapter

import (
	"context"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

const (
	maxOptions     = 100 // Slack's limit per options response
	maxOptionText  = 75
	maxOptionValue = 150
)

// options answers a typeahead (block_suggestion) within Slack's 3 s: first an
// option that asks the typed words as a question, then KM's smart hints
// (host.Suggest, bounded by Config.SuggestTimeout). Choosing one is an
// ordinary click, answered in the user's DM. On any failure the options so far
// are returned: an empty list is a valid answer.
func (e *extras) options(ctx context.Context, ic *slack.InteractionCallback) slack.OptionsResponse {
	resp := slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	query := strings.TrimSpace(ic.Value)
	if query == "" || ic.User.ID == "" {
		return resp
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.SuggestTimeout)
	defer cancel()
	dm := ic.View.PrivateMetadata
	if !isDM(dm) {
		var err error
		if dm, err = e.people.openDM(ctx, ic.User.ID); err != nil {
			e.log.Warn("slack: typeahead: cannot open the DM", "err", err)
			return resp
		}
	}
	key := dmKey(dm, "", ic.User.ID)
	user := e.people.cachedUser(ic.User.ID)
	p := e.printer(user.Locale)
	tokens, save := e.host.Mint(key, ic.User.ID, bridge.LifeSuggestion)
	tok := tokens(formatting.Action{Kind: formatting.ActSendText, Text: query, Label: query})
	if err := save(ctx); err != nil {
		e.log.Warn("slack: typeahead: cannot store the ask option", "err", err)
	} else {
		resp.Options = append(resp.Options, selectOption(p.T("slack.ask_option", query), tok))
	}
	buttons, err := e.host.Suggest(ctx, key, user, query)
	if err != nil {
		e.log.Warn("slack: typeahead: suggestions failed", "err", err)
	}
	seen := map[string]bool{}
	for _, b := range buttons {
		if len(resp.Options) == maxOptions {
			break
		}
		if b.Token == "" || len(b.Token) > maxOptionValue || seen[b.Token] {
			continue
		}
		seen[b.Token] = true
		resp.Options = append(resp.Options, selectOption(b.Label, b.Token))
	}
	return resp
}

// selectOption is one select option: a one-line label of at most 75 characters.
func selectOption(label, value string) *slack.OptionBlockObject {
	label = strings.Join(strings.Fields(label), " ")
	label = truncU(label, maxOptionText)
	if label == "" {
		label = "…"
	}
	return slack.NewOptionBlockObject(value, &slack.TextBlockObject{Type: slack.PlainTextType, Text: label}, nil)
}
