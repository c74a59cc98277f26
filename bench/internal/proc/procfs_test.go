package proc

import (
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	// A command name with spaces and a ')' inside, as the kernel shows it.
	line := "4242 (km bridge) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 37 0 0 20 0 9 0 100 1000000 2000 18446744073709551615\n"
	got, err := parseStat([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := 287 * 10 * time.Millisecond; got != want {
		t.Errorf("parseStat = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "12 (x", "12 (x) S 1 2", "12 (x) S 1 2 3 4 5 6 7 8 9 10 a b"} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q): no error", bad)
		}
	}
}

func TestParseStatusKB(t *testing.T) {
	status := "Name:\tkmbridge\nVmPeak:\t  900000 kB\nVmHWM:\t   22528 kB\nVmRSS:\t   20000 kB\n"
	got, err := parseStatusKB([]byte(status), "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	if got != 22528*1024 {
		t.Errorf("VmHWM = %d", got)
	}
	if _, err := parseStatusKB([]byte(status), "VmSwap"); err == nil {
		t.Error("missing key: no error")
	}
	if _, err := parseStatusKB([]byte("VmHWM: many"), "VmHWM"); err == nil {
		t.Error("bad value: no error")
	}
}
