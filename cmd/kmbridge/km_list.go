package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/kmbridge/kmbridge/kmclient"
)

// lister is what the km list commands share: -page, -size and -json, and one page
// printed as a table or as JSON lines with the page noted on stderr.
type lister struct {
	c      *command
	many   string // the items, for -size's help and the page note
	page   *int
	size   *int
	asJSON *bool
}

// lister adds -page, -size (default size, 1–100) and -json to c; one and many
// name an item and the items.
func (c *command) lister(size int, one, many string) *lister {
	return &lister{
		c:      c,
		many:   many,
		page:   c.fs.Int("page", 1, "page `number`"),
		size:   c.fs.Int("size", size, many+" per page"),
		asJSON: c.fs.Bool("json", false, "print each "+one+" as one JSON object per line"),
	}
}

// checkPage reports a bad -page or -size as a usage error; when ok is false the
// command must return code.
func (l *lister) checkPage() (code int, ok bool) {
	if *l.page < 1 || *l.size < 1 || *l.size > 100 {
		return l.c.usageError("-page must be at least 1 and -size 1–100"), false
	}
	return exitOK, true
}

// printPage prints items to stdout, one JSON object a line with -json, else as a
// table under header with row's tab-separated cells (nothing for an empty page),
// and notes on stderr which page of how many it was.
func printPage[T any](l *lister, items []T, pg kmclient.Paging, header string, row func(T) string) error {
	a := l.c.a
	if *l.asJSON {
		if err := jsonLines(a.stdout, items); err != nil {
			return err
		}
	} else if len(items) > 0 {
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header)
		for _, it := range items {
			fmt.Fprintln(tw, row(it))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	a.pageNote(pg, len(items), l.many)
	return nil
}
