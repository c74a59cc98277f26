package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/kmbridge/kmbridge/kmclient"
)

const kmSimilarUsage = `Usage: kmbridge km similar COMMAND [ARGS]

Similar questions: other wordings of an FAQ question that get its answer.

Commands:
  list QID [-page N] [-size N] [-json]   list the similar questions of question QID
  add QID TEXT…                          add one
  update QID SID TEXT…                   reword similar question SID
  delete QID SID                         delete similar question SID

Run "kmbridge km similar COMMAND -h" for a command's flags.
`

func (a *app) kmSimilar(ctx context.Context, args []string) int {
	return a.group(ctx, "km similar", kmSimilarUsage, args, []subcommand{
		{"list", a.kmSimilarList},
		{"add", a.kmSimilarAdd},
		{"update", a.kmSimilarUpdate},
		{"delete", a.kmSimilarDelete},
	})
}

func (a *app) kmSimilarList(ctx context.Context, args []string) int {
	c := a.command("km similar list", `Usage: kmbridge km similar list QID [-page N] [-size N] [-json]

Lists the similar questions of FAQ question QID (GET /v1/faq/similar/{questionId}):
a table of id and text, or JSON lines with -json.
`)
	l := c.lister(50, "similar question", "similar questions")
	qid, code, ok := c.oneID(args, "QID")
	if !ok {
		return code
	}
	if code, ok := l.checkPage(); !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		list, pg, err := k.client.ListSimilar(ctx, kmclient.ID(qid), *l.page, *l.size)
		if err != nil {
			return err
		}
		return printPage(l, list, pg, "ID\tSIMILAR QUESTION", func(s kmclient.Similar) string {
			return fmt.Sprintf("%d\t%s", s.ID, oneLine(s.Content))
		})
	})
}

func (a *app) kmSimilarAdd(ctx context.Context, args []string) int {
	c := a.command("km similar add", `Usage: kmbridge km similar add QID TEXT…

Adds a similar question to FAQ question QID (POST /v1/faq/similar/{questionId})
and prints its id. Several TEXT arguments are joined with spaces.
`)
	pos, code, ok := c.parse(args, 2, -1)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"QID"}, pos[:1])
	if !ok {
		return code
	}
	text := strings.TrimSpace(strings.Join(pos[1:], " "))
	if text == "" {
		return c.usageError("the similar question is empty")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		s, err := k.client.AddSimilar(ctx, kmclient.ID(ids[0]), text)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "added similar question %d to question %d\n", s.ID, ids[0])
		return nil
	})
}

func (a *app) kmSimilarUpdate(ctx context.Context, args []string) int {
	c := a.command("km similar update", `Usage: kmbridge km similar update QID SID TEXT…

Rewords similar question SID of FAQ question QID (PUT /v1/faq/similar/{questionId}).
`)
	pos, code, ok := c.parse(args, 3, -1)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"QID", "SID"}, pos[:2])
	if !ok {
		return code
	}
	text := strings.TrimSpace(strings.Join(pos[2:], " "))
	if text == "" {
		return c.usageError("the similar question is empty")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		if _, err := k.client.UpdateSimilar(ctx, kmclient.ID(ids[0]), kmclient.Similar{ID: kmclient.ID(ids[1]), Content: text}); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "updated similar question %d of question %d\n", ids[1], ids[0])
		return nil
	})
}

func (a *app) kmSimilarDelete(ctx context.Context, args []string) int {
	c := a.command("km similar delete", `Usage: kmbridge km similar delete QID SID

Deletes similar question SID of FAQ question QID (DELETE /v1/faq/similar/{questionId}).
`)
	pos, code, ok := c.parse(args, 2, 2)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"QID", "SID"}, pos)
	if !ok {
		return code
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		if err := k.client.DeleteSimilar(ctx, kmclient.ID(ids[0]), kmclient.ID(ids[1])); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "deleted similar question %d of question %d\n", ids[1], ids[0])
		return nil
	})
}
