package where

import "testing"

func TestPlace(t *testing.T) {
	for _, c := range []struct {
		p    Place
		want string
	}{
		{Place{}, ""},
		{Place{}.At("html", -1), "html"},
		{Place{}.At("actions element", 0).At("option", 2).At("text", -1), "actions element 0 option 2 text"},
		{Place{}.At("part", 3).Note("card").At("field", 1), "part 3 (card) field 1"},
		{Place{}.At("a", 1).At("b", 2).At("c", 3).At("d", 4).At("e", 5), "a 1 b 2 c 3 d 4"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = Place{}.At("part", 3).Note("card").At("field", 1) }); n != 0 {
		t.Errorf("building a Place allocates %v times", n)
	}
}

func TestPath(t *testing.T) {
	for _, c := range []struct {
		p    Place
		want string
	}{
		{Place{}, ""},
		{Place{}.At("content", -1), "content"},
		{Place{}.At("embeds", 2).At("fields", 1).At("name", -1), "embeds[2].fields[1].name"},
		{Place{}.At("embeds", 0).At("footer", -1).At("icon_url", -1), "embeds[0].footer.icon_url"},
		{Place{}.At("components", 1).At("components", 0).At("options", 12).At("label", -1), "components[1].components[0].options[12].label"},
	} {
		if got := c.p.Path(); got != c.want {
			t.Errorf("Path() = %q, want %q", got, c.want)
		}
	}
}
