package fmttest

import (
	"slices"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

// RetireCase is one retirement the renderers' golden tests apply to
// RetireMessage.
type RetireCase struct {
	Name  string
	Group formatting.RetiredGroup
	// Changes is false when no group holds the tokens: nothing to retire.
	Changes bool
	// Live are the tokens that must still be clickable afterwards; Gone the
	// ones that must not.
	Live, Gone []string
}

// RetireMessage is the message the retirement golden tests of every renderer
// start from: an answer with two untitled groups next to each other (related
// questions with a link, then the rating), a card with an action and a link,
// and a titled group.
func RetireMessage() formatting.Message {
	para := func(s string) formatting.Rich {
		return formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: s}}}}
	}
	return formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: para("Reset your password from the sign-in page.")},
		&formatting.Buttons{Items: []formatting.Button{
			{Label: "How do I change my password?", Token: "tq1"},
			{Label: "Where is the VPN guide?", Token: "tq2"},
			{Label: "Password policy", URL: "https://example.com/policy"},
		}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "👍", Token: "ty"}, {Label: "👎", Token: "tn"}}},
		&formatting.Card{Title: "Laptop", Body: para("A standard laptop."), Buttons: []formatting.Button{
			{Label: "Order", Token: "tc1"},
			{Label: "Specs", URL: "https://example.com/laptop"},
		}},
		&formatting.Buttons{Title: "More help", Items: []formatting.Button{{Label: "Talk to a person", Token: "th"}}},
	}}
}

// RetireCases are the retirements applied to RetireMessage: a choice found
// through the neutral message (its whole group), an expired click, the
// clicked token alone (an adapter that no longer has the message it sent),
// and a token no group holds.
func RetireCases() []RetireCase {
	m := RetireMessage()
	return []RetireCase{
		{Name: "choice", Group: formatting.Retiring(m, "tq2", "✓ Where is the VPN guide?", false), Changes: true,
			Live: []string{"ty", "tn", "tc1", "th"}, Gone: []string{"tq1", "tq2"}},
		{Name: "expired", Group: formatting.Retiring(m, "ty", "⌛ These buttons have expired", true), Changes: true,
			Live: []string{"tq1", "tq2", "tc1", "th"}, Gone: []string{"ty", "tn"}},
		{Name: "card", Group: formatting.Retiring(m, "tc1", "✓ Order", false), Changes: true,
			Live: []string{"tq1", "tq2", "ty", "tn", "th"}, Gone: []string{"tc1"}},
		{Name: "token_alone", Group: formatting.Retiring(formatting.Message{}, "tn", "✓ 👎", false), Changes: true,
			Live: []string{"tq1", "tq2", "tc1", "th"}, Gone: []string{"tn"}},
		{Name: "unknown", Group: formatting.Retiring(m, "zz", "✓ ?", false), Changes: false,
			Live: []string{"tq1", "tq2", "ty", "tn", "tc1", "th"}},
	}
}

// Check reports through t whether a retirement went as c expects: changed is
// what the retire function reported, live the tokens still clickable after
// it.
func (c RetireCase) Check(t testing.TB, changed bool, live []string) {
	t.Helper()
	if changed != c.Changes {
		t.Fatalf("changed = %v, want %v", changed, c.Changes)
	}
	for _, tok := range c.Live {
		if !slices.Contains(live, tok) {
			t.Errorf("%s was retired with another group", tok)
		}
	}
	for _, tok := range c.Gone {
		if slices.Contains(live, tok) {
			t.Errorf("%s is still live", tok)
		}
	}
}
