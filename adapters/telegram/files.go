package telegramadapter

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/kmbridge/kmbridge/internal/logx"
)

// File links.
//
// A file a user sends (a photo, a document, a voice note) reaches agents as a
// link. Telegram's own link to a file holds the bot token in its path, so it
// never leaves the adapter: the link is the bridge's own,
// GET <http.public_url>/telegram/file/<id>, where id is the file_id and an
// expiry signed with HMAC-SHA256. The key is derived from the bot token and a
// constant (fileKeyLabel): every replica of one bot signs and checks alike
// with nothing to share, and revoking the token (BotFather /revoke) voids
// every link given out. The route asks getFile for the file's path, then
// streams the file from Telegram, bounded in size (Config.MaxFileBytes; the
// Bot API hands out at most 20 MB anyway), time (Config.FileTimeout) and
// fetches at once (fileSlots). What it serves is user content on the bridge's
// origin, so only raster images are shown inline; anything else is a
// download, never sniffed, and in a sandbox.

// FilePath is the prefix of file links.
const FilePath = "/telegram/file/"

// fileKeyLabel derives the link-signing key from the bot token.
const fileKeyLabel = "kmbridge telegram file link v1"

// fileSlots bounds the files fetched at once; more are refused with 503.
const fileSlots = 8

// files signs file links and serves them.
type files struct {
	api      *api
	httpc    *http.Client
	endpoint string // Telegram's file URL pattern: token and file path
	key      []byte
	base     string // Config.PublicURL + FilePath; "" gives no links
	ttl      time.Duration
	maxBytes int64
	timeout  time.Duration
	now      func() time.Time
	log      *slog.Logger
	slots    chan struct{}
}

func newFiles(cfg Config, a *api, httpc *http.Client, now func() time.Time, log *slog.Logger) *files {
	mac := hmac.New(sha256.New, []byte(cfg.Token))
	mac.Write([]byte(fileKeyLabel))
	f := &files{
		api: a, httpc: httpc, endpoint: fileEndpoint(cfg.APIEndpoint), key: mac.Sum(nil),
		ttl: cfg.FileLinkTTL, maxBytes: cfg.MaxFileBytes, timeout: cfg.FileTimeout,
		now: now, log: log, slots: make(chan struct{}, fileSlots),
	}
	if cfg.PublicURL != "" {
		f.base = cfg.PublicURL + FilePath
	}
	return f
}

// fileEndpoint is the file URL pattern that goes with a Bot API endpoint
// pattern: Telegram's, or the same server's /file/bot<token>/<path>.
func fileEndpoint(api string) string {
	if api == "" || api == tgbotapi.APIEndpoint {
		return tgbotapi.FileEndpoint
	}
	if strings.Contains(api, "/bot%s/%s") {
		return strings.Replace(api, "/bot%s/%s", "/file/bot%s/%s", 1)
	}
	return tgbotapi.FileEndpoint
}

// link is the bridge's link to a file, or "" when the bridge has no public URL.
func (f *files) link(fileID string) string {
	if f.base == "" || fileID == "" {
		return ""
	}
	return f.base + f.sign(fileID, f.now().Add(f.ttl))
}

// sign is the opaque id of a link: base64url(expiry ‖ file_id) "." base64url(mac).
func (f *files) sign(fileID string, exp time.Time) string {
	payload := binary.BigEndian.AppendUint64(nil, uint64(exp.Unix()))
	payload = append(payload, fileID...)
	return base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(f.mac(payload))
}

func (f *files) mac(payload []byte) []byte {
	m := hmac.New(sha256.New, f.key)
	m.Write(payload)
	return m.Sum(nil)[:16]
}

// Why a link is refused.
var (
	errBadLink     = errors.New("telegram: file link: not one the bridge signed")
	errExpiredLink = errors.New("telegram: file link: expired")
)

// open checks an opaque id and returns the file_id it names.
func (f *files) open(id string) (string, error) {
	p, s, ok := strings.Cut(id, ".")
	if !ok || len(id) > 1024 {
		return "", errBadLink
	}
	payload, err1 := base64.RawURLEncoding.DecodeString(p)
	sig, err2 := base64.RawURLEncoding.DecodeString(s)
	if err1 != nil || err2 != nil || len(payload) <= 8 || !hmac.Equal(sig, f.mac(payload)) {
		return "", errBadLink
	}
	if exp := time.Unix(int64(binary.BigEndian.Uint64(payload)), 0); f.now().After(exp) {
		return "", errExpiredLink
	}
	return string(payload[8:]), nil
}

// handler serves GET /telegram/file/{id}.
func (f *files) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fileID, err := f.open(strings.TrimPrefix(r.URL.Path, FilePath))
		switch {
		case errors.Is(err, errExpiredLink):
			http.Error(w, "this link has expired", http.StatusGone)
			return
		case err != nil:
			f.log.Warn("telegram: file link with a bad signature refused", "remote", r.RemoteAddr, logx.Throttled("telegram.file"))
			http.NotFound(w, r)
			return
		}
		select {
		case f.slots <- struct{}{}:
			defer func() { <-f.slots }()
		default:
			w.Header().Set("Retry-After", "5")
			http.Error(w, "busy; try again in a moment", http.StatusServiceUnavailable)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), f.timeout)
		defer cancel()
		if err := f.stream(ctx, w, fileID); err != nil {
			f.log.Warn("telegram: file link not served", "err", err)
		}
	})
}

// errTooBig: the file is larger than Config.MaxFileBytes.
var errTooBig = errors.New("telegram: file: too large to relay")

// stream looks the file up (getFile) and copies it from Telegram to w.
// Before anything is written, a failure is answered with an error status.
func (f *files) stream(ctx context.Context, w http.ResponseWriter, fileID string) error {
	resp, err := f.api.call(ctx, globalCall(), "getFile", tgbotapi.Params{"file_id": fileID})
	if err != nil {
		status := http.StatusBadGateway
		if badRequest(err) {
			status = http.StatusNotFound
		}
		http.Error(w, "the file cannot be fetched from Telegram", status)
		return err
	}
	var file tgbotapi.File
	if err := json.Unmarshal(resp.Result, &file); err != nil || file.FilePath == "" {
		http.Error(w, "the file cannot be fetched from Telegram", http.StatusBadGateway)
		return fmt.Errorf("telegram: getFile: no file path: %v", err)
	}
	if int64(file.FileSize) > f.maxBytes {
		http.Error(w, "the file is too large", http.StatusRequestEntityTooLarge)
		return errTooBig
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf(f.endpoint, f.api.token, file.FilePath), nil)
	if err != nil {
		http.Error(w, "the file cannot be fetched from Telegram", http.StatusBadGateway)
		return redact(fmt.Errorf("telegram: file: %w", err), f.api.token)
	}
	dl, err := f.httpc.Do(req)
	if err != nil {
		http.Error(w, "the file cannot be fetched from Telegram", http.StatusBadGateway)
		return f.api.wrap("file download", err)
	}
	defer dl.Body.Close()
	if dl.StatusCode != http.StatusOK {
		http.Error(w, "the file cannot be fetched from Telegram", http.StatusBadGateway)
		return fmt.Errorf("telegram: file download: HTTP %d", dl.StatusCode)
	}
	if dl.ContentLength > f.maxBytes {
		http.Error(w, "the file is too large", http.StatusRequestEntityTooLarge)
		return errTooBig
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(dl.Body, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		http.Error(w, "the file cannot be fetched from Telegram", http.StatusBadGateway)
		return f.api.wrap("file download", err)
	}
	head = head[:n]
	h := w.Header()
	typ, inline := servedType(head)
	h.Set("Content-Type", typ)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=3600")
	disp := "attachment"
	if inline {
		disp = "inline"
	}
	h.Set("Content-Disposition", disp+`; filename="`+safeFileName(file.FilePath)+`"`)
	if dl.ContentLength > 0 {
		h.Set("Content-Length", strconv.FormatInt(dl.ContentLength, 10))
	}
	body := io.MultiReader(bytes.NewReader(head), dl.Body)
	copied, err := io.Copy(w, io.LimitReader(body, f.maxBytes))
	if err != nil {
		return f.api.wrap("file download", err)
	}
	if copied == f.maxBytes {
		if extra, _ := io.CopyN(io.Discard, dl.Body, 1); extra > 0 {
			return errTooBig // the response is cut short: the client sees a truncated body
		}
	}
	return nil
}

// servedType is the content type a file is served with, from its first
// bytes, and whether it may be shown inline: raster images only.
func servedType(head []byte) (string, bool) {
	switch t := http.DetectContentType(head); t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return t, true
	}
	return "application/octet-stream", false
}

// safeFileName is the last element of a Telegram file path, reduced to
// characters that need no quoting in a header.
func safeFileName(p string) string {
	name := path.Base(p)
	var b strings.Builder
	for _, r := range name {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			b.WriteRune(r)
		}
	}
	if s := strings.Trim(b.String(), "."); s != "" {
		return s
	}
	return "file"
}
