package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

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
	id, code, ok := c.oneID(args, "ID")
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		d, err := k.client.GetDatum(ctx, kmclient.ID(id))
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
	id64, code, ok := c.oneID(args, "ID")
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
	id := kmclient.ID(id64)
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
	id, code, ok := c.oneID(args, "ID")
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		if err := k.client.DeleteDatum(ctx, kmclient.ID(id)); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "deleted datum %d\n", id)
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
	l := c.lister(20, "template", "templates")
	pos, code, ok := c.parse(args, 0, 1)
	if !ok {
		return code
	}
	if code, ok := l.checkPage(); !ok {
		return code
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
			PageNum: *l.page, PageSize: *l.size, RobotID: k.robot(), LeafFlag: leaf, Keyword: *keyword,
		})
		if err != nil {
			return err
		}
		return printPage(l, ts, pg, "ID\tPARENT\tNAME", func(t kmclient.DatumTemplate) string {
			return fmt.Sprintf("%d\t%d\t%s", t.ID, t.ParentID, oneLine(t.Name))
		})
	})
}

func (a *app) kmDatumCategories(ctx context.Context, args []string) int {
	c := a.command("km datum categories", `Usage: kmbridge km datum categories [-keyword K] [-page N] [-size N] [-json]

Lists datum categories (POST /v1/datumCategories/search): a table of id, parent
and name, or JSON lines with -json.
`)
	keyword := c.fs.String("keyword", "", "only categories whose name contains `text`")
	l := c.lister(20, "category", "categories")
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	if code, ok := l.checkPage(); !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		cats, pg, err := k.client.SearchDatumCategories(ctx, kmclient.SearchDatumCategoriesRequest{
			PageNum: *l.page, PageSize: *l.size, RobotID: k.robot(), Keyword: *keyword,
		})
		if err != nil {
			return err
		}
		return printPage(l, cats, pg, "ID\tPARENT\tNAME", func(ct kmclient.DatumCategory) string {
			return fmt.Sprintf("%d\t%d\t%s", ct.ID, ct.ParentID, oneLine(ct.Name))
		})
	})
}
