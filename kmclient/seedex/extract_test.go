package seedex_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

var (
	seedsDir = flag.String("seeds", "", "directory of the KM seed documents (e.g. ../../../shared/seeds): check the fixtures against them")
	update   = flag.Bool("update", false, "with -seeds: rewrite kmclient/testdata/seed from the seeds")
)

const fixtureDir = "../testdata/seed"

// TestExtract finds every JSON example of the seed documents and checks that
// kmclient/testdata/seed holds exactly those, verbatim, at the lines given (or
// rewrites it with -update). The seeds are not part of the repository, so without
// -seeds there is nothing to compare with.
func TestExtract(t *testing.T) {
	if *seedsDir == "" {
		t.Skip("pass -seeds DIR (the KM seed documents) to check the fixtures against them")
	}
	paths, err := filepath.Glob(filepath.Join(*seedsDir, "[0-9][0-9][0-9]_*.txt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seed documents in %s: %v", *seedsDir, err)
	}
	var got []seedex.Example
	for _, p := range paths {
		text, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ex, err := extract(filepath.Base(p), string(text))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ex...)
	}
	sort.SliceStable(got, func(i, j int) bool { return got[i].File < got[j].File })
	if *update {
		write(t, got)
	}
	have, err := seedex.Load(os.DirFS(fixtureDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(have) != len(got) {
		t.Errorf("%d fixtures, the seeds have %d examples (go test -run TestExtract -seeds DIR -update)", len(have), len(got))
	}
	for i := range min(len(have), len(got)) {
		if !reflect.DeepEqual(have[i], got[i]) {
			t.Errorf("fixture %s differs from the seeds' %s (%s)", have[i].File, got[i].File, got[i].Where())
		}
	}
	t.Logf("%d examples in %d seed documents", len(got), len(paths))
}

func write(t *testing.T, ex []seedex.Example) {
	t.Helper()
	old, _ := filepath.Glob(filepath.Join(fixtureDir, "*"))
	for _, p := range old {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range ex {
		if err := os.WriteFile(filepath.Join(fixtureDir, e.File), e.Text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(ex); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fixtureDir, seedex.IndexFile), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// where identifies an example by seed number and first line.
type where struct {
	seed string
	line int
}

// endpointOf settles the examples whose endpoint the nearest curl does not tell.
var endpointOf = map[where]string{
	{"000", 15}:  "POST /v1/initClient", // "Structure of customer", before the curl
	{"001", 20}:  "POST /v1/initClient",
	{"001", 870}: "POST /v2/newChat", // the response modes, before newChat's curl
	{"001", 887}: "POST /v2/newChat",
	// "Create Knowledge Interface" documents POST /v1/datums; its curl says
	// -X PUT to http://www.udesk.cn/v1/datums, a copy-and-paste slip.
	{"003", 938}: "POST /v1/datums",
	{"003", 946}: "POST /v1/datums",
	{"003", 989}: "POST /v1/datums",
}

// structures are JSON descriptions of a request field, not examples of a call.
var structures = map[where]bool{{"000", 15}: true, {"001", 20}: true}

// repairsOf are the fixes that make the published examples that are not JSON valid.
var repairsOf = map[where][]seedex.Repair{
	{"000", 92}: {{Old: "\"\n0\"", New: "\"0\"",
		Why: "a line break inside the modelKey string (the same example in 001 reads \"0\")"}},
	{"002", 258}: {{Old: "\"size\": 18184\n                },\n            ]", New: "\"size\": 18184\n                }\n            ]",
		Why: "a trailing comma after the last attachment"}},
	{"004", 110}: {{Old: "\"use\n\nlessResponseCount\"", New: "\"uselessResponseCount\"",
		Why: "the key uselessResponseCount broken across lines"}},
}

var (
	curlURL  = regexp.MustCompile(`curl\s+'([^']+)'`)
	curlVerb = regexp.MustCompile(`-X\s+([A-Z]+)`)
	numeric  = regexp.MustCompile(`^[0-9]+$`)
)

// extract finds the examples of one seed document: curl -d bodies (requests), JSON
// objects that start a line (responses, failures, structures) and runs of data:
// lines (streams). Each gets the endpoint of the nearest curl before it.
func extract(seed, text string) ([]seedex.Example, error) {
	num, _, _ := strings.Cut(seed, "_")
	lineAt := func(pos int) int { return strings.Count(text[:pos], "\n") + 1 }
	var out []seedex.Example
	for i := 0; i < len(text); i++ {
		lineStart := strings.LastIndexByte(text[:i], '\n') + 1
		var kind seedex.Kind
		end := 0
		switch {
		case text[i] == '{':
			j := strings.TrimRight(text[:i], " \t")
			switch {
			case strings.HasSuffix(j, "'"):
				kind = seedex.Request
			case strings.TrimSpace(text[lineStart:i]) == "":
				kind = seedex.Response
			default:
				continue
			}
			n, err := balanced(text[i:])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", seed, lineAt(i), err)
			}
			end = i + n
		case i == lineStart && strings.HasPrefix(text[i:], "data:"):
			kind = seedex.Stream
			end = i
			for end < len(text) && strings.HasPrefix(text[end:], "data:") {
				nl := strings.IndexByte(text[end:], '\n')
				if nl < 0 {
					end = len(text)
					break
				}
				end += nl + 1
			}
		default:
			continue
		}
		w := where{num, lineAt(i)}
		e := seedex.Example{Seed: seed, Line: w.line, EndLine: lineAt(end - 1), Kind: kind, Text: []byte(text[i:end]),
			Repairs: repairsOf[w]}
		e.Endpoint = endpointOf[w]
		if e.Endpoint == "" {
			ep, err := nearestCurl(text[:i], kind == seedex.Request)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", seed, w.line, err)
			}
			e.Endpoint = ep
		}
		switch {
		case structures[w]:
			e.Kind = seedex.Structure
		case kind == seedex.Response:
			var env struct {
				Code json.Number `json:"code"`
			}
			if err := json.Unmarshal(e.Body(), &env); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", seed, w.line, err)
			}
			if env.Code != "200" {
				e.Kind = seedex.Failure
			}
		}
		e.File = seedex.FileName(num, w.line, e.Endpoint, e.Kind)
		out = append(out, e)
		i = end - 1
	}
	return out, nil
}

// balanced returns the length of the JSON object at the start of s, counting
// braces and brackets outside strings.
func balanced(s string) (int, error) {
	depth, inStr, esc := 0, false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr && esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case inStr && c == '"':
			inStr = false
		case inStr:
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("unbalanced JSON")
}

// nearestCurl is the endpoint of the last curl command in before: its -X method
// (POST when it sends a body, else GET) and its path from /v1 or /v2 on, with
// numeric segments as :id (:questionId for similar questions).
func nearestCurl(before string, isBody bool) (string, error) {
	at := strings.LastIndex(before, "curl ")
	if at < 0 {
		return "", fmt.Errorf("no curl before the example")
	}
	cmd := before[at:]
	m := curlURL.FindStringSubmatch(cmd)
	if m == nil {
		return "", fmt.Errorf("curl without a quoted URL")
	}
	u, _, _ := strings.Cut(m[1], "?")
	k := strings.Index(u, "/v1/")
	if k < 0 {
		k = strings.Index(u, "/v2/")
	}
	if k < 0 {
		return "", fmt.Errorf("curl URL %q has no /v1 or /v2 path", u)
	}
	segs := strings.Split(u[k:], "/")
	for i, s := range segs {
		if numeric.MatchString(s) {
			segs[i] = ":id"
			if i > 0 && segs[i-1] == "similar" {
				segs[i] = ":questionId"
			}
		}
	}
	method := "GET"
	if v := curlVerb.FindStringSubmatch(cmd); v != nil {
		method = v[1]
	} else if isBody || strings.Contains(cmd, "-d") {
		method = "POST"
	}
	return method + " " + strings.Join(segs, "/"), nil
}
