package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/html"

	"github.com/kmbridge/kmbridge/bridge"
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
	tests := []struct {
		name       string
		cookie     string
		proto      string
		wantNew    bool
		wantSecure bool
	}{
		{"first visit gets a cookie", "", "", true, false},
		{"existing cookie is reused", newSID(), "", false, false},
		{"forged cookie is replaced", "../../etc|passwd", "", true, false},
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
			if !validSID(c.Value) || !c.HttpOnly || c.Path != "/" || c.MaxAge <= 0 {
				t.Fatalf("cookie %q lacks id/HttpOnly/Path/Max-Age", raw)
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
	sid := newSID()
	req, _ := http.NewRequest("GET", h.srv.URL+"/ws", nil)
	req.Header.Set("Cookie", cookieName+"="+sid)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET /ws = %d, want 400", resp.StatusCode)
	}
	// The real socket of that browser is still greeted.
	c, _ := h.dial(t, sid, nil)
	frameOf(t, c, "history")
	if ev, ok := h.fb.next(t).(bridge.Command); !ok || ev.Name != "start" {
		t.Fatalf("event %#v, want the greeting", ev)
	}
}

func TestOnlyOneTabGreets(t *testing.T) {
	h := start(t, Config{})
	sid := newSID()
	var conns []*websocket.Conn
	for range 4 {
		c, _ := h.dial(t, sid, nil)
		conns = append(conns, c)
	}
	for _, c := range conns {
		frameOf(t, c, "history")
	}
	h.fb.next(t)
	send(t, conns[0], inFrame{Type: "text", Text: "marker"})
	if m, ok := h.fb.next(t).(bridge.Message); !ok || m.Text != "marker" {
		t.Fatalf("second event %#v, want the marker (one greeting only)", m)
	}
}

func TestSocketCookieSetAndReused(t *testing.T) {
	h := start(t, Config{})
	c, resp := h.dial(t, "", nil)
	var sid string
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			sid = ck.Value
		}
	}
	if !validSID(sid) {
		t.Fatalf("upgrade without cookie set none: %v", resp.Header)
	}
	frameOf(t, c, "history")
	ev := h.fb.next(t)
	want := bridge.ConvKey{Platform: "web", Channel: sid, User: sid}
	if ev.Conv() != want {
		t.Fatalf("event key %+v, want %+v", ev.Conv(), want)
	}
	c2, resp2 := h.dial(t, sid, http.Header{"Accept-Language": {"ja-JP"}})
	if len(resp2.Cookies()) != 0 {
		t.Fatalf("cookie re-set for a known id: %v", resp2.Cookies())
	}
	frameOf(t, c2, "history")
	send(t, c2, inFrame{Type: "text", Text: "hello"})
	m, ok := h.fb.next(t).(bridge.Message)
	if !ok || m.Key != want || m.User.ID != sid || m.User.Locale != "ja-JP" || m.Text != "hello" {
		t.Fatalf("event %#v", m)
	}
}

func TestTextCommandsAndEcho(t *testing.T) {
	h := start(t, Config{RatePerMinute: 1000, RateBurst: 100})
	c, sid := h.connected(t)
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
	key := keyFor(sid)
	for _, tc := range tests {
		send(t, c, inFrame{Type: "text", Text: tc.text})
		echo := frameOf(t, c, "msg")
		if echo.From != fromUser || echo.Text != strings.TrimSpace(tc.text) {
			t.Fatalf("echo %+v", echo)
		}
		got := h.fb.next(t)
		switch w := tc.want.(type) {
		case bridge.Message:
			m, ok := got.(bridge.Message)
			if !ok || m.Text != w.Text || m.Key != key || m.ID != echo.ID {
				t.Errorf("%q → %#v, want message %q with id %s", tc.text, got, w.Text, echo.ID)
			}
		case bridge.Command:
			m, ok := got.(bridge.Command)
			if !ok || m.Name != w.Name || m.Arg != w.Arg || m.Key != key {
				t.Errorf("%q → %#v, want command %s %q", tc.text, got, w.Name, w.Arg)
			}
		}
	}
	// Blank text is ignored: nothing echoed, nothing handed over.
	before := h.fb.count()
	send(t, c, inFrame{Type: "text", Text: "   "})
	send(t, c, inFrame{Type: "text", Text: "after"})
	if f := frameOf(t, c, "msg"); f.Text != "after" {
		t.Fatalf("blank text was echoed: %+v", f)
	}
	h.fb.next(t)
	if h.fb.count() != before+1 {
		t.Fatalf("blank text handed over")
	}
}

func TestClick(t *testing.T) {
	h := start(t, Config{})
	c, sid := h.connected(t)
	ref, err := h.a.Send(context.Background(), keyFor(sid), formatting.Plain("pick one"))
	if err != nil {
		t.Fatal(err)
	}
	frameOf(t, c, "msg")
	send(t, c, inFrame{Type: "click", Token: "tok_123", Ref: ref.ID, Label: "  Reset password  "})
	echo := frameOf(t, c, "msg")
	if echo.From != fromUser || echo.Text != "Reset password" {
		t.Fatalf("click echo %+v", echo)
	}
	ev, ok := h.fb.next(t).(bridge.Click)
	if !ok || ev.Token != "tok_123" || ev.Ref != ref || ev.Key != keyFor(sid) || ev.User.ID != sid {
		t.Fatalf("click event %#v, want token and ref %+v", ev, ref)
	}
	for _, bad := range []inFrame{
		{Type: "click", Token: ""},
		{Type: "click", Token: strings.Repeat("x", 65)},
		{Type: "click", Token: "a b"},
		{Type: "nonsense"},
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
	if h.fb.count() != 2 {
		t.Fatalf("bad frames reached the bridge: %d events", h.fb.count())
	}
}

func TestOversizeMessage(t *testing.T) {
	h := start(t, Config{MaxMessageBytes: 100})
	c, _ := h.connected(t)
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
	if m, ok := h.fb.next(t).(bridge.Message); !ok || len(m.Text) != 100 {
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
	h := start(t, Config{RatePerMinute: 20, RateBurst: 5})
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	h.a.hub.mu.Lock()
	h.a.hub.now = clock
	h.a.hub.mu.Unlock()
	c, _ := h.connected(t)
	for i := range 5 {
		send(t, c, inFrame{Type: "text", Text: fmt.Sprint("q", i)})
		frameOf(t, c, "msg")
		h.fb.next(t)
	}
	send(t, c, inFrame{Type: "text", Text: "one too many"})
	f := frameOf(t, c, "error")
	if f.Text != (i18n.Printer{}).T("web.too_fast") {
		t.Fatalf("6th message: %+v", f)
	}
	send(t, c, inFrame{Type: "click", Token: "tok"})
	frameOf(t, c, "error")
	if n := h.fb.count(); n != 6 { // greeting + 5
		t.Fatalf("%d events reached the bridge, want 6", n)
	}
	// 3 s later (20/min) one token is back.
	h.a.hub.mu.Lock()
	now = now.Add(3 * time.Second)
	h.a.hub.mu.Unlock()
	send(t, c, inFrame{Type: "text", Text: "later"})
	if f := frameOf(t, c, "msg"); f.Text != "later" {
		t.Fatalf("after refill: %+v", f)
	}
	h.fb.next(t)
}

func TestBucket(t *testing.T) {
	var b bucket
	t0 := time.Unix(0, 0)
	got := ""
	for i := range 7 {
		if b.allow(t0.Add(time.Duration(i)*time.Millisecond), 60, 5) {
			got += "y"
		} else {
			got += "n"
		}
	}
	if got != "yyyyynn" {
		t.Fatalf("burst: %s", got)
	}
	t1 := t0.Add(2500 * time.Millisecond)
	if !b.allow(t1, 60, 5) || !b.allow(t1, 60, 5) || b.allow(t1, 60, 5) {
		t.Fatal("refill of 60/min over 2.5s should give exactly 2 tokens")
	}
	if b.allow(t0.Add(time.Second), 60, 5) || b.allow(t1, 60, 5) { // clock went back and forth: no refill
		t.Fatal("backwards clock refilled")
	}
}

func TestHistoryReplayAndFanOut(t *testing.T) {
	h := start(t, Config{HistorySize: 3})
	c1, sid := h.connected(t)
	c2, _ := h.dial(t, sid, nil)
	if f := frameOf(t, c2, "history"); len(f.Items) != 0 {
		t.Fatalf("second tab history %+v", f.Items)
	}
	send(t, c1, inFrame{Type: "text", Text: "question"})
	for _, c := range []*websocket.Conn{c1, c2} {
		if f := frameOf(t, c, "msg"); f.From != fromUser || f.Text != "question" {
			t.Fatalf("echo fan-out %+v", f)
		}
	}
	h.fb.next(t)
	key := keyFor(sid)
	for _, s := range []string{"a1", "a2", "a3"} {
		if _, err := h.a.Send(context.Background(), key, formatting.Plain(s)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []*websocket.Conn{c1, c2} {
		for _, s := range []string{"a1", "a2", "a3"} {
			f := frameOf(t, c, "msg")
			if f.From != fromBot || !strings.Contains(string(f.Msg), s) {
				t.Fatalf("bot fan-out %+v, want %s", f, s)
			}
		}
	}
	c1.Close()
	c2.Close()
	// Reload: the last HistorySize messages come back, in order, with no new greeting.
	c3, _ := h.dial(t, sid, nil)
	f := frameOf(t, c3, "history")
	var got []string
	for _, it := range f.Items {
		var m struct{ Text string }
		_ = json.Unmarshal(it.Msg, &m)
		got = append(got, it.From+":"+m.Text+it.Text)
	}
	if strings.Join(got, ",") != "bot:a1,bot:a2,bot:a3" {
		t.Fatalf("history %v", got)
	}
	select {
	case ev := <-h.fb.got:
		t.Fatalf("reconnect re-greeted: %#v", ev)
	default:
	}
}

func TestSendWithNoTabOpenWaitsInHistory(t *testing.T) {
	h := start(t, Config{})
	sid := newSID()
	if _, err := h.a.Send(context.Background(), keyFor(sid), formatting.Plain("while you were away")); err != nil {
		t.Fatal(err)
	}
	c, _ := h.dial(t, sid, nil)
	f := frameOf(t, c, "history")
	if len(f.Items) != 1 || !strings.Contains(string(f.Items[0].Msg), "while you were away") {
		t.Fatalf("history %+v", f.Items)
	}
}

func TestTypingAndEditFrames(t *testing.T) {
	h := start(t, Config{})
	c, sid := h.connected(t)
	key := keyFor(sid)
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
	c2, _ := h.dial(t, sid, nil)
	hist := frameOf(t, c2, "history")
	if len(hist.Items) != 1 || !strings.Contains(string(hist.Items[0].Msg), "complete") {
		t.Fatalf("history after edit %+v", hist.Items)
	}
	// Bad edits are errors, not panics.
	for _, bad := range []bridge.MsgRef{
		{Key: key, ID: "999"},
		{Key: key, ID: "x"},
		{Key: keyFor(newSID()), ID: "1"},
		{Key: bridge.ConvKey{Platform: "slack", Channel: sid}, ID: ref.ID},
	} {
		if err := h.a.Edit(context.Background(), bad, formatting.Plain("x")); err == nil {
			t.Errorf("Edit(%+v) = nil, want error", bad)
		}
	}
}

func TestHandlerErrorsTellTheUser(t *testing.T) {
	h := start(t, Config{})
	c, _ := h.connected(t)
	p := i18n.Printer{}
	tests := []struct {
		err  error
		want string
	}{
		{bridge.ErrBusy, p.T("web.busy")},
		{fmt.Errorf("wrapped: %w", bridge.ErrBusy), p.T("web.busy")},
		{bridge.ErrClosed, p.T("web.failed")},
		{fmt.Errorf("boom"), p.T("web.failed")},
	}
	for _, tc := range tests {
		h.fb.setErr(tc.err)
		send(t, c, inFrame{Type: "text", Text: "hi"})
		frameOf(t, c, "msg")
		h.fb.next(t)
		if f := frameOf(t, c, "error"); f.Text != tc.want {
			t.Errorf("%v → %q, want %q", tc.err, f.Text, tc.want)
		}
	}
}

func TestNotRunningSaysUnavailable(t *testing.T) {
	a := New(Config{}, nil, nil)
	a.render = fakeRender
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	hdr := http.Header{"Origin": {srv.URL}}
	c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/ws", hdr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	frameOf(t, c, "history")
	if f := frameOf(t, c, "error"); f.Text != (i18n.Printer{}).T("web.unavailable") {
		t.Fatalf("greeting while not running: %+v", f)
	}
	c.Close()
	waitFor(t, func() bool {
		a.hub.mu.Lock()
		defer a.hub.mu.Unlock()
		for _, cv := range a.hub.convs {
			if len(cv.sockets) > 0 {
				return false
			}
		}
		return true
	})
}

func TestRunEndClosesSockets(t *testing.T) {
	a := New(Config{}, nil, nil)
	a.render = fakeRender
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	fb := newFakeBridge()
	go func() { done <- a.Run(ctx, fb.handle) }()
	waitFor(t, func() bool { h, _ := a.handler(); return h != nil })
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
	a := New(Config{}, nil, nil)
	a.render = fakeRender
	for _, k := range []bridge.ConvKey{
		{Platform: "slack", Channel: newSID()},
		{Platform: "web", Channel: "short"},
		{Platform: "web", Channel: "../../../../../../etc/passwd"},
	} {
		if _, err := a.Send(context.Background(), k, formatting.Plain("x")); err == nil {
			t.Errorf("Send to %+v = nil error", k)
		}
		if err := a.Typing(context.Background(), k); err == nil {
			t.Errorf("Typing to %+v = nil error", k)
		}
	}
	if _, err := a.Send(context.Background(), keyFor(newSID()), formatting.Message{}); err == nil {
		t.Error("render failure not reported")
	}
}

func TestConversationBounds(t *testing.T) {
	a := New(Config{MaxConversations: 2, MaxSockets: 1}, nil, nil)
	a.render = fakeRender
	ctx := context.Background()
	s1, s2, s3 := newSID(), newSID(), newSID()
	for _, s := range []string{s1, s2, s3} {
		if _, err := a.Send(ctx, keyFor(s), formatting.Plain("hi")); err != nil {
			t.Fatal(err)
		}
	}
	a.hub.mu.Lock()
	_, has1 := a.hub.convs[s1]
	n := len(a.hub.convs)
	a.hub.mu.Unlock()
	if n != 2 || has1 {
		t.Fatalf("%d conversations kept (oldest kept: %v), want 2 without the oldest", n, has1)
	}
	// All conversations with open sockets: a new one is refused.
	c2 := newClient(s2, bridge.UserInfo{}, i18n.Printer{})
	c3 := newClient(s3, bridge.UserInfo{}, i18n.Printer{})
	for _, c := range []*client{c2, c3} {
		if err := a.hub.attach(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.hub.attach(newClient(newSID(), bridge.UserInfo{}, i18n.Printer{})); err != errFull {
		t.Fatalf("attach when full = %v, want errFull", err)
	}
	if err := a.hub.attach(newClient(s2, bridge.UserInfo{}, i18n.Printer{})); err != errTooMany {
		t.Fatalf("second socket with MaxSockets 1 = %v, want errTooMany", err)
	}
	a.hub.detach(c2)
	a.hub.detach(c3)
	// Idle conversations are swept after IdleTTL.
	a.hub.mu.Lock()
	a.hub.now = func() time.Time { return time.Now().Add(DefaultIdleTTL + time.Minute) }
	a.hub.mu.Unlock()
	a.hub.sweep()
	if len(a.hub.convs) != 0 {
		t.Fatalf("%d conversations after sweep", len(a.hub.convs))
	}
}

func TestSlowTabIsDisconnectedNotBlocking(t *testing.T) {
	a := New(Config{}, nil, nil)
	a.render = fakeRender
	sid := newSID()
	c := newClient(sid, bridge.UserInfo{}, i18n.Printer{})
	if err := a.hub.attach(c); err != nil {
		t.Fatal(err)
	}
	for range sendQueueSize + 5 { // nobody reads c.send
		if _, err := a.Send(context.Background(), keyFor(sid), formatting.Plain("x")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-c.kick:
	default:
		t.Fatal("a tab that does not keep up was not disconnected")
	}
}

func TestClickedRetiresRatingButtons(t *testing.T) {
	h := start(t, Config{})
	c, sid := h.connected(t)
	key := keyFor(sid)
	ref, err := h.a.Send(context.Background(), key, formatting.Plain("an answer"))
	if err != nil {
		t.Fatal(err)
	}
	frameOf(t, c, "msg")
	click := bridge.Click{Key: key, Token: "tok-up", Ref: ref}
	tests := []struct {
		status bridge.ClickStatus
		kind   formatting.ActionKind
		retire bool
	}{
		{bridge.ClickDone, formatting.ActHit, false},
		{bridge.ClickFailed, formatting.ActRateAnswer, false},
		{bridge.ClickExpired, formatting.ActRateAnswer, false},
		{bridge.ClickAlreadyRated, formatting.ActRateAnswer, true},
		{bridge.ClickDone, formatting.ActRateAnswer, true},
		{bridge.ClickDone, formatting.ActEscalate, true},
	}
	for _, tc := range tests {
		h.a.Clicked(context.Background(), bridge.ClickResult{Click: click, Status: tc.status, Action: formatting.Action{Kind: tc.kind}})
		// A typing frame marks the end of what Clicked may have sent.
		if err := h.a.Typing(context.Background(), key); err != nil {
			t.Fatal(err)
		}
		f := frame(t, c)
		if tc.retire {
			if f.Type != "retire" || f.ID != ref.ID || f.Token != "tok-up" {
				t.Fatalf("%s %s: frame %+v, want retire", tc.status, tc.kind, f)
			}
			f = frame(t, c)
		}
		if f.Type != "typing" {
			t.Fatalf("%s %s: unexpected frame %+v", tc.status, tc.kind, f)
		}
	}
	c2, _ := h.dial(t, sid, nil)
	hist := frameOf(t, c2, "history")
	if len(hist.Items) != 1 || len(hist.Items[0].Retired) == 0 || hist.Items[0].Retired[0] != "tok-up" {
		t.Fatalf("history does not remember the retired buttons: %+v", hist.Items)
	}
}
