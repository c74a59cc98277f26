package discordadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// rest makes every REST call to Discord (call): paced, retried and scrubbed
// of tokens in one place.
type rest struct {
	s      *discordgo.Session
	pacer  *outbound.Pacer
	pol    outbound.Policy
	global *globalLimit
	token  string // the bare bot token, scrubbed from error texts
}

// Pacer key classes.
const (
	classRoute   = "route"   // one of discordgo's rate-limit buckets: Discord tells its limits as it goes
	classWebhook = "webhook" // one interaction's webhook (outside the global limit)
	classGlobal  = "global"  // Discord's global limit: 50 requests a second
)

// globalKey is the one key of the global limit.
var globalKey = outbound.Key{Class: classGlobal}

func newRest(s *discordgo.Session, global *globalLimit, cfg Config, log *slog.Logger) *rest {
	r := &rest{
		s:      s,
		global: global,
		pacer:  outbound.NewPacer(map[string]outbound.Limit{classGlobal: outbound.Per(50, time.Second)}, nil),
		token:  cfg.bareToken(),
	}
	r.pol = outbound.Policy{
		Classify:    r.classify,
		RateLimited: cfg.MaxRetries,
		Transient:   cfg.MaxRetries,
		Backoff:     250 * time.Millisecond,
		MaxBackoff:  5 * time.Second,
		OnRetry: func(rt outbound.Retry) {
			log.Warn("discord: call refused; retrying", "attempt", rt.Attempt, "in", rt.Wait,
				"rate_limited", rt.RateLimited, "err", scrub(describe(rt.Err), r.token))
		},
	}
	return r
}

// route is what a call is paced on: one of discordgo's rate-limit buckets
// (the string discordgo passes as bucketID, so its per-route bookkeeping from
// the X-RateLimit headers is the one consulted), or one interaction's webhook.
type route struct {
	bucket string
	hook   string // the interaction id
}

// bucket is the route of a call in discordgo's bucket ep.
func bucket(ep string) route { return route{bucket: ep} }

// webhook is the route of a call to interaction ix's callback or webhook.
func webhook(ix *discordgo.Interaction) route { return route{hook: ix.ID} }

// call runs one REST call on rt through the outbound pacer: the calls of one
// route go one at a time, in the order they asked, through their retries
// (its lane), so a conversation's messages keep their order; calls other than
// webhook calls also take a slot of the global limit. Before each attempt
// the bucket's wait as discordgo knows it becomes a block of the route, waited
// out here bounded by ctx, so discordgo itself never sleeps unbounded. 429s
// (every route blocked when Discord says global) and 5xx answers are retried
// up to Config.MaxRetries times; a wait that would pass ctx's deadline fails
// at once with an error saying so. Errors never carry a token.
func (r *rest) call(ctx context.Context, rt route, what string, fn func(opts ...discordgo.RequestOption) error) error {
	c := outbound.Call{Lane: outbound.Key{Class: classRoute, ID: rt.bucket}, Keys: []outbound.Key{globalKey}}
	if rt.hook != "" {
		c = outbound.Call{Lane: outbound.Key{Class: classWebhook, ID: rt.hook}}
	}
	err := r.pacer.Do(ctx, c, r.pol, func(ctx context.Context) error {
		if w := r.bucketWait(rt.bucket); w > 0 {
			r.pacer.BlockUntil(c.Lane, r.pacer.Clock().Now().Add(w))
			if err := r.pacer.Wait(ctx, c.Lane); err != nil {
				return err
			}
		}
		return fn(discordgo.WithContext(ctx))
	})
	if err != nil {
		return fmt.Errorf("discord: %s: %w", what, &scrubbed{msg: scrub(describe(err), r.token), err: err})
	}
	return nil
}

// globalSpare is how many slots of the global limit (50 a second) an
// advisory call leaves free.
const globalSpare = 25

// advisoryTimeout bounds an advisory request once sent.
const advisoryTimeout = 5 * time.Second

// advisory makes a call that may be dropped (a typing indicator). It goes
// only when its route is not held back (a 429, discordgo's bucket) and the
// global limit has room to spare (globalSpare slots left after it), so it
// never waits for a slot nor takes one a message would need: under load
// answers have every slot, where a typing call waiting for one used to cost
// each answer a second slot. It holds its route's lane like call, is never
// retried (a 429 still holds the route back for the calls after it), and
// once sent its request runs to its end even when ctx is cancelled (the
// answer is ready): see outbound.Detached for the answers that cancelling
// it in flight lost.
func (r *rest) advisory(ctx context.Context, rt route, what string, fn func(opts ...discordgo.RequestOption) error) error {
	lane := outbound.Key{Class: classRoute, ID: rt.bucket}
	if r.pacer.Blocked(lane) || r.global.holds() || r.bucketWait(rt.bucket) > 0 ||
		!r.pacer.AllowSpare(globalSpare, globalKey) {
		return nil
	}
	err := r.pacer.Do(ctx, outbound.Call{Lane: lane}, outbound.Policy{Classify: r.classify}, func(ctx context.Context) error {
		sctx, cancel := outbound.Detached(ctx, advisoryTimeout)
		defer cancel()
		return fn(discordgo.WithContext(sctx))
	})
	if err != nil {
		return fmt.Errorf("discord: %s: %w", what, &scrubbed{msg: scrub(describe(err), r.token), err: err})
	}
	return nil
}

// classify is Discord's outbound.Classifier: a 429 waits its retry_after
// (every key of the call when Discord says the limit is global); 5xx answers
// are retried with a growing pause.
func (r *rest) classify(err error) outbound.Verdict {
	var rl *discordgo.RateLimitError
	if errors.As(err, &rl) && rl.RateLimit != nil && rl.TooManyRequests != nil {
		v := outbound.Verdict{Action: outbound.RetryAfter, After: max(rl.RetryAfter, 10*time.Millisecond)}
		if r.global.holds() {
			v.Action = outbound.RetryAfterAll
		}
		return v
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Response != nil {
		switch re.Response.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return outbound.Verdict{Action: outbound.Backoff}
		}
	}
	return outbound.Verdict{}
}

// bucketWait is how long discordgo's bucket would make the next call wait. It
// peeks only when nobody holds the bucket (its fields are guarded by its lock);
// a held bucket belongs to a call outside the lanes, which discordgo paces.
func (r *rest) bucketWait(bucket string) time.Duration {
	if bucket == "" {
		return 0 // a webhook call: a bucket of its own (hookRequest)
	}
	rl := r.s.Ratelimiter
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
// requests (its lane) and waits out their 429s.
func (r *rest) hookRequest(method, url string, data any, out **discordgo.Message, opts ...discordgo.RequestOption) error {
	var body []byte
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		body = b
	}
	bucket := discordgo.NewRatelimiter().LockBucket("interaction")
	resp, err := r.s.RequestWithLockedBucket(method, url, "application/json", body, bucket, 0, opts...)
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("%w: %v", discordgo.ErrJSONUnmarshal, err)
	}
	return nil
}

// scrubbed is a failed REST call's error as it may be shown: what Discord
// answered, without the URL (interaction URLs carry their token).
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// describe says what went wrong in a call, without the request URL.
func describe(err error) string {
	var oe *outbound.Error
	if errors.As(err, &oe) && oe.Last != nil {
		c := *oe
		c.Last = errors.New(describe(oe.Last))
		return c.Error()
	}
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
