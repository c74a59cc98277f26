package config

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// EnvConfigFile names the configuration file; it is read by the command line,
// not by Load, and is the one KMBRIDGE_ variable that is not a key.
const EnvConfigFile = EnvPrefix + "CONFIG"

// CheckEnvNames returns an error for every name in names (the process's
// environment variable names) that starts with KMBRIDGE_ but is not a
// configuration key, naming the closest valid key. A misspelt variable is
// otherwise ignored silently, and the default it leaves in place (an empty
// km.base_url, say) is not what the operator meant.
func CheckEnvNames(names []string) error {
	known := EnvKeys()
	paths := make(map[string]string, len(known))
	walk(reflect.ValueOf(&Config{}).Elem(), func(env, path string, _ reflect.Value, _ reflect.StructField) { paths[env] = path })
	known = append(known, EnvConfigFile)

	var errs []error
	seen := map[string]bool{}
	for _, name := range names {
		if !strings.HasPrefix(name, EnvPrefix) || slices.Contains(known, name) || seen[name] {
			continue
		}
		seen[name] = true
		msg := fmt.Sprintf("%s is not a kmbridge setting", name)
		if best, ok := closest(name, known); ok {
			if p := paths[best]; p != "" {
				msg += fmt.Sprintf("; did you mean %s (%s)?", best, p)
			} else {
				msg += fmt.Sprintf("; did you mean %s?", best)
			}
		} else {
			msg += "; the variables are KMBRIDGE_<SECTION>_<KEY> for the keys in README.md, \"Configuration\""
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// closest returns the candidate nearest to name by edit distance, if it is near
// enough to be a plausible typo: at most half of the name after the prefix
// (so KMBRIDGE_FOO suggests nothing rather than something arbitrary).
func closest(name string, candidates []string) (string, bool) {
	suffix := strings.TrimPrefix(name, EnvPrefix)
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(suffix, strings.TrimPrefix(c, EnvPrefix))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(len(suffix)/2, 2)
	return best, bestD >= 0 && bestD <= limit
}

// editDistance is the Levenshtein distance between a and b, over bytes (the
// names are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
