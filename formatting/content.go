package formatting

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

// content adds one piece of KM content by msgType. page is the page of a paged
// list to show (0: KM's own choice). Decoding problems are returned after as much
// as possible has been added.
func (c *conv) content(msgType string, ac kmclient.AnsContent, msgbox string, page int) error {
	ct, err := ac.Decode(msgType)
	if err != nil {
		// A *kmclient.DroppedError still comes with the content: show the rest.
		err = fmt.Errorf("formatting: %w", err)
		if ct == nil {
			c.undecodable(msgType, ac)
			return err
		}
	}
	raw := ac.Raw()
	var errs []error
	switch v := ct.(type) {
	case *kmclient.RichText:
		c.html(v.HTML)
	case *kmclient.PlainText:
		if r := ParsePlain(v.Text); len(r) > 0 {
			c.add(&Text{Rich: r})
		}
	case *kmclient.ImageURL:
		if u, ok := SafeImageURL(v.URL); ok {
			c.add(&Image{URL: u})
		} else if v.URL != "" {
			errs = append(errs, badURL("image", v.URL))
		}
	case *kmclient.AudioURL:
		u, ok := SafeImageURL(v.URL)
		caption := strings.TrimSpace(msgbox)
		switch {
		case ok:
			c.add(&Audio{URL: u, Caption: caption})
		case caption != "":
			c.add(&Text{Rich: richOf(caption)})
		}
		if !ok && v.URL != "" {
			errs = append(errs, badURL("audio", v.URL))
		}
	case *kmclient.Link:
		card := &Card{Title: cleanLabel(v.Title)}
		card.URL, _ = SafeLink(v.AnswerURL)
		card.IconURL, _ = SafeImageURL(v.FaviconURL)
		if card.Title == "" {
			card.Title = card.URL
		}
		if card.Title != "" {
			c.add(card)
		}
		if card.URL == "" && v.AnswerURL != "" {
			errs = append(errs, badURL("link", v.AnswerURL))
		}
	case *kmclient.WechatImage:
		card := &Card{Title: cleanLabel(v.Content), Body: richOf(v.Description)}
		card.URL, _ = SafeLink(v.AnswerURL)
		card.ImageURL, _ = SafeImageURL(v.CoverURL)
		if card.Title == "" && len(card.Body) == 0 {
			card.Title = card.URL
		}
		if card.Title != "" || len(card.Body) > 0 || card.ImageURL != "" {
			c.add(card)
		}
	case *kmclient.Map:
		c.location(v)
	case *kmclient.MiniAppCard:
		card := &Card{Title: cleanLabel(v.Name)}
		card.ImageURL, _ = SafeImageURL(v.MiniAppPicURL)
		if u, ok := SafeImageURL(v.AppURL); ok { // http(s) only: a weixin:// link opens nothing here
			card.URL = u
		}
		if card.Title != "" || card.ImageURL != "" {
			c.add(card)
		}
	case *kmclient.SelectiveList:
		c.options(v.Title, v.OptionList, 0)
	case *kmclient.SelectiveTable:
		cols := int(v.ColumnNumber)
		if cols < 1 || cols > 10 {
			cols = 0
		}
		c.options(v.Title, v.OptionList, cols)
	case *kmclient.ProductList:
		if page < 1 {
			page = 1
		}
		c.products(v, msgType, raw, page)
	case *kmclient.CustomCard:
		c.customCard(v, raw, page)
	case *kmclient.TaskButtons:
		errs = append(errs, c.taskButtons(v)...)
	case *kmclient.Unknown:
		// Read it as the structure it looks like (or as text) rather than lose it;
		// the error still tells the operator KM sent a type kmbridge does not know.
		if guess := ac.Infer(); guess != "" {
			errs = append(errs, fmt.Errorf("formatting: unknown msgType %q read as %s", cleanLabel(v.MsgType), guess))
			if e := c.content(guess, ac, msgbox, page); e != nil {
				errs = append(errs, e)
			}
			break
		}
		c.undecodable(v.MsgType, ac)
		errs = append(errs, fmt.Errorf("formatting: unknown msgType %q", cleanLabel(v.MsgType)))
	}
	if err != nil {
		errs = append([]error{err}, errs...)
	}
	return errors.Join(errs...)
}

// undecodable shows content that could not be understood: its text when it is a
// plain string, else a neutral notice.
func (c *conv) undecodable(msgType string, ac kmclient.AnsContent) {
	raw := strings.TrimSpace(string(ac.Raw()))
	if strings.HasPrefix(raw, `"`) {
		var s string
		if json.Unmarshal([]byte(raw), &s) == nil {
			if t := strings.TrimSpace(s); t != "" && t[0] != '{' && t[0] != '[' {
				if r := ParsePlain(t); len(r) > 0 {
					c.add(&Text{Rich: r})
					return
				}
			}
		}
	}
	name := msgType
	if name == "" {
		name = "?"
	}
	c.add(&Text{Context: true, Rich: Rich{&Para{Spans: []Span{{Text: c.p.T("formatting.unsupported", cleanLabel(name))}}}}})
}

func badURL(what, u string) error {
	const n = 80
	if len(u) > n {
		u = u[:n] + "…"
	}
	return fmt.Errorf("formatting: %s: %q is not an absolute http(s) URL", what, u)
}

// options adds a selective list or table: its title and one button per option that
// asks the option's value.
func (c *conv) options(title string, opts []kmclient.Option, cols int) {
	if r := richOf(title); len(r) > 0 {
		c.add(&Text{Rich: r})
	}
	g := c.group("", len(opts), func(i int) (Button, bool) {
		v := strings.TrimSpace(opts[i].Value)
		if v == "" {
			return Button{}, false
		}
		return c.action(v, Action{Kind: ActSendText, Text: v}), true
	})
	if g != nil {
		g.Columns = cols
	}
}

// location adds a map: coordinates when KM gave usable ones, else the address with
// a map search link.
func (c *conv) location(v *kmclient.Map) {
	l := &Location{Name: cleanLabel(v.Name), Address: strings.TrimSpace(v.Address)}
	if lat, lng, ok := v.LatLng(); ok {
		l.Lat, l.Lng, l.HasCoords = lat, lng, true
		la, ln := strconv.FormatFloat(lat, 'f', -1, 64), strconv.FormatFloat(lng, 'f', -1, 64)
		l.MapURL = "https://www.openstreetmap.org/?mlat=" + la + "&mlon=" + ln + "#map=16/" + la + "/" + ln
	} else if q := firstNonEmpty(l.Address, l.Name); q != "" {
		l.MapURL = "https://www.openstreetmap.org/search?query=" + url.QueryEscape(q)
	}
	if l.Name != "" || l.Address != "" || l.HasCoords {
		c.add(l)
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// taskButtons adds a task-based dialogue step: its text, its buttons, and the
// buttons KM wants above the input box as input hints.
func (c *conv) taskButtons(v *kmclient.TaskButtons) []error {
	c.html(v.RichText)
	var errs []error
	var inline []Button
	for i, tb := range v.Buttons {
		if i >= maxButtons {
			c.more(len(v.Buttons) - i)
			break
		}
		name := strings.TrimSpace(tb.ButtonName)
		var b Button
		if strings.EqualFold(strings.TrimSpace(tb.NextActionType), kmclient.OpenLink) {
			var ok bool
			if b, ok = c.link(name, tb.LinkAddress); !ok {
				errs = append(errs, badURL("task button "+strconv.Quote(cleanLabel(name)), tb.LinkAddress))
				continue
			}
		} else {
			// NEXT_NODE, and anything KM may add later: the flow call KM documents
			// (kmclient.TaskButtonClick), or the button's name asked as text when
			// it has no usable flowId.
			if cleanLabel(name) == "" {
				continue
			}
			a := Action{Kind: ActSendText, Text: name}
			if req, ok := kmclient.TaskButtonClick(tb, kmclient.ID(c.log)); ok {
				a = FlowAction(req, "")
			}
			b = c.action(name, a)
		}
		if strings.EqualFold(strings.TrimSpace(tb.DisplayLocationType), kmclient.InputBoxAbove) {
			c.m.InputHints = append(c.m.InputHints, b)
		} else {
			inline = append(inline, b)
		}
	}
	if len(inline) > 0 {
		c.add(&Buttons{Items: inline, Placeholder: c.p.T("formatting.choose_placeholder")})
	}
	return errs
}
