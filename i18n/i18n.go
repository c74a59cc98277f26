// Package i18n is the bridge's one message catalogue: every user-visible string that
// kmbridge itself produces (not KM's answers) lives here, in English, Simplified
// Chinese and Japanese, keyed by message id. Operators may override any string per
// language; a missing translation falls back to English, never to the message id.
package i18n

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Lang is a supported language.
type Lang string

// Supported languages.
const (
	EN Lang = "en"
	ZH Lang = "zh"
	JA Lang = "ja"
)

// Langs lists the shipped languages.
var Langs = []Lang{EN, ZH, JA}

// MsgID identifies one message.
type MsgID string

// Entry is one message in every shipped language. Texts use fmt verbs for arguments.
// EnOne, when set, is the English text used when the first argument is the integer 1
// (Chinese and Japanese have no grammatical plural).
type Entry struct {
	EN, ZH, JA string
	EnOne      string
}

func (e Entry) text(l Lang, args []any) string {
	switch l {
	case ZH:
		if e.ZH != "" {
			return e.ZH
		}
	case JA:
		if e.JA != "" {
			return e.JA
		}
	}
	if e.EnOne != "" && len(args) > 0 && isOne(args[0]) {
		return e.EnOne
	}
	return e.EN
}

func isOne(v any) bool {
	switch n := v.(type) {
	case int:
		return n == 1
	case int64:
		return n == 1
	}
	return false
}

// Catalog is the built-in messages plus operator overrides.
type Catalog struct {
	entries   map[MsgID]Entry
	overrides map[Lang]map[MsgID]string
	def       Lang
}

// New builds a catalog. defaultLang is used when a user's locale is unknown;
// overrides maps a language ("en", "zh", "ja") to message id → text. An unknown
// language or message id is an error that names it, so a typo in config is caught
// at start-up.
func New(defaultLang string, overrides map[string]map[string]string) (*Catalog, error) {
	c := &Catalog{entries: builtin(), overrides: map[Lang]map[MsgID]string{}, def: EN}
	if defaultLang != "" {
		l, ok := Match(defaultLang)
		if !ok {
			return nil, fmt.Errorf("i18n: language %q is not supported (use en, zh or ja)", defaultLang)
		}
		c.def = l
	}
	for lang, msgs := range overrides {
		l, ok := Match(lang)
		if !ok {
			return nil, fmt.Errorf("i18n: override language %q is not supported (use en, zh or ja)", lang)
		}
		for id, text := range msgs {
			if _, ok := c.entries[MsgID(id)]; !ok {
				return nil, fmt.Errorf("i18n: override %s.%s: no such message id (see README, \"Messages\")", lang, id)
			}
			if c.overrides[l] == nil {
				c.overrides[l] = map[MsgID]string{}
			}
			c.overrides[l][MsgID(id)] = text
		}
	}
	return c, nil
}

// Default returns the catalog's default language.
func (c *Catalog) Default() Lang {
	if c == nil {
		return EN
	}
	return c.def
}

// Printer returns a printer for a platform locale ("ja", "zh-CN", "en_US",
// an Accept-Language header); an unknown or empty locale gets the default language.
func (c *Catalog) Printer(locale string) Printer {
	l, ok := Match(locale)
	if !ok {
		l = c.Default()
	}
	return Printer{c: c, lang: l}
}

// IDs returns every message id, sorted.
func (c *Catalog) IDs() []MsgID {
	entries := builtin()
	if c != nil {
		entries = c.entries
	}
	ids := make([]MsgID, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Printer renders messages in one language. The zero Printer prints built-in English.
type Printer struct {
	c    *Catalog
	lang Lang
}

// Lang returns the printer's language.
func (p Printer) Lang() Lang {
	if p.lang == "" {
		return EN
	}
	return p.lang
}

// T returns message id in the printer's language with args applied (fmt verbs).
// An unknown id returns a neutral placeholder and never the id itself.
func (p Printer) T(id MsgID, args ...any) string {
	l := p.Lang()
	var text string
	if p.c != nil {
		if o, ok := p.c.overrides[l][id]; ok {
			text = o
		} else if o, ok := p.c.overrides[EN][id]; ok && l != EN && !hasTranslation(p.c.entries[id], l) {
			text = o
		}
	}
	if text == "" {
		e, ok := p.entries()[id]
		if !ok {
			return "…"
		}
		text = e.text(l, args)
	}
	if len(args) == 0 || !strings.Contains(text, "%") {
		return text
	}
	return fmt.Sprintf(text, args...)
}

func hasTranslation(e Entry, l Lang) bool {
	switch l {
	case ZH:
		return e.ZH != ""
	case JA:
		return e.JA != ""
	}
	return true
}

func (p Printer) entries() map[MsgID]Entry {
	if p.c != nil {
		return p.c.entries
	}
	return builtinEntries
}

var builtinEntries = builtin()

// Match maps a locale to a supported language: "ja", "ja-JP", "zh", "zh-CN",
// "zh_Hans", "en-GB", or an Accept-Language header ("ja,en;q=0.8"), where the
// supported language with the highest q wins (ties: the first listed) and q=0
// means "not this one".
func Match(locale string) (Lang, bool) {
	var best Lang
	bestQ := 0.0
	for _, part := range strings.Split(locale, ",") {
		tag, params, _ := strings.Cut(part, ";")
		l, ok := matchTag(tag)
		if !ok {
			continue
		}
		q := quality(params)
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best, best != ""
}

// matchTag maps one language tag to a supported language.
func matchTag(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	tag = strings.ReplaceAll(tag, "_", "-")
	base, _, _ := strings.Cut(tag, "-")
	switch base {
	case "en":
		return EN, true
	case "zh", "cmn":
		return ZH, true
	case "ja":
		return JA, true
	}
	return "", false
}

// quality reads q from Accept-Language parameters ("q=0.8"); absent or unreadable
// means 1, and it is clamped to [0, 1].
func quality(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || strings.TrimSpace(k) != "q" {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 1
		}
		return min(max(q, 0), 1)
	}
	return 1
}

// builtin merges each component's messages. Each component keeps its own file
// (msg_<component>.go) so work on one never conflicts with another; a duplicate id
// is a programming error caught by the tests.
func builtin() map[MsgID]Entry {
	all := map[MsgID]Entry{}
	for _, part := range []map[MsgID]Entry{
		bridgeMessages(), formattingMessages(), webMessages(), slackMessages(), telegramMessages(),
		escalationMessages(), cliMessages(), discordMessages(),
	} {
		for id, e := range part {
			all[id] = e
		}
	}
	return all
}
