package kmclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ID is a KM identifier. KM documents most ids as Integer but sends some as strings
// (custom_card, task_button) and sometimes null; ID accepts all three and always
// encodes as a JSON number.
type ID int64

// UnmarshalJSON accepts a number, a numeric string, a boolean, an empty string or null.
func (id *ID) UnmarshalJSON(b []byte) error {
	n, err := flexInt(b)
	if err != nil {
		return fmt.Errorf("id: %w", err)
	}
	*id = ID(n)
	return nil
}

// String returns the decimal form, as KM expects in string-typed fields.
func (id ID) String() string { return strconv.FormatInt(int64(id), 10) }

// Int is an integer that KM may send as a number, a numeric string or null
// (ans_custom_card documents pageNum, type, isHit and hitType as String).
type Int int

// UnmarshalJSON accepts a number, a numeric string, a boolean, an empty string or null.
func (i *Int) UnmarshalJSON(b []byte) error {
	n, err := flexInt(b)
	if err != nil {
		return fmt.Errorf("int: %w", err)
	}
	*i = Int(n)
	return nil
}

// Text is a string that KM may send as a number (the docs type suggestList[].content
// as Integer) or null.
type Text string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("text: %w", err)
		}
		*t = Text(s)
	case b[0] == '{' || b[0] == '[':
		return fmt.Errorf("text: got JSON %s, want a string", kindOf(b[0]))
	default:
		*t = Text(b)
	}
	return nil
}

func flexInt(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "", "null", "false":
		return 0, nil
	case "true":
		return 1, nil
	}
	if b[0] != '"' {
		// The common case, a plain number: string(b) does not escape here, so
		// reading it allocates nothing.
		if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			return n, nil
		}
	}
	s := string(b)
	if b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return 0, nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// Some KM fields carry integral floats ("12.0"); reject fractions.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return int64(f), nil
}

func kindOf(c byte) string {
	if c == '{' {
		return "object"
	}
	return "array"
}
