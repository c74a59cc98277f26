package kmclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Paging is the envelope's pagination, returned alongside lists.
type Paging struct {
	PageNum  int   `json:"pageNum"`
	PageSize int   `json:"pageSize"`
	Total    int64 `json:"total"`
}

// envelope is KM's response wrapper (visible and exception carry nothing we use).
type envelope struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Paging  *Paging         `json:"paging"`
	Data    json.RawMessage `json:"data"`
}

// envelopeInto decodes the envelope and its data in one pass: Data holds the
// caller's pointer, which encoding/json fills in place.
type envelopeInto struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Paging  *Paging         `json:"paging"`
	Data    any             `json:"data"`
}

// CodeOK is the envelope code of success.
const CodeOK = 200

// decode turns one complete response into data (decoded into out) or an *APIError.
func (c *Client) decode(name string, resp *http.Response, body []byte, out any) (Paging, error) {
	status := resp.StatusCode
	if status == http.StatusNoContent {
		return Paging{}, nil
	}
	if pg, ok := decodeFast(status, body, out); ok {
		return pg, nil
	}
	// The slow path decodes again, to tell exactly what is wrong.
	env, err := c.parseEnvelope(name, resp, body)
	if err != nil {
		return Paging{}, err
	}
	var pg Paging
	if env.Paging != nil {
		pg = *env.Paging
	}
	code, _ := flexInt(env.Code) // parseEnvelope checked it
	if status >= 400 || code != CodeOK {
		e := &APIError{Endpoint: name, HTTPStatus: status, Code: int(code), Message: env.Message}
		if code == CodeOK { // an HTTP error wrapped in a success envelope: the status is what counts
			e.Code = 0
			if e.Message == "" || e.Message == "OK" {
				e.Message = http.StatusText(status)
			}
		}
		return pg, e
	}
	if out != nil && !isNull(env.Data) {
		if err := c.unmarshalData(name, env.Data, out); err != nil {
			return pg, err
		}
	}
	return pg, nil
}

// unmarshalData decodes a response's data into out tolerantly (see tolerant.go) and
// logs the names of the fields it had to drop.
func (c *Client) unmarshalData(name string, data []byte, out any) error {
	dropped, err := unmarshalTolerant(data, out)
	if err != nil {
		return fmt.Errorf("kmclient: %s: decode data: %w", name, err)
	}
	c.logDropped(name, dropped)
	return nil
}

// logDropped names the fields of a response that could not be read, never their
// content (an answer may carry anything a user typed).
func (c *Client) logDropped(name string, fields []string) {
	if len(fields) == 0 || c.log == nil {
		return
	}
	c.log.Warn("kmclient: KM sent fields that could not be read; they were dropped and the rest kept",
		"endpoint", name, "fields", fields)
}

// decodeFast handles the common case, a success envelope whose data fits out, in a
// single pass. ok is false for anything else.
func decodeFast(status int, body []byte, out any) (pg Paging, ok bool) {
	if out == nil || status >= 300 {
		return Paging{}, false
	}
	env := envelopeInto{Data: out}
	if json.Unmarshal(body, &env) != nil {
		return Paging{}, false
	}
	if code, err := flexInt(env.Code); err != nil || code != CodeOK || isNull(env.Code) {
		return Paging{}, false
	}
	if env.Paging != nil {
		pg = *env.Paging
	}
	return pg, true
}

// parseEnvelope decodes body as an envelope, or explains (without secrets) what the
// body was instead.
func (c *Client) parseEnvelope(name string, resp *http.Response, body []byte) (*envelope, error) {
	status := resp.StatusCode
	t := bytes.TrimSpace(body)
	fail := func(msg string) error {
		return &APIError{Endpoint: name, HTTPStatus: status, Message: msg}
	}
	if len(t) == 0 {
		return nil, fail("empty response body")
	}
	ct := contentType(resp.Header.Get("Content-Type"))
	secrets := requestSecrets(resp)
	if t[0] != '{' {
		if t[0] == '[' && json.Valid(t) {
			return nil, fail("unexpected JSON array instead of a KM envelope: " + c.preview(t, secrets...))
		}
		return nil, fail(fmt.Sprintf("non-JSON response (%s, %d bytes): %s", ct, len(body), c.preview(t, secrets...)))
	}
	var env envelope
	dropped, err := unmarshalTolerant(t, &env)
	if err != nil {
		return nil, fail(fmt.Sprintf("malformed JSON response (%s, %d bytes: %s): %s", ct, len(body), jsonProblem(err), c.preview(t, secrets...)))
	}
	c.logDropped(name, dropped)
	if isNull(env.Code) {
		return nil, fail("JSON response without a KM envelope code: " + c.preview(t, secrets...))
	}
	if _, err := flexInt(env.Code); err != nil {
		return nil, fail("KM envelope code is not a number: " + c.preview(env.Code, secrets...))
	}
	return &env, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("%v at offset %d", se, se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q: got JSON %s, want %s", te.Field, te.Value, te.Type)
	default:
		return err.Error()
	}
}

func isNull(b []byte) bool {
	t := bytes.TrimSpace(b)
	return len(t) == 0 || string(t) == "null"
}

func contentType(h string) string {
	if h == "" {
		return "no content type"
	}
	mt, _, err := mime.ParseMediaType(h)
	if err != nil {
		return "content type " + strconv.Quote(truncate(h, 40))
	}
	return mt
}

var signParam = regexp.MustCompile(`(?i)(sign|token|nonce)=[^&\s"'<>]*`)

// preview is a short, printable, secret-free excerpt of a body for error messages:
// a proxy's error page may echo the request URL with its sign.
func (c *Client) preview(b []byte, secrets ...string) string {
	s := string(b)
	if len(s) > 4096 {
		s = s[:4096]
	}
	s = c.redact(s, secrets...)
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	return strconv.Quote(truncate(s, 120))
}

// requestSecrets returns the sign and nonce the response's request carried.
func requestSecrets(resp *http.Response) []string {
	if resp == nil || resp.Request == nil || resp.Request.URL == nil {
		return nil
	}
	q := resp.Request.URL.Query()
	return []string{q.Get("sign"), q.Get("nonce")}
}

func (c *Client) redact(s string, extra ...string) string {
	for _, sec := range append(extra, c.secrets...) {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return signParam.ReplaceAllString(s, "$1=[redacted]")
}

// truncate cuts s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// DecodeResponse decodes one complete KM response body (the envelope and its data,
// as received with HTTP 200) exactly as the endpoint methods do: tolerantly, with
// the names of dropped fields logged on log (nil: not logged). It is for answers
// recorded or replayed outside an HTTP exchange: tests, fuzzers, fixtures.
func DecodeResponse(body []byte, out any, log *slog.Logger) (Paging, error) {
	c := &Client{log: log}
	return c.decode("response", &http.Response{StatusCode: http.StatusOK, Header: http.Header{}}, body, out)
}
