package kmsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

// envelope is KM's response wrapper.
type envelope struct {
	Code      int     `json:"code"`
	Message   string  `json:"message"`
	Visible   bool    `json:"visible"`
	Exception any     `json:"exception"`
	Paging    *paging `json:"paging"`
	Data      any     `json:"data"`
}

type paging struct {
	PageNum  int `json:"pageNum"`
	PageSize int `json:"pageSize"`
	Total    int `json:"total"`
}

const jsonType = "application/json;charset=UTF-8"

// marshal encodes v as KM's Jackson does: no HTML escaping of <, > and &.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// strContent is a string ansContent, encoded without HTML escaping.
func strContent(s string) kmclient.AnsContent {
	b, err := marshal(s)
	if err != nil {
		return kmclient.StringContent(s)
	}
	return kmclient.NewAnsContent(b)
}

func (c *reqCtx) writeEnvelope(status int, e envelope) {
	b, err := marshal(e)
	if err != nil {
		// Only the simulator's own types are marshalled; this is a bug, say so.
		status = http.StatusInternalServerError
		b = []byte(`{"code":500,"message":"kmsim: cannot encode the response","visible":false,"exception":null,"paging":null,"data":null}`)
		e.Code = 500
	}
	c.status, c.code = status, e.Code
	c.commit()
	h := c.w.Header()
	h.Set("Content-Type", jsonType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

// ok answers code 200 with data (and paging when the endpoint lists things).
func (c *reqCtx) ok(data any, pg *paging) {
	c.writeEnvelope(http.StatusOK, envelope{Code: 200, Message: "OK", Paging: pg, Data: data})
}

// fail answers KM's code 400 with message.
func (c *reqCtx) fail(message string) {
	c.writeEnvelope(c.s.opts.ErrorHTTPStatus, envelope{Code: 400, Message: message})
}

func (c *reqCtx) failf(format string, args ...any) { c.fail(fmt.Sprintf(format, args...)) }

func (c *reqCtx) noContent() {
	c.status = http.StatusNoContent
	c.commit()
	c.w.WriteHeader(http.StatusNoContent)
}

// decode checks the body: it must be a JSON object (or empty when nothing is
// required), each required field present and not null, then decodes it into dst.
// On failure it answers as KM does and returns false.
func (c *reqCtx) decode(dst any, required ...string) bool {
	if !c.bodyOK {
		c.failf(fmtJSONParse, "the request body is not a JSON object")
		return false
	}
	if c.fields == nil && len(required) > 0 {
		c.fail(MsgBodyMissing)
		return false
	}
	for _, f := range required {
		if v, ok := c.fields[f]; !ok || bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			c.fail(NotNullMessage(f))
			return false
		}
	}
	if c.fields == nil {
		return true
	}
	if err := json.Unmarshal(c.raw, dst); err != nil {
		c.failf(fmtJSONParse, jsonProblem(err))
		return false
	}
	return true
}

// has reports whether the body has field f, not null.
func (c *reqCtx) has(f string) bool {
	v, ok := c.fields[f]
	return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null"))
}

// jsonProblem describes a decoding error without echoing the body.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Sprintf("field %s: cannot use a JSON %s", te.Field, te.Value)
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "json:") {
		msg = msg[i+2:]
	}
	return msg
}

// serverError answers a 5xx as the thing in front of KM would.
func (c *reqCtx) serverError(f *Faults) {
	status := f.ErrorStatus
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	c.status = status
	c.commit()
	h := c.w.Header()
	switch status {
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		h.Set("Content-Type", "text/html")
		c.w.WriteHeader(status)
		_, _ = fmt.Fprintf(c.w, nginxPage, status, http.StatusText(status), status, http.StatusText(status))
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		if f.RetryAfter > 0 {
			h.Set("Retry-After", strconv.Itoa(int((f.RetryAfter+999_999_999)/1_000_000_000)))
		}
		h.Set("Content-Type", "text/plain;charset=UTF-8")
		c.w.WriteHeader(status)
		_, _ = c.w.Write([]byte(http.StatusText(status)))
	default:
		h.Set("Content-Type", jsonType)
		c.w.WriteHeader(status)
		_, _ = fmt.Fprintf(c.w, `{"timestamp":%q,"status":%d,"error":%q,"path":%q}`,
			c.now.UTC().Format("2006-01-02T15:04:05.000+00:00"), status, http.StatusText(status), c.r.URL.Path)
	}
}

// htmlPage answers 200 with an HTML page where JSON was expected.
func (c *reqCtx) htmlPage() {
	c.status = http.StatusOK
	c.commit()
	c.w.Header().Set("Content-Type", "text/html;charset=UTF-8")
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write([]byte(portalPage))
}

const nginxPage = "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"

const portalPage = `<!DOCTYPE html>
<html><head><title>Network login required</title></head>
<body><h1>Please sign in to continue</h1>
<p>Your network requires you to sign in before accessing the Internet.</p>
<form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form>
</body></html>
`
