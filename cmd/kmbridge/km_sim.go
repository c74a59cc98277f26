package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

const kmSimUsage = `Usage: kmbridge km sim [-listen ADDR] [-kb FILE] [-email E -token T] [-session-ttl D] [-sign-version V] [-stream-as-documented]

Runs the KM simulator: the KM API (chat runtime, FAQ and similar questions,
conversation records) over a YAML knowledge base, the built-in sample by default.
It prints the base URL and the settings that point kmbridge at it, then serves
until SIGINT or SIGTERM. It needs no configuration.
`

func (a *app) kmSim(ctx context.Context, args []string) int {
	c := a.command("km sim", kmSimUsage)
	listen := c.fs.String("listen", "127.0.0.1:8090", "`address` to listen on (port 0 picks a free one)")
	kbFile := c.fs.String("kb", "", "knowledge base YAML `file` (default: the built-in sample; see its header for the format)")
	email := c.fs.String("email", "", "email requests must be signed with (default "+kmsim.SampleEmail+")")
	token := c.fs.String("token", "", "token requests must be signed with (default: the sample token)")
	ttl := c.fs.Duration("session-ttl", 30*time.Minute, "idle time after which a KM session expires")
	signVersion := c.fs.String("sign-version", "", "accept only this signature scheme (v1 or v2); default both")
	verbose := c.fs.Bool("v", false, "log every call to stderr")
	asDocumented := c.fs.Bool("stream-as-documented", false, "stream /v2/newChat exactly as seed 001 shows it: no blank lines, no final full-answer event, the connection left open after [DONE]")
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	if (*email == "") != (*token == "") {
		return c.usageError("give -email and -token together")
	}
	if *ttl <= 0 {
		return c.usageError("-session-ttl must be positive, e.g. 30m")
	}
	switch *signVersion {
	case "", "v1", "v2":
	default:
		return c.usageError("-sign-version %q: use v1 or v2", *signVersion)
	}
	kb := kmsim.SampleKB()
	kbName := "the built-in sample"
	if *kbFile != "" {
		f, err := os.Open(*kbFile)
		if err != nil {
			fmt.Fprintf(a.stderr, "kmbridge km sim: %v\n", err)
			return exitConfig
		}
		kb, err = kmsim.LoadKB(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(a.stderr, "kmbridge km sim: %s: %v\n", *kbFile, err)
			return exitConfig
		}
		kbName = *kbFile
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	opts := kmsim.Options{
		Email: *email, Token: *token, SignVersion: *signVersion, SessionIdleTTL: *ttl,
		StreamAsDocumented: *asDocumented,
		Logger:             slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level})),
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(a.stderr, "kmbridge km sim: %v\n", err)
		return exitFail
	}
	base := "http://" + ln.Addr().String() + "/api"
	simBanner(a.stdout, base, kbName, kb, *email, *token != "")
	if err := serveSim(ctx, ln, kmsim.New(kb, opts)); err != nil {
		fmt.Fprintf(a.stderr, "kmbridge km sim: %v\n", err)
		return exitFail
	}
	return exitOK
}

// simBanner tells the operator where the simulator is and how to point kmbridge at
// it. The token is shown only when it is the sample's, which is public; a token
// given with -token is never echoed.
func simBanner(w io.Writer, base, kbName string, kb *kmsim.KB, email string, ownToken bool) {
	tok := kmsim.SampleToken
	if ownToken {
		tok = "<the -token you gave>"
	}
	if email == "" {
		email = kmsim.SampleEmail
	}
	fmt.Fprintf(w, "KM simulator listening on %s (knowledge base: %s)\n", base, kbName)
	fmt.Fprintf(w, "Point kmbridge at it with:\n")
	fmt.Fprintf(w, "  export KMBRIDGE_KM_BASE_URL=%s\n", base)
	fmt.Fprintf(w, "  export KMBRIDGE_KM_EMAIL=%s\n", email)
	fmt.Fprintf(w, "  export KMBRIDGE_KM_TOKEN=%s\n", tok)
	fmt.Fprintf(w, "  export KMBRIDGE_KM_ROBOT_ID=%d\n", kb.RobotID())
	fmt.Fprintf(w, "  export KMBRIDGE_KM_CHANNEL_ID=%d\n", kb.ChannelID())
	if mk := kb.ModelKey(); mk != "" {
		fmt.Fprintf(w, "  export KMBRIDGE_KM_MODEL_KEY=%s\n", mk)
	}
	fmt.Fprintf(w, "Stop it with Ctrl-C.\n")
}

// simShutdown bounds how long the simulator waits for calls in flight (streams)
// when it stops.
const simShutdown = 5 * time.Second

// serveSim serves h on ln until ctx ends, then shuts down gracefully.
func serveSim(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), simShutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
