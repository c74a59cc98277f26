package kmclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// KM documents most fields as Integer, String or Boolean, but its examples and
// tenants send the same field as a number in one answer and a string in the next
// (ids, custom_card's pageNum, multipleMessage's messageType), and null anywhere.
// Responses are therefore decoded in two steps: encoding/json first (the fast,
// common case), and when that fails, decodeTolerant, which reads every scalar from
// a number, a string, a boolean or null alike and drops (and names) only the fields
// that still cannot be read. One odd field never costs the user the whole answer.

// DroppedError says which fields of a KM response could not be read and were left
// at their zero value. It names fields only, never their content.
type DroppedError struct {
	Fields []string // paths such as "suggestQuestionList[].id"
}

func (e *DroppedError) Error() string {
	return "unreadable fields dropped: " + strings.Join(e.Fields, ", ")
}

// unmarshalTolerant decodes data into out (a pointer): strictly when it fits, else
// field by field. dropped names the fields that could not be read; err is set only
// when data is not JSON or its top level cannot become out at all.
func unmarshalTolerant(data []byte, out any) (dropped []string, err error) {
	if json.Unmarshal(data, out) == nil {
		return nil, nil
	}
	v := reflect.ValueOf(out)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, errors.New("kmclient: decode: need a non-nil pointer")
	}
	if !json.Valid(data) {
		return nil, json.Unmarshal(data, new(any)) // the syntax error, with its offset
	}
	v = v.Elem()
	v.SetZero() // the failed strict pass may have filled part of it
	d := tolerantDecoder{}
	if !d.value(bytes.TrimSpace(data), v, "", 0) {
		return nil, fmt.Errorf("kmclient: decode: got JSON %s, want %s", jsonKind(bytes.TrimSpace(data)), goKind(v.Type()))
	}
	return d.dropped, nil
}

type tolerantDecoder struct {
	dropped []string
}

// maxDepth bounds recursion on hostile nesting; encoding/json has its own bound.
const maxDepth = 64

func (d *tolerantDecoder) drop(path string) {
	if path == "" {
		path = "(root)"
	}
	if !slices.Contains(d.dropped, path) {
		d.dropped = append(d.dropped, path)
	}
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// value decodes raw into v. It reports false (and records nothing) when raw cannot
// become v at all; the caller then drops the field.
func (d *tolerantDecoder) value(raw []byte, v reflect.Value, path string, depth int) bool {
	if depth > maxDepth {
		return false
	}
	if isNull(raw) {
		v.SetZero()
		return true
	}
	if v.CanAddr() && reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		u := v.Addr().Interface().(json.Unmarshaler)
		if err := u.UnmarshalJSON(raw); err == nil {
			return true
		}
		v.SetZero()
		// The type's own rules refused it; fall through to the generic ones for its
		// kind (an ID is an int64, a Text a string).
		if v.Kind() == reflect.Struct || v.Kind() == reflect.Slice {
			return false
		}
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		if !d.value(raw, e.Elem(), path, depth+1) {
			return false
		}
		v.Set(e)
		return true
	case reflect.Interface:
		var x any
		if json.Unmarshal(raw, &x) != nil {
			return false
		}
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(x))
			return true
		}
		return false
	case reflect.Struct:
		return d.object(unwrapString(raw, '{'), v, path, depth)
	case reflect.Slice:
		return d.slice(unwrapString(raw, '['), v, path, depth)
	case reflect.Map:
		return d.mapValue(unwrapString(raw, '{'), v, path, depth)
	case reflect.String:
		s, ok := scalarString(raw)
		if ok {
			v.SetString(s)
		}
		return ok
	case reflect.Bool:
		b, ok := scalarBool(raw)
		if ok {
			v.SetBool(b)
		}
		return ok
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := scalarInt(raw)
		if ok && !v.OverflowInt(n) {
			v.SetInt(n)
			return true
		}
		return false
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, ok := scalarInt(raw)
		if ok && n >= 0 && !v.OverflowUint(uint64(n)) {
			v.SetUint(uint64(n))
			return true
		}
		return false
	case reflect.Float32, reflect.Float64:
		f, ok := scalarFloat(raw)
		if ok && !v.OverflowFloat(f) {
			v.SetFloat(f)
			return true
		}
		return false
	}
	return false
}

// unwrapString returns the JSON inside a JSON string when it is an object (open
// '{') or an array ('['): KM sometimes encodes nested structures as strings.
// An empty string becomes null.
func unwrapString(raw []byte, open byte) []byte {
	if len(raw) == 0 || raw[0] != '"' {
		return raw
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return raw
	}
	t := bytes.TrimSpace([]byte(s))
	switch {
	case len(t) == 0:
		return []byte("null")
	case t[0] == open && json.Valid(t):
		return t
	}
	return raw
}

func (d *tolerantDecoder) object(raw []byte, v reflect.Value, path string, depth int) bool {
	if isNull(raw) {
		v.SetZero()
		return true
	}
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	for _, f := range structFields(v.Type()) {
		fr, ok := fields[f.name]
		if !ok {
			for k, r := range fields { // encoding/json matches names case-insensitively
				if strings.EqualFold(k, f.name) {
					fr, ok = r, true
					break
				}
			}
		}
		if !ok {
			continue
		}
		fv := v.FieldByIndex(f.index)
		p := joinPath(path, f.name)
		if !d.value(bytes.TrimSpace(fr), fv, p, depth+1) {
			fv.SetZero()
			d.drop(p)
		}
	}
	return true
}

func (d *tolerantDecoder) slice(raw []byte, v reflect.Value, path string, depth int) bool {
	if isNull(raw) {
		v.SetZero()
		return true
	}
	if len(raw) == 0 || raw[0] != '[' {
		return false
	}
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return false
	}
	out := reflect.MakeSlice(v.Type(), 0, len(elems))
	p := path + "[]"
	for _, e := range elems {
		ev := reflect.New(v.Type().Elem()).Elem()
		if !d.value(bytes.TrimSpace(e), ev, p, depth+1) {
			d.drop(p) // the element goes, the rest of the list stays
			continue
		}
		out = reflect.Append(out, ev)
	}
	v.Set(out)
	return true
}

func (d *tolerantDecoder) mapValue(raw []byte, v reflect.Value, path string, depth int) bool {
	if isNull(raw) {
		v.SetZero()
		return true
	}
	if v.Type().Key().Kind() != reflect.String || len(raw) == 0 || raw[0] != '{' {
		return false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return false
	}
	m := reflect.MakeMapWithSize(v.Type(), len(fields))
	for k, r := range fields {
		ev := reflect.New(v.Type().Elem()).Elem()
		p := joinPath(path, k)
		if !d.value(bytes.TrimSpace(r), ev, p, depth+1) {
			d.drop(p)
			continue
		}
		m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), ev)
	}
	v.Set(m)
	return true
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

type fieldInfo struct {
	name  string
	index []int
}

// structFields lists the JSON fields of a struct type as encoding/json names them
// (tag name, else the Go name), embedded structs flattened.
func structFields(t reflect.Type) []fieldInfo {
	var out []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for _, sub := range structFields(f.Type) {
				out = append(out, fieldInfo{name: sub.name, index: append([]int{i}, sub.index...)})
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, fieldInfo{name: name, index: []int{i}})
	}
	return out
}

// scalarString reads text from a string, a number or a boolean.
func scalarString(raw []byte) (string, bool) {
	switch {
	case len(raw) == 0:
		return "", false
	case raw[0] == '"':
		var s string
		return s, json.Unmarshal(raw, &s) == nil
	case raw[0] == '{' || raw[0] == '[':
		return "", false
	}
	return string(raw), true // a number, true or false as written
}

// scalarInt reads an integer from a number, a numeric string ("12", "12.0"), a
// boolean (1, 0) or an empty string (0). A fraction cannot be read.
func scalarInt(raw []byte) (int64, bool) {
	switch string(raw) {
	case "true":
		return 1, true
	case "false":
		return 0, true
	}
	n, err := flexInt(raw)
	return n, err == nil
}

func scalarFloat(raw []byte) (float64, bool) {
	switch string(raw) {
	case "true":
		return 1, true
	case "false":
		return 0, true
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		if s = strings.TrimSpace(s); s == "" {
			return 0, true
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
}

// scalarBool reads a boolean from true/false, a number (0 is false) or a string
// ("true", "false", "1", "0", "", case-insensitive).
func scalarBool(raw []byte) (bool, bool) {
	switch string(raw) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return false, false
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1", "yes", "y":
			return true, true
		case "false", "0", "no", "n", "":
			return false, true
		}
		return false, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return false, false
	}
	return f != 0, true
}

func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

func goKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "a " + t.Kind().String()
}
