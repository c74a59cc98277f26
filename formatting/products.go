package formatting

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// pageBounds returns the page count and the clamped page for n items of size per page.
func pageBounds(n, size, page int) (pages, clamped int) {
	pages = max(1, (n+size-1)/size)
	return pages, min(max(page, 1), pages)
}

// pager makes the previous/next buttons of a paged list; they carry the raw content
// so that Page can render any page later without KM.
func (c *conv) pager(msgType string, raw json.RawMessage, page, pages int) (prev, next *Button) {
	mk := func(id i18n.MsgID, to int) *Button {
		b := c.action(c.p.T(id), Action{Kind: ActPage, Page: to, MsgType: msgType, Content: raw, LogID: c.log})
		return &b
	}
	if page > 1 {
		prev = mk("formatting.prev_page", page-1)
	}
	if page < pages {
		next = mk("formatting.next_page", page+1)
	}
	return prev, next
}

// products adds one page of a show_product / selective_product list, or with
// turnFlag 0 (no switching between groups) the whole list, up to maxButtons.
func (c *conv) products(v *kmclient.ProductList, msgType string, raw json.RawMessage, page int) {
	size := c.pageSize(int(v.ShowSize))
	n := len(v.ProductList)
	paged := v.Paged()
	if !paged {
		size, page = max(min(n, maxButtons), 1), 1
	}
	pages, page := pageBounds(n, size, page)
	pr := &Products{Title: cleanLabel(v.Title), Page: page, Pages: pages}
	lo, hi := min((page-1)*size, n), min(page*size, n)
	for _, p := range v.ProductList[lo:hi] {
		card := Card{Title: cleanLabel(p.Name), Body: infoRich(p.InfoList)}
		card.URL, _ = SafeLink(p.URL)
		card.ImageURL, _ = SafeImageURL(p.Image)
		if v.Selective && card.Title != "" {
			// The label says what the button does; the action keeps the product
			// name so that the click is echoed as "You chose <name>". KM documents
			// the click as a hit (kmclient.ProductClick); a product without an id
			// can only be asked by name.
			a := Action{Kind: ActSendText, Text: strings.TrimSpace(p.Name), Label: card.Title}
			if req, ok := kmclient.ProductClick(p, kmclient.ID(c.log)); ok {
				a = HitAction(req, card.Title)
			}
			card.Buttons = []Button{c.action(c.p.T("formatting.choose"), a)}
		}
		if card.Title == "" && len(card.Body) == 0 && card.ImageURL == "" && card.URL == "" {
			continue
		}
		pr.Items = append(pr.Items, card)
	}
	if pages > 1 && paged {
		pr.PageLabel = c.p.T("formatting.page_of", page, pages)
		pr.Prev, pr.Next = c.pager(msgType, raw, page, pages)
	}
	if len(pr.Items) > 0 || pr.Title != "" {
		c.add(pr)
	}
	if !paged && n > size {
		c.more(n - size)
	}
}

// infoRich turns a product's info lines into paragraphs, bold where boldFlag is 1.
func infoRich(infos []kmclient.ProductInfo) Rich {
	var r Rich
	for _, in := range infos {
		t := strings.TrimSpace(in.Info)
		if t == "" {
			continue
		}
		var m Mark
		if in.BoldFlag == 1 {
			m = Bold
		}
		r = append(r, &Para{Spans: []Span{{Text: strings.Join(strings.Fields(t), " "), Marks: m}}})
	}
	return r
}

// customCard adds a custom card: its title and subtitle, one page of its cards and
// the page buttons. page 0 starts at KM's pageNum.
func (c *conv) customCard(v *kmclient.CustomCard, raw json.RawMessage, page int) {
	var head Rich
	if t := cleanLabel(v.Title); t != "" {
		head = append(head, &Para{Spans: []Span{{Text: t, Marks: Bold}}})
	}
	if t := cleanLabel(v.SubTitle); t != "" {
		head = append(head, &Para{Spans: []Span{{Text: t}}})
	}
	if len(head) > 0 {
		c.add(&Text{Rich: head})
	}
	if page < 1 {
		page = int(v.PageNum)
	}
	size := c.pageSize(int(v.PageSize))
	n := len(v.CardList)
	pages, page := pageBounds(n, size, page)
	lo, hi := min((page-1)*size, n), min(page*size, n)
	for _, card := range v.CardList[lo:hi] {
		c.card(card)
	}
	if pages > 1 {
		prev, next := c.pager(kmclient.MsgCustomCard, raw, page, pages)
		g := &Buttons{Title: c.p.T("formatting.page_of", page, pages)}
		for _, b := range []*Button{prev, next} {
			if b != nil {
				g.Items = append(g.Items, *b)
			}
		}
		c.add(g)
	}
}

// card adds one card of a custom card.
func (c *conv) card(k kmclient.Card) {
	isFAQ := k.Type == kmclient.CardFAQList || (k.Type != kmclient.CardRich && len(k.SuggestList) > 0 && strings.TrimSpace(k.Content) == "")
	if isFAQ {
		if r := richOf(k.SuggestContent); len(r) > 0 {
			c.add(&Text{Rich: r})
		}
		c.group("", len(k.SuggestList), func(i int) (Button, bool) {
			s := k.SuggestList[i]
			return c.hit(kmclient.Question{ID: s.ID, Content: s.Content, Type: int(s.Type)}, 7)
		})
		return
	}
	res := parseHTML(k.Content)
	card := &Card{Title: cleanLabel(k.Title), Body: res.rich}
	extra := res.images
	if len(extra) > 0 {
		card.ImageURL = extra[0].URL
		extra = extra[1:]
	}
	if k.IsHit == 1 {
		switch k.HitType {
		case kmclient.CardHitLink:
			if b, ok := c.link("", k.HitContent); ok {
				card.Buttons = append(card.Buttons, b)
			}
		case kmclient.CardHitSendText:
			if t := strings.TrimSpace(k.HitContent); t != "" {
				label := cleanLabel(t)
				if utf8.RuneCountInString(label) > 40 {
					label = c.p.T("formatting.choose")
				}
				card.Buttons = append(card.Buttons, c.action(label, Action{Kind: ActSendText, Text: t, Label: cleanLabel(t)}))
			}
		case kmclient.CardHitSendContent:
			if t := plainText(res.rich); t != "" {
				card.Buttons = append(card.Buttons, c.action(c.p.T("formatting.choose"),
					Action{Kind: ActSendText, Text: t, Show: strings.TrimSpace(k.HitShowContent)}))
			}
		}
	}
	if card.Title == "" && len(card.Body) == 0 && card.ImageURL == "" && len(card.Buttons) == 0 {
		return
	}
	c.add(card)
	for _, im := range extra {
		img := im.Image
		c.add(&img)
	}
}
