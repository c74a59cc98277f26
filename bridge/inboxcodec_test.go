package bridge

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
)

// Every event kind, with every field set, survives the inbox's JSON form.
func TestEventCodecRoundTrip(t *testing.T) {
	key := ConvKey{Platform: "telegram", Workspace: "w", Channel: "-100|7", Thread: "3", User: "%u"}
	user := UserInfo{ID: "42", Name: "Ann", Email: "ann@example.com", Locale: "ja"}
	rich, _ := formatting.ParseHTML(`<p><b>bold</b> <a href="https://example.com/a">link</a></p><ul><li>x</li></ul><pre>code</pre>`)
	for _, ev := range []Event{
		Message{Key: key, User: user, Text: "hello *there*", ID: "m1", Rich: rich,
			Files:   []Attachment{{Name: "a.png", MIME: "image/png", URL: "https://example.com/f/a.png", Size: 1234}, {Name: "b"}},
			ReplyTo: "m0"},
		Message{Key: key, Text: "plain"},
		Click{Key: key, User: user, Token: "tok", Ref: MsgRef{Key: key, ID: "171.2"}},
		Click{Key: key, User: user, Token: "tok"},
		Command{Key: key, User: user, Name: "faq", Arg: "billing"},
	} {
		b, err := encodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeEvent(b)
		if err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if !reflect.DeepEqual(got, ev) {
			t.Errorf("round trip of %T:\ngot  %#v\nwant %#v\nvia  %s", ev, got, ev, b)
		}
	}
}

// The stored form: pinned, since entries outlive the process that wrote them.
func TestEventCodecForm(t *testing.T) {
	b, err := encodeEvent(Click{Key: ConvKey{Platform: "slack", Channel: "C1"}, User: UserInfo{ID: "U1"}, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"click","key":{"Platform":"slack","Workspace":"","Channel":"C1","Thread":"","User":""},"user":{"ID":"U1","Name":"","Email":"","Locale":""},"token":"t"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestEventCodecRefuses(t *testing.T) {
	for _, in := range []string{``, `{}`, `{"kind":"poke"}`, `[1]`, `{"kind":"message","rich":[{"t":"blink"}]}`} {
		if ev, err := decodeEvent([]byte(in)); err == nil {
			t.Errorf("%q decoded as %#v", in, ev)
		}
	}
	if _, err := encodeEvent(nil); err == nil {
		t.Error("nil event encoded")
	}
}

// Whatever the store hands back, decoding never panics, and what it accepts
// encodes to the same event again.
func FuzzDecodeEvent(f *testing.F) {
	for _, ev := range []Event{
		Message{Key: ConvKey{Platform: "web", User: "u"}, Text: "hi", Rich: formatting.ParsePlain("hi\nthere")},
		Click{Key: ConvKey{Platform: "slack"}, Token: "t", Ref: MsgRef{ID: "1"}},
		Command{Key: ConvKey{Platform: "discord"}, Name: "reset"},
	} {
		b, _ := encodeEvent(ev)
		f.Add([]byte(b))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := decodeEvent(b)
		if err != nil {
			return
		}
		b2, err := encodeEvent(ev)
		if err != nil {
			t.Fatal(err)
		}
		ev2, err := decodeEvent(b2)
		if err != nil {
			t.Fatal(err)
		}
		b3, _ := encodeEvent(ev2)
		if !json.Valid(b3) || string(b2) != string(b3) {
			t.Fatalf("not stable:\n%s\n%s", b2, b3)
		}
	})
}
