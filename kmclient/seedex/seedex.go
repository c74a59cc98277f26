// Package seedex reads the JSON examples of the KM seed documents (the Udesk KM
// API pages kmbridge is written against) as extracted into kmclient/testdata/seed:
// every request and response example, each in its own file with the seed file and
// line it came from. They are the referee between the client and the simulator,
// which were written from the same reading of the documents: the client's tests
// decode every example, and the simulator's verbatim mode (kmsim.Options.Examples)
// answers with them byte for byte.
//
// The fixtures are the seeds' text exactly. Three published examples are not valid
// JSON (a line break inside a string or a key, a trailing comma); their index
// entries carry the repair, applied by Body, so that the text stays verbatim and
// the fix stays visible. The extraction itself is a test of this package:
// go test ./kmclient/seedex -run TestExtract -seeds DIR [-update].
package seedex

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
)

// Kind says what an example is.
type Kind string

// Example kinds.
const (
	Request   Kind = "request"   // the JSON body of a curl -d
	Response  Kind = "response"  // a success envelope (code 200)
	Failure   Kind = "failure"   // a failure envelope (code 400)
	Stream    Kind = "stream"    // a text/event-stream answer (data: lines)
	Structure Kind = "structure" // a request field described as JSON (initClient's customer)
)

// Repair is a textual fix of a published example that is not valid JSON.
type Repair struct {
	Old string `json:"old"`
	New string `json:"new"`
	Why string `json:"why"`
}

// Example is one JSON example of a seed document.
type Example struct {
	File     string   `json:"file"`     // the fixture's name in the directory
	Seed     string   `json:"seed"`     // the seed document, e.g. 001_6c6c33c1e35b5e8d.txt
	Line     int      `json:"line"`     // first line of the example in the seed (1-based)
	EndLine  int      `json:"endLine"`  // last line
	Endpoint string   `json:"endpoint"` // e.g. "POST /v1/flow"; path parameters as :id
	Kind     Kind     `json:"kind"`
	Repairs  []Repair `json:"repairs,omitempty"`

	// Text is the example exactly as the seed prints it.
	Text []byte `json:"-"`
}

// IndexFile is the name of the index in the fixture directory.
const IndexFile = "index.json"

// Body is the example as it is used: Text with the repairs applied.
func (e Example) Body() []byte {
	b := e.Text
	for _, r := range e.Repairs {
		b = bytes.Replace(b, []byte(r.Old), []byte(r.New), 1)
	}
	return b
}

// SeedNumber is the seed's number ("000" … "004").
func (e Example) SeedNumber() string {
	n, _, _ := strings.Cut(e.Seed, "_")
	return n
}

// Where says where the example comes from, e.g. "001_….txt:205".
func (e Example) Where() string { return fmt.Sprintf("%s:%d", e.Seed, e.Line) }

// Load reads the index and every example of fsys. It checks what the tests rely
// on: every file is indexed and every indexed file exists, each repair applies
// exactly once, and every example but a stream is valid JSON once repaired.
func Load(fsys fs.FS) ([]Example, error) {
	idx, err := fs.ReadFile(fsys, IndexFile)
	if err != nil {
		return nil, fmt.Errorf("seedex: %w", err)
	}
	var ex []Example
	if err := json.Unmarshal(idx, &ex); err != nil {
		return nil, fmt.Errorf("seedex: %s: %w", IndexFile, err)
	}
	indexed := map[string]bool{}
	var errs []error
	for i := range ex {
		e := &ex[i]
		if indexed[e.File] {
			errs = append(errs, fmt.Errorf("%s is indexed twice", e.File))
		}
		indexed[e.File] = true
		if e.Text, err = fs.ReadFile(fsys, e.File); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range e.Repairs {
			if n := bytes.Count(e.Text, []byte(r.Old)); n != 1 {
				errs = append(errs, fmt.Errorf("%s: repair %q matches %d times, want once", e.File, r.Old, n))
			}
		}
		if e.Kind != Stream && !json.Valid(e.Body()) {
			errs = append(errs, fmt.Errorf("%s (%s) is not valid JSON", e.File, e.Where()))
		}
	}
	files, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("seedex: %w", err)
	}
	for _, f := range files {
		if n := f.Name(); n != IndexFile && !indexed[n] && !f.IsDir() {
			errs = append(errs, fmt.Errorf("%s is not in %s", n, IndexFile))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("seedex: %w", err)
	}
	sort.SliceStable(ex, func(i, j int) bool { return ex[i].File < ex[j].File })
	return ex, nil
}

// Find returns the examples of kind for endpoint, from the seeds whose number is
// in seeds (all seeds when none is given), in file order.
func Find(ex []Example, endpoint string, kind Kind, seeds ...string) []Example {
	var out []Example
	for _, e := range ex {
		if e.Endpoint == endpoint && e.Kind == kind && (len(seeds) == 0 || slices.Contains(seeds, e.SeedNumber())) {
			out = append(out, e)
		}
	}
	return out
}

// FileName is the fixture name of an example: seed number, line, endpoint, kind.
func FileName(seedNumber string, line int, endpoint string, kind Kind) string {
	method, p, _ := strings.Cut(endpoint, " ")
	slug := strings.ToLower(method) + strings.NewReplacer("/", "_", ":", "").Replace(p)
	ext := ".json"
	if kind == Stream {
		ext = ".sse"
	}
	return fmt.Sprintf("%s-L%04d-%s.%s%s", seedNumber, line, slug, kind, ext)
}
