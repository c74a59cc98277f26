// Package where names a place in a rendered message for a validator's report
// ("actions element 0 option 2 text", "part 3 (card) field 1", or as a JSON
// path, "embeds[2].fields[1].name"). A Place holds
// no pointer, so that building one and passing it down costs nothing; it is
// spelled out only when there is something to report. Validators run for every
// message a platform adapter sends.
package where

import (
	"strconv"
	"strings"
)

// Place is a path of up to four parts, outermost first; parts past the fourth
// are left out.
type Place struct {
	parts [4]part
	n     int
}

type part struct {
	name string
	i    int    // -1: no index
	note string // shown in parentheses after the part: "(card)"
}

// At is the place called name, with index i unless i is -1, inside p.
func (p Place) At(name string, i int) Place {
	if p.n < len(p.parts) {
		p.parts[p.n] = part{name: name, i: i}
		p.n++
	}
	return p
}

// Note adds s, in parentheses, to the innermost part of p.
func (p Place) Note(s string) Place {
	if p.n > 0 {
		p.parts[p.n-1].note = s
	}
	return p
}

func (p Place) String() string { return p.spell(" ", " ", "", true) }

// Path spells p as a JSON path: parts joined by dots, an index in brackets
// ("components[1].components[0].options[2].label"). Notes are left out.
func (p Place) Path() string { return p.spell(".", "[", "]", false) }

// spell writes the parts joined by sep, each index between open and close,
// with its note in parentheses if notes.
func (p Place) spell(sep, open, close string, notes bool) string {
	var b strings.Builder
	for k, part := range p.parts[:p.n] {
		if k > 0 {
			b.WriteString(sep)
		}
		b.WriteString(part.name)
		if part.i >= 0 {
			b.WriteString(open)
			b.WriteString(strconv.Itoa(part.i))
			b.WriteString(close)
		}
		if notes && part.note != "" {
			b.WriteString(" (")
			b.WriteString(part.note)
			b.WriteByte(')')
		}
	}
	return b.String()
}
