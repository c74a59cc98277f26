package i18n

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		locale string
		want   Lang
		ok     bool
	}{
		// Platform locales: Telegram language_code, Slack users.info locale,
		// Discord interaction locale.
		{"en", EN, true},
		{"en-US", EN, true},
		{"en_GB", EN, true},
		{"EN-gb", EN, true},
		{"ja", JA, true},
		{"ja-JP", JA, true},
		{"ja_JP", JA, true},
		{"JA", JA, true},
		{"zh", ZH, true},
		{"zh-CN", ZH, true},
		{"zh-Hans", ZH, true},
		{"zh-Hans-CN", ZH, true},
		{"zh_Hans_CN", ZH, true},
		{"zh-TW", ZH, true}, // only Simplified Chinese ships; Chinese beats the default
		{"zh_TW", ZH, true},
		{"zh-Hant-HK", ZH, true},
		{"cmn", ZH, true},
		{"  ja-JP  ", JA, true},
		// Browser Accept-Language headers, as browsers send them (weights descending).
		{"ja,en-US;q=0.9,en;q=0.8", JA, true},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZH, true},
		{"fr-FR,fr;q=0.9,ja;q=0.8,en;q=0.7", JA, true},
		{"de-DE, de;q=0.9, zh-Hans-CN;q=0.5", ZH, true},
		{"es;q=1.0, en;q=0.5", EN, true},
		{"ko-KR,ko;q=0.9", "", false},
		// Unknown or empty: the caller falls back to its default.
		{"", "", false},
		{"fr", "", false},
		{"de-DE", "", false},
		{"pt_BR", "", false},
		{"*", "", false},
		{"english", "", false},
		{"e", "", false},
		{",;q=0.5,", "", false},
	} {
		got, ok := Match(tc.locale)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.locale, got, ok, tc.want, tc.ok)
		}
	}
}

// TestMatchHonoursQValues: RFC 9110 §12.5.4 says the weight, not the order, ranks
// the languages of an Accept-Language header, and q=0 means "not acceptable".
// Browsers send descending weights, but proxies, extensions and hand-written
// clients do not always.
func TestMatchHonoursQValues(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Lang
		ok     bool
	}{
		{"en;q=0.1, ja;q=0.9", JA, true},
		{"en;q=0.5, zh-CN", ZH, true}, // no q means q=1
		{"ja;q=0, en", EN, true},
		{"ja;q=0", "", false},
		{"ja;q=0.000, fr", "", false},
	} {
		got, ok := Match(tc.header)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPrinterFallsBackToDefault(t *testing.T) {
	for _, def := range []string{"en", "zh", "ja", "ja-JP"} {
		c, err := New(def, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := Match(def)
		if c.Default() != want {
			t.Errorf("New(%q).Default() = %q", def, c.Default())
		}
		for _, locale := range []string{"", "fr-FR", "ko", "klingon", "fr;q=0.9,de;q=0.8"} {
			if got := c.Printer(locale).Lang(); got != want {
				t.Errorf("default %q, locale %q: printer speaks %q, want the default", def, locale, got)
			}
		}
		// A supported locale wins over the default.
		if got := c.Printer("ja-JP").Lang(); got != JA {
			t.Errorf("default %q, locale ja-JP: printer speaks %q", def, got)
		}
	}
	c, err := New("", nil)
	if err != nil || c.Default() != EN {
		t.Errorf("New(\"\"): default %q, err %v; want en", c.Default(), err)
	}
}

func TestNewRejectsTypos(t *testing.T) {
	for _, tc := range []struct {
		def       string
		overrides map[string]map[string]string
		want      string
	}{
		{"fr", nil, `language "fr"`},
		{"en", map[string]map[string]string{"de": {"bridge.welcome": "Hallo"}}, `override language "de"`},
		{"en", map[string]map[string]string{"en": {"bridge.welcom": "Hi"}}, "bridge.welcom: no such message id"},
	} {
		_, err := New(tc.def, tc.overrides)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %v): err %v, want one mentioning %q", tc.def, tc.overrides, err, tc.want)
		}
	}
	// Override languages are matched like locales.
	c, err := New("en", map[string]map[string]string{"ja-JP": {"bridge.welcome": "ようこそ"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Printer("ja").T("bridge.welcome"); got != "ようこそ" {
		t.Errorf("override given as ja-JP: got %q", got)
	}
}

func TestShippedLanguages(t *testing.T) {
	c, err := New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	for locale, want := range map[string]string{
		"en": builtin()["formatting.rate_up"].EN,
		"ja": builtin()["formatting.rate_up"].JA,
		"zh": builtin()["formatting.rate_up"].ZH,
	} {
		if got := c.Printer(locale).T("formatting.rate_up"); got != want || got == "" {
			t.Errorf("%s: got %q, want %q", locale, got, want)
		}
	}
	// The zero Printer and a nil catalog's printer speak built-in English.
	want := builtin()["formatting.rate_up"].EN
	if got := (Printer{}).T("formatting.rate_up"); got != want {
		t.Errorf("zero Printer: %q, want %q", got, want)
	}
	var nilCat *Catalog
	if got := nilCat.Printer("ja").T("formatting.rate_up"); got != builtin()["formatting.rate_up"].JA {
		t.Errorf("nil catalog, ja: %q", got)
	}
	if (Printer{}).Lang() != EN {
		t.Errorf("zero Printer speaks %q", (Printer{}).Lang())
	}
}

// testCatalog builds a catalog over hand-made entries, with New's override rules.
func testCatalog(t *testing.T, entries map[MsgID]Entry, overrides map[string]map[string]string) *Catalog {
	t.Helper()
	c := &Catalog{entries: entries, overrides: map[Lang]map[MsgID]string{}, def: EN}
	for lang, msgs := range overrides {
		l, ok := Match(lang)
		if !ok {
			t.Fatalf("bad test override language %q", lang)
		}
		c.overrides[l] = map[MsgID]string{}
		for id, s := range msgs {
			c.overrides[l][MsgID(id)] = s
		}
	}
	return c
}

func TestOverrides(t *testing.T) {
	entries := map[MsgID]Entry{
		"x.full":    {EN: "Hello", ZH: "你好", JA: "こんにちは"},
		"x.no_ja":   {EN: "Bye", ZH: "再见"},
		"x.en_only": {EN: "Thanks"},
	}
	t.Run("per language, the override wins", func(t *testing.T) {
		c := testCatalog(t, entries, map[string]map[string]string{"ja": {"x.full": "ようこそ"}})
		for lang, want := range map[string]string{"ja": "ようこそ", "en": "Hello", "zh": "你好"} {
			if got := c.Printer(lang).T("x.full"); got != want {
				t.Errorf("%s: %q, want %q", lang, got, want)
			}
		}
	})
	t.Run("an English override stands in only where no translation exists", func(t *testing.T) {
		c := testCatalog(t, entries, map[string]map[string]string{"en": {
			"x.full": "Welcome to Acme", "x.no_ja": "See you at Acme", "x.en_only": "Thanks from Acme",
		}})
		for _, tc := range []struct {
			lang string
			id   MsgID
			want string
		}{
			{"en", "x.full", "Welcome to Acme"},
			{"zh", "x.full", "你好"},    // translated: the shipped Chinese stays
			{"ja", "x.full", "こんにちは"}, // translated: the shipped Japanese stays
			{"zh", "x.no_ja", "再见"},
			{"ja", "x.no_ja", "See you at Acme"}, // no Japanese: the operator's English beats ours
			{"ja", "x.en_only", "Thanks from Acme"},
			{"zh", "x.en_only", "Thanks from Acme"},
		} {
			if got := c.Printer(tc.lang).T(tc.id); got != tc.want {
				t.Errorf("%s %s: %q, want %q", tc.lang, tc.id, got, tc.want)
			}
		}
	})
	t.Run("a language's own override beats the English one", func(t *testing.T) {
		c := testCatalog(t, entries, map[string]map[string]string{
			"en": {"x.en_only": "Thanks from Acme"}, "ja": {"x.en_only": "Acme より感謝"},
		})
		if got := c.Printer("ja").T("x.en_only"); got != "Acme より感謝" {
			t.Errorf("ja: %q", got)
		}
		if got := c.Printer("zh").T("x.en_only"); got != "Thanks from Acme" {
			t.Errorf("zh: %q", got)
		}
	})
	t.Run("an empty override is ignored", func(t *testing.T) {
		c := testCatalog(t, entries, map[string]map[string]string{"ja": {"x.full": ""}, "en": {"x.no_ja": ""}})
		if got := c.Printer("ja").T("x.full"); got != "こんにちは" {
			t.Errorf("ja: %q", got)
		}
		if got := c.Printer("ja").T("x.no_ja"); got != "Bye" {
			t.Errorf("ja, empty English override: %q", got)
		}
	})
	t.Run("overrides take arguments", func(t *testing.T) {
		c := testCatalog(t, map[MsgID]Entry{"x.n": {EN: "%d left", ZH: "剩 %d", JA: "残り %d"}},
			map[string]map[string]string{"en": {"x.n": "Only %d to go"}})
		if got := c.Printer("en").T("x.n", 3); got != "Only 3 to go" {
			t.Errorf("%q", got)
		}
	})
	t.Run("through New, with the shipped catalogue", func(t *testing.T) {
		c, err := New("en", map[string]map[string]string{"en": {"bridge.welcome": "Hi, this is Acme IT."}})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Printer("en").T("bridge.welcome"); got != "Hi, this is Acme IT." {
			t.Errorf("en: %q", got)
		}
		if got, want := c.Printer("ja").T("bridge.welcome"), builtin()["bridge.welcome"].JA; got != want {
			t.Errorf("ja: %q, want the shipped %q", got, want)
		}
	})
}

func TestMissingTranslationFallsBackToEnglish(t *testing.T) {
	c := testCatalog(t, map[MsgID]Entry{
		"x.en_only": {EN: "Only English"},
		"x.args":    {EN: "%d of %d", ZH: ""},
	}, nil)
	for _, lang := range []string{"zh", "ja"} {
		if got := c.Printer(lang).T("x.en_only"); got != "Only English" {
			t.Errorf("%s: %q, want the English text", lang, got)
		}
		if got := c.Printer(lang).T("x.args", 1, 2); got != "1 of 2" {
			t.Errorf("%s with args: %q", lang, got)
		}
	}
}

func TestUnknownIDNeverShowsTheID(t *testing.T) {
	c, err := New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []Printer{{}, c.Printer("en"), c.Printer("ja"), c.Printer("zh")} {
		got := p.T("bridge.no_such_message", 3)
		if got == "" || strings.Contains(got, "no_such_message") || strings.Contains(got, "bridge.") {
			t.Errorf("%s: unknown id gave %q", p.Lang(), got)
		}
	}
}

func TestPluralEnOne(t *testing.T) {
	c := testCatalog(t, map[MsgID]Entry{
		"x.items": {EN: "%d items", EnOne: "%d item", ZH: "%d 项", JA: "%d 件"},
		"x.no_zh": {EN: "%d files", EnOne: "one file"},
	}, nil)
	en, zh, ja := c.Printer("en"), c.Printer("zh"), c.Printer("ja")
	for _, tc := range []struct {
		p    Printer
		id   MsgID
		arg  any
		want string
	}{
		{en, "x.items", 1, "1 item"},
		{en, "x.items", int64(1), "1 item"},
		{en, "x.items", 0, "0 items"},
		{en, "x.items", 2, "2 items"},
		{en, "x.items", -1, "-1 items"},
		{zh, "x.items", 1, "1 项"},
		{ja, "x.items", 1, "1 件"},
		{ja, "x.items", 5, "5 件"},
		{zh, "x.no_zh", 1, "one file"}, // English fallback keeps the plural rule
		{zh, "x.no_zh", 3, "3 files"},
		{en, "x.no_zh", 1, "one file"}, // EnOne without the verb: no %!(EXTRA …)
	} {
		if got := tc.p.T(tc.id, tc.arg); got != tc.want {
			t.Errorf("%s %s(%v): %q, want %q", tc.p.Lang(), tc.id, tc.arg, got, tc.want)
		}
	}
}

func TestTWithoutArgsKeepsPercent(t *testing.T) {
	c := testCatalog(t, map[MsgID]Entry{"x.pct": {EN: "100% sure", ZH: "百分之百", JA: "100%確実"}}, nil)
	if got := c.Printer("en").T("x.pct"); got != "100% sure" {
		t.Errorf("%q", got)
	}
}

func TestIDsSorted(t *testing.T) {
	c, err := New("en", nil)
	if err != nil {
		t.Fatal(err)
	}
	ids := c.IDs()
	if len(ids) != len(builtin()) {
		t.Fatalf("%d ids, want %d", len(ids), len(builtin()))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			t.Fatalf("not sorted at %d: %q, %q", i, ids[i-1], ids[i])
		}
	}
	var nilCat *Catalog
	if len(nilCat.IDs()) != len(ids) {
		t.Errorf("nil catalog lists %d ids", len(nilCat.IDs()))
	}
}
