package slackadapter

import (
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/formatting"
)

// attachments are the files of a message as links: each file's permalink,
// which opens the file in Slack for whoever may see it there (agents on
// Slack can; anyone else is asked to sign in to the workspace). Never
// url_private, which needs the bot token, nor permalink_public, whose secret
// opens the file to anyone. A file without a usable permalink (a Slack
// Connect file whose details Slack withholds) keeps its name only.
func attachments(files []slack.File) []bridge.Attachment {
	var out []bridge.Attachment
	for _, f := range files {
		a := bridge.Attachment{Name: firstNonEmpty(f.Name, f.Title), MIME: f.Mimetype, Size: int64(max(f.Size, 0))}
		if link, ok := formatting.SafeLink(f.Permalink); ok && credentialFree(link) {
			a.URL = link
		}
		if a.Name == "" && a.URL == "" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// credentialFree reports a link that carries no credential: no user info, no
// query (Slack's permalinks have none; a public permalink's pub_secret, a
// signed download's token would be one) and no Slack token anywhere.
func credentialFree(link string) bool {
	u, err := url.Parse(link)
	return err == nil && u.User == nil && u.RawQuery == "" && !strings.Contains(link, "xox")
}
