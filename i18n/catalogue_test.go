package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// catalogueFile is one msg_<component>.go as written (maps merge silently, so
// duplicates are found in the source, not in builtin()).
type catalogueFile struct {
	name      string // e.g. msg_bridge.go
	component string // e.g. bridge
	ids       map[string]token.Position
}

func parseCatalogue(t *testing.T) []catalogueFile {
	t.Helper()
	paths, err := filepath.Glob("msg_*.go")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no msg_*.go files: %v", err)
	}
	sort.Strings(paths)
	fset := token.NewFileSet()
	var out []catalogueFile
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		cf := catalogueFile{
			name:      p,
			component: strings.TrimSuffix(strings.TrimPrefix(p, "msg_"), ".go"),
			ids:       map[string]token.Position{},
		}
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok || !isEntryMap(cl.Type) {
				return true
			}
			for _, el := range cl.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					t.Errorf("%s: a catalogue entry without a key", fset.Position(el.Pos()))
					continue
				}
				lit, ok := kv.Key.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Errorf("%s: message ids must be string literals, so that this test can see them", fset.Position(kv.Pos()))
					continue
				}
				id, _ := strconv.Unquote(lit.Value)
				cf.ids[id] = fset.Position(lit.Pos())
			}
			return true
		})
		out = append(out, cf)
	}
	return out
}

// isEntryMap reports whether e is the type map[MsgID]Entry.
func isEntryMap(e ast.Expr) bool {
	m, ok := e.(*ast.MapType)
	if !ok {
		return false
	}
	k, ok1 := m.Key.(*ast.Ident)
	v, ok2 := m.Value.(*ast.Ident)
	return ok1 && ok2 && k.Name == "MsgID" && v.Name == "Entry"
}

var idPattern = regexp.MustCompile(`^[a-z]+\.[a-z0-9]+(_[a-z0-9]+)*$`)

func TestCatalogueFiles(t *testing.T) {
	files := parseCatalogue(t)
	where := map[string]string{}
	all := builtin()
	for _, f := range files {
		for id, pos := range f.ids {
			if prev, dup := where[id]; dup {
				t.Errorf("%s: message id %q is also defined in %s (one of them silently wins)", pos, id, prev)
			}
			where[id] = f.name
			if !idPattern.MatchString(id) {
				t.Errorf("%s: message id %q is not <component>.<snake_case_name>", pos, id)
			}
			if !strings.HasPrefix(id, f.component+".") {
				t.Errorf("%s: message id %q belongs in msg_%s.go (ids are <component>.<name>)", pos, id, strings.SplitN(id, ".", 2)[0])
			}
			if _, ok := all[MsgID(id)]; !ok {
				t.Errorf("%s: message id %q is not in builtin(): is %sMessages() merged there?", pos, id, f.component)
			}
		}
	}
	for id := range all {
		if _, ok := where[string(id)]; !ok {
			t.Errorf("message id %q is in builtin() but in no msg_*.go map literal", id)
		}
	}
}

func TestCatalogueComplete(t *testing.T) {
	for id, e := range builtin() {
		for lang, s := range map[Lang]string{EN: e.EN, ZH: e.ZH, JA: e.JA} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: no %s text", id, lang)
			}
			if !utf8.ValidString(s) {
				t.Errorf("%s: %s text is not valid UTF-8", id, lang)
			}
			if s != strings.TrimSpace(s) {
				t.Errorf("%s: %s text has leading or trailing white space: %q", id, lang, s)
			}
		}
		if e.EnOne != "" && strings.TrimSpace(e.EnOne) == "" {
			t.Errorf("%s: EnOne is only white space", id)
		}
	}
}

func TestCatalogueVerbsAgree(t *testing.T) {
	for id, e := range builtin() {
		en, err := verbs(e.EN)
		if err != nil {
			t.Errorf("%s EN: %v", id, err)
			continue
		}
		for lang, s := range map[string]string{"ZH": e.ZH, "JA": e.JA} {
			v, err := verbs(s)
			if err != nil {
				t.Errorf("%s %s: %v", id, lang, err)
				continue
			}
			if !sameVerbs(en, v) {
				t.Errorf("%s: %s uses arguments %v, EN %v\n  EN: %q\n  %s: %q", id, lang, v, en, e.EN, lang, s)
			}
		}
		if e.EnOne != "" {
			v, err := verbs(e.EnOne)
			if err != nil {
				t.Errorf("%s EnOne: %v", id, err)
			}
			for arg, verb := range v {
				if en[arg] != verb {
					t.Errorf("%s: EnOne uses argument %d as %%%s, EN as %%%s", id, arg, verb, en[arg])
				}
			}
		}
		// Formatting with EN's arguments must never produce %!.
		args := sampleArgs(en)
		for lang, s := range map[string]string{"EN": e.EN, "ZH": e.ZH, "JA": e.JA, "EnOne": e.EnOne} {
			if s == "" || len(args) == 0 {
				continue
			}
			if got := fmt.Sprintf(s, args...); strings.Contains(got, "%!") && !(lang == "EnOne" && !strings.Contains(s, "%")) {
				t.Errorf("%s %s formats badly: %q", id, lang, got)
			}
		}
	}
}

func TestVerbsParser(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[int]string
		bad  bool
	}{
		{"no verbs", map[int]string{}, false},
		{"100%% sure", map[int]string{}, false},
		{"Page %d of %d", map[int]string{1: "d", 2: "d"}, false},
		{"%[2]d ページ中 %[1]d ページ目", map[int]string{1: "d", 2: "d"}, false},
		{"%[1]sfaq %[1]shot", map[int]string{1: "s"}, false},
		{"%[2]s then %s", map[int]string{2: "s", 3: "s"}, false},
		{"%-5.2f%q", map[int]string{1: "f", 2: "q"}, false},
		{"%s and %d of %[1]d", nil, true}, // one argument, two verbs
		{"trailing %", nil, true},
		{"%[x]d", nil, true},
	} {
		got, err := verbs(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("verbs(%q): err %v", tc.in, err)
			continue
		}
		if !tc.bad && !sameVerbs(got, tc.want) {
			t.Errorf("verbs(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// verbs maps each argument (1-based) a format string uses to its verb, resolving
// explicit indexes the way fmt does.
func verbs(s string) (map[int]string, error) {
	out := map[int]string{}
	arg := 1
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		if i < len(s) && s[i] == '%' {
			continue
		}
		for i < len(s) && strings.IndexByte("+-# 0", s[i]) >= 0 {
			i++
		}
		index := func() error {
			if i < len(s) && s[i] == '[' {
				end := strings.IndexByte(s[i:], ']')
				if end < 0 {
					return fmt.Errorf("unclosed [ in %q", s)
				}
				n, err := strconv.Atoi(s[i+1 : i+end])
				if err != nil || n < 1 {
					return fmt.Errorf("bad argument index in %q", s)
				}
				arg = n
				i += end + 1
			}
			return nil
		}
		if err := index(); err != nil {
			return nil, err
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i < len(s) && s[i] == '.' {
			i++
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				i++
			}
		}
		if err := index(); err != nil {
			return nil, err
		}
		if i >= len(s) {
			return nil, fmt.Errorf("%q ends inside a verb", s)
		}
		verb := string(s[i])
		if prev, ok := out[arg]; ok && prev != verb {
			return nil, fmt.Errorf("argument %d is %%%s and %%%s in %q", arg, prev, verb, s)
		}
		out[arg] = verb
		arg++
	}
	return out, nil
}

func sameVerbs(a, b map[int]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// sampleArgs makes arguments fitting the verbs: numbers for %d, strings otherwise.
func sampleArgs(v map[int]string) []any {
	n := 0
	for arg := range v {
		n = max(n, arg)
	}
	args := make([]any, n)
	for i := range args {
		switch v[i+1] {
		case "d", "x", "X", "c":
			args[i] = 7
		case "f", "g", "e":
			args[i] = 1.5
		case "t":
			args[i] = true
		default:
			args[i] = "x"
		}
	}
	return args
}
