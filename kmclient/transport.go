package kmclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// call describes one KM request.
type call struct {
	method string
	path   string     // concrete path under BaseURL, e.g. /v1/questions/12
	name   string     // endpoint for errors and logs, e.g. "GET /v1/questions/:id"
	query  url.Values // endpoint parameters; the signer adds its own
	body   any        // nil: no body
	accept string     // default application/json
}

func newCall(method, path, name string) call {
	return call{method: method, path: path, name: method + " " + name}
}

// idPath formats a path template's single id.
func idPath(format string, id ID) string { return fmt.Sprintf(format, url.PathEscape(id.String())) }

// invoke runs k within the per-call timeout and decodes the envelope's data into out
// (when out is non-nil and data is not null). It returns the envelope's paging.
func (c *Client) invoke(ctx context.Context, k call, out any) (Paging, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.roundTrip(ctx, k)
	if err != nil {
		return Paging{}, err
	}
	defer resp.Body.Close()
	body, err := readBodySized(resp.Body, resp.ContentLength)
	if err != nil {
		return Paging{}, c.transportError(ctx, k.name, "read response", err)
	}
	return c.decode(k.name, resp, body, out)
}

func readBody(r io.Reader) ([]byte, error) { return readBodySized(r, -1) }

// readBodySized reads at most maxBody bytes. With the length the response
// announced it reads into one buffer of that size, where io.ReadAll would grow
// one from 512 bytes (five copies for a 10 KB answer).
func readBodySized(r io.Reader, size int64) ([]byte, error) {
	r = io.LimitReader(r, maxBody+1)
	if size < 0 || size > maxBody {
		size = 512
	}
	b := make([]byte, 0, size+1) // +1: the read that finds EOF needs no new buffer
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return b, err
		}
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("response larger than %d MiB", maxBody>>20)
	}
	return b, nil
}

// roundTrip sends k, retrying only what cannot duplicate work: dial errors (nothing
// was sent) and 429/503 answers with Retry-After. The caller closes the body.
func (c *Client) roundTrip(ctx context.Context, k call) (*http.Response, error) {
	var payload []byte
	if k.body != nil {
		b, err := json.Marshal(k.body)
		if err != nil {
			return nil, fmt.Errorf("kmclient: %s: encode request: %w", k.name, err)
		}
		payload = b
	}
	for attempt := 0; ; attempt++ {
		req, err := c.newRequest(ctx, k, payload)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		resp, err := c.hc.Do(req)
		if err != nil {
			if attempt < c.maxRetries && isDialError(ctx, err) {
				wait := c.dialBackoff << attempt
				c.log.LogAttrs(ctx, slog.LevelWarn, "km call retry", slog.String("endpoint", k.name),
					slog.Int("attempt", attempt+1), slog.String("reason", "dial error"), slog.Duration("wait", wait))
				if c.sleep(ctx, wait) == nil {
					continue
				}
			}
			return nil, c.transportError(ctx, k.name, "send", err)
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "km call", slog.String("endpoint", k.name),
			slog.Int("status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)), slog.Int("attempt", attempt+1))
		if attempt < c.maxRetries && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if wait, ok := retryAfter(resp.Header.Get("Retry-After"), c.now()); ok && fitsDeadline(ctx, wait) {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				c.log.LogAttrs(ctx, slog.LevelWarn, "km call retry", slog.String("endpoint", k.name),
					slog.Int("attempt", attempt+1), slog.Int("status", resp.StatusCode), slog.Duration("wait", wait))
				if err := c.sleep(ctx, wait); err != nil {
					return nil, fmt.Errorf("kmclient: %s: waiting to retry: %w", k.name, err)
				}
				continue
			}
		}
		return resp, nil
	}
}

func (c *Client) newRequest(ctx context.Context, k call, payload []byte) (*http.Request, error) {
	q := url.Values{}
	for key, vs := range k.query {
		q[key] = append([]string(nil), vs...)
	}
	c.signer.Sign(q, c.now())
	u := c.base + k.path + "?" + q.Encode()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("kmclient: %s: build request: %w", k.name, c.sanitize(err))
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	accept := k.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "kmbridge-kmclient/1")
	return req, nil
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isDialError reports a failure to connect (refused, unreachable, DNS): nothing
// reached KM, so a retry cannot duplicate work. Timeouts are excluded on purpose.
func isDialError(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsTimeout
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial" && !op.Timeout()
}

// retryAfter parses Retry-After (delay-seconds or an HTTP date) and caps it.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// fitsDeadline reports whether waiting d still leaves ctx time to run.
func fitsDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || time.Now().Add(d).Before(dl)
}

// transportError wraps a failure to talk to KM, without the signed query.
func (c *Client) transportError(ctx context.Context, name, doing string, err error) error {
	err = c.sanitize(err)
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("kmclient: %s: %s: %w (%w)", name, doing, ctxErr, err)
	}
	return fmt.Errorf("kmclient: %s: %s: %w", name, doing, err)
}

// sanitize strips the query (email, timestamp, sign) from the URL that net/http
// embeds in its *url.Error.
func (c *Client) sanitize(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: stripQuery(ue.URL), Err: ue.Err}
}

func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := bytes.IndexAny([]byte(raw), "?#"); i >= 0 {
			return raw[:i]
		}
		return raw
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
	return u.String()
}
