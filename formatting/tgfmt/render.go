package tgfmt

import (
	"math"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
)

// Render returns the Bot API calls that show m, in the order to send them. Text
// blocks that follow each other share a message; pictures, audio and venues are
// messages of their own; buttons go on the last message before them; a run of
// button groups with two or more titles shares one keyboard, each title a header
// row (see buttonRun); input hints become a reply keyboard. Nothing is dropped
// silently: what Telegram cannot carry as a button (a token outside 1–64 bytes, a
// non-http link) is shown as a text line, and text over Telegram's limits is
// split. An empty m renders as nothing. Every Msg returned passes Validate.
func Render(m formatting.Message) []Msg {
	r := &renderer{sc: newScratch()}
	r.buf = r.bufArray[:0]
	var small [4]*formatting.Buttons // a run is rarely longer
	for i := 0; i < len(m.Blocks); {
		if run, next := buttonsRun(small[:0], m.Blocks, i); len(run) > 0 {
			r.buttonRun(run)
			i = next
			continue
		}
		r.block(m.Blocks[i])
		i++
	}
	r.hints(m.InputHints)
	r.flush()
	return r.out
}

type renderer struct {
	out []Msg
	// buf is text waiting to become a message, so consecutive text blocks share one.
	buf []line
	// lastFile: buf ends with a file line; the next file line follows without a
	// blank line.
	lastFile bool
	// divider: a Divider came after buf's text; it shows only if more text follows
	// in the same message.
	divider bool
	// sc hands out the runs and tags of rich text.
	sc scratch
	// bufArray is buf's first array: a typical answer's text is a few dozen lines.
	bufArray [32]line
}

// add appends lines to the pending text, a blank line (or a rule, after a
// Divider) after what is already there.
func (r *renderer) add(ls []line, file bool) {
	if len(ls) == 0 {
		return
	}
	r.separate(file)
	r.divider = false
	r.buf = append(r.buf, ls...)
	r.lastFile = file
}

// addRich is add for rich text, rendered straight into the pending text.
func (r *renderer) addRich(rb formatting.Rich, c rctx) {
	n := len(r.buf)
	r.separate(false)
	m := len(r.buf)
	if r.buf = richLines(r.buf, rb, c); len(r.buf) == m {
		r.buf = r.buf[:n] // nothing to add: nothing to separate
		return
	}
	r.divider, r.lastFile = false, false
}

// separate appends what goes between the pending text and the next lines.
func (r *renderer) separate(file bool) {
	if len(r.buf) == 0 {
		return
	}
	switch {
	case r.divider:
		r.buf = append(r.buf, line{}, line{runs: []run{{text: ruleText, deco: true}}}, line{})
	case !(file && r.lastFile):
		r.buf = append(r.buf, line{})
	}
}

// flush turns the pending text into text messages.
func (r *renderer) flush() {
	r.divider, r.lastFile = false, false
	if len(r.buf) == 0 {
		return
	}
	runs := flatten(r.buf)
	r.buf = r.buf[:0]  // flatten copied what it needs
	var small [2][]run // an answer rarely takes more messages
	r.text(splitInto(small[:0], runs, MaxTextLen, MaxTextLen))
}

func (r *renderer) text(parts [][]run) {
	for _, p := range parts {
		r.out = append(r.out, Msg{Method: MethodSendMessage, Text: toHTML(p), DisableWebPagePreview: linksOnly(p)})
	}
}

// media sends m (a photo or audio) with lines as its caption; what does not fit
// the caption's 1024 follows as text.
func (r *renderer) media(m Msg, ls []line) {
	r.flush()
	parts := split(flatten(ls), MaxCaptionLen, MaxTextLen)
	if len(parts) > 0 && runsLen(parts[0]) <= MaxCaptionLen {
		m.Caption = toHTML(parts[0])
		parts = parts[1:]
	}
	r.out = append(r.out, m)
	r.text(parts)
}

// attach puts rows of buttons on the last message, spilling over into messages
// of their own (carrying carrier as text) past Telegram's 100 buttons a message.
func (r *renderer) attach(rows [][]btn, carrier string) {
	if len(rows) == 0 {
		return
	}
	r.flush()
	carrier = carrierOf(carrier)
	for len(rows) > 0 {
		if i := len(r.out) - 1; i >= 0 {
			var chunk [][]btn
			chunk, rows = takeRows(rows, MaxInlineButtons-countButtons(r.out[i].InlineKeyboard))
			if len(chunk) > 0 {
				r.out[i].InlineKeyboard = appendRows(r.out[i].InlineKeyboard, chunk)
				continue
			}
		}
		r.out = append(r.out, Msg{Method: MethodSendMessage, Text: escapeHTML(carrier)})
	}
}

// carrierOf is the text for a message that carries buttons: c on one line, or
// carrierText when c is blank or too long for a message (it only repeats a
// title or a placeholder).
func carrierOf(c string) string {
	if c = oneLine(c); isBlank(c) || utf16Len(c) > MaxTextLen {
		return carrierText
	}
	return c
}

func (r *renderer) block(b formatting.Block) {
	switch b := b.(type) {
	case *formatting.Text:
		if b != nil {
			c := rctx{sc: &r.sc}
			if b.Context {
				c.marks = subtleMark
			}
			r.addRich(b.Rich, c)
		}
	case *formatting.Image:
		if b != nil {
			r.image(b)
		}
	case *formatting.Buttons:
		if b != nil {
			r.group(newGroup(b.Title, b.Items, b.Columns, b.Placeholder))
		}
	case *formatting.Select:
		if b != nil {
			r.group(newGroup("", b.Options, 0, b.Placeholder))
		}
	case *formatting.Card:
		if b != nil {
			r.card(b, nil)
		}
	case *formatting.Products:
		if b != nil {
			r.products(b)
		}
	case *formatting.Location:
		if b != nil {
			r.location(b)
		}
	case *formatting.Audio:
		if b != nil {
			r.audio(b)
		}
	case *formatting.File:
		if b != nil {
			r.add([]line{fileLine(b)}, true)
		}
	case *formatting.Divider:
		if len(r.buf) > 0 {
			r.divider = true
		}
	}
}

func (r *renderer) image(im *formatting.Image) {
	var caption []line
	alt := oneLine(im.Alt)
	if href, ok := httpURL(im.Link); ok {
		text := alt
		if isBlank(text) {
			text = href
		}
		caption = []line{{runs: []run{{text: text, tags: []tag{{name: "a", attr: href}}}}}}
	}
	if u, ok := httpURL(im.URL); ok {
		r.media(Msg{Method: MethodSendPhoto, Photo: u}, caption)
		return
	}
	// A picture Telegram cannot fetch: keep what it says.
	if caption == nil && !isBlank(alt) {
		caption = []line{{runs: []run{{text: alt}}}}
	}
	r.add(caption, false)
}

// card renders a card, lead (if any) above it in the same message.
func (r *renderer) card(c *formatting.Card, lead []line) {
	ls := cardLines(&r.sc, c)
	if len(lead) > 0 && len(ls) > 0 {
		lead = append(lead, line{})
	}
	ls = append(lead, ls...)
	if u, ok := httpURL(c.ImageURL); ok {
		r.media(Msg{Method: MethodSendPhoto, Photo: u}, ls)
	} else {
		r.add(ls, false)
	}
	ok, text := buttonGroup(c.Buttons)
	r.add(text, false)
	r.attach(layout(ok, btnLabel, 0, MaxInlineRow), c.Title)
}

// cardLines renders a card: bold title (linked when the card has a URL), italic
// subtitle, body, then "label: value" fields.
func cardLines(sc *scratch, c *formatting.Card) []line {
	var head []line
	title := oneLine(c.Title)
	href, linked := httpURL(c.URL)
	switch {
	case !isBlank(title) && linked:
		head = append(head, line{runs: []run{{text: title, tags: []tag{{name: "a", attr: href}, tagBold}}}})
	case !isBlank(title):
		head = append(head, line{runs: []run{{text: title, tags: []tag{tagBold}}}})
	case linked:
		head = append(head, line{runs: []run{{text: href, tags: []tag{{name: "a", attr: href}}}}})
	}
	head = spanLines(head, sc, []formatting.Span{{Text: c.Subtitle}}, formatting.Italic, nil)

	var fields []line
	for _, f := range c.Fields {
		label := oneLine(f.Label)
		value := richLines(nil, f.Value, rctx{flat: true, tight: true, sc: sc})
		if isBlank(label) {
			fields = append(fields, value...)
			continue
		}
		lead := run{text: label + fieldSep, tags: []tag{tagBold}}
		if len(value) == 0 {
			lead.text = label
			fields = append(fields, line{runs: []run{lead}})
			continue
		}
		value[0].runs = append([]run{lead}, value[0].runs...)
		fields = append(fields, value...)
	}

	var out []line
	for _, part := range [][]line{head, richLines(nil, c.Body, rctx{sc: sc}), fields} {
		if len(part) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, line{})
		}
		out = append(out, part...)
	}
	return out
}

// products sends one message per product, the list's title (with the page
// counter) on the first and the page's buttons on the last.
func (r *renderer) products(p *formatting.Products) {
	title := oneLine(p.Title)
	if p.Pages > 1 && p.Page >= 1 {
		counter := strconv.Itoa(p.Page) + "/" + strconv.Itoa(p.Pages)
		if isBlank(title) {
			title = counter
		} else {
			title += " (" + counter + ")"
		}
	}
	var lead []line
	if !isBlank(title) {
		lead = []line{{runs: []run{{text: title, tags: []tag{tagBold}}}}}
	}
	r.flush()
	if len(p.Items) == 0 {
		r.add(lead, false)
	}
	for i := range p.Items {
		r.flush()
		r.card(&p.Items[i], lead)
		lead = nil
	}
	var paging []btn
	var text []line
	for _, b := range []*formatting.Button{p.Prev, p.Next} {
		if b == nil {
			continue
		}
		if pb, ok := inlineButton(*b); ok {
			paging = append(paging, pb)
		} else {
			text = append(text, buttonTextLine(pb, *b))
		}
	}
	r.add(text, false)
	if len(paging) > 0 {
		r.attach([][]btn{paging}, p.Title)
	}
	r.flush()
}

func (r *renderer) location(l *formatting.Location) {
	name, addr := oneLine(l.Name), oneLine(l.Address)
	if l.HasCoords && validCoords(l.Lat, l.Lng) {
		title, address := name, addr
		if isBlank(title) {
			title = address
		}
		if isBlank(address) {
			address = title
		}
		if isBlank(title) {
			title = formatCoords(l.Lat, l.Lng)
			address = title
		}
		r.flush()
		r.out = append(r.out, Msg{Method: MethodSendVenue, Venue: &Venue{Lat: l.Lat, Lng: l.Lng, Title: title, Address: address}})
		return
	}
	var ls []line
	if !isBlank(name) {
		ls = append(ls, line{runs: []run{{text: name, tags: []tag{tagBold}}}})
	}
	href, linked := httpURL(l.MapURL)
	switch {
	case !isBlank(addr) && linked:
		ls = append(ls, line{runs: []run{{text: addr, tags: []tag{{name: "a", attr: href}}}}})
	case !isBlank(addr):
		ls = append(ls, line{runs: []run{{text: addr}}})
	case linked:
		ls = append(ls, line{runs: []run{{text: href, tags: []tag{{name: "a", attr: href}}}}})
	}
	if len(ls) == 0 && l.HasCoords {
		ls = append(ls, line{runs: []run{{text: formatCoords(l.Lat, l.Lng)}}})
	}
	r.add(ls, false)
}

func validCoords(lat, lng float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lng) && lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

func formatCoords(lat, lng float64) string {
	return strconv.FormatFloat(lat, 'f', -1, 64) + ", " + strconv.FormatFloat(lng, 'f', -1, 64)
}

func (r *renderer) audio(a *formatting.Audio) {
	caption := spanLines(nil, &r.sc, []formatting.Span{{Text: a.Caption}}, 0, nil)
	if u, ok := httpURL(a.URL); ok {
		r.media(Msg{Method: MethodSendAudio, Audio: u}, caption)
		return
	}
	r.add(caption, false)
}

// fileLine is "📎 name (size)", the name linking to the file.
func fileLine(f *formatting.File) line {
	name := oneLine(f.Name)
	href, linked := httpURL(f.URL)
	if isBlank(name) {
		name = urlName(f.URL)
	}
	if isBlank(name) {
		name = href
	}
	l := line{runs: []run{{text: "📎 ", deco: true}}}
	switch {
	case linked && !isBlank(name):
		l.runs = append(l.runs, run{text: name, tags: []tag{{name: "a", attr: href}}})
	case !isBlank(name):
		l.runs = append(l.runs, run{text: name})
	default:
		l.runs = append(l.runs, run{text: "?", deco: true})
	}
	if f.Size > 0 {
		l.runs = append(l.runs, run{text: " (" + humanSize(f.Size) + ")", deco: true})
	}
	return l
}

// humanSize formats a byte count the way file managers do (1024-based, one
// decimal below 10).
func humanSize(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	i := -1
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	prec := 0
	if v < 10 {
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[i:i+1] + "B"
}

// hints turns the message's input hints into a reply keyboard on the last message
// that has no inline keyboard (a message carries one keyboard or the other). Hints
// that open a URL cannot live on a reply keyboard and become link lines, not
// inline buttons, so that they do not take the last message's reply_markup.
func (r *renderer) hints(hs []formatting.Button) {
	if len(hs) == 0 {
		return
	}
	var reply []formatting.Button
	var text []line
	for _, h := range hs {
		if h.Token != "" {
			reply = append(reply, h)
			continue
		}
		b, _ := inlineButton(h)
		if href, ok := httpURL(h.URL); ok {
			text = append(text, line{runs: []run{{text: bullets[0], deco: true}, {text: b.label, tags: []tag{{name: "a", attr: href}}}}})
		} else {
			text = append(text, buttonTextLine(b, h))
		}
	}
	kb, tokens, extra := replyKeyboard(reply)
	r.add(append(text, extra...), false)
	r.flush()
	if kb == nil {
		return
	}
	i := len(r.out) - 1
	for i >= 0 && r.out[i].InlineKeyboard != nil {
		i--
	}
	if i < 0 {
		r.out = append(r.out, Msg{Method: MethodSendMessage, Text: carrierText})
		i = len(r.out) - 1
	}
	r.out[i].ReplyKeyboard = kb
	r.out[i].ReplyTokens = tokens
}
