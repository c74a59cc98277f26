package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

const kmAskUsage = `Usage: kmbridge km ask [-raw] [-stream] [-lang L] QUESTION…

Starts a KM session (initClient) and asks QUESTION (/v1/chat, or /v2/newChat with
-stream), then prints the answer as text: titles and text, buttons as [label]
lines, links with their URL, suggested questions numbered. Several arguments are
joined with spaces.
`

// cliCustomer is who km ask is, for KM's records (no id: see checkCustomer).
func cliCustomer() kmclient.Customer {
	return kmclient.Customer{
		Nickname:      "kmbridge km ask",
		Src:           "kmbridge-cli",
		CustomerToken: "kmbridge:cli",
	}
}

func (a *app) kmAsk(ctx context.Context, args []string) int {
	c := a.command("km ask", kmAskUsage)
	raw := c.fs.Bool("raw", false, "print KM's answer as JSON (with -stream: each event's data, one per line)")
	stream := c.fs.Bool("stream", false, "ask through v2 newChat in streaming mode and print the text as it arrives")
	lang := c.fs.String("lang", "", "language of kmbridge's own words (en, zh, ja); default bridge.language")
	pos, code, ok := c.parse(args, 1, -1)
	if !ok {
		return code
	}
	question := strings.TrimSpace(strings.Join(pos, " "))
	if question == "" {
		return c.usageError("the question is empty")
	}
	if *lang != "" {
		if _, ok := i18n.Match(*lang); !ok {
			return c.usageError("-lang %q: use en, zh or ja", *lang)
		}
	}
	return a.withKM(ctx, c.name, func(ctx context.Context, k *kmConn) error {
		if *lang != "" {
			catalog, err := i18n.New(*lang, k.cfg.Messages)
			if err != nil {
				return err
			}
			k.p = catalog.Printer("")
		}
		sess, err := k.initSession(ctx, cliCustomer())
		if err != nil {
			return err
		}
		if *stream {
			return a.askStream(ctx, k, sess.SessionID, question, *raw)
		}
		ans, err := k.client.Chat(ctx, kmclient.ChatRequest{
			SessionID: sess.SessionID, RobotID: k.robot(), QueryContent: question,
			ChannelID: kmclient.ID(k.channelID),
		})
		if err != nil {
			return err
		}
		if *raw {
			return printJSON(a.stdout, redactAnswer(ans))
		}
		return a.printAnswer(ans, k.p)
	})
}

// initSession starts a KM session for the configured robot.
func (k *kmConn) initSession(ctx context.Context, who kmclient.Customer) (*kmclient.InitClientResponse, error) {
	platform := kmclient.PlatformAPI
	return k.client.InitClient(ctx, kmclient.InitClientRequest{
		RobotID: k.robot(), ChannelID: kmclient.ID(k.channelID), ModelKey: k.modelKey,
		AccessKeyID: k.cfg.KM.AccessKeyID, Platform: &platform, Customer: &who,
	})
}

// printAnswer renders a KM answer as text. An answer that renders to nothing
// (ansType 13, silent) gets a note on stderr instead.
func (a *app) printAnswer(ans *kmclient.Answer, p i18n.Printer) error {
	if ans.AnsType == kmclient.AnsTypeSilent {
		// The bridge sends nothing for these; neither do we.
		fmt.Fprintln(a.stderr, "kmbridge km ask: KM chose to stay silent (ansType 13)")
		return nil
	}
	acts := newTextActions()
	m, err := formatting.FromKM(ans, formatting.Options{Tokens: acts.token, P: p})
	out := renderText(m, acts)
	io.WriteString(a.stdout, out)
	if err != nil {
		// What could be shown was shown; say what could not.
		fmt.Fprintf(a.stderr, "kmbridge km ask: part of the answer could not be read: %v\n", err)
	}
	if out == "" && err == nil {
		fmt.Fprintf(a.stderr, "kmbridge km ask: KM sent nothing to show (ansType %d, msgType %q)\n", ans.AnsType, ans.MsgType)
	}
	return nil
}

// askStream asks through streaming v2 newChat: text chunks are printed as they
// arrive; then the rest of the final answer (suggestions, buttons, …), or the whole
// of it when no text was streamed (structured answers).
func (a *app) askStream(ctx context.Context, k *kmConn, session kmclient.ID, question string, raw bool) error {
	st, err := k.client.NewChatStream(ctx, kmclient.NewChatRequest{
		SessionID: session, RobotID: k.robot(), QueryContent: question,
		ChannelID: kmclient.ID(k.channelID),
	})
	if err != nil {
		return err
	}
	defer st.Close()
	var (
		final    *kmclient.Answer
		streamed bool
		lastText string
	)
	for {
		ch, err := st.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.Is(err, kmclient.ErrMalformedChunk) {
			fmt.Fprintf(a.stderr, "kmbridge km ask: skipped an unreadable stream event: %v\n", err)
			continue
		}
		if err != nil {
			if streamed && !raw {
				fmt.Fprintln(a.stdout)
			}
			return err
		}
		if raw {
			fmt.Fprintf(a.stdout, "%s\n", redactJSON(ch.Raw))
			continue
		}
		if ch.Answer != nil {
			final = ch.Answer
		}
		if ch.Text != "" {
			io.WriteString(a.stdout, ch.Text)
			streamed, lastText = true, ch.Text
		}
	}
	if raw {
		return nil
	}
	if streamed && !strings.HasSuffix(lastText, "\n") {
		fmt.Fprintln(a.stdout)
	}
	if final == nil {
		if !streamed {
			fmt.Fprintln(a.stderr, "kmbridge km ask: the stream ended without an answer")
		}
		return nil
	}
	if streamed {
		// The text is on the screen already: show what comes after it.
		rest := *final
		rest.AnsContent, rest.MultipleMessage, rest.MultipleMessageFlag = kmclient.AnsContent{}, nil, 0
		acts := newTextActions()
		m, _ := formatting.FromKM(&rest, formatting.Options{Tokens: acts.token, P: k.p})
		if out := renderText(m, acts); out != "" {
			io.WriteString(a.stdout, "\n"+out)
		}
		return nil
	}
	return a.printAnswer(final, k.p)
}

// secretKeys are the fields of KM answers that hold credentials: thirdPartyModel's
// sign and apiKey (v2 newChat with proxyModelCall false).
func secretKeys() map[string]bool {
	return map[string]bool{"sign": true, "apiKey": true, "token": true}
}

const redacted = "[redacted]"

// redactAnswer returns ans with thirdPartyModel's credentials blanked out.
func redactAnswer(ans *kmclient.Answer) *kmclient.Answer {
	if ans == nil || ans.ThirdPartyModel == nil {
		return ans
	}
	out, tp := *ans, *ans.ThirdPartyModel
	if tp.Sign != "" {
		tp.Sign = redacted
	}
	if tp.APIKey != "" {
		tp.APIKey = redacted
	}
	out.ThirdPartyModel = &tp
	return &out
}

// redactJSON blanks out credential fields anywhere in a JSON value; anything that
// carries none, or is not JSON, is returned as is.
func redactJSON(raw []byte) []byte {
	has := false
	for k := range secretKeys() {
		has = has || bytes.Contains(raw, []byte(`"`+k+`"`))
	}
	if !has {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if s, ok := x.(string); ok && s != "" && secretKeys()[k] {
					t[k] = redacted
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return raw
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}
