package slackadapter

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/formatting/slackfmt"
)

func TestPlainText(t *testing.T) {
	for _, c := range []struct {
		name, in, bot string
		leading       bool
		want          string
	}{
		{"plain", "How do I reset my password?", "UBOT", false, "How do I reset my password?"},
		{"bot mention dropped", "<@UBOT> How do I reset my password?", "UBOT", true, "How do I reset my password?"},
		{"bot mention inside", "hey <@UBOT|kmbridge>, VPN?", "UBOT", false, "hey , VPN?"},
		{"unknown bot: leading mentions dropped", "<@UBOT> <@U2> hi <@U3|ann>", "", true, "hi @ann"},
		{"other mention with label", "ask <@U2|bob> about it", "UBOT", false, "ask @bob about it"},
		{"other mention without label", "ask <@U2> about it", "UBOT", false, "ask about it"},
		{"channel", "see <#C1|general>", "UBOT", false, "see #general"},
		{"special", "<!here> is the VPN down?", "UBOT", false, "@here is the VPN down?"},
		{"subteam", "<!subteam^S1|@it-team> help", "UBOT", false, "@it-team help"},
		{"date", "since <!date^1392734382^{date}|Feb 18, 2014>", "UBOT", false, "since Feb 18, 2014"},
		{"link with label", "read <https://x.example/a?b=1&amp;c=2|the guide>", "UBOT", false, "read the guide"},
		{"bare link", "read <https://x.example/a>", "UBOT", false, "read https://x.example/a"},
		{"mailto", "write <mailto:it@example.com|it@example.com>", "UBOT", false, "write it@example.com"},
		{"entities", "a &lt;b&gt; &amp;&amp; c", "UBOT", false, "a <b> && c"},
		{"double escaped stays once", "&amp;lt;", "UBOT", false, "&lt;"},
		{"white space", "  line one\n\nline\ttwo  ", "UBOT", false, "line one line two"},
		{"stray <", "a < b", "UBOT", false, "a < b"},
		{"cjk", "<@UBOT> 忘记密码怎么办？", "UBOT", true, "忘记密码怎么办？"},
		{"only a mention", "<@UBOT>", "UBOT", true, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := plainText(c.in, c.bot, c.leading); got != c.want {
				t.Errorf("plainText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{"<@UBOT> hi", "<#C1|x> <!here> <https://a|b>", "&amp;&lt;&gt;", "<<>>", "<@", "a\x00b", "<!date^1|>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := plainText(s, "UBOT", true)
		if strings.Contains(out, "<@UBOT") || strings.ContainsAny(out, "\n\t") || strings.TrimSpace(out) != out {
			t.Errorf("plainText(%q) = %q", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Errorf("invalid UTF-8 out of valid input")
		}
	})
}

// FuzzPlainMsgs: the fallback for a message that failed validation always
// passes validation itself and keeps every character.
func FuzzPlainMsgs(f *testing.F) {
	for _, s := range []string{"plain", "<!channel> & <b>", strings.Repeat("&", 4000), "> quote\n*bold*", strings.Repeat("😀", 2000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		var back strings.Builder
		for _, m := range plainMsgs(s) {
			if err := slackfmt.Validate(m); err != nil {
				t.Fatalf("plainMsgs(%q): %v", s, err)
			}
			back.WriteString(unescaper.Replace(m.Text))
		}
		if strings.TrimSpace(s) != "" && strings.Join(strings.Fields(back.String()), "") != strings.Join(strings.Fields(s), "") {
			t.Errorf("text lost: %q → %q", s, back.String())
		}
	})
}

func TestTruncU(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"short", 75, "short"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcde…"},
		{"😀😀😀😀", 6, "😀😀…"},
		{"😀😀😀", 6, "😀😀😀"},
	} {
		if got := truncU(c.in, c.max); got != c.want || lenU(got) > c.max {
			t.Errorf("truncU(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestCommandEvents(t *testing.T) {
	k := dmKey("D1", "", "U1")
	for _, c := range []struct{ in, want string }{
		{"", "command:help command:faq"},
		{"  FAQ ", "command:faq"},
		{"hot", "command:hot"},
		{"reset now", "command:reset"},
		{"human", "command:human"},
		{"how do I reset?", "message:how do I reset?"},
		{"faqs please", "message:faqs please"},
		{"<@U2|bob> vpn &amp; wifi", "message:@bob vpn & wifi"},
	} {
		var got []string
		for _, ev := range commandEvents(k, bridgeUser("U1"), c.in) {
			got = append(got, describe(ev))
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("commandEvents(%q) = %v, want %s", c.in, got, c.want)
		}
	}
}
