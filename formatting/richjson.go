package formatting

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Rich is a tree of interfaces, which encoding/json cannot decode on its own.
// Its JSON form tags every block with its kind, so a user's formatted message
// survives the bridge's durable inbox (a restart, or another replica):
//
//	[{"t":"p","s":[{"x":"hi ","m":1},{"x":"docs","l":"https://…"}]},
//	 {"t":"h","n":2,"s":[…]}, {"t":"ul","i":[[…],[…]]}, {"t":"ol","n":3,"i":[…]},
//	 {"t":"code","lang":"go","code":"…"}, {"t":"quote","b":[…]},
//	 {"t":"table","hd":true,"r":[[[span…],…],…]}, {"t":"hr"}]
//
// The tags and field names are a stored format: add kinds, never rename one.
// Nil blocks (code building Rich by hand may leave them) are not written, and
// empty slices read back as nil, invalid UTF-8 as U+FFFD (as in any JSON); decoding refuses unknown kinds and drops links
// that SafeLink refuses, so nothing read back is less safe than what ParseHTML
// builds.

// Block kinds of the JSON form.
const (
	richPara    = "p"
	richHeading = "h"
	richUL      = "ul"
	richOL      = "ol"
	richCode    = "code"
	richQuote   = "quote"
	richTable   = "table"
	richRule    = "hr"
)

// richBlockJSON is one block of the JSON form; which fields are set depends on T.
type richBlockJSON struct {
	T     string         `json:"t"`
	N     int            `json:"n,omitempty"`    // heading level, ordered list start
	Spans []spanJSON     `json:"s,omitempty"`    // para, heading
	Items []Rich         `json:"i,omitempty"`    // lists
	Lang  string         `json:"lang,omitempty"` // code
	Code  string         `json:"code,omitempty"` // code
	Body  Rich           `json:"b,omitempty"`    // quote
	Head  bool           `json:"hd,omitempty"`   // table
	Rows  [][][]spanJSON `json:"r,omitempty"`    // table
}

type spanJSON struct {
	X string `json:"x"`
	M Mark   `json:"m,omitempty"`
	L string `json:"l,omitempty"`
}

// MarshalJSON writes r in its tagged JSON form.
func (r Rich) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	out := make([]richBlockJSON, 0, len(r))
	for _, rb := range r {
		if isNil(rb) {
			continue
		}
		j, err := blockJSON(rb)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return json.Marshal(out)
}

func blockJSON(rb RichBlock) (richBlockJSON, error) {
	switch b := rb.(type) {
	case *Para:
		return richBlockJSON{T: richPara, Spans: spansJSON(b.Spans)}, nil
	case *Heading:
		return richBlockJSON{T: richHeading, N: b.Level, Spans: spansJSON(b.Spans)}, nil
	case *List:
		j := richBlockJSON{T: richUL, Items: b.Items}
		if b.Ordered {
			j.T, j.N = richOL, b.Start
		}
		return j, nil
	case *CodeBlock:
		return richBlockJSON{T: richCode, Lang: b.Lang, Code: b.Code}, nil
	case *Quote:
		return richBlockJSON{T: richQuote, Body: b.Body}, nil
	case *Table:
		rows := make([][][]spanJSON, len(b.Rows))
		for i, row := range b.Rows {
			rows[i] = make([][]spanJSON, len(row))
			for j, cell := range row {
				rows[i][j] = spansJSON(cell)
			}
		}
		return richBlockJSON{T: richTable, Head: b.Header, Rows: rows}, nil
	case *Rule:
		return richBlockJSON{T: richRule}, nil
	}
	return richBlockJSON{}, fmt.Errorf("formatting: rich: cannot encode a %T", rb)
}

func spansJSON(sp []Span) []spanJSON {
	if len(sp) == 0 {
		return nil
	}
	out := make([]spanJSON, len(sp))
	for i, s := range sp {
		out[i] = spanJSON{X: s.Text, M: s.Marks, L: s.Link}
	}
	return out
}

// UnmarshalJSON reads r from its tagged JSON form (see MarshalJSON).
func (r *Rich) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*r = nil
		return nil
	}
	var blocks []richBlockJSON
	if err := json.Unmarshal(b, &blocks); err != nil {
		return fmt.Errorf("formatting: rich: %w", err)
	}
	if len(blocks) == 0 {
		*r = nil
		return nil
	}
	out := make(Rich, 0, len(blocks))
	for _, j := range blocks {
		rb, err := j.block()
		if err != nil {
			return err
		}
		out = append(out, rb)
	}
	*r = out
	return nil
}

var errRichKind = errors.New("formatting: rich: unknown block kind")

func (j richBlockJSON) block() (RichBlock, error) {
	switch j.T {
	case richPara:
		return &Para{Spans: spansOf(j.Spans)}, nil
	case richHeading:
		return &Heading{Level: j.N, Spans: spansOf(j.Spans)}, nil
	case richUL, richOL:
		l := &List{Ordered: j.T == richOL, Items: j.Items}
		if l.Ordered {
			l.Start = j.N
		}
		return l, nil
	case richCode:
		return &CodeBlock{Lang: j.Lang, Code: j.Code}, nil
	case richQuote:
		return &Quote{Body: j.Body}, nil
	case richTable:
		var rows [][][]Span
		if len(j.Rows) > 0 {
			rows = make([][][]Span, len(j.Rows))
			for i, row := range j.Rows {
				if row == nil {
					continue
				}
				rows[i] = make([][]Span, len(row))
				for k, cell := range row {
					rows[i][k] = spansOf(cell)
				}
			}
		}
		return &Table{Header: j.Head, Rows: rows}, nil
	case richRule:
		return &Rule{}, nil
	}
	return nil, fmt.Errorf("%w %q", errRichKind, j.T)
}

func spansOf(sp []spanJSON) []Span {
	if len(sp) == 0 {
		return nil
	}
	out := make([]Span, len(sp))
	for i, s := range sp {
		out[i] = Span{Text: s.X, Marks: s.M}
		if s.L != "" {
			if u, ok := SafeLink(s.L); ok {
				out[i].Link = u
			}
		}
	}
	return out
}
