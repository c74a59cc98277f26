package webadapter

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/i18n"
)

//go:embed static
var staticFS embed.FS

//go:embed templates/page.html
var pageHTML string

// asset is one embedded static file, with its validator.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

func loadAssets() map[string]asset {
	out := map[string]asset{}
	_ = fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ctype := "application/octet-stream"
		switch path.Ext(p) {
		case ".js":
			ctype = "text/javascript; charset=utf-8"
		case ".css":
			ctype = "text/css; charset=utf-8"
		case ".html":
			ctype = "text/html; charset=utf-8"
		case ".svg":
			ctype = "image/svg+xml"
		}
		out[strings.TrimPrefix(p, "static/")] = asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return out
}

// pages serves what is not the socket: the page, its assets and the widget,
// with the security headers every response carries.
type pages struct {
	cfg     Config
	cat     *i18n.Catalog
	log     *slog.Logger
	ids     *identity
	origins map[string]bool // AllowedOrigins, normalised
	csp     string
	assets  map[string]asset
}

func newPages(cfg Config, cat *i18n.Catalog, log *slog.Logger, ids *identity) *pages {
	pg := &pages{cfg: cfg, cat: cat, log: log, ids: ids, origins: map[string]bool{}, assets: loadAssets()}
	for _, o := range cfg.AllowedOrigins {
		if norm, err := normOrigin(o); err == nil { // Validate has reported the others
			pg.origins[norm] = true
		}
	}
	pg.csp = pg.contentSecurityPolicy()
	return pg
}

// secure adds the headers every response of the chat carries.
func (pg *pages) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pg.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		next.ServeHTTP(w, r)
	})
}

var pageTmpl = template.Must(template.New("page").Parse(pageHTML))

// pageData is what the page template needs: its words in the browser's
// language (data attributes, so no inline script) and asset versions.
type pageData struct {
	Lang, Title                                  string
	Placeholder, Send, LogLabel, NoScript, Close string
	Strings                                      string // JSON for data-strings
	MaxBytes                                     int
	CSSVer, JSVer                                string
	Embedded                                     bool
}

func (pg *pages) printer(r *http.Request) i18n.Printer {
	return pg.cat.Printer(r.Header.Get("Accept-Language"))
}

// servePage serves the chat page, with a cookie when the browser has none
// this chat issued (the socket would make one too; the page's is there
// first).
func (pg *pages) servePage(w http.ResponseWriter, r *http.Request) {
	if v, err := pg.ids.visitorOf(r.Context(), r); err == nil && v.cookie != nil {
		http.SetCookie(w, v.cookie)
	}
	p := pg.printer(r)
	title := pg.cfg.Title
	if title == "" {
		title = p.T("web.title")
	}
	strs, _ := json.Marshal(map[string]string{
		"you":          p.T("web.you"),
		"bot":          p.T("web.bot"),
		"typing":       p.T("web.typing"),
		"connecting":   p.T("web.connecting"),
		"reconnecting": p.T("web.reconnecting"),
		"tooLong":      p.T("web.too_long"),
		"close":        p.T("web.close_chat"),
	})
	d := pageData{
		Lang:        string(p.Lang()),
		Title:       title,
		Placeholder: p.T("web.placeholder"),
		Send:        p.T("web.send"),
		LogLabel:    p.T("web.log_label"),
		NoScript:    p.T("web.noscript"),
		Close:       p.T("web.close_chat"),
		Strings:     string(strs),
		MaxBytes:    pg.cfg.MaxMessageBytes,
		CSSVer:      strings.Trim(pg.assets["chat.css"].etag, `"`),
		JSVer:       strings.Trim(pg.assets["chat.js"].etag, `"`),
		Embedded:    r.URL.Query().Get("embed") == "1",
	}
	var buf bytes.Buffer
	if err := pageTmpl.Execute(&buf, d); err != nil {
		pg.log.Error("web: page template", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Language, Cookie")
	_, _ = w.Write(buf.Bytes())
}

func (pg *pages) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	as, ok := pg.assets[name]
	if !ok || name == "widget.js" {
		http.NotFound(w, r)
		return
	}
	serveAsset(w, r, name, as.body, as.ctype, as.etag)
}

func serveAsset(w http.ResponseWriter, r *http.Request, name string, body []byte, ctype, etag string) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// widgetConfigMarker is replaced in widget.js by the widget's words as JSON.
const widgetConfigMarker = `{"kmbWidgetConfig":0}`

// serveWidget serves the embeddable script. It is loaded by other sites'
// pages, so it carries its words (in the visitor's language) with it.
func (pg *pages) serveWidget(w http.ResponseWriter, r *http.Request) {
	as, ok := pg.assets["widget.js"]
	if !ok {
		http.NotFound(w, r)
		return
	}
	p := pg.printer(r)
	title := pg.cfg.Title
	if title == "" {
		title = p.T("web.title")
	}
	cfg, _ := json.Marshal(map[string]string{ // json escapes <, > and & for script context
		"open":  p.T("web.open_chat"),
		"close": p.T("web.close_chat"),
		"title": title,
		"lang":  string(p.Lang()),
	})
	body := bytes.Replace(as.body, []byte(widgetConfigMarker), cfg, 1)
	sum := sha256.Sum256(body)
	w.Header().Set("Vary", "Accept-Language")
	serveAsset(w, r, "widget.js", body, as.ctype, `"`+hex.EncodeToString(sum[:8])+`"`)
}
