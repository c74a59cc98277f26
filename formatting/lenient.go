package formatting

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

// lenientContent decodes structured ansContent field by field after the strict
// decoder failed, so one bad field (a product list sent as a string, a number where
// text belongs) loses that field only. It returns nil when the content is not an
// object at all.
func lenientContent(msgType string, ac kmclient.AnsContent) kmclient.Content {
	var dst kmclient.Content
	switch msgType {
	case kmclient.MsgSelectiveList:
		dst = &kmclient.SelectiveList{}
	case kmclient.MsgSelectiveTable:
		dst = &kmclient.SelectiveTable{}
	case kmclient.MsgShowProduct:
		dst = &kmclient.ProductList{}
	case kmclient.MsgSelectiveProduct:
		dst = &kmclient.ProductList{Selective: true}
	case kmclient.MsgWechatImage:
		dst = &kmclient.WechatImage{}
	case kmclient.MsgLink:
		dst = &kmclient.Link{}
	case kmclient.MsgCustomCard:
		dst = &kmclient.CustomCard{}
	case kmclient.MsgTaskButton:
		dst = &kmclient.TaskButtons{}
	case kmclient.MsgMap:
		dst = &kmclient.Map{}
	case kmclient.MsgMiniAppsCard:
		dst = &kmclient.MiniAppCard{}
	default:
		return nil
	}
	obj := objectBytes(ac.Raw())
	if obj == nil {
		return nil
	}
	if !lenientUnmarshal(obj, reflect.ValueOf(dst).Elem(), 0) {
		return nil
	}
	return dst
}

// objectBytes returns the JSON object in raw, unwrapping a JSON-encoded string.
func objectBytes(raw []byte) []byte {
	t := bytes.TrimSpace(raw)
	if len(t) > 0 && t[0] == '"' {
		var s string
		if json.Unmarshal(t, &s) != nil {
			return nil
		}
		t = bytes.TrimSpace([]byte(s))
	}
	if len(t) == 0 || t[0] != '{' {
		return nil
	}
	return t
}

// lenientUnmarshal fills the struct v from the object data, skipping what does not
// fit; it reports whether data was an object.
func lenientUnmarshal(data []byte, v reflect.Value, depth int) bool {
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return false
	}
	if depth > 8 {
		return true
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		raw, ok := fields[name]
		if !ok {
			for k, r := range fields {
				if strings.EqualFold(k, name) {
					raw, ok = r, true
					break
				}
			}
		}
		if ok {
			lenientValue(raw, v.Field(i), depth+1)
		}
	}
	return true
}

func lenientValue(raw []byte, fv reflect.Value, depth int) {
	if json.Unmarshal(raw, fv.Addr().Interface()) == nil {
		return
	}
	fv.SetZero()
	switch fv.Kind() {
	case reflect.String:
		// A number or boolean where text belongs: keep its JSON text.
		if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] != '{' && t[0] != '[' && string(t) != "null" {
			fv.SetString(string(t))
		}
	case reflect.Struct:
		lenientUnmarshal(raw, fv, depth)
	case reflect.Slice:
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			// A list sent as a JSON-encoded string of a list.
			var s string
			if json.Unmarshal(raw, &s) != nil || json.Unmarshal([]byte(s), &elems) != nil {
				return
			}
		}
		out := reflect.MakeSlice(fv.Type(), 0, len(elems))
		for _, e := range elems {
			ev := reflect.New(fv.Type().Elem()).Elem()
			if json.Unmarshal(e, ev.Addr().Interface()) != nil {
				if ev.Kind() != reflect.Struct || !lenientUnmarshal(e, ev, depth) {
					continue
				}
			}
			out = reflect.Append(out, ev)
		}
		fv.Set(out)
	}
}
