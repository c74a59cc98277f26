package formatting_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// scalarBase is a valid chat answer in the shape of the 001 seed's /v1/chat
// response, with the fields KM adds around an answer. Its text is in ansContent and
// repeated, message by message, in multipleMessage (as KM does with
// multipleMessageFlag 1): those strings are what must always reach the user.
const scalarBase = `{"code":200,"message":"OK","visible":false,"data":{
 "sessionId":451714,"logId":793005,"enableAppraise":true,"ansType":1,"msgType":"rich",
 "ansContent":"<p>Restart the router</p><p>Wait one minute</p>",
 "hitQuestion":"Internet is down","switchStaffType":1,"switchStaffAnswer":"Ask a person",
 "suggestQuestionList":[{"id":8657,"content":"Where is the router?","type":1,"answer":{"content":"<p>Desk</p>","type":2,"id":4442,"deleteFlag":0}}],
 "restrictionState":{"exceededFlag":0,"usedCount":32,"totalCount":1000000},
 "aid":4441,"attachmentList":[{"name":"guide.pdf","address":"https://files.example/guide.pdf","size":18183}],
 "customerServiceId":"77","customerServiceStatus":0,"multipleMessageFlag":1,
 "multipleMessage":[{"messageType":"rich","message":"<p>Restart the router</p>","aid":1},
                    {"messageType":1,"message":"Wait one minute","aid":2}]}}`

// scalarTexts are the answer's texts; their leaves are never mutated.
var scalarTexts = []string{"Restart the router", "Wait one minute"}

func isTextLeaf(path string) bool {
	return path == "ansContent" || strings.HasPrefix(path, "multipleMessage[") && strings.HasSuffix(path, "].message")
}

// FuzzScalarTypes turns the scalars of a valid chat answer into other JSON types
// (number ↔ string ↔ boolean ↔ null), decodes it through the client and converts
// it with FromKM: the answer's text must always reach the neutral model.
func FuzzScalarTypes(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{1}, 64))
	f.Add(bytes.Repeat([]byte{2, 3, 4, 5}, 16))
	f.Add([]byte("\x05\x04\x03\x02\x01\x00\x05\x05\x04\x04\x03\x03\x02\x02\x01\x01\x00\x00\xff\xfe\xfd"))
	f.Fuzz(func(t *testing.T, muts []byte) {
		body := mutateScalars(t, []byte(scalarBase), muts)
		var a kmclient.Answer
		if _, err := kmclient.DecodeResponse(body, &a, nil); err != nil {
			t.Fatalf("the answer was lost to a type: %v\n%s", err, body)
		}
		m, _ := formatting.FromKM(&a, fuzzOptions()) // errors are fine; a lost text is not
		dump := formatting.Dump(m)
		for _, text := range scalarTexts {
			for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
				if !strings.Contains(dump, w) {
					t.Fatalf("%q of %q did not reach the message\nbody %s\nmessage\n%s", w, text, body, dump)
				}
			}
		}
		renderAll(t, m)
	})
}

// mutateScalars rewrites the scalars of body's data (in a fixed order: sorted keys,
// array order), each by the next byte of muts: keep, a number, the value as a
// string, a boolean, null, or its number/string twin. Text leaves are kept.
func mutateScalars(t *testing.T, body, muts []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var env map[string]any
	if err := dec.Decode(&env); err != nil {
		t.Fatal(err)
	}
	i := 0
	next := func() byte {
		if i >= len(muts) {
			return 0
		}
		i++
		return muts[i-1]
	}
	var walk func(v any, path string) any
	walk = func(v any, path string) any {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if path != "" {
					p = path + "." + k
				}
				x[k] = walk(x[k], p)
			}
			return x
		case []any:
			for n := range x {
				x[n] = walk(x[n], fmt.Sprintf("%s[%d]", path, n))
			}
			return x
		}
		if isTextLeaf(path) {
			return v
		}
		return mutate(v, next())
	}
	env["data"] = walk(env["data"], "")
	out, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mutate(v any, b byte) any {
	switch b % 6 {
	case 1:
		return json.Number(strconv.Itoa(int(b) - 100))
	case 2:
		switch x := v.(type) {
		case json.Number:
			return x.String()
		case bool:
			return strconv.FormatBool(x)
		}
		return v
	case 3:
		return b&8 != 0
	case 4:
		return nil
	case 5:
		switch x := v.(type) {
		case json.Number:
			return x.String()
		case string:
			if _, err := strconv.ParseFloat(x, 64); err == nil {
				return json.Number(x)
			}
			return json.Number(strconv.Itoa(int(b)))
		case bool:
			if x {
				return json.Number("1")
			}
			return json.Number("0")
		}
	}
	return v
}
