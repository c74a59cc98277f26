package tgfmt

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Validate checks msg against the Bot API's rules the way the server would: the
// method's required fields, HTML (only the tags and attributes of parse_mode HTML,
// proper nesting within Telegram's entity rules, valid entities, no raw '<', '>' or
// '&'), text and caption length after entity parsing in UTF-16 units, non-empty
// text, keyboards (button texts, callback_data 1–64 bytes, http(s) URLs, 8 buttons
// a row and 100 in all for inline keyboards; unique labels each mapped by
// ReplyTokens for reply keyboards) and venue coordinates. It is stricter than
// Telegram where Telegram would silently change the message (it drops entities
// that nest wrongly), so a message that passes shows as intended.
func Validate(msg Msg) error {
	if err := validate(msg); err != nil {
		return fmt.Errorf("tgfmt: %s: %w", msg.Method, err)
	}
	return nil
}

func validate(m Msg) error {
	switch m.Method {
	case MethodSendMessage:
		if m.Caption != "" || m.Photo != "" || m.Audio != "" || m.Venue != nil {
			return errors.New("a text message has only Text")
		}
		if err := checkHTML(m.Text, MaxTextLen, true); err != nil {
			return fmt.Errorf("text: %w", err)
		}
	case MethodSendPhoto, MethodSendAudio:
		file := m.Photo
		other := m.Audio
		if m.Method == MethodSendAudio {
			file, other = m.Audio, m.Photo
		}
		if m.Text != "" || other != "" || m.Venue != nil {
			return errors.New("a media message has only its file and Caption")
		}
		if err := checkFile(file); err != nil {
			return err
		}
		if err := checkHTML(m.Caption, MaxCaptionLen, false); err != nil {
			return fmt.Errorf("caption: %w", err)
		}
	case MethodSendVenue, MethodSendLocation:
		if m.Text != "" || m.Caption != "" || m.Photo != "" || m.Audio != "" {
			return errors.New("a venue has only Venue")
		}
		if err := checkVenue(m.Venue, m.Method == MethodSendVenue); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown method %q", m.Method)
	}
	if m.InlineKeyboard != nil && m.ReplyKeyboard != nil {
		return errors.New("a message has one reply_markup: inline keyboard or reply keyboard, not both")
	}
	if m.InlineKeyboard != nil {
		if err := checkInline(m.InlineKeyboard); err != nil {
			return fmt.Errorf("inline keyboard: %w", err)
		}
	}
	if m.ReplyKeyboard != nil || m.ReplyTokens != nil {
		if err := checkReply(m.ReplyKeyboard, m.ReplyTokens); err != nil {
			return fmt.Errorf("reply keyboard: %w", err)
		}
	}
	return nil
}

func checkFile(s string) error {
	if s == "" {
		return errors.New("no file")
	}
	if strings.Contains(s, "://") {
		if _, ok := httpURL(s); !ok {
			return fmt.Errorf("file URL %q is not an absolute http(s) URL", s)
		}
		return nil
	}
	// Otherwise a file_id of a file Telegram already has.
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("file %q is neither an http(s) URL nor a file_id", s)
		}
	}
	return nil
}

func checkVenue(v *Venue, named bool) error {
	if v == nil {
		return errors.New("no Venue")
	}
	if math.IsNaN(v.Lat) || v.Lat < -90 || v.Lat > 90 {
		return fmt.Errorf("latitude %v is outside -90…90", v.Lat)
	}
	if math.IsNaN(v.Lng) || v.Lng < -180 || v.Lng > 180 {
		return fmt.Errorf("longitude %v is outside -180…180", v.Lng)
	}
	if !named {
		return nil
	}
	for _, f := range [...]struct{ name, v string }{{"title", v.Title}, {"address", v.Address}} {
		if !utf8.ValidString(f.v) {
			return fmt.Errorf("venue %s is not valid UTF-8", f.name)
		}
		if isBlank(f.v) {
			return fmt.Errorf("venue %s is empty", f.name)
		}
	}
	return nil
}

func checkLabel(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("button text is not valid UTF-8")
	}
	if isBlank(s) {
		return errors.New("button text is empty")
	}
	if strings.ContainsAny(s, "\n\r") {
		return fmt.Errorf("button text %q has a line break", s)
	}
	return nil
}

func checkInline(kb *tgbotapi.InlineKeyboardMarkup) error {
	if len(kb.InlineKeyboard) == 0 {
		return errors.New("no rows")
	}
	total := 0
	for i, row := range kb.InlineKeyboard {
		if len(row) == 0 || len(row) > MaxInlineRow {
			return fmt.Errorf("row %d has %d buttons (1–%d)", i+1, len(row), MaxInlineRow)
		}
		total += len(row)
		for _, b := range row {
			if err := checkLabel(b.Text); err != nil {
				return err
			}
			if b.LoginURL != nil || b.SwitchInlineQuery != nil || b.SwitchInlineQueryCurrentChat != nil ||
				b.CallbackGame != nil || b.Pay {
				return fmt.Errorf("button %q: only url and callback_data buttons are used", b.Text)
			}
			switch {
			case (b.URL == nil) == (b.CallbackData == nil):
				return fmt.Errorf("button %q needs exactly one of url and callback_data", b.Text)
			case b.CallbackData != nil && !validCallbackData(*b.CallbackData):
				return fmt.Errorf("button %q: callback_data is %d bytes (1–%d)", b.Text, len(*b.CallbackData), MaxCallbackData)
			case b.URL != nil:
				if _, ok := httpURL(*b.URL); !ok {
					return fmt.Errorf("button %q: url %q is not an absolute http(s) URL", b.Text, *b.URL)
				}
			}
		}
	}
	if total > MaxInlineButtons {
		return fmt.Errorf("%d buttons (at most %d)", total, MaxInlineButtons)
	}
	return nil
}

func checkReply(kb *tgbotapi.ReplyKeyboardMarkup, tokens map[string]string) error {
	if kb == nil {
		return errors.New("ReplyTokens without a reply keyboard")
	}
	if len(kb.Keyboard) == 0 {
		return errors.New("no rows")
	}
	seen := map[string]bool{}
	total := 0
	for i, row := range kb.Keyboard {
		if len(row) == 0 || len(row) > MaxReplyRow {
			return fmt.Errorf("row %d has %d buttons (1–%d)", i+1, len(row), MaxReplyRow)
		}
		total += len(row)
		for _, b := range row {
			if err := checkLabel(b.Text); err != nil {
				return err
			}
			if b.Text != strings.TrimSpace(b.Text) {
				return fmt.Errorf("button %q: clients trim the text they send back", b.Text)
			}
			if b.RequestContact || b.RequestLocation || b.RequestPoll != nil {
				return fmt.Errorf("button %q: only text buttons are used", b.Text)
			}
			if seen[b.Text] {
				return fmt.Errorf("label %q appears twice: a press could not be told apart", b.Text)
			}
			seen[b.Text] = true
			if tokens[b.Text] == "" {
				return fmt.Errorf("label %q has no token in ReplyTokens", b.Text)
			}
		}
	}
	if total > MaxReplyButtons {
		return fmt.Errorf("%d buttons (at most %d)", total, MaxReplyButtons)
	}
	if len(tokens) != len(seen) {
		return fmt.Errorf("ReplyTokens has %d labels, the keyboard %d", len(tokens), len(seen))
	}
	return nil
}

// element is an open HTML element during checkHTML.
type element struct {
	name string
	// pre: 0 nothing yet, 1 has text, 2 has its <code>, 3 its <code> closed.
	pre int
}

// formatting elements: Telegram lets them nest with each other and with links
// and quotes, but not with code or pre.
var styleTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "ins": true,
	"s": true, "strike": true, "del": true, "tg-spoiler": true, "span": true,
}

// checkHTML validates Telegram HTML and the length and emptiness of its text.
func checkHTML(s string, limit int, needText bool) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	var open [4]element // Telegram nests hardly deeper
	stack := open[:0]
	length := 0
	content := false
	text := func(r rune) error {
		length += u16(r)
		if !isEmptyRune(r) {
			content = true
		}
		if n := len(stack); n > 0 && stack[n-1].name == "pre" {
			if stack[n-1].pre >= 2 {
				return errors.New("text after <code> inside <pre>")
			}
			stack[n-1].pre = 1
		}
		return nil
	}
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '<':
			end, err := tagEnd(s, i)
			if err != nil {
				return err
			}
			if stack, err = checkTag(s[i:end], stack); err != nil {
				return err
			}
			i = end
		case '&':
			r, n, err := entity(s[i:])
			if err != nil {
				return err
			}
			if err := text(r); err != nil {
				return err
			}
			i += n
		case '>':
			return fmt.Errorf("raw '>' at byte %d (write &gt;)", i)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if err := text(r); err != nil {
				return err
			}
			i += n
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("<%s> is not closed", stack[len(stack)-1].name)
	}
	if needText && !content {
		return errors.New("text is empty")
	}
	if length > limit {
		return fmt.Errorf("%d UTF-16 units after entity parsing (at most %d)", length, limit)
	}
	return nil
}

// tagEnd finds the '>' that ends the tag starting at i, skipping quoted values.
func tagEnd(s string, i int) (int, error) {
	quote := byte(0)
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"':
			quote = c
		case c == '<':
			return 0, fmt.Errorf("raw '<' at byte %d (write &lt;)", i)
		case c == '>':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("raw '<' at byte %d (write &lt;)", i)
}

// checkTag checks one tag ("<...>") and returns the stack of open elements
// updated (not through a pointer, which would move the stack to the heap).
func checkTag(t string, stack []element) ([]element, error) {
	body := t[1 : len(t)-1]
	if strings.HasPrefix(body, "/") {
		name := body[1:]
		n := len(stack)
		if n == 0 || stack[n-1].name != name {
			return stack, fmt.Errorf("</%s> does not close the open element", name)
		}
		stack = stack[:n-1]
		if n >= 2 && name == "code" && stack[n-2].name == "pre" {
			stack[n-2].pre = 3
		}
		return stack, nil
	}
	var room [2]attr // a valid tag has at most one attribute
	name, attrs, err := parseTag(body, room[:0])
	if err != nil {
		return stack, fmt.Errorf("tag %q: %w", t, err)
	}
	var parent *element
	if n := len(stack); n > 0 {
		parent = &stack[n-1]
	}
	has := func(names ...string) bool {
		for _, e := range stack {
			for _, n := range names {
				if e.name == n {
					return true
				}
			}
		}
		return false
	}
	allow := func(keys ...string) error {
	next:
		for _, at := range attrs {
			for _, a := range keys {
				if at.key == a {
					continue next
				}
			}
			return fmt.Errorf("<%s> takes no attribute %q", name, at.key)
		}
		return nil
	}
	switch {
	case styleTags[name]:
		if name == "span" {
			if class, _ := attrs.get("class"); class != "tg-spoiler" {
				return stack, errors.New(`<span> is only allowed as <span class="tg-spoiler">`)
			}
			if err := allow("class"); err != nil {
				return stack, err
			}
		} else if err := allow(); err != nil {
			return stack, err
		}
		if has("code", "pre") {
			return stack, fmt.Errorf("<%s> inside code", name)
		}
	case name == "a":
		if err := allow("href"); err != nil {
			return stack, err
		}
		raw, ok := attrs.raw("href")
		if !ok {
			return stack, errors.New("<a> without href")
		}
		// An http(s) URL with a host, as toHTML writes one, is known without
		// decoding or parsing it.
		if !plainHTTPURL(raw, true) {
			href, _ := attrs.get("href")
			if err := checkHref(href); err != nil {
				return stack, err
			}
		}
		if has("a", "code", "pre") {
			return stack, errors.New("<a> inside a link or code")
		}
	case name == "code":
		if err := allow("class"); err != nil {
			return stack, err
		}
		if parent != nil && parent.name == "pre" {
			if parent.pre != 0 {
				return stack, errors.New("<code> must be the only content of its <pre>")
			}
			parent.pre = 2
			if c, ok := attrs.get("class"); ok && (!strings.HasPrefix(c, "language-") || len(c) == len("language-")) {
				return stack, fmt.Errorf(`class %q: only class="language-…" is allowed`, c)
			}
		} else {
			if _, ok := attrs.get("class"); ok {
				return stack, errors.New("a language can only be given to <code> directly inside <pre>")
			}
			for _, e := range stack {
				if e.name != "blockquote" {
					return stack, fmt.Errorf("<code> inside <%s>", e.name)
				}
			}
		}
	case name == "pre":
		if err := allow(); err != nil {
			return stack, err
		}
		if len(stack) > 0 {
			return stack, fmt.Errorf("<pre> inside <%s>", stack[len(stack)-1].name)
		}
	case name == "blockquote":
		if err := allow("expandable"); err != nil {
			return stack, err
		}
		if v, ok := attrs.get("expandable"); ok && v != "" {
			return stack, errors.New("expandable takes no value")
		}
		if len(stack) > 0 {
			return stack, fmt.Errorf("<blockquote> inside <%s>", stack[len(stack)-1].name)
		}
	default:
		return stack, fmt.Errorf("tag <%s> is not supported by Telegram", name)
	}
	return append(stack, element{name: name}), nil
}

// attr is an attribute of a tag, its value as written (its entities checked).
type attr struct{ key, raw string }

// attrs are a tag's attributes in the order written.
type attrs []attr

// raw returns the value of key as written.
func (as attrs) raw(key string) (string, bool) {
	for _, a := range as {
		if a.key == key {
			return a.raw, true
		}
	}
	return "", false
}

// get returns the value of key, decoded.
func (as attrs) get(key string) (string, bool) {
	v, ok := as.raw(key)
	if ok {
		v, _ = decodeAttr(v) // parseTag checked it
	}
	return v, ok
}

// parseTag splits `name attr="v" flag` into the name and decoded attributes,
// appended to attrs.
func parseTag(body string, attrs attrs) (string, attrs, error) {
	i := 0
	for i < len(body) && isNameByte(body[i]) {
		i++
	}
	name := body[:i]
	if name == "" {
		return "", nil, errors.New("no tag name")
	}
	if name != strings.ToLower(name) {
		return "", nil, errors.New("tag names are lower case")
	}
	for {
		j := i
		for j < len(body) && body[j] == ' ' {
			j++
		}
		if j == len(body) {
			return name, attrs, nil
		}
		if j == i {
			return "", nil, fmt.Errorf("unexpected %q", body[i:])
		}
		i = j
		for j < len(body) && isNameByte(body[j]) {
			j++
		}
		key := body[i:j]
		if key == "" {
			return "", nil, fmt.Errorf("unexpected %q", body[i:])
		}
		if _, dup := attrs.raw(key); dup {
			return "", nil, fmt.Errorf("attribute %q given twice", key)
		}
		i = j
		if i < len(body) && body[i] == '=' {
			if i+1 >= len(body) || body[i+1] != '"' {
				return "", nil, fmt.Errorf("attribute %q: value must be in double quotes", key)
			}
			end := strings.IndexByte(body[i+2:], '"')
			if end < 0 {
				return "", nil, fmt.Errorf("attribute %q: unterminated value", key)
			}
			v := body[i+2 : i+2+end]
			if err := walkAttr(v, nil); err != nil {
				return "", nil, fmt.Errorf("attribute %q: %w", key, err)
			}
			attrs = append(attrs, attr{key, v})
			i += 2 + end + 1
		} else {
			attrs = append(attrs, attr{key, ""})
		}
	}
}

func isNameByte(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' }

func decodeAttr(v string) (string, error) {
	if !strings.ContainsAny(v, "&<>") {
		return v, nil
	}
	var b strings.Builder
	b.Grow(len(v))
	if err := walkAttr(v, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// walkAttr checks an attribute value as written and, if b is not nil, writes
// it decoded to b.
func walkAttr(v string, b *strings.Builder) error {
	for i := 0; i < len(v); {
		switch v[i] {
		case '<', '>':
			return fmt.Errorf("raw %q in a value", v[i])
		case '&':
			r, n, err := entity(v[i:])
			if err != nil {
				return err
			}
			if b != nil {
				b.WriteRune(r)
			}
			i += n
		default:
			if b != nil {
				b.WriteByte(v[i])
			}
			i++
		}
	}
	return nil
}

// entity decodes the HTML entity at the start of s: the four named ones Telegram
// knows and numeric ones.
func entity(s string) (rune, int, error) {
	end := strings.IndexByte(s, ';')
	if end < 0 || end > 12 {
		return 0, 0, errors.New("raw '&' (write &amp;)")
	}
	name := s[1:end]
	switch name {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	}
	if len(name) >= 2 && name[0] == '#' {
		digits, base := name[1:], 10
		if digits[0] == 'x' || digits[0] == 'X' {
			digits, base = digits[1:], 16
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err == nil && digits != "" && digits[0] != '+' && v > 0 && v <= utf8.MaxRune && !(v >= 0xD800 && v <= 0xDFFF) {
			return rune(v), end + 1, nil
		}
	}
	return 0, 0, fmt.Errorf("entity %q is not one Telegram knows (&lt; &gt; &amp; &quot; or numeric)", s[:end+1])
}

func checkHref(href string) error {
	u, ok := parseURL(href)
	if !ok {
		return fmt.Errorf("href %q is not a URL", href)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return fmt.Errorf("href %q has no host", href)
		}
	case "tg", "mailto", "tel":
	default:
		return fmt.Errorf("href %q: scheme %q is not allowed", href, u.Scheme)
	}
	return nil
}
