package discordfmt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"
)

func none() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

func btn(label, id string) discordgo.Button {
	return discordgo.Button{Label: label, CustomID: id, Style: discordgo.SecondaryButton}
}

func arow(cs ...discordgo.MessageComponent) discordgo.ActionsRow {
	return discordgo.ActionsRow{Components: cs}
}

// validateCase is a message for Validate and a substring of its error ("":
// valid).
type validateCase struct {
	name string
	m    *discordgo.MessageSend
	want string
}

func validateCases() []validateCase {
	ok := func() *discordgo.MessageSend { return &discordgo.MessageSend{Content: "hi", AllowedMentions: none()} }
	embed := func(e *discordgo.MessageEmbed) *discordgo.MessageSend {
		m := ok()
		m.Embeds = []*discordgo.MessageEmbed{e}
		return m
	}
	comps := func(cs ...discordgo.MessageComponent) *discordgo.MessageSend {
		m := ok()
		m.Components = cs
		return m
	}
	five := func(id string) []discordgo.MessageComponent {
		var out []discordgo.MessageComponent
		for i := 0; i < 5; i++ {
			out = append(out, btn("b", id+itoa(i)))
		}
		return out
	}
	opts := func(n int) []discordgo.SelectMenuOption {
		var out []discordgo.SelectMenuOption
		for i := 0; i < n; i++ {
			out = append(out, discordgo.SelectMenuOption{Label: "o", Value: "v" + itoa(i)})
		}
		return out
	}
	return []validateCase{
		{"valid", ok(), ""},
		{"nil", nil, "nil message"},
		{"content at limit", &discordgo.MessageSend{Content: strings.Repeat("日", 2000), AllowedMentions: none()}, ""},
		{"content over limit", &discordgo.MessageSend{Content: strings.Repeat("日", 2001), AllowedMentions: none()}, "content: 2001 characters"},
		{"empty", &discordgo.MessageSend{AllowedMentions: none()}, "message is empty"},
		{"blank", &discordgo.MessageSend{Content: " \n ", AllowedMentions: none()}, "message is empty"},
		{"components only is fine", &discordgo.MessageSend{AllowedMentions: none(), Components: []discordgo.MessageComponent{arow(btn("a", "a"))}}, ""},
		{"no allowed mentions", &discordgo.MessageSend{Content: "x"}, "allowed_mentions missing"},
		{"null parse", &discordgo.MessageSend{Content: "x", AllowedMentions: &discordgo.MessageAllowedMentions{}}, "parse is null"},
		{"parse everyone", &discordgo.MessageSend{Content: "x", AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeEveryone}}}, "allows mentions"},
		{"users allowed", &discordgo.MessageSend{Content: "x", AllowedMentions: &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, Users: []string{"1"}}}, "allows mentions"},
		{"11 embeds", func() *discordgo.MessageSend {
			m := ok()
			for i := 0; i < 11; i++ {
				m.Embeds = append(m.Embeds, &discordgo.MessageEmbed{Title: "t"})
			}
			return m
		}(), "embeds: 11"},
		{"title", embed(&discordgo.MessageEmbed{Title: strings.Repeat("t", 257)}), "title: 257"},
		{"description", embed(&discordgo.MessageEmbed{Description: strings.Repeat("d", 4097)}), "description: 4097"},
		{"26 fields", embed(&discordgo.MessageEmbed{Title: "t", Fields: func() (fs []*discordgo.MessageEmbedField) {
			for i := 0; i < 26; i++ {
				fs = append(fs, &discordgo.MessageEmbedField{Name: "n", Value: "v"})
			}
			return
		}()}), "fields: 26"},
		{"field name", embed(&discordgo.MessageEmbed{Fields: []*discordgo.MessageEmbedField{{Name: strings.Repeat("n", 257), Value: "v"}}}), "name: 257"},
		{"field value", embed(&discordgo.MessageEmbed{Fields: []*discordgo.MessageEmbedField{{Name: "n", Value: strings.Repeat("v", 1025)}}}), "value: 1025"},
		{"empty field", embed(&discordgo.MessageEmbed{Fields: []*discordgo.MessageEmbedField{{Name: "n"}}}), "must not be empty"},
		{"footer", embed(&discordgo.MessageEmbed{Footer: &discordgo.MessageEmbedFooter{Text: strings.Repeat("f", 2049)}}), "footer.text: 2049"},
		{"author", embed(&discordgo.MessageEmbed{Author: &discordgo.MessageEmbedAuthor{Name: strings.Repeat("a", 257)}}), "author.name: 257"},
		{"6000 total", func() *discordgo.MessageSend {
			m := ok()
			for i := 0; i < 2; i++ {
				m.Embeds = append(m.Embeds, &discordgo.MessageEmbed{Description: strings.Repeat("d", 3001)})
			}
			return m
		}(), "6002 characters in total"},
		{"empty embed", embed(&discordgo.MessageEmbed{}), "empty embed"},
		{"javascript url", embed(&discordgo.MessageEmbed{Title: "t", URL: "javascript:alert(1)"}), "not an http(s) URL"},
		{"data image", embed(&discordgo.MessageEmbed{Image: &discordgo.MessageEmbedImage{URL: "data:image/png;base64,AA"}}), "image.url"},
		{"6 rows", comps(arow(btn("a", "1")), arow(btn("a", "2")), arow(btn("a", "3")), arow(btn("a", "4")), arow(btn("a", "5")), arow(btn("a", "6"))), "6 action rows"},
		{"6 buttons", comps(arow(append(five("x"), btn("b", "y"))...)), "6 buttons"},
		{"button at top level", comps(btn("a", "a")), "only action rows"},
		{"pointer rows are fine", comps(&discordgo.ActionsRow{Components: []discordgo.MessageComponent{&discordgo.Button{Label: "a", CustomID: "a", Style: 1}}}), ""},
		{"nested row", comps(arow(arow(btn("a", "a")))), "inside an action row"},
		{"empty row", comps(arow()), "empty action row"},
		{"label", comps(arow(btn(strings.Repeat("l", 81), "a"))), "label: 81"},
		{"no label", comps(arow(btn("", "a"))), "label or an emoji"},
		{"emoji instead of label", comps(arow(discordgo.Button{Emoji: &discordgo.ComponentEmoji{Name: "👍"}, CustomID: "a", Style: 1})), ""},
		{"custom_id", comps(arow(btn("a", strings.Repeat("i", 101)))), "custom_id: 101"},
		{"no custom_id", comps(arow(btn("a", ""))), "empty custom_id"},
		{"duplicate custom_id", comps(arow(btn("a", "x")), arow(btn("b", "x"))), "used twice"},
		{"link button with id", comps(arow(discordgo.Button{Label: "a", Style: discordgo.LinkButton, URL: "https://x.example", CustomID: "x"})), "no custom_id"},
		{"link button bad url", comps(arow(discordgo.Button{Label: "a", Style: discordgo.LinkButton, URL: "ftp://x"})), "not an http(s) URL"},
		{"link button long url", comps(arow(discordgo.Button{Label: "a", Style: discordgo.LinkButton, URL: "https://x.example/" + strings.Repeat("p", 500)})), "url: 518"},
		{"url on action button", comps(arow(discordgo.Button{Label: "a", Style: 1, CustomID: "a", URL: "https://x.example"})), "only link buttons"},
		{"premium style", comps(arow(discordgo.Button{Label: "a", Style: discordgo.PremiumButton})), "style 6"},
		{"select and button", comps(arow(discordgo.SelectMenu{CustomID: "s", Options: opts(1)}, btn("a", "a"))), "alone in its row"},
		{"select 26 options", comps(arow(discordgo.SelectMenu{CustomID: "s", Options: opts(26)})), "26 options"},
		{"select no options", comps(arow(discordgo.SelectMenu{CustomID: "s"})), "0 options"},
		{"select option label", comps(arow(discordgo.SelectMenu{CustomID: "s", Options: []discordgo.SelectMenuOption{{Label: strings.Repeat("l", 101), Value: "v"}}})), "label: 101"},
		{"select duplicate values", comps(arow(discordgo.SelectMenu{CustomID: "s", Options: []discordgo.SelectMenuOption{{Label: "a", Value: "v"}, {Label: "b", Value: "v"}}})), "used twice in the menu"},
		{"select placeholder", comps(arow(discordgo.SelectMenu{CustomID: "s", Placeholder: strings.Repeat("p", 151), Options: opts(1)})), "placeholder: 151"},
		{"user select", comps(arow(discordgo.SelectMenu{MenuType: discordgo.UserSelectMenu, CustomID: "s", Options: opts(1)})), "only string select"},
		{"select id clashes with button", comps(arow(btn("a", "s")), arow(discordgo.SelectMenu{CustomID: "s", Options: opts(1)})), "used twice"},
		{"many at once", func() *discordgo.MessageSend {
			long := strings.Repeat("x", 300)
			m := &discordgo.MessageSend{Content: strings.Repeat("c", 2001)}
			m.Embeds = []*discordgo.MessageEmbed{
				{Title: "t"},
				nil,
				{Title: long, URL: "ftp://x", Fields: []*discordgo.MessageEmbedField{nil, {Name: long, Value: ""}, {Name: "n", Value: strings.Repeat("v", 1100)}},
					Footer: &discordgo.MessageEmbedFooter{Text: " ", IconURL: "data:x"},
					Author: &discordgo.MessageEmbedAuthor{Name: "", URL: "javascript:x", IconURL: "ftp://y"},
					Image:  &discordgo.MessageEmbedImage{}, Thumbnail: &discordgo.MessageEmbedThumbnail{URL: "file:///etc"}},
			}
			var nilRow *discordgo.ActionsRow
			min := -1
			m.Components = []discordgo.MessageComponent{
				arow(btn("a", "x"), &discordgo.Button{Label: long, Style: discordgo.LinkButton, URL: "https://e.com/" + long, CustomID: "y"}, btn("", "x")),
				arow(discordgo.SelectMenu{CustomID: "x", Placeholder: long, MaxValues: 30, MinValues: &min, Options: []discordgo.SelectMenuOption{
					{Label: "", Value: "v"}, {Label: long, Value: "v", Description: long}, {Label: "l", Value: long}}}),
				nilRow,
				arow(&discordgo.SelectMenu{MenuType: discordgo.RoleSelectMenu, CustomID: ""}, discordgo.TextInput{}),
				btn("top", "z"),
				arow(discordgo.Button{Label: "p", Style: discordgo.PremiumButton}, discordgo.Button{Label: "u", Style: 1, URL: "https://e.com", CustomID: strings.Repeat("i", 101)}),
			}
			return m
		}(), "embeds[2].fields[1]"},
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range validateCases() {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.m)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && err == nil:
				t.Fatalf("no error, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestValidateReports pins what Validate says about every invalid case, so that
// making it cheaper for valid messages does not change its reports.
func TestValidateReports(t *testing.T) {
	var b strings.Builder
	for _, tc := range validateCases() {
		if err := Validate(tc.m); err != nil {
			fmt.Fprintf(&b, "== %s\n%v\n", tc.name, err)
		}
	}
	path := filepath.Join("testdata", "validate_reports.golden")
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("Validate's reports changed:\n--- got\n%s--- want\n%s", got, want)
	}
}

// TestValidateAllocatesNothing: the adapter validates every message it sends.
func TestValidateAllocatesNothing(t *testing.T) {
	out := Render(typicalAnswer())
	out = append(out, &discordgo.MessageSend{Content: "x", AllowedMentions: none(), Components: []discordgo.MessageComponent{
		arow(discordgo.Button{Label: "a", Style: discordgo.LinkButton, URL: "https://help.example.com/billing?x=1"})}})
	for _, m := range out {
		if n := testing.AllocsPerRun(20, func() {
			if err := Validate(m); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Validate allocates %v times for a valid message", n)
		}
	}
}
