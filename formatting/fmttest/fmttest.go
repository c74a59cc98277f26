// Package fmttest helps test code that renders formatting Messages: the shared KM
// answer fixtures of formatting/testdata/answers and a deterministic token source.
// It is for tests only (it reads files).
package fmttest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// Fixture is one file of testdata/answers: the `data` object of a KM answer, of an
// initClient answer (files named welcome*.json) or a question list (hot_questions*.json).
type Fixture struct {
	Name      string // file name without .json
	Raw       []byte
	Answer    *kmclient.Answer
	Init      *kmclient.InitClientResponse
	Questions []kmclient.Question
}

// Load reads every *.json fixture of dir, sorted by name.
func Load(dir string) ([]Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("fmttest: %w", err)
	}
	sort.Strings(paths)
	var out []Fixture
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("fmttest: %w", err)
		}
		f := Fixture{Name: strings.TrimSuffix(filepath.Base(p), ".json"), Raw: raw}
		switch {
		case strings.HasPrefix(f.Name, "welcome"):
			err = json.Unmarshal(raw, &f.Init)
		case strings.HasPrefix(f.Name, "hot_questions"):
			err = json.Unmarshal(raw, &f.Questions)
		default:
			err = json.Unmarshal(raw, &f.Answer)
		}
		if err != nil {
			return nil, fmt.Errorf("fmttest: %s: %w", p, err)
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("fmttest: no fixtures in %s", dir)
	}
	return out, nil
}

// Message converts the fixture with the function its kind calls for: Welcome,
// Questions (titled "Popular questions", queryType 6) or FromKM.
func (f Fixture) Message(o formatting.Options) (formatting.Message, error) {
	switch {
	case f.Init != nil:
		return formatting.Welcome(f.Init, o), nil
	case f.Answer != nil:
		return formatting.FromKM(f.Answer, o)
	default:
		return formatting.Questions(o.P.T("formatting.hot_questions"), f.Questions, 6, o), nil
	}
}

// Options returns Options with a fresh TokenLog and the printer p.
func Options(p i18n.Printer) (formatting.Options, *TokenLog) {
	l := &TokenLog{}
	return formatting.Options{Tokens: l.Tokens, P: p}, l
}

// TokenLog is a deterministic formatting.Tokens: the n-th action gets "tok<n>".
type TokenLog struct {
	mu      sync.Mutex
	actions []formatting.Action
}

// Tokens records a and returns its token.
func (l *TokenLog) Tokens(a formatting.Action) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.actions = append(l.actions, a)
	return "tok" + strconv.Itoa(len(l.actions))
}

// Action returns the action behind tok.
func (l *TokenLog) Action(tok string) (formatting.Action, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(tok, "tok"))
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil || !strings.HasPrefix(tok, "tok") || n < 1 || n > len(l.actions) {
		return formatting.Action{}, false
	}
	return l.actions[n-1], true
}

// Actions returns the recorded actions in token order.
func (l *TokenLog) Actions() []formatting.Action {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]formatting.Action(nil), l.actions...)
}

// Dump lists every token with its action as JSON, one per line.
func (l *TokenLog) Dump() string {
	var b strings.Builder
	for i, a := range l.Actions() {
		j, err := json.Marshal(a)
		if err != nil {
			j = []byte(err.Error())
		}
		fmt.Fprintf(&b, "tok%d %s\n", i+1, j)
	}
	return b.String()
}
