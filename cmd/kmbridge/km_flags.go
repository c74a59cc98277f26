package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// subcommand is one entry of a command group (km, km faq, …).
type subcommand struct {
	name string
	run  func(ctx context.Context, args []string) int
}

// group dispatches args[0] to its subcommand. Help (-h, --help, help) prints usage
// to stdout with exit 0; a missing or unknown subcommand is a usage error.
func (a *app) group(ctx context.Context, name, usage string, args []string, subs []subcommand) int {
	if len(args) == 0 {
		fmt.Fprintf(a.stderr, "kmbridge %s: missing command\n\n%s", name, usage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(a.stdout, usage)
		return exitOK
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, args[1:])
		}
	}
	fmt.Fprintf(a.stderr, "kmbridge %s: unknown command %q\n\n%s", name, args[0], usage)
	return exitUsage
}

// command is one leaf command: its flags and its usage text.
type command struct {
	a     *app
	name  string // e.g. "km faq search"
	usage string // synopsis and description; the flags are appended
	fs    *flag.FlagSet
}

func (a *app) command(name, usage string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, with the usage
	return &command{a: a, name: name, usage: usage, fs: fs}
}

func (c *command) printUsage(w io.Writer) {
	fmt.Fprint(w, c.usage)
	has := false
	c.fs.VisitAll(func(*flag.Flag) { has = true })
	if has {
		fmt.Fprintln(w, "\nFlags:")
		c.fs.SetOutput(w)
		c.fs.PrintDefaults()
		c.fs.SetOutput(io.Discard)
	}
}

// parse parses flags placed anywhere among the arguments ("faq update 12 -content
// x" as well as "faq update -content x 12"; "--" ends the flags) and checks the
// number of positional arguments (max < 0: no limit). When ok is false the command
// must return code: exitOK after -h, exitUsage after a mistake.
func (c *command) parse(args []string, minPos, maxPos int) (pos []string, code int, ok bool) {
	for {
		if err := c.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				c.printUsage(c.a.stdout)
				return nil, exitOK, false
			}
			return nil, c.usageError("%v", err), false
		}
		rest := c.fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < minPos:
		return nil, c.usageError("missing argument"), false
	case maxPos >= 0 && len(pos) > maxPos:
		return nil, c.usageError("unexpected argument %q", pos[maxPos]), false
	}
	return pos, exitOK, true
}

// usageError prints a mistake and the usage to stderr and returns exitUsage.
func (c *command) usageError(format string, args ...any) int {
	fmt.Fprintf(c.a.stderr, "kmbridge %s: %s\n\n", c.name, fmt.Sprintf(format, args...))
	c.printUsage(c.a.stderr)
	return exitUsage
}

// parseID parses a KM id (a positive integer).
func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// idArgs parses positional ids, printing a usage error for the first bad one.
func (c *command) idArgs(names []string, vals []string) ([]int64, int, bool) {
	out := make([]int64, len(vals))
	for i, v := range vals {
		n, ok := parseID(v)
		if !ok {
			return nil, c.usageError("%s %q is not a KM id (a positive integer)", names[i], v), false
		}
		out[i] = n
	}
	return out, exitOK, true
}

// oneID parses the arguments of a command whose one positional argument is the KM
// id called name (for its usage error).
func (c *command) oneID(args []string, name string) (int64, int, bool) {
	pos, code, ok := c.parse(args, 1, 1)
	if !ok {
		return 0, code, false
	}
	ids, code, ok := c.idArgs([]string{name}, pos)
	if !ok {
		return 0, code, false
	}
	return ids[0], exitOK, true
}

// idList is a repeatable flag of ids; each use may also hold a comma-separated list.
type idList []int64

func (l *idList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, v := range *l {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return strings.Join(parts, ",")
}

func (l *idList) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q is not a KM id (a positive integer)", part)
		}
		*l = append(*l, n)
	}
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ", ")
}

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// flagSet reports whether the flag name was given on the command line.
func (c *command) flagSet(name string) bool {
	set := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
