package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"
)

// call runs one REST call of discordgo's rate-limit bucket bucket (the same
// string discordgo passes as bucketID, so its per-route bookkeeping from the
// X-RateLimit headers is the one consulted here). Calls with one gate key
// (usually the bucket; per interaction for the webhook edits discordgo puts in
// one shared bucket) go one at a time, in the order they asked, so a
// conversation's messages keep their order through retries. Before each
// attempt the bucket's wait, and after a 429 its retry_after, are slept here,
// bounded by ctx, so discordgo itself never sleeps unbounded. 429s and 5xx
// answers are retried up to Config.MaxRetries times; a wait that would pass
// ctx's deadline fails at once with an error rather than sending late. Errors
// never carry a token.
func (a *Adapter) call(ctx context.Context, gate, bucket, what string, fn func(opts ...discordgo.RequestOption) error) error {
	release, err := a.gates.acquire(ctx, gate)
	if err != nil {
		return fmt.Errorf("discord: %s: %w", what, err)
	}
	defer release()
	for attempt := 0; ; attempt++ {
		if w := a.bucketWait(bucket); w > 0 {
			if err := sleepWithin(ctx, w); err != nil {
				return fmt.Errorf("discord: %s: waiting %s for the rate limit: %w", what, w.Round(time.Millisecond), err)
			}
		}
		err := fn(discordgo.WithContext(ctx))
		if err == nil {
			return nil
		}
		why := scrub(describe(err), a.tokenText)
		d, retry := a.retryAfter(err, attempt)
		if !retry || ctx.Err() != nil {
			return &callError{what: what, err: err, msg: why}
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return &callError{what: what, err: errors.Join(err, context.DeadlineExceeded),
				msg: fmt.Sprintf("%s; not retried: the deadline comes first", why)}
		}
		a.log.Warn("discord: call refused; retrying", "call", what, "attempt", attempt+1, "in", d, "err", why)
		if werr := sleepWithin(ctx, d); werr != nil {
			return &callError{what: what, err: errors.Join(err, werr), msg: fmt.Sprintf("%s; not retried: %v", why, werr)}
		}
	}
}

// retryAfter says whether a failed call is worth another attempt, and when.
func (a *Adapter) retryAfter(err error, attempt int) (time.Duration, bool) {
	if attempt >= a.cfg.MaxRetries {
		return 0, false
	}
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return max(rl.RetryAfter, 10*time.Millisecond), true
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		switch re.Response.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return min(250*time.Millisecond<<attempt, 5*time.Second), true
		}
	}
	return 0, false
}

// bucketWait is how long discordgo's bucket would make the next call wait. It
// peeks only when nobody holds the bucket (its fields are guarded by its lock);
// a held bucket belongs to a call outside the gates, which discordgo paces.
func (a *Adapter) bucketWait(bucket string) time.Duration {
	if bucket == "" {
		return 0 // a request with a bucket of its own (hookRequest)
	}
	rl := a.s.Ratelimiter
	b := rl.GetBucket(bucket)
	if !b.TryLock() {
		return 0
	}
	defer b.Unlock()
	return rl.GetWaitTime(b, 1)
}

// hookRequest makes a request to one of an interaction's own endpoints (its
// callback and its webhook, whose URLs carry the interaction's token) under a
// rate-limit bucket of its own, dropped afterwards, and decodes the message
// Discord answers with into out when out is not nil. discordgo's helpers key
// buckets by URL and never forget one (bwmarrin/discordgo#1333): each
// interaction would leave two or three token-bearing buckets in the session
// for good. And they put every webhook edit in one shared bucket whose lock
// is held for the whole request, so that one interaction's slow or
// rate-limited edit would hold up every other user's answer. These endpoints
// are outside the global rate limit; call serialises each interaction's
// requests (its gate) and waits out their 429s. Such calls pass "" as call's
// bucket.
func (a *Adapter) hookRequest(method, url string, data any, out **discordgo.Message, opts ...discordgo.RequestOption) error {
	var body []byte
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		body = b
	}
	bucket := discordgo.NewRatelimiter().LockBucket("interaction")
	resp, err := a.s.RequestWithLockedBucket(method, url, "application/json", body, bucket, 0, opts...)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%w: %v", discordgo.ErrJSONUnmarshal, err)
	}
	return nil
}

// sleepWithin sleeps d, unless ctx ends first or its deadline comes before d
// has passed (then it fails at once: waiting could only end in failure).
func sleepWithin(ctx context.Context, d time.Duration) error {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return fmt.Errorf("%w: the deadline comes first", context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gates serialises the calls of one bucket.
type gates struct {
	mu sync.Mutex
	m  map[string]*gate
}

type gate struct {
	ch    chan struct{} // one token: held by the call in progress
	users int           // callers holding or waiting; the gate goes when 0
}

func newGates() *gates { return &gates{m: map[string]*gate{}} }

func (g *gates) acquire(ctx context.Context, key string) (func(), error) {
	g.mu.Lock()
	gt := g.m[key]
	if gt == nil {
		gt = &gate{ch: make(chan struct{}, 1)}
		g.m[key] = gt
	}
	gt.users++
	g.mu.Unlock()
	leave := func() {
		g.mu.Lock()
		gt.users--
		if gt.users == 0 {
			delete(g.m, key)
		}
		g.mu.Unlock()
	}
	select {
	case gt.ch <- struct{}{}:
		return func() { <-gt.ch; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}

// callError is a failed REST call whose text names the call and says what
// Discord answered, without the URL (interaction URLs carry their token).
type callError struct {
	what string
	msg  string
	err  error
}

func (e *callError) Error() string { return "discord: " + e.what + ": " + e.msg }
func (e *callError) Unwrap() error { return e.err }

// describe says what went wrong in a call, without the request URL.
func describe(err error) string {
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		return fmt.Sprintf("rate limited (retry after %s)", rl.RetryAfter)
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		if re.Message != nil && (re.Message.Code != 0 || re.Message.Message != "") {
			return fmt.Sprintf("HTTP %d: Discord error %d: %s", re.Response.StatusCode, re.Message.Code, re.Message.Message)
		}
		return fmt.Sprintf("HTTP %d", re.Response.StatusCode)
	}
	return err.Error()
}

// secretPath matches the token part of interaction and webhook URLs.
var secretPath = regexp.MustCompile(`(/(?:webhooks|interactions)/[0-9]+/)[^/?\s"]+`)

// scrub removes interaction tokens and the bot token from s.
func scrub(s, botToken string) string {
	if botToken != "" {
		s = strings.ReplaceAll(s, botToken, "[token]")
	}
	return secretPath.ReplaceAllString(s, "${1}[token]")
}

// discordCode is the JSON error code of a Discord error answer (10008 Unknown
// Message, 160004 thread already exists, …), and its HTTP status.
func discordCode(err error) (status, code int) {
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil {
		return 0, 0
	}
	if re.Message != nil {
		code = re.Message.Code
	}
	return re.Response.StatusCode, code
}
