// Package proc builds the programs under test and runs them as subprocesses,
// reading what the kernel knows of them (CPU time, peak RSS) from /proc.
package proc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, which
// Linux fixes at 100 on every architecture Go supports.
const clockTick = 10 * time.Millisecond

// parseStat returns utime+stime from the contents of /proc/<pid>/stat. The
// command name (field 2) may hold spaces and parentheses, so the fields are
// counted from the last ')'.
func parseStat(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("proc: stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state is field 3, utime field 14, stime field 15.
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("proc: stat: %d fields after the name", len(f))
	}
	u, err1 := strconv.ParseUint(f[utime], 10, 64)
	s, err2 := strconv.ParseUint(f[stime], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("proc: stat: %w", err)
	}
	return time.Duration(u+s) * clockTick, nil
}

// parseStatusKB returns the value of a "Key:   123 kB" line of
// /proc/<pid>/status, in bytes.
func parseStatusKB(b []byte, key string) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != key {
			continue
		}
		num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || unit != "kB" {
			return 0, fmt.Errorf("proc: status: %s: %q", key, v)
		}
		return n * 1024, nil
	}
	return 0, fmt.Errorf("proc: status: no %s", key)
}
