package main

import (
	"context"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
)

const kmSessionsUsage = `Usage: kmbridge km sessions COMMAND [ARGS]

Conversation records, printed as JSON lines (one object per line) for jq and
friends.

Commands:
  list [-from TIME] [-to TIME] [-keyword K] [-page N] [-size N]   conversations
  logs SESSION_ID [-page N] [-size N]                             one conversation's messages

Run "kmbridge km sessions COMMAND -h" for a command's flags.
`

// maxPages bounds how many pages a list command fetches when asked for all of
// them, so a KM that keeps answering full pages cannot keep the command running.
const maxPages = 1000

func (a *app) kmSessions(ctx context.Context, args []string) int {
	return a.group(ctx, "km sessions", kmSessionsUsage, args, []subcommand{
		{"list", a.kmSessionsList},
		{"logs", a.kmSessionsLogs},
	})
}

func (a *app) kmSessionsList(ctx context.Context, args []string) int {
	c := a.command("km sessions list", `Usage: kmbridge km sessions list [-from TIME] [-to TIME] [-keyword K] [-page N] [-size N]

Prints the conversation records between -from and -to (POST /v1/sessions), one
JSON object per line. Times are "2006-01-02 15:04:05" in KM's time zone; the
default is the last 24 hours by this machine's clock. Without -page every page
is fetched.
`)
	now := time.Now()
	from := c.fs.String("from", now.Add(-24*time.Hour).Format(kmclient.SessionTimeLayout), "start `time`")
	// A minute ahead: the layout drops sub-seconds, and KM's clock may run ahead.
	to := c.fs.String("to", now.Add(time.Minute).Format(kmclient.SessionTimeLayout), "end `time`")
	keyword := c.fs.String("keyword", "", "only conversations containing `text`")
	page := c.fs.Int("page", 0, "fetch only this page `number` (default: all pages)")
	size := c.fs.Int("size", 50, "records per page (1–99)")
	if _, code, ok := c.parse(args, 0, 0); !ok {
		return code
	}
	for _, t := range []struct{ flag, v string }{{"-from", *from}, {"-to", *to}} {
		if _, err := time.Parse(kmclient.SessionTimeLayout, t.v); err != nil {
			return c.usageError("%s %q: write a time like %q", t.flag, t.v, kmclient.SessionTimeLayout)
		}
	}
	if *page < 0 || *size < 1 || *size > 99 {
		return c.usageError("-page must not be negative and -size must be 1–99")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		return eachPage(*page, func(n int) (int, int64, error) {
			recs, pg, err := k.client.SearchSessions(ctx, kmclient.SearchSessionsRequest{
				RobotID: k.robot(), StartTime: *from, EndTime: *to, PageNum: n, PageSize: *size,
				Keywords: *keyword,
			})
			if err != nil {
				return 0, 0, err
			}
			return len(recs), pg.Total, jsonLines(a.stdout, recs)
		})
	})
}

func (a *app) kmSessionsLogs(ctx context.Context, args []string) int {
	c := a.command("km sessions logs", `Usage: kmbridge km sessions logs SESSION_ID [-page N] [-size N]

Prints the messages of conversation SESSION_ID (GET /v1/sessions/:id/logs), one
JSON object per line, oldest first. Without -page every page is fetched.
`)
	page := c.fs.Int("page", 0, "fetch only this page `number` (default: all pages)")
	size := c.fs.Int("size", 50, "messages per page (1–99)")
	pos, code, ok := c.parse(args, 1, 1)
	if !ok {
		return code
	}
	ids, code, ok := c.idArgs([]string{"SESSION_ID"}, pos)
	if !ok {
		return code
	}
	if *page < 0 || *size < 1 || *size > 99 {
		return c.usageError("-page must not be negative and -size must be 1–99")
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		return eachPage(*page, func(n int) (int, int64, error) {
			logs, pg, err := k.client.SessionLogs(ctx, kmclient.ID(ids[0]), n, *size)
			if err != nil {
				return 0, 0, err
			}
			return len(logs), pg.Total, jsonLines(a.stdout, logs)
		})
	})
}

// eachPage calls fetch for page only, or (page 0) for pages 1, 2, … until a page
// comes back empty, the total is reached or maxPages were fetched. fetch returns
// how many items its page had and KM's total (0 when KM gives none).
func eachPage(page int, fetch func(n int) (got int, total int64, err error)) error {
	if page > 0 {
		_, _, err := fetch(page)
		return err
	}
	var seen int64
	for n := 1; n <= maxPages; n++ {
		got, total, err := fetch(n)
		if err != nil {
			return err
		}
		seen += int64(got)
		if got == 0 || total <= 0 || seen >= total {
			return nil
		}
	}
	return nil
}
