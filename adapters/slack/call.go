package slackadapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/adapters/internal/outbound"
)

// laneChannel is the pacer's key class of a Slack channel: Slack allows about
// one message a second per channel.
const laneChannel = "channel"

// api is the Slack Web API as the adapter uses it: slack-go's client, paced
// per channel and retried after a 429 through the outbound package.
type api struct {
	client *slack.Client
	http   *http.Client // response_url posts
	pace   *outbound.Pacer
	pol    outbound.Policy
	log    *slog.Logger
}

func newAPI(cfg Config, hc *http.Client, now func() time.Time, log *slog.Logger) *api {
	opts := []slack.Option{slack.OptionAPIURL(cfg.APIURL), slack.OptionHTTPClient(withEchoTrimmed(hc))}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	return &api{
		client: slack.New(cfg.BotToken, opts...),
		http:   hc,
		pace:   newPacer(cfg, clock{now}),
		pol:    outbound.Policy{Classify: classify, RateLimited: cfg.MaxRetries},
		log:    log,
	}
}

// newPacer paces each channel at Config.RatePerSecond with a burst of
// Config.Burst.
func newPacer(cfg Config, c outbound.Clock) *outbound.Pacer {
	every := time.Duration(float64(time.Second) / cfg.RatePerSecond)
	return outbound.NewPacer(map[string]outbound.Limit{laneChannel: {Every: every, Burst: cfg.Burst}}, c)
}

// classify is Slack's retry classifier: a 429 (slack-go's RateLimitedError)
// waits its Retry-After; anything else is returned as it is.
func classify(err error) outbound.Verdict {
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return outbound.Verdict{Action: outbound.RetryAfter, After: rl.RetryAfter}
	}
	return outbound.Verdict{}
}

// call runs one Slack Web API call. With a channel the call holds the
// channel's lane and is paced for it, so a channel's messages keep their
// order; a 429 holds the channel back for every caller for Retry-After and
// the call goes again, up to Config.MaxRetries times. Every retry is logged;
// the final failure is returned, never swallowed.
func (a *api) call(ctx context.Context, channel, method string, fn func(ctx context.Context) error) error {
	var c outbound.Call
	if channel != "" {
		c.Lane = outbound.Key{Class: laneChannel, ID: channel}
	}
	pol := a.pol
	pol.OnRetry = func(r outbound.Retry) {
		a.log.Warn("slack: rate limited; waiting for Retry-After", "method", method, "channel", channel, "retry_after", r.Wait, "attempt", r.Attempt)
	}
	if err := a.pace.Do(ctx, c, pol, fn); err != nil {
		return fmt.Errorf("slack: %s: %w", method, err)
	}
	return nil
}

// clock is the pacer's clock: the adapter's time, real sleeps.
type clock struct{ now func() time.Time }

func (c clock) Now() time.Time { return c.now() }

func (clock) Sleep(ctx context.Context, d time.Duration) error { return outbound.Sleep(ctx, d) }
