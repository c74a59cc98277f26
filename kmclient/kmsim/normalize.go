package kmsim

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// normalize folds width (NFKC), case and punctuation so that "Wi-Fi password?" and
// "ｗｉｆｉ　ＰＡＳＳＷＯＲＤ" compare equal: hyphens and apostrophes join the letters
// around them, other punctuation and symbols become single spaces.
func normalize(s string) string {
	s = strings.ToValidUTF8(s, " ")
	for range 3 {
		// Lower-casing can leave text NFKC would change again (and vice versa);
		// repeat until stable so that normalize(normalize(s)) == normalize(s).
		n := fold(norm.NFKC.String(s))
		if n == s {
			break
		}
		s = n
	}
	return s
}

// fold lower-cases s, joins hyphenated words and turns other punctuation into
// single spaces.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // suppress leading and repeated spaces
	for _, r := range s {
		switch {
		case isJoiner(r):
			continue
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}

func isJoiner(r rune) bool {
	switch r {
	case '-', '\'', '’', '‘', '‐', '‑', '·':
		return true
	}
	return false
}

// isCJK reports whether r belongs to a script written without spaces between words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) || r == 'ー'
}

func hasCJK(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}

// isStopword reports words that carry no topic in helpdesk questions; dropping them
// keeps "how do I X" from matching every other "how do I Y".
func isStopword(w string) bool {
	switch w {
	case "a", "about", "am", "an", "and", "any", "are", "at", "be", "can", "could", "do",
		"does", "for", "from", "get", "have", "has", "how", "i", "im", "in", "is", "it",
		"me", "my", "need", "of", "on", "or", "our", "please", "should", "so", "some",
		"the", "there", "this", "to", "want", "we", "what", "whats", "when", "where",
		"which", "who", "why", "will", "with", "would", "you", "your", "tell", "know",
		"find", "like", "us", "its", "if", "just":
		return true
	}
	return false
}

// tokens splits normalised text into comparable units: stemmed non-stopwords for
// space-separated scripts, character bigrams for CJK runs. The result is sorted and
// has no duplicates.
func tokens(n string) []string {
	var out []string
	for _, word := range strings.Fields(n) {
		start := 0
		runes := []rune(word)
		for start < len(runes) {
			cjk := isCJK(runes[start])
			end := start + 1
			for end < len(runes) && isCJK(runes[end]) == cjk {
				end++
			}
			seg := runes[start:end]
			if cjk {
				if len(seg) == 1 {
					out = append(out, string(seg))
				}
				for i := 0; i+1 < len(seg); i++ {
					out = append(out, string(seg[i:i+2]))
				}
			} else if w := string(seg); !isStopword(w) {
				out = append(out, stem(w))
			}
			start = end
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// stem strips the commonest English inflections; crude, but "passwords",
// "printing" and "printed" then meet "password" and "print".
func stem(w string) string {
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		return w[:len(w)-3]
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		return w[:len(w)-2]
	case len(w) > 4 && strings.HasSuffix(w, "ies"):
		return w[:len(w)-3] + "y"
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us"):
		return w[:len(w)-1]
	}
	return w
}

// dice is the Sørensen–Dice coefficient of two sorted unique token lists.
func dice(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			common++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 2 * float64(common) / float64(len(a)+len(b))
}

// containsPhrase reports whether normalised text contains the normalised phrase p:
// as a substring for CJK, as whole words otherwise.
func containsPhrase(text, p string, cjk bool) bool {
	if p == "" {
		return false
	}
	if cjk {
		return strings.Contains(text, p)
	}
	return strings.Contains(" "+text+" ", " "+p+" ")
}

func newPhrase(s string) phrase {
	n := normalize(s)
	return phrase{norm: n, tokens: tokens(n)}
}
