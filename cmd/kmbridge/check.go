package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const checkUsage = `Usage: kmbridge [-config FILE] check

Checks the KM connection of the configuration: starts a session (initClient, as
customer_token "kmbridge:check") once signed with v1 (SHA1) and once with v2 (SHA256 with
a nonce), reports which scheme(s) your KM tenant accepts, the robot's welcome
message and FAQ category count, and the km.sign_version to use.
Exit status: 0 when at least one scheme works, 1 when neither does, 3 when the
configuration is invalid.
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

func (a *app) checkCmd(ctx context.Context, args []string) int {
	c := a.command("check", checkUsage)
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	cfg, ok := a.load()
	if !ok {
		return exitConfig
	}
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

	var results []schemeResult
	for _, v := range []string{"v1", "v2"} {
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
		results = append(results, schemeResult{version: v, resp: resp, client: cl, err: err})
	}

	var works []schemeResult
	var signed []string // schemes whose signature KM accepted, whatever else it said
	for _, r := range results {
		label := schemeLabel(r.version)
		switch {
		case r.err == nil:
			works = append(works, r)
			signed = append(signed, r.version)
			fmt.Fprintf(a.stdout, "  %-36s accepted\n", label)
		case authRefused(r.err):
			fmt.Fprintf(a.stdout, "  %-36s refused: %s\n", label, checkErrText(r.err, km.Token))
		default:
			fmt.Fprintf(a.stdout, "  %-36s failed: %s\n", label, checkErrText(r.err, km.Token))
		}
	}
	// A scheme that failed for another reason while the other was refused outright
	// got past the signature check.
	if len(works) == 0 && authRefused(results[0].err) != authRefused(results[1].err) {
		for _, r := range results {
			if !authRefused(r.err) {
				signed = append(signed, r.version)
			}
		}
	}

	if len(works) > 0 {
		r := works[0]
		fmt.Fprintf(a.stdout, "Welcome message: %s\n", welcomeText(r.resp))
		fmt.Fprintf(a.stdout, "FAQ categories: %s\n", categoryCount(ctx, r, robot, channel, modelKey))
	}
	switch {
	case len(signed) == 1:
		verdict := "set"
		if signed[0] == cfg.KM.SignVersion {
			verdict = "keep"
		}
		fmt.Fprintf(a.stdout, "Suggested setting: %s km.sign_version: %s (environment: KMBRIDGE_KM_SIGN_VERSION=%s)\n", verdict, signed[0], signed[0])
	case len(signed) == 2:
		keep := cfg.KM.SignVersion
		if keep == "" {
			keep = "v1"
		}
		fmt.Fprintf(a.stdout, "Suggested setting: both schemes work; keep km.sign_version: %s\n", keep)
	}
	if len(works) == 0 {
		why := results[0].err
		for _, r := range results {
			if !authRefused(r.err) {
				why = r.err // past the signature: the more telling message
			}
		}
		fmt.Fprintf(a.stderr, "kmbridge check: KM accepted neither v1 nor v2: %s\n", checkErrText(why, km.Token))
		if len(signed) == 1 {
			fmt.Fprintf(a.stderr, "kmbridge check: the %s signature passed; check km.robot_id, km.channel_id and km.model_key\n", signed[0])
		}
		return exitFail
	}
	return exitOK
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
