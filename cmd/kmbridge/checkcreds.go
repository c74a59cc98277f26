package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge/redisstore"
	"github.com/kmbridge/kmbridge/config"
)

// kmbridge check, past KM: every other configured credential, each with one
// call that changes nothing, through the library the bridge itself uses.

// checkTimeout bounds each credential check.
const checkTimeout = 15 * time.Second

// credCheck is one credential to check.
type credCheck struct {
	name string
	// run returns what the platform says the credential is ("bot @x in …").
	run func(ctx context.Context) (string, error)
	// fix says how to fix the failure err.
	fix func(err error) string
}

// checkCredentials runs the checks of what the configuration sets, printing
// each outcome; false when any failed.
func (a *app) checkCredentials(ctx context.Context, cfg *config.Config) bool {
	var checks []credCheck
	if cfg.Store.RedisURL != "" {
		checks = append(checks, redisCheck(cfg.Store.RedisURL))
	}
	if cfg.Slack.On() {
		checks = append(checks, slackCheck(cfg.Slack))
		if cfg.Slack.AppToken != "" {
			checks = append(checks, slackSocketCheck(cfg.Slack))
		}
	}
	if cfg.Telegram.On() {
		checks = append(checks, telegramCheck(cfg.Telegram))
	}
	if cfg.Discord.On() {
		checks = append(checks, discordCheck(cfg.Discord))
	}
	secrets := []string{cfg.Slack.BotToken, cfg.Slack.AppToken, cfg.Telegram.Token, cfg.Discord.Token, redisPassword(cfg.Store.RedisURL)}
	ok := true
	for _, c := range checks {
		cctx, cancel := context.WithTimeout(ctx, checkTimeout)
		what, err := c.run(cctx)
		cancel()
		if err != nil {
			ok = false
			fmt.Fprintf(a.stderr, "kmbridge check: %s: %s\n", c.name, redactAll(err.Error(), secrets))
			fmt.Fprintf(a.stderr, "kmbridge check: %s: %s\n", c.name, c.fix(err))
			continue
		}
		fmt.Fprintf(a.stdout, "%s: ok, %s\n", c.name, redactAll(what, secrets))
	}
	return ok
}

func redactAll(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = redactToken(s, sec)
		}
	}
	return s
}

// unreachable reports whether err is a failure to reach the server at all
// (rather than its refusal).
func unreachable(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded)
}

func redisCheck(rawURL string) credCheck {
	where := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		where = u.Redacted()
	}
	return credCheck{
		name: "Redis",
		run: func(ctx context.Context) (string, error) {
			s, err := redisstore.Open(ctx, redisstore.Options{URL: rawURL})
			if err != nil {
				return "", err
			}
			_ = s.Close(ctx)
			return "PING answered at " + where, nil
		},
		fix: func(err error) string {
			m := err.Error()
			switch {
			case strings.Contains(m, "WRONGPASS"), strings.Contains(m, "NOAUTH"), strings.Contains(m, "invalid password"):
				return "Redis refused the password: set it in store.redis_url as redis://:PASSWORD@host:6379/0 (or redis://USER:PASSWORD@… with ACLs), KMBRIDGE_STORE_REDIS_URL"
			case strings.Contains(m, "store.redis_url"):
				return "store.redis_url must look like redis://[user:password@]host:6379/0 (rediss:// for TLS)"
			}
			return "check the host and port in store.redis_url (" + where + "), that Redis runs, and that this machine may reach it (firewall, TLS: rediss://)"
		},
	}
}

// redisPassword is the password in a Redis URL, to keep it out of messages.
func redisPassword(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// slackAPIURL is slack.api_url with its default and the slash slack-go needs.
func slackAPIURL(c config.Slack) string {
	u := c.APIURL
	if u == "" {
		u = slack.APIURL
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return u
}

func slackCheck(c config.Slack) credCheck {
	api := slackAPIURL(c)
	return credCheck{
		name: "Slack",
		run: func(ctx context.Context) (string, error) {
			cl := slack.New(c.BotToken, slack.OptionAPIURL(api), slack.OptionHTTPClient(&http.Client{Timeout: checkTimeout}))
			r, err := cl.AuthTestContext(ctx)
			if err != nil {
				return "", fmt.Errorf("auth.test: %w", err)
			}
			return fmt.Sprintf("bot %s (%s) in workspace %s (%s)", r.User, r.UserID, r.Team, r.TeamID), nil
		},
		fix: func(err error) string {
			if unreachable(err) {
				return "cannot reach Slack at " + api + ": check the network and proxy, or slack.api_url"
			}
			return "Slack refused slack.bot_token: copy the Bot User OAuth Token (xoxb-…) from the Slack app › OAuth & Permissions into KMBRIDGE_SLACK_BOT_TOKEN; reinstall the app to the workspace if the token was revoked"
		},
	}
}

func slackSocketCheck(c config.Slack) credCheck {
	api := slackAPIURL(c)
	return credCheck{
		name: "Slack Socket Mode",
		run: func(ctx context.Context) (string, error) {
			cl := slack.New(c.BotToken, slack.OptionAPIURL(api), slack.OptionAppLevelToken(c.AppToken),
				slack.OptionHTTPClient(&http.Client{Timeout: checkTimeout}))
			if _, _, err := cl.StartSocketModeContext(ctx); err != nil {
				return "", fmt.Errorf("apps.connections.open: %w", err)
			}
			return "slack.app_token may open Socket Mode connections", nil
		},
		fix: func(err error) string {
			if unreachable(err) {
				return "cannot reach Slack at " + api + ": check the network and proxy, or slack.api_url"
			}
			return "Slack refused slack.app_token: create an app-level token with the connections:write scope (Slack app › Basic Information › App-Level Tokens, xapp-…), turn Socket Mode on (Slack app › Socket Mode), and set KMBRIDGE_SLACK_APP_TOKEN"
		},
	}
}

func telegramCheck(c config.Telegram) credCheck {
	endpoint := c.APIEndpoint
	if endpoint == "" {
		endpoint = tgbotapi.APIEndpoint
	}
	shown := strings.Replace(endpoint, "%s", "<token>", 1)
	shown = strings.Replace(shown, "%s", "getMe", 1)
	return credCheck{
		name: "Telegram",
		run: func(ctx context.Context) (string, error) {
			// tgbotapi takes no context: the client's timeout bounds it.
			deadline, _ := ctx.Deadline()
			bot, err := tgbotapi.NewBotAPIWithClient(c.Token, endpoint, &http.Client{Timeout: time.Until(deadline)})
			if err != nil {
				return "", fmt.Errorf("getMe: %w", err)
			}
			return fmt.Sprintf("bot @%s (id %d)", bot.Self.UserName, bot.Self.ID), nil
		},
		fix: func(err error) string {
			var te *tgbotapi.Error
			if errors.As(err, &te) && (te.Code == http.StatusUnauthorized || te.Code == http.StatusNotFound) {
				return "Telegram refused telegram.token: copy the token @BotFather gives (/mybots › your bot › API Token) into KMBRIDGE_TELEGRAM_TOKEN; it changes when revoked"
			}
			if unreachable(err) {
				return "cannot reach the Bot API at " + shown + ": check the network and proxy, or telegram.api_endpoint"
			}
			return "the Bot API at " + shown + " answered unexpectedly: check telegram.api_endpoint"
		},
	}
}

func discordCheck(c config.Discord) credCheck {
	api := c.APIURL
	if api == "" {
		api = discordgo.EndpointAPI
	}
	if !strings.HasSuffix(api, "/") {
		api += "/"
	}
	return credCheck{
		name: "Discord",
		run: func(ctx context.Context) (string, error) {
			s, err := discordgo.New("Bot " + c.Token)
			if err != nil {
				return "", err
			}
			s.Client = &http.Client{Timeout: checkTimeout, Transport: rebase{from: discordgo.EndpointAPI, to: api}}
			s.MaxRestRetries = 0
			u, err := s.User("@me", discordgo.WithContext(ctx))
			if err != nil {
				return "", fmt.Errorf("GET /users/@me: %w", err)
			}
			return fmt.Sprintf("bot %s (id %s)", u.Username, u.ID), nil
		},
		fix: func(err error) string {
			var re *discordgo.RESTError
			if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized {
				return "Discord refused discord.token: copy the bot's token (Developer Portal › your application › Bot › Reset Token) into KMBRIDGE_DISCORD_TOKEN"
			}
			if unreachable(err) {
				return "cannot reach Discord at " + api + ": check the network and proxy, or discord.api_url"
			}
			return "Discord at " + api + " answered unexpectedly: check discord.api_url"
		},
	}
}

// rebase sends requests for one base URL to another: discordgo's endpoints
// are fixed at init, discord.api_url points elsewhere (a proxy, a test).
type rebase struct{ from, to string }

func (r rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	u := req.URL.String()
	if strings.HasPrefix(u, r.from) && r.from != r.to {
		nu, err := url.Parse(r.to + u[len(r.from):])
		if err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, err
		}
		req = req.Clone(req.Context())
		req.URL, req.Host = nu, nu.Host
	}
	return http.DefaultTransport.RoundTrip(req)
}
