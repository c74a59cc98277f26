package kmclient

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// allMsgTypes is every msgType Decode knows, plus the empty and an unknown one.
var allMsgTypes = []string{"", MsgRich, MsgPlain, MsgSelectiveList, MsgSelectiveTable, MsgShowProduct, MsgSelectiveProduct,
	MsgWechatImage, MsgAudio, MsgLink, MsgImage, MsgCustomCard, MsgTaskButton, MsgMap, MsgMiniAppsCard, "something_new"}

func FuzzAnsContentDecode(f *testing.F) {
	files, _ := filepath.Glob("testdata/answers/*.json")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var env struct {
			Data struct {
				AnsContent json.RawMessage `json:"ansContent"`
			} `json:"data"`
		}
		if json.Unmarshal(b, &env) == nil {
			f.Add([]byte(env.Data.AnsContent))
		}
	}
	for _, s := range []string{`""`, `null`, `"<p>hi</p>"`, `"{\"title\":1}"`, `{"optionList":[{"id":"x"}]}`, `{"rowNumber":"1.5"}`,
		`"\"{}\""`, `[]`, `{"cardList":[{"suggestList":[{"content":{}}]}]}`, `{"location":"91,0"}`, `"`, `{`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ac := NewAnsContent(data)
		_ = ac.String()
		_ = ac.IsZero()
		for _, mt := range allMsgTypes {
			c, err := ac.Decode(mt)
			if err == nil && c == nil {
				t.Fatalf("msgType %q: nil content without an error", mt)
			}
			if m, ok := c.(*Map); ok {
				m.LatLng()
			}
		}
		// The same bytes as a whole answer and as a multipleMessage element.
		for _, mt := range allMsgTypes {
			b, _ := json.Marshal(map[string]any{"msgType": mt, "ansContent": json.RawMessage(data),
				"multipleMessage": []any{map[string]any{"messageType": mt, "message": json.RawMessage(data)}}})
			var a Answer
			if json.Unmarshal(b, &a) == nil {
				_, _ = a.Content()
				for i := range a.MultipleMessage {
					_, _ = a.MultipleMessage[i].Content()
				}
			}
		}
	})
}

func FuzzSSE(f *testing.F) {
	f.Add(seedExample(f, "001 POST /v2/newChat", seedex.Stream), uint64(1))
	for _, s := range []string{
		"data: {\"message\":\"a\"}\r\n\r\ndata: [DONE]\r\n\r\n",
		"data:{\"content\":\"x\"}\r\rdata: {oops\n\ndata: \"s\"\n\n",
		": c\nevent: e\nid: 1\nretry: 9\ndata: {\"choices\":[{\"delta\":{\"content\":\"y\"}}]}\n",
		"data: {\"code\":400,\"message\":\"sessionId does not exist! Please reinitialize\",\"visible\":false}\n\n",
		"data: {\"code\":200,\"data\":{\"ansContent\":{\"a\":1},\"msgType\":\"map\"}}\n\n",
		"data: {\"a\":\ndata: 1}\n\ndata: 1\ndata: 2\n\n\r",
		"data: {\"ansContent\":\"x\",\"logId\":\"bad\"}\n\n",
	} {
		f.Add([]byte(s), uint64(len(s)))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		c := &Client{}
		whole := collect(streamOf(c, bytes.NewReader(data)))
		bytewise := collect(streamOf(c, iotest.OneByteReader(bytes.NewReader(data))))
		if !reflect.DeepEqual(whole, bytewise) {
			t.Fatalf("whole %+v\nbyte by byte %+v", whole, bytewise)
		}
		rng := rand.New(rand.NewPCG(seed, seed>>1))
		var cuts []int
		for pos := 0; len(data) > 0 && pos < len(data); {
			pos += 1 + rng.IntN(len(data))
			cuts = append(cuts, pos)
		}
		split := collect(streamOf(c, &chunkedReader{b: data, cuts: cuts}))
		if !reflect.DeepEqual(whole, split) {
			t.Fatalf("cuts %v\nwhole %+v\nsplit %+v", cuts, whole, split)
		}
	})
}
