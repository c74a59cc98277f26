package formatting_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
)

func tokensOf(m formatting.Message) []string {
	var out []string
	add := func(bs []formatting.Button) {
		for _, b := range bs {
			if b.Token != "" {
				out = append(out, b.Token)
			}
		}
	}
	for _, b := range m.Blocks {
		switch x := b.(type) {
		case *formatting.Buttons:
			add(x.Items)
		case *formatting.Select:
			add(x.Options)
		case *formatting.Card:
			add(x.Buttons)
		case *formatting.Products:
			for _, it := range x.Items {
				add(it.Buttons)
			}
			for _, p := range []*formatting.Button{x.Prev, x.Next} {
				if p != nil {
					add([]formatting.Button{*p})
				}
			}
		}
	}
	add(m.InputHints)
	return out
}

func TestRetiring(t *testing.T) {
	m := fmttest.RetireMessage()
	for _, tc := range []struct {
		token string
		m     formatting.Message
		want  []string
	}{
		{"tq2", m, []string{"tq1", "tq2"}},
		{"ty", m, []string{"ty", "tn"}},
		{"tc1", m, []string{"tc1"}},
		{"tq1", formatting.Message{}, []string{"tq1"}},
		{"zz", m, []string{"zz"}},
		{"", m, nil},
	} {
		g := formatting.Retiring(tc.m, tc.token, "shown", true)
		if fmt.Sprint(g.Tokens) != fmt.Sprint(tc.want) || g.Shown != "shown" || !g.Expired {
			t.Errorf("Retiring(%q) = %+v, want tokens %v", tc.token, g, tc.want)
		}
	}
}

// Retire on the neutral message: the group's actions go, its links and title
// stay, Shown follows, every other group is untouched.
func TestRetireNeutral(t *testing.T) {
	for _, tc := range fmttest.RetireCases() {
		t.Run(tc.Name, func(t *testing.T) {
			m := fmttest.RetireMessage()
			before := formatting.Dump(m)
			out, changed := formatting.Retire(m, tc.Group)
			if formatting.Dump(m) != before {
				t.Error("Retire modified its input")
			}
			tc.Check(t, changed, tokensOf(out))
			dump := formatting.Dump(out)
			if tc.Changes && !strings.Contains(dump, tc.Group.Shown) {
				t.Errorf("%q not shown:\n%s", tc.Group.Shown, dump)
			}
			golden(t, "retire_"+tc.Name+".model.golden", dump)
		})
	}
}

func TestRetireOtherGroups(t *testing.T) {
	next := &formatting.Button{Label: "Next", Token: "next"}
	m := formatting.Message{
		Blocks: []formatting.Block{
			&formatting.Select{Placeholder: "Pick", Options: []formatting.Button{{Label: "A", Token: "sa"}, {Label: "Web", URL: "https://x.test"}}},
			&formatting.Products{Items: []formatting.Card{
				{Title: "One", Buttons: []formatting.Button{{Label: "Choose", Token: "p1"}}},
				{Title: "Two", Buttons: []formatting.Button{{Label: "Choose", Token: "p2"}}},
			}, Page: 1, Pages: 2, Next: next},
		},
		InputHints: []formatting.Button{{Label: "Hint", Token: "h1"}},
	}
	for _, tc := range []struct {
		token      string
		live, gone []string
	}{
		{"sa", []string{"p1", "p2", "next", "h1"}, []string{"sa"}},
		{"p2", []string{"sa", "p1", "next", "h1"}, []string{"p2"}},
		{"next", []string{"sa", "p1", "p2", "h1"}, []string{"next"}},
		{"h1", []string{"sa", "p1", "p2", "next"}, []string{"h1"}},
	} {
		out, ok := formatting.Retire(m, formatting.Retiring(m, tc.token, "✓ done", false))
		if !ok {
			t.Fatalf("%s: nothing retired", tc.token)
		}
		toks := tokensOf(out)
		for _, tok := range tc.live {
			if !slices.Contains(toks, tok) {
				t.Errorf("retiring %s took %s too", tc.token, tok)
			}
		}
		for _, tok := range tc.gone {
			if slices.Contains(toks, tok) {
				t.Errorf("retiring %s left %s", tc.token, tok)
			}
		}
		if !strings.Contains(formatting.Dump(out), "✓ done") {
			t.Errorf("retiring %s shows nothing", tc.token)
		}
		if tc.token == "sa" && !strings.Contains(formatting.Dump(out), "https://x.test") {
			t.Error("the select's link option was dropped")
		}
	}
}
