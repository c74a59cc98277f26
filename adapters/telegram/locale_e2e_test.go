package telegramadapter_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/telegram/telegramtest"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/i18n"
)

// localeKMTimeout is the KM timeout of the locale tests, set explicitly so the
// apology's deadline is the harness's configuration, not a guess.
const localeKMTimeout = 10 * time.Second

// catalogue is the built-in catalogue with English as the configured default,
// which is how the harness's core is built (Deps.Catalog nil).
func catalogue(t testing.TB) *i18n.Catalog {
	t.Helper()
	cat, err := i18n.New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// askIn sends text in user's private chat with language_code lang.
func (w *world) askIn(user int64, lang, text string) {
	w.fake.Push(telegramtest.Message(telegramtest.PrivateChat(user), telegramtest.Person(user, lang), text, nil))
}

// sendsTo returns the successful sends to chat.
func (w *world) sendsTo(chat int64) []telegramtest.Call {
	var out []telegramtest.Call
	for _, c := range w.fake.Sends() {
		if c.Int("chat_id") == chat {
			out = append(out, c)
		}
	}
	return out
}

// assertRating checks that an answer's keyboard carries the rating of printer
// p exactly as the catalogue words it, and none of the other languages' labels.
func assertRating(t *testing.T, cat *i18n.Catalog, p i18n.Printer, ans telegramtest.Call) {
	t.Helper()
	got := telegramtest.Labels(t, ans)
	for _, id := range []i18n.MsgID{"formatting.rate_up", "formatting.rate_down"} {
		if want := p.T(id); !slices.Contains(got, want) {
			t.Errorf("%s answer: no %s button %q in %q", p.Lang(), id, want, got)
		}
	}
	if want := p.T("formatting.rate_prompt"); !slices.Contains(headers(t, ans), want) {
		t.Errorf("%s answer: no rating header %q in %q", p.Lang(), want, headers(t, ans))
	}
	for _, other := range i18n.Langs {
		if other == p.Lang() {
			continue
		}
		op := cat.Printer(string(other))
		for _, id := range []i18n.MsgID{"formatting.rate_up", "formatting.rate_down", "formatting.rate_prompt", "formatting.related_questions"} {
			for _, l := range got {
				if strings.TrimPrefix(l, "📂 ") == op.T(id) {
					t.Errorf("%s answer carries the %s label %q", p.Lang(), other, l)
				}
			}
		}
	}
}

// A user whose Telegram client is Japanese gets the rating in Japanese under
// KM's answer and the Japanese apology when KM is unavailable (at once, not
// after the KM timeout); when KM is back, answers are normal again.
func TestLocaleJapaneseRatingAndApology(t *testing.T) {
	const user = 4301
	cat := catalogue(t)
	ja := cat.Printer("ja")
	if ja.Lang() != i18n.JA || ja.T("formatting.rate_up") == (i18n.Printer{}).T("formatting.rate_up") {
		t.Fatalf("the catalogue has no Japanese rating label")
	}
	w := newWorld(t, nil)
	w.boot(t, options{core: func(c *bridge.Config) { c.KMTimeout = localeKMTimeout }})

	w.askIn(user, "ja", "How do I reset my password?")
	ans := w.fake.WaitSend(t, "Reset your password")
	assertRating(t, cat, ja, ans)

	// KM goes away: the next question gets the Japanese apology.
	w.sim.SetDown(true)
	apology := ja.T("bridge.km_unavailable")
	start := time.Now()
	w.askIn(user, "ja", "What is the Wi-Fi password?")
	ap := w.fake.WaitSend(t, apology)
	if d := ap.At.Sub(start); d >= localeKMTimeout {
		t.Errorf("apology after %s, want within the KM timeout %s", d, localeKMTimeout)
	}
	if ap.Int("chat_id") != user {
		t.Errorf("apology went to chat %d", ap.Int("chat_id"))
	}
	for _, c := range w.sendsTo(user) {
		txt := c.Params.Get("text")
		for _, id := range []i18n.MsgID{"bridge.km_unavailable", "bridge.km_timeout", "bridge.km_error"} {
			if strings.Contains(txt, (i18n.Printer{}).T(id)) {
				t.Errorf("the Japanese user got the English apology %q", txt)
			}
		}
	}

	// KM is back: a normal answer, still in Japanese around it.
	w.sim.SetDown(false)
	before := len(w.fake.SendsWith("07:00–20:00"))
	w.askIn(user, "ja", "What are the office hours?")
	waitFor(t, "the answer after KM came back", func() bool { return len(w.fake.SendsWith("07:00–20:00")) > before })
	if n := len(w.fake.SendsWith(apology)); n != 1 {
		t.Errorf("%d apologies, want 1", n)
	}
	w.askIn(user, "ja", "How do I reset my password?")
	waitFor(t, "the second password answer", func() bool { return len(w.fake.SendsWith("Reset your password")) == 2 })
	again := w.fake.SendsWith("Reset your password")
	assertRating(t, cat, ja, again[1])
}

// A language the catalogue does not ship (French) gets the configured default
// (English) rating, next to a Japanese user in the same bridge.
func TestLocaleUnknownFallsBackToDefault(t *testing.T) {
	const jaUser, frUser = 4311, 4312
	cat := catalogue(t)
	w := newWorld(t, nil)
	w.boot(t, options{core: func(c *bridge.Config) { c.KMTimeout = localeKMTimeout }})

	w.askIn(frUser, "fr", "How do I reset my password?")
	w.askIn(jaUser, "ja", "How do I reset my password?")
	waitFor(t, "both answers", func() bool { return len(w.fake.SendsWith("Reset your password")) == 2 })
	for _, ans := range w.fake.SendsWith("Reset your password") {
		switch ans.Int("chat_id") {
		case frUser:
			if def := cat.Printer("fr"); def.Lang() != cat.Default() || def.Lang() != i18n.EN {
				t.Fatalf("fr maps to %s, default %s", def.Lang(), cat.Default())
			}
			assertRating(t, cat, cat.Printer("fr"), ans)
		case jaUser:
			assertRating(t, cat, cat.Printer("ja"), ans)
		default:
			t.Errorf("answer to unexpected chat %d", ans.Int("chat_id"))
		}
	}
}
