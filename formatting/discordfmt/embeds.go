package discordfmt

import (
	"net/url"
	"strconv"

	"github.com/bwmarrin/discordgo"
	"github.com/kmbridge/kmbridge/formatting"
)

// embedChars is what an embed counts toward the 6000-character message total.
func embedChars(e *discordgo.MessageEmbed) int {
	n := runes(e.Title) + runes(e.Description)
	for _, f := range e.Fields {
		if f != nil {
			n += runes(f.Name) + runes(f.Value)
		}
	}
	if e.Footer != nil {
		n += runes(e.Footer.Text)
	}
	if e.Author != nil {
		n += runes(e.Author.Name)
	}
	return n
}

// joinLines puts groups of lines one after another with paragraph breaks.
func joinLines(groups ...[]line) []line {
	var out []line
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, line{kind: lkBlank})
		}
		out = append(out, g...)
	}
	return out
}

// cardEmbeds renders a card as one embed, or several when its text is longer than
// one embed holds (the continuation embeds carry no title). thumb puts the image
// in the corner instead of full width (product lists). An over-long title is cut
// in the title and repeated in full in the description, so nothing is lost.
func cardEmbeds(c *formatting.Card, thumb bool) []*discordgo.MessageEmbed {
	title := oneLine(c.Title)
	titleMD, cut := fitEscaped(title, MaxEmbedTitle)
	link, linkOK := safeURL(c.URL)

	var head []line
	if cut {
		head = spansLine(formatting.Span{Text: title, Marks: formatting.Bold})
	}
	if title == "" && c.URL != "" {
		if linkOK {
			head = spansLine(formatting.Span{Text: c.URL, Link: c.URL})
		} else {
			head = spansLine(formatting.Span{Text: linkAsText("", c.URL)})
		}
	}
	var sub []line
	if s := sanitize(c.Subtitle); s != "" {
		sub = spansLine(formatting.Span{Text: s, Marks: formatting.Italic})
	}
	descs := splitLines(joinLines(head, sub, richLines(c.Body, lctx{})), MaxEmbedDesc)

	first := &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich, Title: titleMD}
	if titleMD != "" && linkOK {
		first.URL = link
	}
	if icon, ok := safeURL(c.IconURL); ok && linkOK {
		if u, err := url.Parse(link); err == nil && u.Hostname() != "" {
			first.Author = &discordgo.MessageEmbedAuthor{Name: truncate(u.Hostname(), MaxAuthorName), URL: link, IconURL: icon}
		}
	}
	img, imgOK := safeURL(c.ImageURL)
	if imgOK && thumb {
		first.Thumbnail = &discordgo.MessageEmbedThumbnail{URL: img}
	}

	out := []*discordgo.MessageEmbed{first}
	cur := first
	for i, d := range descs {
		if i > 0 {
			cur = &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich}
			out = append(out, cur)
		}
		cur.Description = d
	}
	n := embedChars(cur)
	for _, f := range fieldsOf(c.Fields) {
		fn := runes(f.Name) + runes(f.Value)
		if len(cur.Fields) == MaxEmbedFields || n+fn > MaxEmbedTotal {
			cur = &discordgo.MessageEmbed{Type: discordgo.EmbedTypeRich}
			out = append(out, cur)
			n = 0
		}
		cur.Fields = append(cur.Fields, f)
		n += fn
	}
	if imgOK && !thumb {
		cur.Image = &discordgo.MessageEmbedImage{URL: img}
	}
	if len(out) == 1 && embedEmpty(first) {
		return nil
	}
	return out
}

func embedEmpty(e *discordgo.MessageEmbed) bool {
	return e.Title == "" && e.Description == "" && len(e.Fields) == 0 && e.Image == nil &&
		e.Thumbnail == nil && e.Author == nil && e.Footer == nil
}

// fieldsOf renders card fields. A value longer than a field holds continues in
// fields with a blank name; an over-long name is cut and repeated in full.
func fieldsOf(fs []formatting.Field) []*discordgo.MessageEmbedField {
	var out []*discordgo.MessageEmbedField
	for _, f := range fs {
		name := oneLine(f.Label)
		nameMD, cut := fitEscaped(name, MaxFieldName)
		var head []line
		if cut {
			head = spansLine(formatting.Span{Text: name, Marks: formatting.Bold})
		}
		vals := splitLines(joinLines(head, richLines(f.Value, lctx{})), MaxFieldValue)
		if len(vals) == 0 {
			vals = []string{zwsp} // Discord rejects empty values
		}
		if nameMD == "" {
			nameMD = zwsp
		}
		for i, v := range vals {
			fl := &discordgo.MessageEmbedField{Name: nameMD, Value: v}
			if i > 0 {
				fl.Name = zwsp
			}
			fl.Inline = len(vals) == 1 && runes(v) <= 40 && runes(nameMD) <= 40
			out = append(out, fl)
		}
	}
	return out
}

// locationCard shows a place as a card: its name linking to the map, the address
// and the coordinates.
func locationCard(l *formatting.Location) *formatting.Card {
	name, addr := oneLine(l.Name), sanitize(l.Address)
	coords := ""
	if l.HasCoords {
		coords = strconv.FormatFloat(l.Lat, 'f', -1, 64) + ", " + strconv.FormatFloat(l.Lng, 'f', -1, 64)
	}
	c := &formatting.Card{Title: name, URL: l.MapURL}
	var body []formatting.Span
	switch {
	case name == "" && addr != "":
		c.Title = oneLine(addr)
	case addr != "":
		body = append(body, formatting.Span{Text: addr})
	}
	if coords != "" {
		if c.Title == "" {
			c.Title = "📍 " + coords
		} else {
			if len(body) > 0 {
				body = append(body, formatting.Span{Text: "\n"})
			}
			body = append(body, formatting.Span{Text: "📍 " + coords})
		}
	}
	if len(body) > 0 {
		c.Body = formatting.Rich{&formatting.Para{Spans: body}}
	}
	return c
}
