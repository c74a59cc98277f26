package slackadapter

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/slack/slacktest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

// localeKMTimeout is the KM timeout of the locale tests, set explicitly so the
// apology's deadline is the environment's configuration, not a guess.
const localeKMTimeout = 10 * time.Second

// ratingTexts returns the texts of m's answer-rating buttons.
func (e *env) ratingTexts(m slacktest.Msg) []string {
	e.t.Helper()
	var out []string
	buttons, _ := slacktest.Elements(e.t, m.Blocks)
	for _, b := range buttons {
		if e.action(b.Value).Action.Kind == formatting.ActRateAnswer {
			out = append(out, b.Text.Text)
		}
	}
	return out
}

// buttonTexts returns the texts of every button of m.
func buttonTexts(t testing.TB, m slacktest.Msg) []string {
	var out []string
	buttons, _ := slacktest.Elements(t, m.Blocks)
	for _, b := range buttons {
		out = append(out, b.Text.Text)
	}
	return out
}

// The language of a DM comes from the user's Slack locale (users.info with
// include_locale): the rating under KM's answer and the apology when KM is
// unavailable are the catalogue's texts in that language; a locale the
// catalogue does not ship, or none, gets the configured default (English).
func TestLocaleFromSlackUserLocale(t *testing.T) {
	cat, err := i18n.New("en", nil) // the environment's core: built-in catalogue, default en
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, locale string
		want         i18n.Lang
	}{
		{"zh-CN", "zh-CN", i18n.ZH},
		{"ja-JP", "ja-JP", i18n.JA},
		{"no locale", "", i18n.EN},
		{"unshipped locale", "fr-FR", i18n.EN},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := cat.Printer(tc.locale)
			if p.Lang() != tc.want {
				t.Fatalf("catalogue maps %q to %s, want %s", tc.locale, p.Lang(), tc.want)
			}
			e := newEnv(t, envOpts{core: func(c *bridge.Config) { c.KMTimeout = localeKMTimeout }})
			e.slack.AddUser(slack.User{ID: "U7", Name: "kim", RealName: "Kim", Locale: tc.locale})

			ans := e.askDM("D7", "U7", qPassword, "Reset your password")
			infos := e.slack.Calls("users.info")
			if len(infos) == 0 || infos[0].Form.Get("include_locale") != "true" || infos[0].Form.Get("user") != "U7" {
				t.Errorf("users.info calls: %+v", infos)
			}
			assertSlackRating(t, e, cat, p, ans)

			// KM goes away: the next question gets the apology in the user's language.
			e.sim.SetDown(true)
			apology := p.T("bridge.km_unavailable")
			start := time.Now()
			e.askDM("D7", "U7", qWifi, apology)
			if d := time.Since(start); d >= localeKMTimeout {
				t.Errorf("apology after %s, want within the KM timeout %s", d, localeKMTimeout)
			}
			for _, m := range e.slack.Posted("D7") {
				for _, other := range i18n.Langs {
					if other == p.Lang() {
						continue
					}
					op := cat.Printer(string(other))
					for _, id := range []i18n.MsgID{"bridge.km_unavailable", "bridge.km_timeout", "bridge.km_error"} {
						if strings.Contains(text(t, m), op.T(id)) {
							t.Errorf("%s user got the %s apology %q", p.Lang(), other, text(t, m))
						}
					}
				}
			}

			// KM is back: a normal answer with the rating in the same language.
			e.sim.SetDown(false)
			again := e.askDM("D7", "U7", qPassword, "Reset your password")
			assertSlackRating(t, e, cat, p, again)
		})
	}
}

// assertSlackRating checks that an answer's rating buttons and prompt are the
// catalogue's texts in p's language, and that no other language's button
// label appears on the message.
func assertSlackRating(t *testing.T, e *env, cat *i18n.Catalog, p i18n.Printer, ans slacktest.Msg) {
	t.Helper()
	want := []string{p.T("formatting.rate_up"), p.T("formatting.rate_down")}
	if got := e.ratingTexts(ans); !slices.Equal(got, want) {
		t.Errorf("%s rating buttons = %q, want %q", p.Lang(), got, want)
	}
	if prompt := p.T("formatting.rate_prompt"); !strings.Contains(text(t, ans), prompt) {
		t.Errorf("%s answer has no rating prompt %q:\n%s", p.Lang(), prompt, text(t, ans))
	}
	all := buttonTexts(t, ans)
	for _, other := range i18n.Langs {
		if other == p.Lang() {
			continue
		}
		op := cat.Printer(string(other))
		for _, id := range []i18n.MsgID{"formatting.rate_up", "formatting.rate_down", "formatting.talk_to_human"} {
			if slices.Contains(all, op.T(id)) {
				t.Errorf("%s answer carries the %s button %q", p.Lang(), other, op.T(id))
			}
		}
		if s := op.T("formatting.rate_prompt"); strings.Contains(text(t, ans), s) {
			t.Errorf("%s answer carries the %s prompt %q", p.Lang(), other, s)
		}
	}
}
