package kmclient

import (
	"bytes"
	"encoding/json"
	"testing"
)

var unquoteCases = []string{
	`""`, `"plain"`, `"<p class=\"x\">a&amp;b<\/p>"`, `"tab\there\nline\r\f\b"`,
	`"\u00e9\u4e2d\ud83d\ude00"`, `"lone \ud83d high"`, `"lone \ude00 low"`, `"\ud83d\u0041"`,
	"\"bad utf8 \xff\xfe end\"", `"中文 and émoji 😀"`, `"\\"`, `"\/"`,
	`"unterminated`, `"bad \x escape"`, `"bad \u12 short"`, "\"ctrl \x01\"", `"quote " inside"`,
	`"trailing \"`, `x"`, `"`, `"\u12G4"`,
}

func TestUnquoteJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range unquoteCases {
		checkUnquote(t, []byte(c))
	}
}

func FuzzUnquoteJSON(f *testing.F) {
	for _, c := range unquoteCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkUnquote(t, b)
		// Anything encoding/json writes reads back.
		enc, _ := json.Marshal(string(b))
		checkUnquote(t, enc)
	})
}

func checkUnquote(t *testing.T, b []byte) {
	t.Helper()
	b = bytes.TrimSpace(b) // as AnsContent trims it; encoding/json skips it
	var want string
	wantOK := json.Unmarshal(b, &want) == nil && len(b) > 0 && b[0] == '"'
	got, ok := unquoteJSON(b)
	if ok != wantOK || got != want {
		t.Errorf("unquoteJSON(%q) = %q, %v; encoding/json: %q, %v", b, got, ok, want, wantOK)
	}
}
