package platforms

import "testing"

// A hot channel's answers are matched to users by their thread's root ts.
func TestSlackThreadUser(t *testing.T) {
	for _, u := range []int{0, 1, 999999, 1000000, 1234567} {
		if got := slackThreadUser(slackRootTS(u)); got != u {
			t.Errorf("user %d: root %s read back as user %d", u, slackRootTS(u), got)
		}
	}
	for _, ts := range []string{"", "1700000000.000001", "1800000000.000001", "1600000000.1", "1600000000", "x.000001", "1599999999.000001"} {
		if got := slackThreadUser(ts); got != -1 {
			t.Errorf("%q: user %d, want none", ts, got)
		}
	}
}
