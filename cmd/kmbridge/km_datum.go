package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/kmbridge/kmbridge/kmclient"
)

const kmDatumUsage = `Usage: kmbridge km datum COMMAND [ARGS]

Knowledge points (datums), their templates and categories.

Commands:
  get ID                                   print a datum as JSON
  create -name N -template T -category C [-display-name D]
  update ID [-name N] [-display-name D] [-category C] [-similar S…] [-attr NAME=VALUE…] [-inherit NAME…]
  delete ID
  templates [ID] [-keyword K] [-all] [-page N] [-size N] [-json]   list templates, or print one
  categories [-keyword K] [-page N] [-size N] [-json]              list datum categories

Run "kmbridge km datum COMMAND -h" for a command's flags.
`

func (a *app) kmDatum(ctx context.Context, args []string) int {
	return a.group(ctx, "km datum", kmDatumUsage, args, []subcommand{
		{"get", a.kmDatumGet},
		{"create", a.kmDatumCreate},
		{"update", a.kmDatumUpdate},
		{"delete", a.kmDatumDelete},
		{"templates", a.kmDatumTemplates},
		{"categories", a.kmDatumCategories},
	})
}

func (a *app) kmDatumGet(ctx context.Context, args []string) int {
	c := a.command("km datum get", `Usage: kmbridge km datum get ID

Prints datum ID with its attribute values as JSON (GET /v1/datums/:id).
`)
	pos, code, ok := c.parse(args, 1, 1)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"ID"}, pos)
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		d, err := k.client.GetDatum(ctx, kmclient.ID(ids[0]))
		if err != nil {
			return err
		}
		return printJSON(a.stdout, d)
	})
}

func (a *app) kmDatumCreate(ctx context.Context, args []string) int {
	c := a.command("km datum create", `Usage: kmbridge km datum create -name N -template T -category C [-display-name D]

Creates a datum from template T in category C (POST /v1/datums) and prints it as
JSON. Set its attribute values afterwards with "km datum update ID -attr …".
`)
	name := c.fs.String("name", "", "the datum's `name`")
	display := c.fs.String("display-name", "", "the `name` shown to users (default: -name)")
	template := c.fs.Int64("template", 0, "template `id`")
	category := c.fs.Int64("category", 0, "datum category `id`")
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	switch {
	case strings.TrimSpace(*name) == "":
		return c.usageError("-name is required")
	case *template <= 0:
		return c.usageError("-template is required (a positive id)")
	case *category <= 0:
		return c.usageError("-category is required (a positive id)")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		d, err := k.client.CreateDatum(ctx, kmclient.CreateDatumRequest{
			RobotID: k.robot(), Name: *name, TemplateID: kmclient.ID(*template),
			CategoryID: kmclient.ID(*category), DisplayName: *display,
		})
		if err != nil {
			return err
		}
		return printJSON(a.stdout, d)
	})
}

func (a *app) kmDatumUpdate(ctx context.Context, args []string) int {
	c := a.command("km datum update", `Usage: kmbridge km datum update ID [-name N] [-display-name D] [-category C] [-similar S…] [-attr NAME=VALUE…] [-inherit NAME…]

Changes datum ID (PUT /v1/datums/:id): it is read first, and only the given flags
change. An attribute is named by its name or its id; -attr sets its own value
(rich text), -inherit makes it use the template's value again. Prints the datum.
`)
	name := c.fs.String("name", "", "new `name`")
	display := c.fs.String("display-name", "", "new display `name`")
	category := c.fs.Int64("category", 0, "move to datum category `id`")
	var similar, attrs, inherit stringList
	c.fs.Var(&similar, "similar", "a synonym; repeatable; replaces the whole list (-similar '' clears it)")
	c.fs.Var(&attrs, "attr", "`NAME=VALUE`: set an attribute's value; repeatable")
	c.fs.Var(&inherit, "inherit", "attribute `NAME` to inherit from the template; repeatable")
	pos, code, ok := c.parse(args, 1, 1)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"ID"}, pos)
	if !ok {
		return code
	}
	if c.fs.NFlag() == 0 {
		return c.usageError("nothing to change: give at least one flag")
	}
	if c.flagSet("name") && strings.TrimSpace(*name) == "" {
		return c.usageError("-name must not be empty")
	}
	if c.flagSet("category") && *category <= 0 {
		return c.usageError("-category must be a positive id")
	}
	type attrValue struct{ name, value string }
	var sets []attrValue
	for _, s := range attrs {
		n, v, found := strings.Cut(s, "=")
		if !found || strings.TrimSpace(n) == "" {
			return c.usageError("-attr %q: write NAME=VALUE", s)
		}
		sets = append(sets, attrValue{strings.TrimSpace(n), v})
	}
	id := kmclient.ID(ids[0])
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		d, err := k.client.GetDatum(ctx, id)
		if err != nil {
			return err
		}
		if c.flagSet("name") {
			d.Name = *name
		}
		if c.flagSet("display-name") {
			d.DisplayName = *display
		}
		if c.flagSet("category") {
			d.CategoryID = kmclient.ID(*category)
		}
		if c.flagSet("similar") {
			d.SimilarList = []string{}
			for _, s := range similar {
				if s = strings.TrimSpace(s); s != "" {
					d.SimilarList = append(d.SimilarList, s)
				}
			}
		}
		own, inherited := 0, 1
		for _, s := range sets {
			at, err := findAttr(d, s.name)
			if err != nil {
				return err
			}
			v := s.value
			at.Answer, at.SrcType = &v, &own
		}
		for _, n := range inherit {
			at, err := findAttr(d, strings.TrimSpace(n))
			if err != nil {
				return err
			}
			at.Answer, at.SrcType = nil, &inherited
		}
		out, err := k.client.UpdateDatum(ctx, id, *d)
		if err != nil {
			return err
		}
		if out == nil || out.ID == 0 {
			out = d // KM sent no data back
		}
		return printJSON(a.stdout, out)
	})
}

// findAttr finds a datum's attribute by name, or by id or template attribute id.
func findAttr(d *kmclient.Datum, name string) (*kmclient.DatumAttribute, error) {
	n, _ := strconv.ParseInt(name, 10, 64)
	for i := range d.Attributes {
		at := &d.Attributes[i]
		if at.Name == name || (n > 0 && (int64(at.ID) == n || int64(at.TemplateAttributeID) == n)) {
			return at, nil
		}
	}
	names := make([]string, len(d.Attributes))
	for i, at := range d.Attributes {
		names[i] = strconv.Quote(at.Name)
	}
	return nil, fmt.Errorf("datum %d has no attribute %q (it has %s)", d.ID, name, strings.Join(names, ", "))
}

func (a *app) kmDatumDelete(ctx context.Context, args []string) int {
	c := a.command("km datum delete", `Usage: kmbridge km datum delete ID

Deletes datum ID (DELETE /v1/datums/:id).
`)
	pos, code, ok := c.parse(args, 1, 1)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"ID"}, pos)
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		if err := k.client.DeleteDatum(ctx, kmclient.ID(ids[0])); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "deleted datum %d\n", ids[0])
		return nil
	})
}

func (a *app) kmDatumTemplates(ctx context.Context, args []string) int {
	c := a.command("km datum templates", `Usage: kmbridge km datum templates [ID] [-keyword K] [-all] [-page N] [-size N] [-json]

Without ID, lists datum templates (POST /v1/datumTemplates/search): a table of id,
parent and name, or JSON lines with -json. With ID, prints that template with its
attributes and settings as JSON (GET /v1/datumTemplates/:id).
`)
	keyword := c.fs.String("keyword", "", "only templates whose name contains `text`")
	all := c.fs.Bool("all", false, "list every template, not only leaf templates")
	page := c.fs.Int("page", 1, "page `number`")
	size := c.fs.Int("size", 20, "templates per page")
	asJSON := c.fs.Bool("json", false, "print each template as one JSON object per line")
	pos, code, ok := c.parse(args, 0, 1)
	if !ok {
		return code
	}
	if *page < 1 || *size < 1 || *size > 100 {
		return c.usageError("-page must be at least 1 and -size 1–100")
	}
	if len(pos) == 1 {
		ids, code, ok := c.idArgs([]string{"ID"}, pos)
		if !ok {
			return code
		}
		return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
			t, err := k.client.GetDatumTemplate(ctx, kmclient.ID(ids[0]))
			if err != nil {
				return err
			}
			return printJSON(a.stdout, t)
		})
	}
	leaf := 1
	if *all {
		leaf = 2
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		ts, pg, err := k.client.SearchDatumTemplates(ctx, kmclient.SearchDatumTemplatesRequest{
			PageNum: *page, PageSize: *size, RobotID: k.robot(), LeafFlag: leaf, Keyword: *keyword,
		})
		if err != nil {
			return err
		}
		if *asJSON {
			if err := jsonLines(a.stdout, ts); err != nil {
				return err
			}
		} else if len(ts) > 0 {
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARENT\tNAME")
			for _, t := range ts {
				fmt.Fprintf(tw, "%d\t%d\t%s\n", t.ID, t.ParentID, oneLine(t.Name))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		a.pageNote(pg, len(ts), "templates")
		return nil
	})
}

func (a *app) kmDatumCategories(ctx context.Context, args []string) int {
	c := a.command("km datum categories", `Usage: kmbridge km datum categories [-keyword K] [-page N] [-size N] [-json]

Lists datum categories (POST /v1/datumCategories/search): a table of id, parent
and name, or JSON lines with -json.
`)
	keyword := c.fs.String("keyword", "", "only categories whose name contains `text`")
	page := c.fs.Int("page", 1, "page `number`")
	size := c.fs.Int("size", 20, "categories per page")
	asJSON := c.fs.Bool("json", false, "print each category as one JSON object per line")
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	if *page < 1 || *size < 1 || *size > 100 {
		return c.usageError("-page must be at least 1 and -size 1–100")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		cats, pg, err := k.client.SearchDatumCategories(ctx, kmclient.SearchDatumCategoriesRequest{
			PageNum: *page, PageSize: *size, RobotID: k.robot(), Keyword: *keyword,
		})
		if err != nil {
			return err
		}
		if *asJSON {
			if err := jsonLines(a.stdout, cats); err != nil {
				return err
			}
		} else if len(cats) > 0 {
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPARENT\tNAME")
			for _, ct := range cats {
				fmt.Fprintf(tw, "%d\t%d\t%s\n", ct.ID, ct.ParentID, oneLine(ct.Name))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		a.pageNote(pg, len(cats), "categories")
		return nil
	})
}
