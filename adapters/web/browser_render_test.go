package webadapter_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	webadapter "github.com/kmbridge/kmbridge/adapters/web"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
)

// recorder finds what the page delivered.
type recorder struct{ host *bridgetest.Host }

func (r recorder) wait(t *testing.T, what string, match func(bridge.Event) bool) bridge.Event {
	t.Helper()
	return waitEvent(t, r.host, what, match)
}

func para(s string) formatting.Rich {
	return formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: s}}}}
}

// kitchenSink has one of every block, and KM text that tries to be markup.
func kitchenSink(base string) formatting.Message {
	next := formatting.Button{Label: "Next ›", Token: "tok-next"}
	return formatting.Message{
		Blocks: []formatting.Block{
			&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{
				{Text: "Hello ", Marks: formatting.Bold},
				{Text: `<img src=x onerror="document.title='pwned'">`},
				{Text: " docs", Link: "https://docs.example/"},
			}}}},
			&formatting.Text{Rich: para("secondary note"), Context: true},
			&formatting.Image{URL: base + "static/icon.svg", Alt: "our icon"},
			&formatting.Buttons{Title: "Related questions", Items: []formatting.Button{
				{Label: "Ask <b>this</b>", Token: "tok-ask"},
				{Label: "Open the portal", URL: "https://portal.example/"},
				{Label: "javascript link", URL: "javascript:alert(1)"},
			}},
			&formatting.Select{Placeholder: "Choose a city", Options: []formatting.Button{
				{Label: "Tokyo", Token: "tok-tokyo"}, {Label: "Osaka", Token: "tok-osaka"},
			}},
			&formatting.Card{Title: "Laptop policy", Subtitle: "IT", URL: "https://it.example/laptops",
				Body: para("Card body"), Fields: []formatting.Field{{Label: "Owner", Value: para("IT desk")}},
				Buttons: []formatting.Button{{Label: "Order one", Token: "tok-order"}}},
			&formatting.Products{Title: "Laptops", Page: 1, Pages: 2, PageLabel: "Page 1 of 2", Next: &next,
				Items: []formatting.Card{{Title: "Model A", ImageURL: base + "static/icon.svg"}, {Title: "Model B"}}},
			&formatting.Location{Name: "Head office", Address: "1 Main St", Lat: 35.6, Lng: 139.7, HasCoords: true,
				MapURL: "https://maps.example/?q=35.6,139.7"},
			&formatting.Audio{URL: base + "missing.mp3", Caption: "Listen"},
			&formatting.File{Name: "guide.pdf", URL: "https://files.example/guide.pdf", Size: 2048},
			&formatting.Divider{},
		},
		InputHints: []formatting.Button{{Label: "Yes", Token: "tok-yes"}, {Label: "No", Token: "tok-no"}},
	}
}

// TestBrowserRendering drives the page with a stand-in bridge and checks that
// every part of a webfmt message becomes the right element, that KM text stays
// text, and that typing, streaming edits, clicks, selects and commands work.
func TestBrowserRendering(t *testing.T) {
	needChromium(t)
	host := bridgetest.NewHost()
	chat, err := webadapter.New(webadapter.Config{}, host)
	if err != nil {
		t.Fatal(err)
	}
	base := serveChat(t, chat)
	rec := recorder{host}

	b := browser(t)
	problems := watchConsole(b, base)
	if err := chromedp.Do(b, chromedp.EmulateViewport(480, 900), chromedp.Navigate(base)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "the socket open", `!document.getElementById('kmb-send').disabled`)
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "hello\r")); err != nil {
		t.Fatal(err)
	}
	key := rec.wait(t, "the first message", func(ev bridge.Event) bool { _, ok := ev.(bridge.Message); return ok }).Conv()
	ref, err := chat.Send(context.Background(), key, kitchenSink(base))
	if err != nil {
		t.Fatal(err)
	}
	turn := `document.querySelector('#kmb-log .turn.bot[data-id="` + ref.ID + `"]')`
	waitJS(t, b, "the message", turn+` !== null`)

	checks := []struct{ what, expr string }{
		{"markup in KM text stays text", turn + `.innerText.includes('<img src=x onerror=') && document.title !== 'pwned' && ` + turn + `.querySelectorAll('img[src="x"]').length === 0`},
		{"bold from webfmt", turn + `.querySelector('.rich b').textContent === 'Hello '`},
		{"links open in a new tab without opener", `[...` + turn + `.querySelectorAll('a[href]')].every(a => a.target === '_blank' && a.rel.includes('noopener'))`},
		{"context text is small", turn + `.querySelector('.rich.context').textContent === 'secondary note'`},
		{"image", turn + `.querySelector('img[alt="our icon"]') !== null`},
		{"action buttons are <button> with text labels", `[...` + turn + `.querySelectorAll('.btns button')].some(b => b.textContent === 'Ask <b>this</b>')`},
		{"URL button is a link", turn + `.querySelector('a.btn.link[href="https://portal.example/"]') !== null`},
		{"unsafe URL button dropped", "!" + contains(turn+`.innerHTML`, "javascript:")},
		{"select with its options", turn + `.querySelectorAll('select.select option').length === 3`},
		{"card with title link, field and button", turn + `.querySelector('.card a.card-title[href="https://it.example/laptops"]') !== null && ` + turn + `.querySelector('.card dt').textContent === 'Owner'`},
		{"products with pager", turn + `.querySelectorAll('.products .card').length === 2 && ` + turn + `.querySelector('.pager').innerText.includes('Page 1 of 2')`},
		{"map link", turn + `.querySelector('.place a[href^="https://maps.example/"]').textContent === 'Head office'`},
		{"audio player", turn + `.querySelector('audio[controls]') !== null`},
		{"file with size", turn + `.querySelector('.file a').textContent === 'guide.pdf' && ` + turn + `.querySelector('.file-size').textContent === ` + jsString(formatting.HumanSize(2048))},
		{"divider", turn + `.querySelector('hr.divider') !== null`},
		{"input hints as chips", `[...document.querySelectorAll('#kmb-hints button.btn')].map(b => b.textContent).join() === 'Yes,No'`},
	}
	for _, c := range checks {
		waitJS(t, b, c.what, c.expr)
	}

	// A click sends the token and the message it came from.
	if _, err := chromedp.Run(b, chromedp.Evaluate[chromedp.Void](`[...`+turn+`.querySelectorAll('.btns button')].find(b => b.textContent === 'Ask <b>this</b>').setAttribute('data-test', 'ask')`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`[data-test="ask"]`))); err != nil {
		t.Fatal(err)
	}
	click := rec.wait(t, "click", func(ev bridge.Event) bool { c, ok := ev.(bridge.Click); return ok && c.Token == "tok-ask" }).(bridge.Click)
	if click.Ref.ID != ref.ID || click.Key != key {
		t.Fatalf("click %+v, want ref %s", click, ref.ID)
	}
	waitJS(t, b, "the click echoed", `[...document.querySelectorAll('#kmb-log .turn.user')].some(e => e.innerText.includes('Ask <b>this</b>'))`)

	// A select choice is a click on the option's token.
	if _, err := chromedp.Run(b, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('select.select'); s.value = '1'; s.dispatchEvent(new Event('change')); })()`)); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "select", func(ev bridge.Event) bool { c, ok := ev.(bridge.Click); return ok && c.Token == "tok-osaka" })

	// An input hint chip clicks too.
	if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`#kmb-hints button.btn`))); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "hint", func(ev bridge.Event) bool { c, ok := ev.(bridge.Click); return ok && c.Token == "tok-yes" })

	// A typed command.
	if err := chromedp.Do(b, chromedp.SendKeys(chromedp.ID("kmb-input"), "/faq\r")); err != nil {
		t.Fatal(err)
	}
	rec.wait(t, "faq command", func(ev bridge.Event) bool { c, ok := ev.(bridge.Command); return ok && c.Name == "faq" })

	// Typing indicator, then a streamed answer growing in place.
	if err := chat.Typing(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "typing indicator", `!document.getElementById('kmb-typing').hidden`)
	sref, err := chat.Send(context.Background(), key, formatting.Plain("Streaming…"))
	if err != nil {
		t.Fatal(err)
	}
	waitJS(t, b, "typing hidden by the answer", `document.getElementById('kmb-typing').hidden`)
	if err := chat.Edit(context.Background(), sref, formatting.Plain("Streaming, now complete.")); err != nil {
		t.Fatal(err)
	}
	stream := `document.querySelectorAll('#kmb-log .turn.bot[data-id="` + sref.ID + `"]')`
	waitJS(t, b, "the edit replaced the message in place", stream+`.length === 1 && `+stream+`[0].innerText.includes('now complete')`)

	if p := problems(); len(p) > 0 {
		t.Errorf("the page logged errors (CSP violations, exceptions):\n%s", strings.Join(p, "\n"))
	}
}

// contains is a JS expression testing that expr (a string) contains s.
func contains(expr, s string) string {
	return expr + `.includes(` + jsString(s) + `)`
}
