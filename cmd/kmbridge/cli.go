package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/kmbridge/kmbridge/config"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/internal/logx"
)

// Exit codes, as a shell user expects them.
const (
	exitOK     = 0
	exitFail   = 1 // the command ran and failed (KM said no, a network error)
	exitUsage  = 2 // the command line was wrong
	exitConfig = 3 // the configuration is invalid
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const topUsage = `kmbridge connects a Udesk KM robot to Slack, Telegram, Discord and a web chat.

Usage:
  kmbridge [-config FILE] [serve]        run the bridge (default); no config at all = demo mode
  kmbridge [-config FILE] km COMMAND     talk to the KM API (ask, faq, similar, datum, sessions, sim)
  kmbridge [-config FILE] check          check the KM connection and which signature version works
  kmbridge [-config FILE] config         print the effective configuration, secrets hidden
  kmbridge [-config FILE] messages [LANG] list the bridge's own words (ids to override in messages:)
  kmbridge version                       print the version

The configuration file may also be given as KMBRIDGE_CONFIG; every key can be set as
KMBRIDGE_<SECTION>_<KEY> (e.g. KMBRIDGE_KM_TOKEN). See README.md, "Configuration".
Run "kmbridge km -h" for the KM commands.
`

// env is the process environment as os.Environ gives it ("KEY=value" entries).
// The commands need the list, not just a lookup, to refuse a misspelt
// KMBRIDGE_ variable.
type env []string

// lookup is os.LookupEnv over the list: the first entry for a key wins, as in
// the Go runtime.
func (e env) lookup(key string) (string, bool) {
	for _, kv := range e {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// names returns the variable names, in order.
func (e env) names() []string {
	out := make([]string, 0, len(e))
	for _, kv := range e {
		k, _, _ := strings.Cut(kv, "=")
		out = append(out, k)
	}
	return out
}

// app is what every command gets: the parsed global flags and the process's streams.
type app struct {
	configPath string
	env        env
	stdout     io.Writer
	stderr     io.Writer
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, environ env) int {
	fs := flag.NewFlagSet("kmbridge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed once below: stdout for -h, stderr after an error
	a := &app{env: environ, stdout: stdout, stderr: stderr}
	fs.StringVar(&a.configPath, "config", "", "configuration `file` (YAML); default $KMBRIDGE_CONFIG")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, topUsage)
			return exitOK
		}
		fmt.Fprint(stderr, topUsage)
		return exitUsage
	}
	if a.configPath == "" {
		a.configPath, _ = environ.lookup(config.EnvConfigFile)
	}
	rest := fs.Args()
	cmd := "serve"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return a.serveCmd(ctx, rest)
	case "km":
		return a.kmCmd(ctx, rest)
	case "check":
		return a.checkCmd(ctx, rest)
	case "config":
		return a.configCmd(rest)
	case "messages":
		return a.messagesCmd(rest)
	case "version":
		fmt.Fprintln(stdout, "kmbridge", version)
		return exitOK
	case "help", "-h", "--help":
		fmt.Fprint(stdout, topUsage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "kmbridge: unknown command %q\n\n%s", cmd, topUsage)
		return exitUsage
	}
}

// load reads and validates the configuration, printing problems for the operator.
func (a *app) load() (*config.Config, bool) {
	if err := config.CheckEnvNames(a.env.names()); err != nil {
		fmt.Fprintf(a.stderr, "kmbridge: the environment has problems:\n")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(a.stderr, "  - %s\n", line)
		}
		return nil, false
	}
	cfg, err := config.Load(a.configPath, a.env.lookup)
	if err != nil {
		fmt.Fprintf(a.stderr, "kmbridge: %v\n", err)
		return nil, false
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(a.stderr, "kmbridge: the configuration has problems:\n")
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(a.stderr, "  - %s\n", line)
		}
		return nil, false
	}
	return cfg, true
}

// noArgs parses a command that takes only -h.
func (a *app) noArgs(name, usage string, args []string) (ok bool, code int) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {} // printed once below: stdout for -h, stderr after an error
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.stdout, usage)
			return false, exitOK
		}
		fmt.Fprint(a.stderr, usage)
		return false, exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(a.stderr, "kmbridge %s: unexpected argument %q\n%s", name, fs.Arg(0), usage)
		return false, exitUsage
	}
	return true, exitOK
}

func (a *app) configCmd(args []string) int {
	if ok, code := a.noArgs("config", "Usage: kmbridge [-config FILE] config\n\nPrints the effective configuration (file + environment + defaults), secrets hidden.\n", args); !ok {
		return code
	}
	cfg, ok := a.load()
	if !ok {
		return exitConfig
	}
	out, err := yaml.Marshal(cfg.Redacted())
	if err != nil {
		fmt.Fprintf(a.stderr, "kmbridge config: %v\n", err)
		return exitFail
	}
	a.stdout.Write(out)
	return exitOK
}

// logRepeatEvery is how often a warning outsiders can cause at will (marked
// with logx.Throttled) is written, with a count of the ones left out.
const logRepeatEvery = time.Minute

// newLogger builds the process logger from log.level and log.format.
func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	log, _ := newLogging(w, cfg)
	return log
}

// newLogging is newLogger, also returning the throttle in the handler chain,
// whose Run writes the counts of suppressed warnings periodically.
func newLogging(w io.Writer, cfg *config.Config) (*slog.Logger, *logx.Throttle) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level)) // validated already
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	th := logx.NewThrottle(h, logRepeatEvery, nil)
	return slog.New(th), th
}

const messagesUsage = `Usage: kmbridge [-config FILE] messages [en|zh|ja]

Lists every message id of the bridge's own words with its text in the language
(default: bridge.language), after the overrides in the configuration's messages:
section. Override one with e.g.

  messages:
    en:
      bridge.km_unavailable: "Our helpdesk robot is taking a break. Please try again soon."
`

func (a *app) messagesCmd(args []string) int {
	fs := flag.NewFlagSet("messages", flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	fs.Usage = func() {} // printed once below: stdout for -h, stderr after an error
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(a.stdout, messagesUsage)
			return exitOK
		}
		fmt.Fprint(a.stderr, messagesUsage)
		return exitUsage
	}
	if fs.NArg() > 1 {
		fmt.Fprint(a.stderr, messagesUsage)
		return exitUsage
	}
	cfg, ok := a.load()
	if !ok {
		return exitConfig
	}
	lang := cfg.Bridge.Language
	if fs.NArg() == 1 {
		lang = fs.Arg(0)
		if _, ok := i18n.Match(lang); !ok {
			fmt.Fprintf(a.stderr, "kmbridge messages: %q is not supported: use en, zh or ja\n", lang)
			return exitUsage
		}
	}
	cat, err := i18n.New(cfg.Bridge.Language, cfg.Messages)
	if err != nil {
		fmt.Fprintf(a.stderr, "kmbridge messages: %v\n", err)
		return exitConfig
	}
	p := cat.Printer(lang)
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, id := range cat.IDs() {
		fmt.Fprintf(w, "%s\t%s\n", id, strings.ReplaceAll(p.T(id), "\n", `\n`))
	}
	w.Flush()
	return exitOK
}
