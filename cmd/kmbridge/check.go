package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const checkUsage = `Usage: kmbridge [-config FILE] check

Checks every credential of the configuration, without changing anything:

  KM        starts a session (initClient, as customer_token "kmbridge:check") signed
            with km.sign_version (v1, SHA1, unless set to v2), and only when KM
            refuses that signature, once more with the other scheme. It reports the
            scheme your KM tenant accepted, the robot's welcome message and FAQ
            category count, and the km.sign_version to use.
  Slack     auth.test with slack.bot_token; apps.connections.open with
            slack.app_token when Socket Mode is configured
  Telegram  getMe with telegram.token
  Discord   GET /users/@me with discord.token
  Redis     PING at store.redis_url

What fails is printed with how to fix it.
Exit status: 0 when everything configured works, 1 when anything does not (KM
refuses both schemes or cannot be reached, a token is refused, Redis does not
answer), 3 when the configuration is invalid.
`

// checkCustomer is who kmbridge check is, for KM's records. It has no id: KM's
// customer.id is a Long, and a made-up number could be a real customer's; the
// external id goes in customer_token.
func checkCustomer() kmclient.Customer {
	return kmclient.Customer{Nickname: "kmbridge check", Src: "kmbridge-check", CustomerToken: "kmbridge:check"}
}

// schemeResult is how one signature scheme fared.
type schemeResult struct {
	version string
	resp    *kmclient.InitClientResponse
	client  *kmclient.Client
	err     error
}

// authRefused reports whether err is KM refusing the request's credentials, rather
// than the request itself (an unknown robot, say), which means the signature passed.
func authRefused(err error) bool {
	var apiErr *kmclient.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch {
	case apiErr.HTTPStatus == http.StatusUnauthorized, apiErr.HTTPStatus == http.StatusForbidden,
		apiErr.Code == http.StatusUnauthorized, apiErr.Code == http.StatusForbidden:
		return true
	}
	m := strings.ToLower(apiErr.Message)
	return strings.Contains(m, "sign") || strings.Contains(m, "签名") || strings.Contains(m, "expired")
}

// checkOrder is the order schemes are tried in: the configured one (v1, the only
// one the seeds show, by default), then the other.
func checkOrder(configured string) []string {
	if configured == "v2" {
		return []string{"v2", "v1"}
	}
	return []string{"v1", "v2"}
}

func (a *app) checkCmd(ctx context.Context, args []string) int {
	c := a.command("check", checkUsage)
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	cfg, ok := a.load()
	if !ok {
		return exitConfig
	}
	routeLibraryLogs(cliLogger(a.stderr, cfg)) // go-redis's and discordgo's own lines
	code := a.checkKM(ctx, cfg)
	if code == exitConfig {
		return code
	}
	if !a.checkCredentials(ctx, cfg) {
		code = exitFail
	}
	return code
}

// checkKM checks the KM credentials and signature scheme.
func (a *app) checkKM(ctx context.Context, cfg *config.Config) int {
	log := cliLogger(a.stderr, cfg)
	km := cfg.KM
	robot, channel, modelKey := km.RobotID, km.ChannelID, km.ModelKey
	if cfg.Demo() {
		base, stop, err := startDemoSim()
		if err != nil {
			fmt.Fprintf(a.stderr, "kmbridge check: %v\n", err)
			return exitFail
		}
		defer stop()
		km.BaseURL, km.Email, km.Token = base, kmsim.SampleEmail, kmsim.SampleToken
		robot, channel, modelKey = kmsim.SampleRobotID, kmsim.SampleChannelID, kmsim.SampleModelKey
		fmt.Fprintln(a.stdout, "Demo mode: checking the built-in simulator.")
	}
	fmt.Fprintf(a.stdout, "KM %s, robot %d, scene %d, as %s\n", km.BaseURL, robot, channel, km.Email)

	// The configured scheme first; the other only when KM refuses that signature,
	// so a tenant on one scheme sees no failure of the other and gets one session.
	var tried []schemeResult
	for _, v := range checkOrder(cfg.KM.SignVersion) {
		cl, err := kmclient.New(kmclient.Config{
			BaseURL: km.BaseURL, Email: km.Email, Token: km.Token, SignVersion: v,
			Timeout: km.Timeout.D(), Logger: log, MaxRetries: -1,
		})
		if err != nil {
			fmt.Fprintf(a.stderr, "kmbridge check: %s\n", redactToken(err.Error(), km.Token))
			return exitConfig
		}
		platform := kmclient.PlatformAPI
		who := checkCustomer()
		resp, err := cl.InitClient(ctx, kmclient.InitClientRequest{
			RobotID: kmclient.ID(robot), ChannelID: kmclient.ID(channel), ModelKey: modelKey,
			AccessKeyID: km.AccessKeyID, Platform: &platform, Customer: &who,
		})
		tried = append(tried, schemeResult{version: v, resp: resp, client: cl, err: err})
		if !authRefused(err) {
			break
		}
	}

	last := tried[len(tried)-1]
	switch {
	case last.err == nil:
		note := ""
		if len(tried) > 1 {
			note = fmt.Sprintf(" (this KM tenant does not take %s signatures)", tried[0].version)
		}
		fmt.Fprintf(a.stdout, "Signature: %s accepted%s\n", schemeLabel(last.version), note)
		fmt.Fprintf(a.stdout, "Welcome message: %s\n", welcomeText(last.resp))
		fmt.Fprintf(a.stdout, "FAQ categories: %s\n", categoryCount(ctx, last, robot, channel, modelKey))
		if last.version == cfg.KM.SignVersion || last.version == "v1" && cfg.KM.SignVersion == "" {
			fmt.Fprintf(a.stdout, "Suggested setting: keep km.sign_version: %s\n", last.version)
		} else {
			fmt.Fprintf(a.stdout, "Suggested setting: set km.sign_version: %s (environment: KMBRIDGE_KM_SIGN_VERSION=%s)\n", last.version, last.version)
		}
		return exitOK
	case authRefused(last.err):
		fmt.Fprintf(a.stderr, "kmbridge check: KM accepted neither v1 nor v2: %s\n", checkErrText(last.err, km.Token))
		fmt.Fprintln(a.stderr, "kmbridge check: check km.email and km.token (KM → Management → API token)")
	case isKMFailure(last.err):
		// KM answered past the signature: the configuration, not the scheme, is wrong.
		fmt.Fprintf(a.stdout, "Signature: %s accepted\n", schemeLabel(last.version))
		fmt.Fprintf(a.stderr, "kmbridge check: the %s signature passed, but KM refused the session: %s\n", last.version, checkErrText(last.err, km.Token))
		fmt.Fprintln(a.stderr, "kmbridge check: check km.robot_id, km.channel_id and km.model_key")
	default:
		fmt.Fprintf(a.stderr, "kmbridge check: cannot reach KM at %s: %s\n", km.BaseURL, checkErrText(last.err, km.Token))
	}
	return exitFail
}

// isKMFailure reports whether err is KM's own failure envelope (a code, a
// message), not a transport error or a proxy's page.
func isKMFailure(err error) bool {
	var apiErr *kmclient.APIError
	return errors.As(err, &apiErr) && apiErr.Code != 0
}

// schemeLabel names a signature scheme for the report.
func schemeLabel(v string) string {
	if v == "v2" {
		return "v2 (SHA256 with a nonce)"
	}
	return "v1 (SHA1 of email&token&timestamp)"
}

// checkErrText is KM's message for a failed call, or the error.
func checkErrText(err error, token string) string {
	var apiErr *kmclient.APIError
	if errors.As(err, &apiErr) {
		s := apiErr.Message
		if apiErr.Code != 0 {
			s += fmt.Sprintf(" (KM code %d)", apiErr.Code)
		} else {
			s += fmt.Sprintf(" (HTTP %d)", apiErr.HTTPStatus)
		}
		return redactToken(s, token)
	}
	return redactToken(err.Error(), token)
}

// welcomeText is the welcome message as one line of text.
func welcomeText(r *kmclient.InitClientResponse) string {
	m := formatting.Welcome(&kmclient.InitClientResponse{WelcomeMessage: r.WelcomeMessage}, formatting.Options{})
	s := oneLine(renderText(m, nil))
	if s == "" {
		return "(none)"
	}
	return s
}

// categoryCount counts the robot's FAQ categories: from initClient's FAQ template,
// else from /v1/chat/commonQuestions.
func categoryCount(ctx context.Context, r schemeResult, robot, channel int64, modelKey string) string {
	if m := r.resp.CommonQuestionModel; m != nil {
		return fmt.Sprint(len(m.CommonQuestionCategoryList))
	}
	cats, err := r.client.CommonQuestions(ctx, kmclient.CommonQuestionsRequest{
		RobotID: kmclient.ID(robot), ChannelID: kmclient.ID(channel), ModelKey: modelKey,
	})
	if err != nil {
		return "unknown (" + checkErrText(err, "") + ")"
	}
	return fmt.Sprint(len(cats))
}

// startDemoSim serves the sample knowledge base on a loopback port, accepting both
// signature schemes, and returns its base URL.
func startDemoSim() (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("demo simulator: %w", err)
	}
	srv := &http.Server{Handler: kmsim.New(kmsim.SampleKB(), kmsim.Options{}), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	return "http://" + ln.Addr().String() + "/api", func() { srv.Close() }, nil
}
