package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// This file enforces issue #6's rule: every user-visible string kmbridge produces
// comes from the catalogue. It reads the non-test Go files of bridge/ and
// formatting/ (with their subpackages) and reports string literals that
//
//   - flow into a user-visible place: formatting.Plain / ParsePlain, Span.Text,
//     Button.Label, Buttons.Title/Placeholder, Card.Title/Subtitle,
//     Select.Placeholder, Audio.Caption, Products.PageLabel, Field.Label,
//     Image.Alt, or an assignment to a field of one of those names; any letter
//     there is a finding; or
//   - anywhere else, read like prose (two or more words, any CJK or other
//     non-ASCII letter, or one capitalised word such as "Cancel"),
//
// except where a literal cannot reach a user: import paths, struct tags, logging
// (log, slog and logger methods), errors (fmt.Errorf, errors.New, panic and the
// package's own helpers that feed them), regular expressions, Prometheus metric
// options, map keys and index expressions (JSON field names), comparisons and
// switch cases (protocol values KM or a platform sends), and catalogue message ids.
// What still looks like text but never reaches a user is listed in
// literalAllowlist, each entry with its reason.
//
// The check is syntactic (go/ast, no type information): fields are matched by
// the composite literal's type name (element types of slices and maps included),
// and helpers by name within their package.

// literalRoots are scanned and must be clean.
func literalRoots() []string {
	return []string{"../bridge", "../formatting", "../escalation", "../adapters"}
}

// allowedLiteral is a literal that looks like text and is not user-facing.
type allowedLiteral struct {
	file string // slash path relative to the module root
	lit  string // the literal's value; "*" allows every literal of the file
	why  string
}

func literalAllowlist() []allowedLiteral {
	return []allowedLiteral{
		// Debug and golden-test output, never sent to a platform.
		{"formatting/dump.go", "*", "Dump is the golden-test format of a Message"},
		// KM's own failure message, compared against what KM sends; never shown.
		{"bridge/click.go", "This reply has been evaluated!", "KM's message for a second rating, matched"},
		// Adapters: error text for operators, platform API error messages matched, headers.
		{"adapters/discord/call.go", "rate limited (retry after %s)", "wrapped error text"},
		{"adapters/discord/call.go", "HTTP %d: Discord error %d: %s", "wrapped error text"},
		{"adapters/discord/config.go", "Bot ", "the Authorization scheme of a bot token"},
		{"adapters/telegram/api.go", "message is not modified", "Bot API error matched"},
		{"adapters/telegram/api.go", "can't parse", "Bot API error matched"},
		{"adapters/telegram/api.go", "query is too old", "Bot API error matched"},
		{"adapters/telegram/api.go", "query id is invalid", "Bot API error matched"},
		{"adapters/telegram/files.go", "kmbridge telegram file link v1", "HMAC key derivation label"},
		{"adapters/telegram/files.go", "default-src 'none'; sandbox", "a Content-Security-Policy header value"},
		{"adapters/web/origin.go", "*", "Content-Security-Policy header values"},
		{"adapters/internal/outbound/clock.go", "outbound: the wait would outlast the deadline", "error text (outbound.ErrDeadline)"},
		{"adapters/internal/outbound/clock.go", "not waiting %s: %s left before the deadline", "error text (outbound.Error)"},
		{"adapters/internal/outbound/clock.go", "the platform asked to wait %s", "error text (outbound.Error)"},
		{"adapters/internal/outbound/clock.go", "gave up after %d attempts", "error text (outbound.Error)"},
		{"adapters/internal/outbound/clock.go", "rate limited; ", "error text (outbound.Error)"},
		{"adapters/web/page.go", "Vary", "an HTTP header name"},
		{"adapters/web/identity.go", "web.cookie", "the name of the store's secret for cookies"},
		// The inbox's Lua script (Redis code, never shown to anyone).
		{"bridge/redisstore/inbox.go", "*", "a Lua script run by Redis"},
		{"bridge/redisstore/lease.go", "*", "the leases' Lua scripts, run by Redis"},
		{"bridge/redisstore/history.go", "*", "Lua scripts run by Redis"},
		{"bridge/redisstore/buttons.go", "*", "the button rings' operation names in wrapped store errors"},
		{"bridge/redisstore/conv.go", "*", "the conversation hash's Lua scripts, run by Redis"},
		// Duration names in Config.Validate's error messages, for operators' logs.
		{"bridge/config.go", "stream timeout", "name in an operator-facing config error"},
		{"bridge/config.go", "session retention", "name in an operator-facing config error"},
		{"bridge/config.go", "action ttl", "name in an operator-facing config error"},
		{"bridge/config.go", "suggest ttl", "name in an operator-facing config error"},
		{"bridge/config.go", "dedupe ttl", "name in an operator-facing config error"},
		{"bridge/config.go", "rated ttl", "name in an operator-facing config error"},
		{"bridge/config.go", "seen timeout", "name in an operator-facing config error"},
		{"bridge/config.go", "typing interval", "name in an operator-facing config error"},
		{"bridge/config.go", "edit interval", "name in an operator-facing config error"},
		{"bridge/config.go", "send timeout", "name in an operator-facing config error"},
		{"bridge/config.go", "busy reply timeout", "name in an operator-facing config error"},
		{"bridge/config.go", "list cache ttl", "name in an operator-facing config error"},
	}
}

// sinkFields are the user-visible string fields of the formatting model, by type.
func sinkFields() map[string][]string {
	return map[string][]string{
		"Span":     {"Text"},
		"Button":   {"Label"},
		"Buttons":  {"Title", "Placeholder"},
		"Card":     {"Title", "Subtitle"},
		"Select":   {"Placeholder"},
		"Audio":    {"Caption"},
		"Products": {"PageLabel"},
		"Field":    {"Label"},
		"Image":    {"Alt"},
	}
}

// sinkFuncs take user-visible text as their first argument.
func sinkFuncs() map[string]bool { return map[string]bool{"Plain": true, "ParsePlain": true} }

// logMethods are logger methods (slog.Logger and friends) whose arguments are logs.
func logMethods() map[string]bool {
	return map[string]bool{
		"Debug": true, "Info": true, "Warn": true, "Error": true,
		"DebugContext": true, "InfoContext": true, "WarnContext": true, "ErrorContext": true,
		"Log": true, "LogAttrs": true, "With": true, "WithGroup": true,
		"Print": true, "Printf": true, "Println": true,
	}
}

// literalFinding is one string literal that should come from the catalogue.
type literalFinding struct {
	pos   token.Position
	file  string // slash path relative to the module root
	lit   string
	where string // the sink, or "text" for prose elsewhere
}

func (f literalFinding) String() string {
	return fmt.Sprintf("%s:%d: %q (%s)", f.file, f.pos.Line, f.lit, f.where)
}

func TestNoUserFacingLiterals(t *testing.T) {
	ids, components := catalogueIDs()
	var all []literalFinding
	for _, root := range literalRoots() {
		fs, err := scanLiterals(root, ids, components)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, fs...)
	}
	all = applyAllowlist(t, all)
	for _, f := range all {
		t.Errorf("%s\n\tuser-facing text must come from the catalogue: add it to i18n/msg_<component>.go (EN, ZH, JA) and use p.T; if it never reaches a user, add it to literalAllowlist with the reason", f)
	}
	if len(all) > 0 {
		t.Logf("%d literal(s) outside the catalogue in %v", len(all), literalRoots())
	}
}

// TestLiteralScanner proves the scanner finds what it must and leaves alone what
// it may.
func TestLiteralScanner(t *testing.T) {
	src := `package bridge

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/kmbridge/kmbridge/formatting"
	fm "github.com/kmbridge/kmbridge/formatting"
)

type T struct {
	Name string ` + "`json:\"display name\"`" + `
}

const apology = "Sorry, try again later"

func f(p Printer, log *slog.Logger, n int, v string) error {
	_ = formatting.Plain("Please wait")
	_ = formatting.Plain("…")
	_ = formatting.Plain(p.T("bridge.welcome"))
	_ = fm.Span{Text: "hi"}
	_ = []formatting.Button{{Label: "OK"}, {Label: p.T("bridge.welcome")}}
	_ = map[string]*formatting.Card{"k": {Title: "Card title", Subtitle: "x" + v}}
	_ = formatting.Buttons{Title: fmt.Sprintf("%d more", n)}
	b := formatting.Button{}
	b.Label = "Go"
	_ = formatting.Span{"positional", 0, ""}
	_ = "Talk to a human"
	_ = "お待ちください"
	_ = "Cancel"
	_ = "bridge.no_such_id"

	_ = "single_token"
	_ = "https://example.com/a b"
	_ = "<b>"
	_ = "%s: %d"
	log.Info("bridge: something happened", "conversation id", v)
	slog.String("a key", v)
	if v == "This reply has been evaluated!" {
		return errors.New("bridge: a developer message")
	}
	switch v {
	case "some protocol value":
	}
	m := map[string]any{"json key": 1}
	_ = m["another key"]
	bad := func(format string, args ...any) error { return fmt.Errorf(format, args...) }
	_ = bad("a config problem: %d", n)
	wrap(v, "wrapped problem text")
	what := fmt.Sprintf("element number %d", n)
	_ = bad(what)
	label := fmt.Sprintf("shown to users %d", n)
	_ = formatting.Plain(label)
	_ = bad(label)
	return fmt.Errorf("bridge: %w", errors.New("x y z"))
}

func wrap(s, why string) error { return fmt.Errorf("%s: %s", s, why) }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "bridge/x.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{"bridge.welcome": true}
	fields, err := modelFieldOrder()
	if err != nil {
		t.Fatal(err)
	}
	s := &litScanner{fset: fset, ids: ids, components: map[string]bool{"bridge": true}, order: fields,
		helpers: errorHelpers([]*ast.File{f})}
	got := map[string]string{}
	for _, fd := range s.file(f, "bridge/x.go") {
		got[fd.lit] = fd.where
	}
	want := map[string]string{
		"Sorry, try again later": "text",
		"Please wait":            "Plain",
		"hi":                     "Span.Text",
		"OK":                     "Button.Label",
		"Card title":             "Card.Title",
		"x":                      "Card.Subtitle",
		"%d more":                "Buttons.Title",
		"Go":                     "assignment to .Label",
		"positional":             "Span.Text",
		"Talk to a human":        "text",
		"お待ちください":                "text",
		"Cancel":                 "text",
		"bridge.no_such_id":      "unknown message id",
		"shown to users %d":      "text",
	}
	for lit, where := range want {
		if got[lit] != where {
			t.Errorf("%q: found as %q, want %q", lit, got[lit], where)
		}
	}
	for lit, where := range got {
		if _, ok := want[lit]; !ok {
			t.Errorf("%q reported (%s) but is not user-facing", lit, where)
		}
	}
}

// catalogueIDs returns the message ids and the components that own them.
func catalogueIDs() (map[string]bool, map[string]bool) {
	ids, comps := map[string]bool{}, map[string]bool{}
	for id := range builtin() {
		ids[string(id)] = true
		comps[strings.SplitN(string(id), ".", 2)[0]] = true
	}
	for _, c := range []string{"bridge", "formatting", "web", "slack", "telegram", "discord"} {
		comps[c] = true
	}
	return ids, comps
}

// applyAllowlist drops allowed findings and fails on allowlist entries that no
// longer match anything, so the list stays honest.
func applyAllowlist(t *testing.T, in []literalFinding) []literalFinding {
	t.Helper()
	allow := literalAllowlist()
	used := make([]bool, len(allow))
	var out []literalFinding
	for _, f := range in {
		ok := false
		for i, a := range allow {
			if a.file == f.file && (a.lit == "*" || a.lit == f.lit) {
				ok, used[i] = true, true
			}
		}
		if !ok {
			out = append(out, f)
		}
	}
	for i, a := range allow {
		if !used[i] && a.lit != "*" {
			t.Errorf("literalAllowlist entry %s %q matches nothing any more: remove it", a.file, a.lit)
		}
	}
	return out
}

// scanLiterals scans every package under root (non-test files; test-support
// packages, whose names end in "test", are skipped: only tests import them).
func scanLiterals(root string, ids, components map[string]bool) ([]literalFinding, error) {
	order, err := modelFieldOrder()
	if err != nil {
		return nil, err
	}
	byDir := map[string][]string{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasSuffix(name, "test") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			byDir[filepath.Dir(p)] = append(byDir[filepath.Dir(p)], p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	var out []literalFinding
	for _, dir := range dirs {
		fset := token.NewFileSet()
		var files []*ast.File
		var names []string
		for _, p := range byDir[dir] {
			f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			files = append(files, f)
			names = append(names, filepath.ToSlash(strings.TrimPrefix(p, "../")))
		}
		s := &litScanner{fset: fset, ids: ids, components: components, order: order, helpers: errorHelpers(files)}
		for i, f := range files {
			out = append(out, s.file(f, names[i])...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return out[i].pos.Offset < out[j].pos.Offset
	})
	return out, nil
}

// modelFieldOrder reads formatting/model.go for the field order of the sink types,
// so positional composite literals (Span{"text", 0, ""}) are checked too.
func modelFieldOrder() (map[string][]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "formatting", "model.go"), nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	order := map[string][]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, sp := range gd.Specs {
			ts := sp.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			var names []string
			for _, fl := range st.Fields.List {
				if len(fl.Names) == 0 {
					names = append(names, "")
				}
				for _, n := range fl.Names {
					names = append(names, n.Name)
				}
			}
			order[ts.Name.Name] = names
		}
	}
	return order, nil
}

// errorHelpers finds the package's functions, methods and function variables that
// pass one of their parameters into an error (fmt.Errorf, errors.New, or another
// helper): literals given to them are developer messages.
func errorHelpers(files []*ast.File) map[string]bool {
	helpers := map[string]bool{}
	type fn struct {
		name   string
		params map[string]bool
		body   *ast.BlockStmt
	}
	var fns []fn
	params := func(ft *ast.FuncType) map[string]bool {
		ps := map[string]bool{}
		for _, fl := range ft.Params.List {
			for _, n := range fl.Names {
				ps[n.Name] = true
			}
		}
		return ps
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch v := n.(type) {
			case *ast.FuncDecl:
				if v.Body != nil {
					fns = append(fns, fn{v.Name.Name, params(v.Type), v.Body})
				}
			case *ast.AssignStmt:
				for i, r := range v.Rhs {
					if fl, ok := r.(*ast.FuncLit); ok && i < len(v.Lhs) {
						if id, ok := v.Lhs[i].(*ast.Ident); ok {
							fns = append(fns, fn{id.Name, params(fl.Type), fl.Body})
						}
					}
				}
			case *ast.ValueSpec:
				for i, r := range v.Values {
					if fl, ok := r.(*ast.FuncLit); ok && i < len(v.Names) {
						fns = append(fns, fn{v.Names[i].Name, params(fl.Type), fl.Body})
					}
				}
			}
			return true
		})
	}
	for changed := true; changed; {
		changed = false
		for _, f := range fns {
			if helpers[f.name] {
				continue
			}
			ast.Inspect(f.body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok || !(isErrorCall(call) || helpers[calleeName(call)]) {
					return true
				}
				for _, a := range call.Args {
					ast.Inspect(a, func(n ast.Node) bool {
						if id, ok := n.(*ast.Ident); ok && f.params[id.Name] {
							helpers[f.name], changed = true, true
						}
						return true
					})
				}
				return true
			})
		}
	}
	return helpers
}

// calleeName is the called function's or method's name ("Errorf", "fail").
func calleeName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// pkgCall returns "pkg.Func" for a call of a package-level function, else "".
func pkgCall(c *ast.CallExpr) string {
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
		if id, ok := sel.X.(*ast.Ident); ok {
			return id.Name + "." + sel.Sel.Name
		}
	}
	return ""
}

func isErrorCall(c *ast.CallExpr) bool {
	switch pkgCall(c) {
	case "fmt.Errorf", "errors.New":
		return true
	}
	id, ok := c.Fun.(*ast.Ident)
	return ok && id.Name == "panic"
}

// litScanner scans the files of one package.
type litScanner struct {
	fset       *token.FileSet
	ids        map[string]bool     // catalogue message ids
	components map[string]bool     // message id prefixes
	order      map[string][]string // field order of the formatting model's structs
	helpers    map[string]bool     // the package's error helpers

	fmtNames  map[string]bool // the file's names for package formatting
	inFmt     bool            // the file is package formatting itself
	excluded  map[*ast.BasicLit]bool
	sinkFound map[*ast.BasicLit]bool
	out       []literalFinding
	fileName  string
}

func (s *litScanner) file(f *ast.File, name string) []literalFinding {
	s.excluded, s.sinkFound, s.out, s.fileName = map[*ast.BasicLit]bool{}, map[*ast.BasicLit]bool{}, nil, name
	s.inFmt = f.Name.Name == "formatting"
	s.fmtNames = map[string]bool{}
	for _, im := range f.Imports {
		s.excluded[im.Path] = true
		if p, _ := strconv.Unquote(im.Path.Value); p == "github.com/kmbridge/kmbridge/formatting" {
			name := "formatting"
			if im.Name != nil {
				name = im.Name.Name
			}
			s.fmtNames[name] = true
		}
	}
	s.exclusions(f)
	s.errorOnlyVars(f)
	s.sinks(f)
	s.prose(f)
	return s.out
}

// excludeAll marks every string literal under n as not user-facing.
func (s *litScanner) excludeAll(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok {
			s.excluded[lit] = true
		}
		return true
	})
}

func (s *litScanner) exclude(e ast.Expr) {
	if lit, ok := ast.Unparen(e).(*ast.BasicLit); ok {
		s.excluded[lit] = true
	}
}

// exclusions marks the literals that cannot reach a user.
func (s *litScanner) exclusions(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.Field:
			if v.Tag != nil {
				s.excluded[v.Tag] = true
			}
		case *ast.CallExpr:
			pc := pkgCall(v)
			pkg, _, _ := strings.Cut(pc, ".")
			switch {
			case isErrorCall(v), s.helpers[calleeName(v)],
				pkg == "slog", pkg == "log", pkg == "regexp",
				pc == "" && logMethods()[calleeName(v)]:
				for _, a := range v.Args {
					s.excludeAll(a)
				}
			case pkg != "" && logMethods()[calleeName(v)] && pkg != "fmt":
				// x.Info(…) where x is a package-level logger variable.
				for _, a := range v.Args {
					s.excludeAll(a)
				}
			case isHeaderCall(v):
				for _, a := range v.Args {
					s.exclude(a) // HTTP header names
				}
			}
		case *ast.BinaryExpr:
			if v.Op == token.EQL || v.Op == token.NEQ {
				s.exclude(v.X)
				s.exclude(v.Y)
			}
		case *ast.CaseClause:
			for _, e := range v.List {
				s.exclude(e)
			}
		case *ast.IndexExpr:
			s.exclude(v.Index)
		case *ast.KeyValueExpr:
			// A string key is a map key (struct keys are identifiers).
			s.exclude(v.Key)
		case *ast.CompositeLit:
			if sel, ok := v.Type.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "prometheus" {
					s.excludeAll(v) // metric names and help texts
				}
			}
		}
		return true
	})
}

// isHeaderCall reports whether c is h.Header().Get/Set/Add/Del/Values(…) or
// h.Header.Get(…).
func isHeaderCall(c *ast.CallExpr) bool {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "Get", "Set", "Add", "Del", "Values":
	default:
		return false
	}
	switch x := sel.X.(type) {
	case *ast.CallExpr:
		if in, ok := x.Fun.(*ast.SelectorExpr); ok {
			return in.Sel.Name == "Header"
		}
	case *ast.SelectorExpr:
		return x.Sel.Name == "Header"
	}
	return false
}

// errorOnlyVars excludes the literals of a local variable's value when every use
// of the variable is inside an error call (what := fmt.Sprintf("element %d", i),
// then v.fail(what, …)).
func (s *litScanner) errorOnlyVars(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		var body *ast.BlockStmt
		switch v := n.(type) {
		case *ast.FuncDecl:
			body = v.Body
		case *ast.FuncLit:
			body = v.Body
		}
		if body == nil {
			return true
		}
		defs := map[string][]ast.Expr{} // variable → values assigned to it
		defIdent := map[*ast.Ident]bool{}
		ast.Inspect(body, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, l := range as.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						defs[id.Name] = append(defs[id.Name], as.Rhs[i])
						defIdent[id] = true
					}
				}
			}
			return true
		})
		errUses, otherUses := map[string]int{}, map[string]int{}
		var stack []ast.Node
		ast.Inspect(body, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			if id, ok := n.(*ast.Ident); ok && !defIdent[id] && defs[id.Name] != nil {
				if s.insideErrorArg(stack, id) {
					errUses[id.Name]++
				} else {
					otherUses[id.Name]++
				}
			}
			stack = append(stack, n)
			return true
		})
		for name, vals := range defs {
			if errUses[name] > 0 && otherUses[name] == 0 {
				for _, v := range vals {
					s.excludeAll(v)
				}
			}
		}
		return true
	})
}

// insideErrorArg reports whether n (under the ancestors in stack) is part of an
// argument of an error call or helper.
func (s *litScanner) insideErrorArg(stack []ast.Node, n ast.Node) bool {
	child := n
	for i := len(stack) - 1; i >= 0; i-- {
		if call, ok := stack[i].(*ast.CallExpr); ok && child != call.Fun {
			if isErrorCall(call) || s.helpers[calleeName(call)] {
				return true
			}
		}
		child = stack[i]
	}
	return false
}

// modelType names the formatting model type e denotes in this file ("" if none).
func (s *litScanner) modelType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		if s.inFmt {
			return t.Name
		}
	case *ast.SelectorExpr:
		if id, ok := t.X.(*ast.Ident); ok && s.fmtNames[id.Name] {
			return t.Sel.Name
		}
	case *ast.StarExpr:
		return s.modelType(t.X)
	}
	return ""
}

// elemType is the element type of a slice, array or map type expression.
func elemType(e ast.Expr) ast.Expr {
	switch t := e.(type) {
	case *ast.ArrayType:
		return t.Elt
	case *ast.MapType:
		return t.Value
	}
	return nil
}

// sinks reports literals flowing into the model's user-visible fields and into
// Plain/ParsePlain.
func (s *litScanner) sinks(f *ast.File) {
	var visit func(cl *ast.CompositeLit, typ ast.Expr)
	visit = func(cl *ast.CompositeLit, typ ast.Expr) {
		if cl.Type != nil {
			typ = cl.Type
		}
		name := s.modelType(typ)
		fields := sinkFields()[name]
		for i, el := range cl.Elts {
			val, field := el, ""
			if kv, ok := el.(*ast.KeyValueExpr); ok {
				val = kv.Value
				if id, ok := kv.Key.(*ast.Ident); ok {
					field = id.Name
				}
			} else if ord := s.order[name]; name != "" && i < len(ord) {
				field = ord[i]
			}
			for _, sf := range fields {
				if field == sf {
					s.sinkValue(val, name+"."+field)
				}
			}
			// Elided element types: []Button{{Label: …}}, map[string]*Card{"k": {…}}.
			if inner, ok := ast.Unparen(val).(*ast.CompositeLit); ok {
				var et ast.Expr
				if typ != nil {
					et = elemType(typ)
				}
				if inner.Type == nil {
					visit(inner, et)
				}
			} else if u, ok := val.(*ast.UnaryExpr); ok && u.Op == token.AND {
				if inner, ok := u.X.(*ast.CompositeLit); ok && inner.Type == nil && typ != nil {
					visit(inner, elemType(typ))
				}
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch v := n.(type) {
		case *ast.CompositeLit:
			if v.Type != nil {
				visit(v, nil)
			}
		case *ast.CallExpr:
			var name string
			switch fn := v.Fun.(type) {
			case *ast.Ident:
				if s.inFmt {
					name = fn.Name
				}
			case *ast.SelectorExpr:
				if id, ok := fn.X.(*ast.Ident); ok && s.fmtNames[id.Name] {
					name = fn.Sel.Name
				}
			}
			if sinkFuncs()[name] && len(v.Args) > 0 {
				s.sinkValue(v.Args[0], name)
			}
		case *ast.AssignStmt:
			for i, l := range v.Lhs {
				sel, ok := l.(*ast.SelectorExpr)
				if !ok || i >= len(v.Rhs) {
					continue
				}
				switch sel.Sel.Name {
				case "Text", "Label", "Title", "Subtitle", "Placeholder", "Caption", "PageLabel", "Alt":
					s.sinkValue(v.Rhs[i], "assignment to ."+sel.Sel.Name)
				}
			}
		}
		return true
	})
}

// sinkValue reports the literals that make up e (concatenations, fmt.Sprintf
// formats) when they contain a letter.
func (s *litScanner) sinkValue(e ast.Expr, where string) {
	switch v := ast.Unparen(e).(type) {
	case *ast.BasicLit:
		if v.Kind != token.STRING {
			return
		}
		str, _ := strconv.Unquote(v.Value)
		if s.ids[str] {
			return
		}
		if hasLetter(stripVerbs(str)) {
			s.report(v, str, where)
			s.sinkFound[v] = true
		}
	case *ast.BinaryExpr:
		if v.Op == token.ADD {
			s.sinkValue(v.X, where)
			s.sinkValue(v.Y, where)
		}
	case *ast.CallExpr:
		if pkgCall(v) == "fmt.Sprintf" && len(v.Args) > 0 {
			s.sinkValue(v.Args[0], where)
		}
	}
}

// prose reports the remaining literals that read like text, and message ids the
// catalogue does not have.
func (s *litScanner) prose(f *ast.File) {
	ast.Inspect(f, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || s.sinkFound[lit] {
			return true
		}
		str, err := strconv.Unquote(lit.Value)
		if err != nil {
			return true
		}
		if s.ids[str] || s.excluded[lit] {
			return true
		}
		if looksLikeID(str, s.components) {
			// A catalogue id that does not exist prints "…" to the user.
			s.report(lit, str, "unknown message id")
			return true
		}
		if looksLikeText(str) {
			s.report(lit, str, "text")
		}
		return true
	})
}

func (s *litScanner) report(lit *ast.BasicLit, str, where string) {
	s.out = append(s.out, literalFinding{pos: s.fset.Position(lit.Pos()), file: s.fileName, lit: str, where: where})
}

var messageID = regexp.MustCompile(`^([a-z]+)\.[a-z0-9]+(_[a-z0-9]+)*$`)

// looksLikeID reports whether s has the form of a message id of a known component.
func looksLikeID(s string, components map[string]bool) bool {
	m := messageID.FindStringSubmatch(s)
	return m != nil && components[m[1]]
}

var (
	fmtVerb   = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?(\[\d+\])?[a-zA-Z%]`)
	htmlTag   = regexp.MustCompile(`</?[a-zA-Z][^<>]*>?`)
	htmlAttr  = regexp.MustCompile(`[a-zA-Z-]+="[^"]*"`)
	htmlRef   = regexp.MustCompile(`&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);`)
	urlLike   = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*:(//)?[^\s"'<>]*`)
	proseWord = regexp.MustCompile(`^[("'‘“]*[A-Za-z][a-z'’-]*[a-z][.,!?;:…)"'’”]*$`)
	titleWord = regexp.MustCompile(`^[A-Z][a-z]{2,}[.!?:…]*$`)
)

func stripVerbs(s string) string { return fmtVerb.ReplaceAllString(s, " ") }

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// looksLikeText reports whether a literal reads like words for people: any
// non-ASCII letter (Chinese, Japanese, accented), two or more words, or a single
// capitalised word. Format verbs, markup, entities and URLs are ignored.
func looksLikeText(s string) bool {
	s = stripVerbs(s)
	s = htmlAttr.ReplaceAllString(s, " ")
	s = htmlTag.ReplaceAllString(s, " ")
	s = htmlRef.ReplaceAllString(s, " ")
	s = urlLike.ReplaceAllString(s, " ")
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.IsLetter(r) {
			return true
		}
	}
	words := 0
	fields := strings.Fields(s)
	for _, w := range fields {
		if proseWord.MatchString(w) && len(strings.Trim(w, "().,!?;:…\"'‘’“”")) >= 2 {
			words++
		}
	}
	if words >= 2 {
		return true
	}
	return len(fields) == 1 && titleWord.MatchString(fields[0])
}
