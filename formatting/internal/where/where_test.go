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
