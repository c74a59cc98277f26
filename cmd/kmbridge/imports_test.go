package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testSupport reports whether a package of the module exists for tests only:
// fakes of platforms (slacktest, telegramtest, discordtest), the bridge's test
// kit (bridgetest and its e2e), golden helpers, test loggers, throw-away
// servers. Like net/http/httptest, they are importable, but the service must
// not be built on them.
func testSupport(importPath string) bool {
	for _, el := range strings.Split(importPath, "/") {
		if el == "bridgetest" {
			return true
		}
	}
	last := path.Base(importPath)
	return strings.HasSuffix(last, "test") || strings.HasPrefix(last, "test")
}

// No production package imports a test-support package: the fakes and
// harnesses stay out of the binary, whatever its build.
func TestProductionImportsNoTestSupport(t *testing.T) {
	root, module := moduleRoot(t)
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, filepath.Dir(p))
		if err != nil {
			return err
		}
		pkg := module
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		if testSupport(pkg) {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(ip, module+"/") && testSupport(ip) {
				t.Errorf("%s imports the test-support package %s", p, ip)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d production files checked under %s: the walk went wrong", checked, root)
	}
}

// moduleRoot finds go.mod above the working directory and the module's path.
func moduleRoot(t *testing.T) (dir, module string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if m, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
					return dir, strings.TrimSpace(m)
				}
			}
			t.Fatalf("%s/go.mod has no module line", dir)
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the working directory")
		}
		dir = up
	}
}
