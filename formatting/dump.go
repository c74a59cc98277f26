package formatting

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Dump renders m as stable, human-readable text showing every field (tokens
// included), for golden tests. The format is indentation-based, one field per line,
// strings quoted with strconv.Quote; zero-valued optional fields are left out.
func Dump(m Message) string {
	d := &dumper{}
	for _, b := range m.Blocks {
		d.block(b, 0)
	}
	if len(m.InputHints) > 0 {
		d.line(0, "InputHints")
		for _, b := range m.InputHints {
			d.button(b, 1)
		}
	}
	if d.b.Len() == 0 {
		return "(empty)\n"
	}
	return d.b.String()
}

type dumper struct{ b strings.Builder }

func (d *dumper) line(depth int, format string, args ...any) {
	d.b.WriteString(strings.Repeat("  ", depth))
	fmt.Fprintf(&d.b, format, args...)
	d.b.WriteByte('\n')
}

// kv writes name=value for each non-empty value.
func kv(pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			parts = append(parts, pairs[i]+"="+strconv.Quote(pairs[i+1]))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

func (d *dumper) block(b Block, depth int) {
	if isNil(b) {
		d.line(depth, "<nil block>")
		return
	}
	switch v := b.(type) {
	case *Text:
		if v.Context {
			d.line(depth, "Text context")
		} else {
			d.line(depth, "Text")
		}
		d.rich(v.Rich, depth+1)
	case *Image:
		d.line(depth, "Image%s", kv("url", v.URL, "alt", v.Alt, "link", v.Link))
	case *Buttons:
		extra := ""
		if v.Columns != 0 {
			extra = " columns=" + strconv.Itoa(v.Columns)
		}
		d.line(depth, "Buttons%s%s", kv("title", v.Title, "placeholder", v.Placeholder), extra)
		for _, it := range v.Items {
			d.button(it, depth+1)
		}
	case *Select:
		d.line(depth, "Select%s", kv("placeholder", v.Placeholder))
		for _, it := range v.Options {
			d.button(it, depth+1)
		}
	case *Card:
		d.card(v, depth)
	case *Products:
		d.line(depth, "Products%s page=%d pages=%d%s", kv("title", v.Title), v.Page, v.Pages, kv("pageLabel", v.PageLabel))
		for i := range v.Items {
			d.card(&v.Items[i], depth+1)
		}
		if v.Prev != nil {
			d.line(depth+1, "Prev")
			d.button(*v.Prev, depth+2)
		}
		if v.Next != nil {
			d.line(depth+1, "Next")
			d.button(*v.Next, depth+2)
		}
	case *Location:
		coords := ""
		if v.HasCoords {
			coords = " lat=" + strconv.FormatFloat(v.Lat, 'f', -1, 64) + " lng=" + strconv.FormatFloat(v.Lng, 'f', -1, 64)
		}
		d.line(depth, "Location%s%s%s", kv("name", v.Name, "address", v.Address), coords, kv("map", v.MapURL))
	case *Audio:
		d.line(depth, "Audio%s", kv("url", v.URL, "caption", v.Caption))
	case *File:
		size := ""
		if v.Size != 0 {
			size = " size=" + strconv.FormatInt(v.Size, 10)
		}
		d.line(depth, "File%s%s", kv("name", v.Name, "url", v.URL), size)
	case *Divider:
		d.line(depth, "Divider")
	default:
		d.line(depth, "<unknown block %T>", b)
	}
}

func (d *dumper) card(v *Card, depth int) {
	d.line(depth, "Card%s", kv("title", v.Title, "subtitle", v.Subtitle, "url", v.URL, "image", v.ImageURL, "icon", v.IconURL))
	if len(v.Body) > 0 {
		d.line(depth+1, "Body")
		d.rich(v.Body, depth+2)
	}
	for _, f := range v.Fields {
		d.line(depth+1, "Field%s", kv("label", f.Label))
		d.rich(f.Value, depth+2)
	}
	for _, b := range v.Buttons {
		d.button(b, depth+1)
	}
}

func (d *dumper) button(b Button, depth int) {
	style := ""
	switch b.Style {
	case StyleDefault:
	case StylePrimary:
		style = " primary"
	case StyleDanger:
		style = " danger"
	default:
		style = " style=" + strconv.Itoa(int(b.Style))
	}
	d.line(depth, "Button%s%s", kv("label", b.Label, "token", b.Token, "url", b.URL), style)
}

func (d *dumper) rich(r Rich, depth int) {
	for _, rb := range r {
		if isNil(rb) {
			d.line(depth, "<nil rich block>")
			continue
		}
		switch v := rb.(type) {
		case *Para:
			d.line(depth, "Para")
			d.spans(v.Spans, depth+1)
		case *Heading:
			d.line(depth, "Heading level=%d", v.Level)
			d.spans(v.Spans, depth+1)
		case *List:
			kind := "unordered"
			if v.Ordered {
				kind = "ordered"
			}
			start := ""
			if v.Start != 0 {
				start = " start=" + strconv.Itoa(v.Start)
			}
			d.line(depth, "List %s%s", kind, start)
			for _, it := range v.Items {
				d.line(depth+1, "Item")
				d.rich(it, depth+2)
			}
		case *CodeBlock:
			d.line(depth, "Code%s %s", kv("lang", v.Lang), strconv.Quote(v.Code))
		case *Quote:
			d.line(depth, "Quote")
			d.rich(v.Body, depth+1)
		case *Table:
			if v.Header {
				d.line(depth, "Table header")
			} else {
				d.line(depth, "Table")
			}
			for _, row := range v.Rows {
				d.line(depth+1, "Row")
				for _, cell := range row {
					d.line(depth+2, "Cell")
					d.spans(cell, depth+3)
				}
			}
		case *Rule:
			d.line(depth, "Rule")
		default:
			d.line(depth, "<unknown rich block %T>", rb)
		}
	}
}

func (d *dumper) spans(spans []Span, depth int) {
	for _, sp := range spans {
		if sp.Text == "\n" && sp.Marks == 0 && sp.Link == "" {
			d.line(depth, "BR")
			continue
		}
		d.line(depth, "%s%s%s", strconv.Quote(sp.Text), marks(sp.Marks), kv("link", sp.Link))
	}
}

func marks(m Mark) string {
	if m == 0 {
		return ""
	}
	var names []string
	for _, x := range []struct {
		m    Mark
		name string
	}{{Bold, "bold"}, {Italic, "italic"}, {Underline, "underline"}, {Strike, "strike"}, {Code, "code"}} {
		if m&x.m != 0 {
			names = append(names, x.name)
		}
	}
	return " [" + strings.Join(names, ",") + "]"
}

// isNil reports a nil interface or a typed nil pointer (every Block and RichBlock
// is a pointer), which code building Messages by hand may leave behind.
func isNil(x any) bool {
	if x == nil {
		return true
	}
	v := reflect.ValueOf(x)
	return v.Kind() == reflect.Pointer && v.IsNil()
}
