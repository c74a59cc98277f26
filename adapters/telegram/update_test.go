package telegramadapter

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
)

const (
	tBot     = 777
	tBotName = "kmhelp_bot"
)

func testClassifier() *classifier {
	return &classifier{
		botID: tBot, botName: tBotName, scope: bridge.ScopeUser,
		replyKey: func(k bridge.ConvKey, text string) (string, bool) {
			if k.User == "1" && text == "Large room" {
				return "tokLarge", true
			}
			return "", false
		},
		inline: func(user, text string) (string, bool) {
			if user == "1" && text == "How do I reset my password?" {
				return "tokHint", true
			}
			return "", false
		},
		fileURL: func(id string) string { return "https://bridge.example/telegram/file/" + id },
	}
}

const (
	from      = `"from":{"id":1,"is_bot":false,"first_name":"Ann","last_name":"Lee","language_code":"ja"}`
	dm        = `"chat":{"id":1,"type":"private"}`
	grp       = `"chat":{"id":-100,"type":"supergroup"}`
	botFrom   = `"from":{"id":777,"is_bot":true,"first_name":"Bot","username":"kmhelp_bot"}`
	viaBot    = `"via_bot":{"id":777,"is_bot":true,"first_name":"Bot","username":"kmhelp_bot"}`
	mentionEn = `"entities":[{"type":"mention","offset":0,"length":11}]`
)

func msg(fields ...string) string {
	return `{"update_id":1,"message":{"message_id":10,"date":1,` + strings.Join(fields, ",") + `}}`
}

func TestClassify(t *testing.T) {
	dmKey := bridge.ConvKey{Platform: Platform, Channel: "1", User: "1"}
	grpKey := bridge.ConvKey{Platform: Platform, Channel: "-100", User: "1"}
	topicKey := bridge.ConvKey{Platform: Platform, Channel: "-100", Thread: "5", User: "1"}
	user := bridge.UserInfo{ID: "1", Name: "Ann Lee", Locale: "ja"}
	topic9Key := bridge.ConvKey{Platform: Platform, Channel: "-100", Thread: "9", User: "1"}
	link := func(id string) string { return "https://bridge.example/telegram/file/" + id }
	tests := []struct {
		name string
		raw  string
		kind inKind
		ev   bridge.Event
	}{
		{"private text", msg(dm, from, `"text":"  hello  "`), inEvent,
			bridge.Message{Key: dmKey, User: user, Text: "hello", ID: "10"}},
		{"private command", msg(dm, from, `"text":"/FAQ"`), inEvent,
			bridge.Command{Key: dmKey, User: user, Name: "faq"}},
		{"private unknown command goes to the core", msg(dm, from, `"text":"/foo bar"`), inEvent,
			bridge.Command{Key: dmKey, User: user, Name: "foo", Arg: "bar"}},
		{"command for us", msg(grp, from, `"text":"/help@KMhelp_bot"`), inEvent,
			bridge.Command{Key: grpKey, User: user, Name: "help"}},
		{"command for another bot", msg(grp, from, `"text":"/help@other_bot"`), inIgnore, nil},
		{"unknown command in a group", msg(grp, from, `"text":"/ban someone"`), inIgnore, nil},
		{"start with payload", msg(dm, from, `"text":"/start reset_my_password"`), inEvent,
			bridge.Command{Key: dmKey, User: user, Name: "start", Arg: "reset my password"}},
		{"group chatter", msg(grp, from, `"text":"hi all"`), inIgnore, nil},
		{"group mention", msg(grp, from, `"text":"@kmhelp_bot what is VPN?"`, mentionEn), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "what is VPN?", ID: "10"}},
		{"mention without entities", msg(grp, from, `"text":"hey @KMHELP_BOT, what is VPN?"`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "hey what is VPN?", ID: "10"}},
		{"mention of someone else", msg(grp, from, `"text":"@alice what is VPN?"`, `"entities":[{"type":"mention","offset":0,"length":6}]`), inIgnore, nil},
		{"text mention", msg(grp, from, `"text":"Bot what is VPN?"`, `"entities":[{"type":"text_mention","offset":0,"length":3,"user":{"id":777,"is_bot":true,"first_name":"Bot"}}]`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "what is VPN?", ID: "10"}},
		{"mention after an emoji (UTF-16 offsets)", msg(grp, from, `"text":"😀 @kmhelp_bot VPN?"`, `"entities":[{"type":"mention","offset":3,"length":11}]`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "😀 VPN?", ID: "10"}},
		{"bad entity offsets are ignored", msg(grp, from, `"text":"hi VPN?"`, `"entities":[{"type":"mention","offset":5,"length":99}]`), inIgnore, nil},
		{"a bad entity falls back to the text", msg(grp, from, `"text":"@kmhelp_bot VPN?"`, `"entities":[{"type":"mention","offset":-1,"length":3}]`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "VPN?", ID: "10"}},
		{"bare mention asks for help", msg(grp, from, `"text":"@kmhelp_bot"`, mentionEn), inEvent,
			bridge.Command{Key: grpKey, User: user, Name: "help"}},
		{"reply to the bot", msg(grp, from, `"text":"and VPN?"`, `"reply_to_message":{"message_id":9,"date":1,`+grp+`,`+botFrom+`}`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "and VPN?", ID: "10", ReplyTo: "9"}},
		{"topic root by the bot is no reply: only for a joined topic", msg(grp, from, `"text":"and VPN?"`, `"message_thread_id":9,"is_topic_message":true`,
			`"reply_to_message":{"message_id":9,"date":1,`+grp+`,`+botFrom+`}`), inEvent,
			bridge.Message{Key: topic9Key, User: user, Text: "and VPN?", ID: "10"}},
		{"reply to someone else in a group", msg(grp, from, `"text":"and VPN?"`, `"reply_to_message":{"message_id":8,"date":1,`+grp+`,`+from+`}`), inIgnore, nil},
		{"a file in a forum topic, not addressed: only for a joined topic", msg(grp, from, `"message_thread_id":9,"is_topic_message":true`,
			`"document":{"file_id":"d1","file_unique_id":"u","file_name":"log.txt","mime_type":"text/plain","file_size":12}`), inEvent,
			bridge.Message{Key: topic9Key, User: user, ID: "10",
				Files: []bridge.Attachment{{Name: "log.txt", MIME: "text/plain", Size: 12, URL: link("d1")}}}},
		{"a sticker in a forum topic, not addressed", msg(grp, from, `"message_thread_id":9,"is_topic_message":true`,
			`"sticker":{"file_id":"x","file_unique_id":"y","width":1,"height":1,"is_animated":false}`), inIgnore, nil},
		{"a photo in a group, not addressed", msg(grp, from, `"photo":[{"file_id":"x","file_unique_id":"y","width":1,"height":1}]`), inIgnore, nil},
		{"formatting becomes rich text, the mention left out", msg(grp, from, `"text":"@kmhelp_bot use *this* link"`,
			`"entities":[{"type":"mention","offset":0,"length":11},{"type":"bold","offset":16,"length":6},{"type":"text_link","offset":23,"length":4,"url":"https://e.com/x"}]`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "use *this* link", ID: "10", Rich: formatting.Rich{&formatting.Para{Spans: []formatting.Span{
				{Text: "use "}, {Text: "*this*", Marks: formatting.Bold}, {Text: " "}, {Text: "link", Link: "https://e.com/x"}}}}}},
		{"forum topic", msg(grp, from, `"text":"@kmhelp_bot VPN?"`, mentionEn, `"message_thread_id":5,"is_topic_message":true`), inEvent,
			bridge.Message{Key: topicKey, User: user, Text: "VPN?", ID: "10"}},
		{"reply thread outside a forum is no topic", msg(grp, from, `"text":"@kmhelp_bot VPN?"`, mentionEn, `"message_thread_id":5`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "VPN?", ID: "10"}},
		{"reply keyboard press in a group", msg(grp, from, `"text":"Large room"`), inEvent,
			bridge.Click{Key: grpKey, User: user, Token: "tokLarge"}},
		{"inline result chosen in private", msg(dm, from, viaBot, `"text":"How do I reset my password?"`), inEvent,
			bridge.Click{Key: dmKey, User: user, Token: "tokHint"}},
		{"inline result posted in a group is asked", msg(grp, from, viaBot, `"text":"How do I reset my password?"`), inEvent,
			bridge.Message{Key: grpKey, User: user, Text: "How do I reset my password?", ID: "10"}},
		{"sticker in private", msg(dm, from, `"sticker":{"file_id":"x","file_unique_id":"y","width":1,"height":1,"is_animated":false}`), inNonText, nil},
		{"voice in a group, not addressed", msg(grp, from, `"voice":{"file_id":"x","file_unique_id":"y","duration":1}`), inIgnore, nil},
		{"voice replying to the bot", msg(grp, from, `"voice":{"file_id":"x","file_unique_id":"y","duration":1,"mime_type":"audio/ogg"}`, `"reply_to_message":{"message_id":9,"date":1,`+grp+`,`+botFrom+`}`), inEvent,
			bridge.Message{Key: grpKey, User: user, ID: "10", ReplyTo: "9", Files: []bridge.Attachment{{MIME: "audio/ogg", URL: link("x")}}}},
		{"caption is the question", msg(dm, from, `"photo":[{"file_id":"small","file_unique_id":"y","width":90,"height":90},{"file_id":"big","file_unique_id":"z","width":800,"height":600,"file_size":5000}]`, `"caption":"VPN?"`), inEvent,
			bridge.Message{Key: dmKey, User: user, Text: "VPN?", ID: "10",
				Files: []bridge.Attachment{{MIME: "image/jpeg", Size: 5000, URL: link("big")}}}},
		{"service message", msg(dm, from, `"pinned_message":{"message_id":3,"date":1,`+dm+`}`), inIgnore, nil},
		{"from a bot", msg(dm, botFrom, `"text":"hi"`), inIgnore, nil},
		{"channel post chat", msg(`"chat":{"id":-5,"type":"channel"}`, from, `"text":"hi"`), inIgnore, nil},
		{"no sender", msg(grp, `"text":"hi"`), inIgnore, nil},
		{"edited message", `{"update_id":1,"edited_message":{"message_id":1,"date":1,` + dm + `,` + from + `,"text":"x"}}`, inIgnore, nil},
		{"callback", `{"update_id":1,"callback_query":{"id":"q","chat_instance":"c","data":"tok",` + from + `,"message":{"message_id":7,"date":1,` + grp + `,"message_thread_id":5,"is_topic_message":true}}}`, inCallback,
			bridge.Click{Key: topicKey, User: user, Token: "tok", Ref: bridge.MsgRef{Key: topicKey, ID: "7"}}},
		{"callback on the chosen marker", `{"update_id":1,"callback_query":{"id":"q","chat_instance":"c","data":"kmb:chosen",` + from + `,"message":{"message_id":7,"date":1,` + dm + `}}}`, inCallback, nil},
		{"callback on a header row", `{"update_id":1,"callback_query":{"id":"q","chat_instance":"c","data":"` + tgfmt.NoopData + `",` + from + `,"message":{"message_id":7,"date":1,` + grp + `}}}`, inCallback, nil},
		{"callback on an inline message", `{"update_id":1,"callback_query":{"id":"q","chat_instance":"c","data":"tok","inline_message_id":"im",` + from + `}}`, inCallback, nil},
		{"inline query", `{"update_id":1,"inline_query":{"id":"q","query":"vpn","offset":"",` + from + `}}`, inInline, nil},
	}
	// Delivered only when the topic is one the bridge takes part in.
	ifJoined := map[string]bool{
		"topic root by the bot is no reply: only for a joined topic":      true,
		"a file in a forum topic, not addressed: only for a joined topic": true,
	}
	c := testClassifier()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := decodeUpdate([]byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			in := c.classify(u)
			if in.kind != tt.kind {
				t.Fatalf("kind = %d (%s), want %d", in.kind, in.why, tt.kind)
			}
			if !reflect.DeepEqual(in.ev, tt.ev) {
				t.Errorf("event =\n %#v\nwant\n %#v", in.ev, tt.ev)
			}
			if in.ifJoined != ifJoined[tt.name] {
				t.Errorf("ifJoined = %v, want %v", in.ifJoined, ifJoined[tt.name])
			}
			if in.ifJoined {
				want := bridge.ConvKey{Platform: Platform, Channel: in.key.Channel, Thread: in.key.Thread}
				if in.thread != want {
					t.Errorf("thread = %v, want %v (the topic under ScopeThread)", in.thread, want)
				}
			}
		})
	}
}

func TestDecodeUpdateRejectsGarbage(t *testing.T) {
	for _, raw := range []string{``, `[]`, `{"update_id":"x"}`, `{"message":{"message_thread_id":"x"}}`} {
		if _, err := decodeUpdate([]byte(raw)); err == nil {
			t.Errorf("decodeUpdate(%q): no error", raw)
		}
	}
}

func TestDeepLinkQuestion(t *testing.T) {
	tests := map[string]string{
		"":                                     "",
		"inline":                               "",
		"reset_my_password":                    "reset my password",
		"how do I reset":                       "how do I reset",
		"b64-5b+Y6K6w5a+G56CB5oCO5LmI5Yqe77yf": "b64-5b+Y6K6w5a+G56CB5oCO5LmI5Yqe77yf", // not base64url
		"b64-5b-Y6K6w5a-G56CB5oCO5LmI5Yqe77yf": "忘记密码怎么办？",
		"b64-_w":                               "b64- w", // not UTF-8: taken literally
		"_":                                    "",
		"ref_campaign-42":                      "ref campaign-42",
		"b64-V2hhdCBpcyB0aGUgV2ktRmkgcGFzc3dvcmQ_": "What is the Wi-Fi password?",
	}
	for in, want := range tests {
		if got := deepLinkQuestion(in); got != want {
			t.Errorf("deepLinkQuestion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in                string
		name, arg, target string
		ok                bool
	}{
		{"/start", "start", "", "", true},
		{"/Start@Bot payload here", "start", "payload here", "Bot", true},
		{"/faq\nmore", "faq", "more", "", true},
		{"/", "", "", "", false},
		{"/with-dash", "", "", "", false},
		{"/a@", "", "", "", false},
		{"/" + strings.Repeat("a", 33), "", "", "", false},
		{"hello /faq", "", "", "", false},
	}
	for _, tt := range tests {
		n, a, tg, ok := parseCommand(tt.in)
		if n != tt.name || a != tt.arg || tg != tt.target || ok != tt.ok {
			t.Errorf("parseCommand(%q) = %q %q %q %v", tt.in, n, a, tg, ok)
		}
	}
}

func FuzzClassify(f *testing.F) {
	f.Add([]byte(msg(grp, from, `"text":"😀 @kmhelp_bot VPN?"`, `"entities":[{"type":"mention","offset":3,"length":11}]`)))
	f.Add([]byte(msg(dm, from, `"text":"/start b64-5b-Y"`)))
	f.Add([]byte(`{"update_id":1,"callback_query":{"id":"q","data":"tok","from":{"id":1},"message":{"message_id":7,"chat":{"id":1,"type":"private"},"reply_markup":{"inline_keyboard":[[{"text":"a","callback_data":"tok"}]]}}}}`))
	c := testClassifier()
	f.Fuzz(func(t *testing.T, raw []byte) {
		u, err := decodeUpdate(raw)
		if err != nil {
			return
		}
		in := c.classify(u)
		if in.kind == inEvent && in.ev == nil {
			t.Fatalf("event kind without an event")
		}
		if m, ok := in.ev.(bridge.Message); ok && strings.TrimSpace(m.Text) == "" {
			t.Fatalf("empty message event")
		}
		if _, err := json.Marshal(in.key); err != nil {
			t.Fatal(err)
		}
	})
}
