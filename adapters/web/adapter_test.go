package webadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/html"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/bridgetest"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
)

func TestPageSecurityHeadersAndCookie(t *testing.T) {
	h := start(t, Config{AllowedOrigins: []string{"https://shop.example"}})
	for _, path := range []string{"/", "/static/chat.js", "/static/chat.css", "/widget.js"} {
		resp, err := http.Get(h.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", path, resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{
			"default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
			"img-src https: http: data:", "media-src https: http:", "frame-ancestors 'self' https://shop.example",
		} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe sources: %q", path, csp)
		}
		if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options = %q", path, got)
		}
		if resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", path)
		}
	}
}

func TestSessionCookie(t *testing.T) {
	h := start(t, Config{})
	issued := func() string {
		resp, err := http.Get(h.srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return cookieOf(resp)
	}
	tests := []struct {
		name       string
		cookie     string
		proto      string
		wantNew    bool
		wantSecure bool
	}{
		{"first visit gets a cookie", "", "", true, false},
		{"a cookie the chat issued is reused", issued(), "", false, false},
		{"forged cookie is replaced", "../../etc|passwd", "", true, false},
		{"a well-formed cookie the chat did not issue is replaced", strings.Repeat("A", partLen) + "." + strings.Repeat("B", partLen), "", true, false},
		{"an old-style bare id is replaced", strings.Repeat("x", 22), "", true, false},
		{"behind TLS proxy: Secure, partitioned", "", "https", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", h.srv.URL+"/", nil)
			if tc.cookie != "" {
				req.Header.Set("Cookie", cookieName+"="+tc.cookie)
			}
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var c *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == cookieName {
					c = ck
				}
			}
			if (c != nil) != tc.wantNew {
				t.Fatalf("Set-Cookie present = %v, want %v", c != nil, tc.wantNew)
			}
			if c == nil {
				return
			}
			raw := resp.Header.Get("Set-Cookie")
			if c.Value == tc.cookie || !c.HttpOnly || c.Path != "/" || c.MaxAge <= 0 {
				t.Fatalf("cookie %q: not fresh, or lacks HttpOnly/Path/Max-Age", raw)
			}
			cid := h.cid(t, c.Value)
			if !validCID(cid) || strings.Contains(c.Value, cid) || strings.Contains(cid, c.Value[:partLen]) {
				t.Fatalf("conversation id %q is not derived from cookie %q", cid, c.Value)
			}
			if tc.wantSecure {
				if !c.Secure || c.SameSite != http.SameSiteNoneMode || !strings.Contains(raw, "Partitioned") {
					t.Fatalf("TLS cookie %q, want Secure; SameSite=None; Partitioned", raw)
				}
			} else if c.Secure || c.SameSite != http.SameSiteLaxMode {
				t.Fatalf("plain-HTTP cookie %q, want SameSite=Lax, not Secure", raw)
			}
		})
	}
}

// TestPageHasNoInlineScriptOrStyle walks the page: scripts only by src, no
// event-handler attributes, no style attributes or elements (the CSP would
// block them anyway; this keeps the page honest).
func TestPageHasNoInlineScriptOrStyle(t *testing.T) {
	h := start(t, Config{Title: `Acme <b>"Help"</b>`})
	resp, err := http.Get(h.srv.URL + "/?embed=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	var scripts int
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if n.Data == "style" {
				t.Errorf("inline <style> element")
			}
			if n.Data == "script" {
				scripts++
				src := ""
				for _, a := range n.Attr {
					if a.Key == "src" {
						src = a.Val
					}
				}
				if src == "" || n.FirstChild != nil {
					t.Errorf("inline <script> (src %q)", src)
				}
			}
			for _, a := range n.Attr {
				if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
					t.Errorf("<%s %s=…> attribute", n.Data, a.Key)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("page has %d scripts, want 1 (static/chat.js)", scripts)
	}
	if strings.Contains(string(body), "<b>") {
		t.Errorf("title not escaped:\n%s", body)
	}
	if !strings.Contains(string(body), `class="embedded"`) {
		t.Errorf("embed=1 does not mark the page embedded")
	}
}

func TestPageLanguage(t *testing.T) {
	h := start(t, Config{})
	ja := i18n.Printer{}
	cat, err := i18n.New("", nil)
	if err != nil {
		t.Fatal(err)
	}
	ja = cat.Printer("ja")
	tests := []struct {
		accept, lang, placeholder string
	}{
		{"ja,en;q=0.8", "ja", ja.T("web.placeholder")},
		{"zh-CN", "zh", cat.Printer("zh").T("web.placeholder")},
		{"", "en", "Type your question…"},
		{"fr-FR", "en", "Type your question…"},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest("GET", h.srv.URL+"/", nil)
		req.Header.Set("Accept-Language", tc.accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if !strings.Contains(page, `<html lang="`+tc.lang+`">`) || !strings.Contains(page, tc.placeholder) {
			t.Errorf("Accept-Language %q: want lang %s and placeholder %q in\n%s", tc.accept, tc.lang, tc.placeholder, page)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	h := start(t, Config{})
	resp, err := http.Get(h.srv.URL + "/static/chat.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || etag == "" {
		t.Fatalf("chat.js: type %q etag %q", resp.Header.Get("Content-Type"), etag)
	}
	req, _ := http.NewRequest("GET", h.srv.URL+"/static/chat.js", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("conditional GET = %d, want 304", resp.StatusCode)
	}
	for _, p := range []string{"/static/nope.js", "/static/widget.js", "/static/../page.go"} {
		resp, err := http.Get(h.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", p, resp.StatusCode)
		}
	}
}

func TestWidgetCarriesLocalisedConfig(t *testing.T) {
	h := start(t, Config{})
	req, _ := http.NewRequest("GET", h.srv.URL+"/widget.js", nil)
	req.Header.Set("Accept-Language", "ja")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	js := string(b)
	if strings.Contains(js, widgetConfigMarker) || !strings.Contains(js, "チャットを開く") {
		t.Fatalf("widget.js config not filled in for ja:\n%.400s", js)
	}
	if resp.Header.Get("Vary") != "Accept-Language" {
		t.Errorf("Vary = %q", resp.Header.Get("Vary"))
	}
}

func TestOriginCheck(t *testing.T) {
	h := start(t, Config{AllowedOrigins: []string{"https://Shop.Example:443"}})
	tests := []struct {
		origin string
		ok     bool
	}{
		{"", true}, // not a browser
		{h.srv.URL, true},
		{"https://shop.example", true},
		{"http://shop.example", false},
		{"https://evil.example", false},
		{"https://shop.example.evil.example", false},
		{"null", false},
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			hdr := http.Header{}
			if tc.origin != "" {
				hdr.Set("Origin", tc.origin)
			} // else: gorilla's Dial sends no Origin, like a non-browser client
			c, resp, err := websocket.DefaultDialer.Dial(h.wsURL(), hdr)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("accepted a foreign origin")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("response %v, want 403", resp)
			}
		})
	}
}

func TestPlainGetOnSocketEndpoint(t *testing.T) {
	h := start(t, Config{})
	req, _ := http.NewRequest("GET", h.srv.URL+"/ws", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET /ws = %d, want 400", resp.StatusCode)
	}
	// A real socket still works.
	h.connected(t)
}

// Connecting costs nothing: every tab of a new browser is shown the shared
// welcome, and nothing is delivered, minted or stored until it writes.
func TestConnectingCostsNothing(t *testing.T) {
	h := start(t, Config{})
	h.host.SetHome(bridge.HomeContent{FAQ: formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "FAQ"}}}}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "Where is my order?", Token: "shared-1"}}},
	}}}, nil)
	c, cookie, cid := h.connected(t)
	var conns []*websocket.Conn
	for range 3 {
		c, _ := h.dial(t, cookie, nil)
		conns = append(conns, c)
	}
	for _, c := range conns {
		if f := frameOf(t, c, "history"); len(f.Items) != 1 || f.Items[0].ID != greetingID {
			t.Fatalf("a tab's history %+v, want the welcome alone", f.Items)
		}
	}
	if n := h.count(); n != 0 || h.host.HistoryLen() != 0 {
		t.Fatalf("connecting delivered %d events and stored %d histories", n, h.host.HistoryLen())
	}
	send(t, c, inFrame{Type: "text", Text: "marker"})
	if m, ok := h.next(t).(bridge.Message); !ok || m.Text != "marker" || m.Key != keyFor(cid) {
		t.Fatalf("first event %#v, want the marker", m)
	}
}

func TestSocketCookieSetAndReused(t *testing.T) {
	h := start(t, Config{})
	c, resp := h.dial(t, "", nil)
	cookie := cookieOf(resp)
	if cookie == "" {
		t.Fatalf("upgrade without cookie set none: %v", resp.Header)
	}
	frameOf(t, c, "history")
	cid := h.cid(t, cookie)
	want := bridge.ConvKey{Platform: "web", Channel: cid, User: cid}
	c2, resp2 := h.dial(t, cookie, http.Header{"Accept-Language": {"ja-JP"}})
	if len(resp2.Cookies()) != 0 {
		t.Fatalf("cookie re-set for a known one: %v", resp2.Cookies())
	}
	frameOf(t, c2, "history")
	send(t, c2, inFrame{Type: "text", Text: "hello"})
	m, ok := h.next(t).(bridge.Message)
	if !ok || m.Key != want || m.User.ID != cid || m.User.Locale != "ja-JP" || m.Text != "hello" {
		t.Fatalf("event %#v, want key %+v", m, want)
	}
}

func TestTextCommandsAndEcho(t *testing.T) {
	h := start(t, Config{RatePerMinute: 1000, RateBurst: 100})
	c, _, cid := h.connected(t)
	tests := []struct {
		text string
		want bridge.Event
	}{
		{"how do I reset my password", bridge.Message{Text: "how do I reset my password"}},
		{"/faq", bridge.Command{Name: "faq"}},
		{"/HOT", bridge.Command{Name: "hot"}},
		{"/human please now", bridge.Command{Name: "human", Arg: "please now"}},
		{"/reset", bridge.Command{Name: "reset"}},
		{"/start", bridge.Command{Name: "start"}},
		{"/help", bridge.Command{Name: "help"}},
		{"/unknown thing", bridge.Message{Text: "/unknown thing"}},
		{"  padded  ", bridge.Message{Text: "padded"}},
	}
	key := keyFor(cid)
	for i, tc := range tests {
		id := fmt.Sprint("m", i)
		send(t, c, inFrame{Type: "text", Text: tc.text, ID: id})
		echo := frameOf(t, c, "msg")
		if echo.From != fromUser || echo.Text != strings.TrimSpace(tc.text) {
			t.Fatalf("echo %+v", echo)
		}
		if ack := frameOf(t, c, "ack"); ack.ID != id {
			t.Fatalf("ack %+v, want %s", ack, id)
		}
		got := h.next(t)
		switch w := tc.want.(type) {
		case bridge.Message:
			m, ok := got.(bridge.Message)
			if !ok || m.Text != w.Text || m.Key != key || m.ID != id {
				t.Errorf("%q → %#v, want message %q with the page's id %s", tc.text, got, w.Text, id)
			}
		case bridge.Command:
			m, ok := got.(bridge.Command)
			if !ok || m.Name != w.Name || m.Arg != w.Arg || m.Key != key {
				t.Errorf("%q → %#v, want command %s %q", tc.text, got, w.Name, w.Arg)
			}
		}
	}
	// Blank text is ignored: nothing echoed, nothing handed over.
	before := h.count()
	send(t, c, inFrame{Type: "text", Text: "   "})
	send(t, c, inFrame{Type: "text", Text: "after"})
	if f := frameOf(t, c, "msg"); f.Text != "after" {
		t.Fatalf("blank text was echoed: %+v", f)
	}
	h.next(t)
	if h.count() != before+1 {
		t.Fatalf("blank text handed over")
	}
}

func TestClick(t *testing.T) {
	h := start(t, Config{})
	c, _, cid := h.connected(t)
	ref, err := h.a.Send(context.Background(), keyFor(cid), formatting.Plain("pick one"))
	if err != nil {
		t.Fatal(err)
	}
	frameOf(t, c, "msg")
	send(t, c, inFrame{Type: "click", Token: "tok_123", Ref: ref.ID, Label: "  Reset password  "})
	echo := frameOf(t, c, "msg")
	if echo.From != fromUser || echo.Text != "Reset password" {
		t.Fatalf("click echo %+v", echo)
	}
	ev, ok := h.next(t).(bridge.Click)
	if !ok || ev.Token != "tok_123" || ev.Ref != ref || ev.Key != keyFor(cid) || ev.User.ID != cid {
		t.Fatalf("click event %#v, want token and ref %+v", ev, ref)
	}
	for _, bad := range []inFrame{
		{Type: "click", Token: ""},
		{Type: "click", Token: strings.Repeat("x", 65)},
		{Type: "click", Token: "a b"},
		{Type: "nonsense"},
		{Type: "text", Text: "hi", ID: "not an id!"},
	} {
		send(t, c, bad)
		if f := frameOf(t, c, "error"); f.Text != (i18n.Printer{}).T("web.bad_request") {
			t.Fatalf("%+v → %+v", bad, f)
		}
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	frameOf(t, c, "error")
	// A click on the welcome (ref 0) carries no ref: it retires nothing.
	send(t, c, inFrame{Type: "click", Token: "tok_welcome", Ref: greetingID})
	if ev, ok := h.next(t).(bridge.Click); !ok || ev.Ref != (bridge.MsgRef{}) {
		t.Fatalf("click on the welcome %#v, want no ref", ev)
	}
	if h.count() != 2 {
		t.Fatalf("bad frames reached the bridge: %d events", h.count())
	}
}

func TestOversizeMessage(t *testing.T) {
	h := start(t, Config{MaxMessageBytes: 100})
	c, _, _ := h.connected(t)
	send(t, c, inFrame{Type: "text", Text: strings.Repeat("é", 51)}) // 102 bytes
	f := frameOf(t, c, "error")
	if f.Text != (i18n.Printer{}).T("web.too_long") {
		t.Fatalf("error frame %+v", f)
	}
	// JSON-escaped, still within the hard limit: polite error as well.
	send(t, c, inFrame{Type: "text", Text: strings.Repeat("\x01", 101)})
	frameOf(t, c, "error")
	// The connection is kept.
	send(t, c, inFrame{Type: "text", Text: strings.Repeat("a", 100)})
	if f := frameOf(t, c, "msg"); f.From != fromUser {
		t.Fatalf("after oversize: %+v", f)
	}
	if m, ok := h.next(t).(bridge.Message); !ok || len(m.Text) != 100 {
		t.Fatalf("event %#v", m)
	}
	// Far beyond the hard limit the socket is closed.
	_ = c.WriteMessage(websocket.TextMessage, []byte(`{"type":"text","text":"`+strings.Repeat("a", int(h.a.readLimit()))+`"}`))
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
				t.Logf("closed with %v", err)
			}
			break
		}
	}
}

func TestRateLimit(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	h := start(t, Config{RatePerMinute: 20, RateBurst: 5}, option.Clock(clock))
	c, _, _ := h.connected(t)
	for i := range 5 {
		send(t, c, inFrame{Type: "text", Text: fmt.Sprint("q", i)})
		frameOf(t, c, "msg")
		h.next(t)
	}
	send(t, c, inFrame{Type: "text", Text: "one too many", ID: "m6"})
	f := frameOf(t, c, "error")
	if f.Text != (i18n.Printer{}).T("web.too_fast") || f.ID != "m6" || f.Retry {
		t.Fatalf("6th message: %+v, want too fast, for m6, not to be sent again", f)
	}
	send(t, c, inFrame{Type: "click", Token: "tok"})
	frameOf(t, c, "error")
	if n := h.count(); n != 5 {
		t.Fatalf("%d events reached the bridge, want 5", n)
	}
	// 3 s later (20/min) one is allowed again.
	mu.Lock()
	now = now.Add(3 * time.Second)
	mu.Unlock()
	send(t, c, inFrame{Type: "text", Text: "later"})
	if f := frameOf(t, c, "msg"); f.Text != "later" {
		t.Fatalf("after refill: %+v", f)
	}
	h.next(t)
}

// The per-address limits: messages across an address's conversations, and
// the conversations it may start; another address is not held back.
func TestLimitsPerAddress(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := newLimits(Config{RatePerMinute: 60, RateBurst: 5, MessagesPerMinPerIP: 6, MaxNewPerIPPerMin: 2}.withDefaults(), func() time.Time { return now })
	for i, tc := range []struct {
		cid   string
		fresh bool
		want  string
	}{
		{"a", true, ""}, {"a", false, ""}, {"b", true, ""},
		{"c", true, "web.too_many_new"}, {"c", true, "web.too_many_new"}, // a third new one, twice
		{"b", false, ""}, {"a", false, ""}, {"b", false, ""},
		{"b", false, "web.too_fast"}, {"a", false, "web.too_fast"}, // the address's 6 a minute are used
	} {
		if got := string(l.allow(tc.cid, "192.0.2.1", tc.fresh)); got != tc.want {
			t.Errorf("%d: allow(%s, fresh %v) = %q, want %q", i, tc.cid, tc.fresh, got, tc.want)
		}
	}
	if why := l.allow("e", "192.0.2.2", true); why != "" {
		t.Errorf("another address refused: %s", why)
	}
	now = now.Add(10 * time.Second) // one of 6 a minute is back
	if why := l.allow("a", "192.0.2.1", false); why != "" {
		t.Errorf("after 10 s: %s", why)
	}
}

func TestHistoryReplayAndFanOut(t *testing.T) {
	h := start(t, Config{HistorySize: 3})
	c1, cookie, cid := h.connected(t)
	c2, _ := h.dial(t, cookie, nil)
	if f := frameOf(t, c2, "history"); len(f.Items) != 1 {
		t.Fatalf("second tab history %+v", f.Items)
	}
	send(t, c1, inFrame{Type: "text", Text: "question"})
	for _, c := range []*websocket.Conn{c1, c2} {
		if f := frameOf(t, c, "msg"); f.From != fromUser || f.Text != "question" || f.ID != "1" {
			t.Fatalf("echo fan-out %+v", f)
		}
	}
	h.next(t)
	key := keyFor(cid)
	for _, s := range []string{"a1", "a2", "a3"} {
		if _, err := h.a.Send(context.Background(), key, formatting.Plain(s)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*websocket.Conn{c1, c2} {
		for i, s := range []string{"a1", "a2", "a3"} {
			f := frameOf(t, c, "msg")
			if f.From != fromBot || !strings.Contains(string(f.Msg), s) || f.ID != fmt.Sprint(i+2) {
				t.Fatalf("bot fan-out %+v, want %s", f, s)
			}
		}
	}
	c1.Close()
	c2.Close()
	// Reload: the welcome and the last HistorySize messages, in order, ids kept.
	c3, _ := h.dial(t, cookie, nil)
	f := frameOf(t, c3, "history")
	var got []string
	for _, it := range f.Items {
		var m struct{ Text string }
		_ = json.Unmarshal(it.Msg, &m)
		got = append(got, it.ID+":"+it.From+":"+m.Text+it.Text)
	}
	if strings.Join(got[1:], ",") != "2:bot:a1,3:bot:a2,4:bot:a3" || got[0] != "0:bot:Hello! How can I help you today?Ask me anything in your own words. Commands:\n/faq — frequently asked questions\n/hot — popular questions\n/human — talk to a person\n/reset — start over\n/help — this help" {
		t.Fatalf("history %q", got)
	}
}

func TestSendWithNoTabOpenWaitsInHistory(t *testing.T) {
	h := start(t, Config{})
	c, cookie, cid := h.connected(t)
	c.Close()
	if _, err := h.a.Send(context.Background(), keyFor(cid), formatting.Plain("while you were away")); err != nil {
		t.Fatal(err)
	}
	c, _ = h.dial(t, cookie, nil)
	f := frameOf(t, c, "history")
	if len(f.Items) != 2 || !strings.Contains(string(f.Items[1].Msg), "while you were away") {
		t.Fatalf("history %+v", f.Items)
	}
}

func TestTypingAndEditFrames(t *testing.T) {
	h := start(t, Config{})
	c, cookie, cid := h.connected(t)
	key := keyFor(cid)
	if err := h.a.Typing(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if f := frame(t, c); f.Type != "typing" {
		t.Fatalf("typing frame %+v", f)
	}
	ref, err := h.a.Send(context.Background(), key, formatting.Plain("Part"))
	if err != nil {
		t.Fatal(err)
	}
	frameOf(t, c, "msg")
	if err := h.a.Edit(context.Background(), ref, formatting.Plain("Partial answer, complete")); err != nil {
		t.Fatal(err)
	}
	f := frameOf(t, c, "edit")
	if f.ID != ref.ID || !strings.Contains(string(f.Msg), "complete") {
		t.Fatalf("edit frame %+v", f)
	}
	// The edit is in the history too.
	c2, _ := h.dial(t, cookie, nil)
	hist := frameOf(t, c2, "history")
	if len(hist.Items) != 2 || !strings.Contains(string(hist.Items[1].Msg), "complete") {
		t.Fatalf("history after edit %+v", hist.Items)
	}
	// Bad edits are errors, not panics.
	for _, bad := range []bridge.MsgRef{
		{Key: key, ID: "999"},
		{Key: key, ID: "x"},
		{Key: key, ID: greetingID},
		{Key: keyFor(newCID()), ID: "1"},
		{Key: bridge.ConvKey{Platform: "slack", Channel: cid, User: cid}, ID: ref.ID},
	} {
		if err := h.a.Edit(context.Background(), bad, formatting.Plain("x")); err == nil {
			t.Errorf("Edit(%+v) = nil, want error", bad)
		}
	}
}

// What the host refuses is told, and marked to be sent again unless the
// core has answered it (busy); only what it accepts is echoed and acked.
func TestRefusalsTellThePage(t *testing.T) {
	h := start(t, Config{RateBurst: 10})
	c, _, _ := h.connected(t)
	p := i18n.Printer{}
	tests := []struct {
		err   error
		want  string
		retry bool
	}{
		{bridge.ErrBusy, p.T("web.busy"), false},
		{fmt.Errorf("wrapped: %w", bridge.ErrBusy), p.T("web.busy"), false},
		{bridge.ErrClosed, p.T("web.unavailable"), true},
		{fmt.Errorf("store down"), p.T("web.failed"), true},
	}
	for i, tc := range tests {
		h.host.FailNext(tc.err)
		id := fmt.Sprint("r", i)
		send(t, c, inFrame{Type: "text", Text: "hi", ID: id})
		if f := frame(t, c); f.Type != "error" || f.Text != tc.want || f.ID != id || f.Retry != tc.retry {
			t.Errorf("%v → %+v, want error %q retry %v", tc.err, f, tc.want, tc.retry)
		}
	}
	// The page sends a refused one again; now it is taken, once.
	send(t, c, inFrame{Type: "text", Text: "hi", ID: "r3"})
	frameOf(t, c, "msg")
	frameOf(t, c, "ack")
	send(t, c, inFrame{Type: "text", Text: "hi", ID: "r3"})
	if f := frame(t, c); f.Type != "ack" || f.ID != "r3" {
		t.Fatalf("a redelivery: %+v, want only its ack", f)
	}
	if n := h.count(); n != 1 {
		t.Errorf("%d deliveries accepted, want 1", n)
	}
	if d := h.host.Deliveries()[0]; !strings.HasSuffix(d.ID, ":r3") {
		t.Errorf("delivery id %q, want the conversation's and the page's", d.ID)
	}
}

func TestNotRunningSaysSendAgain(t *testing.T) {
	host := bridgetest.NewHost()
	a := newAdapter(t, Config{}, host)
	mux := http.NewServeMux()
	a.Routes(muxRouter{mux})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	hdr := http.Header{"Origin": {srv.URL}}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frameOf(t, c, "history")
	send(t, c, inFrame{Type: "text", Text: "anyone?", ID: "m1"})
	if f := frameOf(t, c, "error"); f.Text != (i18n.Printer{}).T("web.unavailable") || !f.Retry {
		t.Fatalf("a message while not running: %+v", f)
	}
	if len(host.Tries()) != 0 {
		t.Fatal("delivered while not running")
	}
	c.Close()
	waitFor(t, func() bool { convs, socks := a.live.counts(); return convs == 0 && socks == 0 })
}

func TestRunEndClosesSockets(t *testing.T) {
	a := newAdapter(t, Config{}, bridgetest.NewHost())
	mux := http.NewServeMux()
	a.Routes(muxRouter{mux})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	waitFor(t, func() bool { return a.in.intake.Load() })
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", http.Header{"Origin": {srv.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frameOf(t, c, "history")
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
			t.Fatalf("socket ended with %v, want going away", err)
		}
		break
	}
	if _, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", http.Header{"Origin": {srv.URL}}); err == nil {
		t.Fatal("socket accepted after Run ended")
	}
}

func TestSendRejectsForeignKeys(t *testing.T) {
	a := newAdapter(t, Config{}, bridgetest.NewHost())
	cid := newCID()
	for _, k := range []bridge.ConvKey{
		{Platform: "slack", Channel: cid, User: cid},
		{Platform: "web", Channel: "short", User: "short"},
		{Platform: "web", Channel: "../../../../../../etc/passwd"},
		{Platform: "web", Channel: cid, User: newCID()},
		{Platform: "web", Channel: cid, User: cid, Thread: "t"},
	} {
		if _, err := a.Send(context.Background(), k, formatting.Plain("x")); err == nil {
			t.Errorf("Send to %+v = nil error", k)
		}
		if err := a.Typing(context.Background(), k); err == nil {
			t.Errorf("Typing to %+v = nil error", k)
		}
	}
	if _, err := a.Send(context.Background(), keyFor(cid), formatting.Message{}); err == nil {
		t.Error("render failure not reported")
	}
}

// Memory holds open tabs only: a conversation whose last tab closes is
// forgotten at once (its history stays in the store); the bounds are on
// sockets, in all and per conversation.
func TestSocketBounds(t *testing.T) {
	host := bridgetest.NewHost()
	a := newAdapter(t, Config{MaxOpenSockets: 2, MaxSockets: 1}, host)
	ctx := context.Background()
	c1, c2 := testClient(newCID()), testClient(newCID())
	for _, c := range []*client{c1, c2} {
		if err := a.live.attach(c); err != nil {
			t.Fatal(err)
		}
		a.live.ready(c, []byte("{}"), 0, false)
		if _, err := a.Send(ctx, c.key(), formatting.Plain("hi")); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.live.attach(testClient(newCID())); err != errFull {
		t.Fatalf("attach when full = %v, want errFull", err)
	}
	a.live.detach(c2)
	if err := a.live.attach(testClient(c1.cid)); err != errTooMany {
		t.Fatalf("second socket with MaxSockets 1 = %v, want errTooMany", err)
	}
	a.live.detach(c1)
	if convs, socks := a.live.counts(); convs != 0 || socks != 0 {
		t.Fatalf("%d conversations, %d sockets held after every tab closed", convs, socks)
	}
	if host.HistoryLen() != 2 {
		t.Fatalf("%d histories in the store, want both kept", host.HistoryLen())
	}
	// Room again for a new visitor.
	if err := a.live.attach(testClient(newCID())); err != nil {
		t.Fatalf("a new visitor once tabs closed: %v", err)
	}
}

func TestSlowTabIsDisconnectedNotBlocking(t *testing.T) {
	a := newAdapter(t, Config{}, bridgetest.NewHost())
	c := testClient(newCID())
	if err := a.live.attach(c); err != nil {
		t.Fatal(err)
	}
	a.live.ready(c, []byte("{}"), 0, false)
	for range sendQueueSize + 5 { // nobody reads c.send
		if _, err := a.Send(context.Background(), c.key(), formatting.Plain("x")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-c.kick:
	default:
		t.Fatal("a tab that does not keep up was not disconnected")
	}
}

// Retire carries out the core's retirement on the message as the history
// holds it: the clicked group gives way to the choice in every tab and in the
// history; retiring it again, in a message no longer held or in the user's
// own turn changes nothing and is no error.
func TestRetire(t *testing.T) {
	h := start(t, withRender(Config{}, renderWeb))
	c, cookie, cid := h.connected(t)
	key := keyFor(cid)
	ref, err := h.a.Send(context.Background(), key, formatting.Message{Blocks: []formatting.Block{
		&formatting.Text{Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{{Text: "an answer"}}}}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "More", Token: "tok-more"}}},
		&formatting.Buttons{Items: []formatting.Button{{Label: "👍", Token: "tok-up"}, {Label: "👎", Token: "tok-down"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	frameOf(t, c, "msg")
	if err := h.a.Retire(context.Background(), bridge.Retirement{Ref: ref, Token: "tok-down", Shown: "✓ 👎"}); err != nil {
		t.Fatal(err)
	}
	f := frameOf(t, c, "edit")
	if f.ID != ref.ID || strings.Contains(string(f.Msg), "tok-up") || !strings.Contains(string(f.Msg), "tok-more") || !strings.Contains(string(f.Msg), "✓ 👎") {
		t.Fatalf("edit frame %s, want the rating group gone, the other kept, the choice shown", f.Msg)
	}
	for _, r := range []bridge.Retirement{
		{Ref: ref, Token: "tok-up", Shown: "✓ 👍"},                         // already retired
		{Ref: bridge.MsgRef{Key: key, ID: "99"}, Token: "tok-more"},       // not held
		{Ref: bridge.MsgRef{Key: key, ID: greetingID}, Token: "tok-more"}, // the welcome
	} {
		if err := h.a.Retire(context.Background(), r); err != nil {
			t.Errorf("Retire(%+v) = %v, want nothing to change", r, err)
		}
	}
	if err := h.a.Typing(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if f := frame(t, c); f.Type != "typing" {
		t.Fatalf("a retirement with nothing to change sent %+v", f)
	}
	c2, _ := h.dial(t, cookie, nil)
	hist := frameOf(t, c2, "history")
	if len(hist.Items) != 2 || strings.Contains(string(hist.Items[1].Msg), "tok-up") || !strings.Contains(string(hist.Items[1].Msg), "✓ 👎") {
		t.Fatalf("history does not hold the retired group: %+v", hist.Items)
	}
}

// Binary frames are refused: the socket is closed with 1003 (unsupported
// data) and nothing is delivered.
func TestFaultBinaryFrameRefused(t *testing.T) {
	h := start(t, Config{})
	c, _, _ := h.connected(t)
	if err := c.WriteMessage(websocket.BinaryMessage, []byte(`{"type":"text","text":"hello"}`)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		if !websocket.IsCloseError(err, websocket.CloseUnsupportedData) {
			t.Fatalf("socket ended with %v, want 1003 unsupported data", err)
		}
		break
	}
	if n := len(h.host.Tries()); n != 0 {
		t.Fatalf("a binary frame reached the host (%d deliveries)", n)
	}
}

// Session fixation: a cookie value the client chose (well-formed or not) is
// never a conversation: the socket gets a fresh cookie, and its events are
// keyed by that one's id.
func TestFaultSessionFixationRefused(t *testing.T) {
	h := start(t, Config{})
	for _, chosen := range []string{
		strings.Repeat("A", partLen) + "." + strings.Repeat("B", partLen),
		strings.Repeat("v", 22),
		"attacker-chosen",
	} {
		c, resp := h.dial(t, chosen, nil)
		fresh := cookieOf(resp)
		if fresh == "" || fresh == chosen {
			t.Fatalf("cookie %q kept (Set-Cookie %q)", chosen, fresh)
		}
		frameOf(t, c, "history")
		send(t, c, inFrame{Type: "text", Text: "hi"})
		if ev := h.next(t); ev.Conv() != keyFor(h.cid(t, fresh)) {
			t.Fatalf("event in %+v, want the fresh cookie's conversation", ev.Conv())
		}
	}
}

// A tab whose history cannot be read (the store is down) is not shown an
// empty one over what it shows: it is told, and the socket closes, so the
// page keeps its conversation and reconnects.
func TestHistoryUnavailableIsNotEmpty(t *testing.T) {
	h := start(t, Config{})
	_, cookie, _ := h.connected(t)
	h.host.FailHistory(errors.New("store down"))
	c, _ := h.dial(t, cookie, nil)
	if f := frame(t, c); f.Type != "error" || f.Text != (i18n.Printer{}).T("web.unavailable") {
		t.Fatalf("first frame %+v, want the error, no history", f)
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		var f outFrame
		if err := c.ReadJSON(&f); err != nil {
			break
		}
		if f.Type == "history" {
			t.Fatalf("a history frame after all: %+v", f)
		}
	}
	h.host.FailHistory(nil)
	c2, _ := h.dial(t, cookie, nil)
	frameOf(t, c2, "history")
}
