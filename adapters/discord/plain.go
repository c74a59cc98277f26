package discordadapter

import (
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
)

// plainChunk is the most unescaped text one fallback message carries: escaping
// at most doubles it, and Discord allows 2000 characters.
const plainChunk = 1000

// plainMessages is s as plain Discord messages: markdown escaped, at most 2000
// characters each (cut at line breaks where possible), pinging nobody.
func plainMessages(s string) []*discordgo.MessageSend {
	var out []*discordgo.MessageSend
	for _, c := range chunkText(s, plainChunk) {
		t := escapeMarkdown(c)
		if strings.TrimSpace(t) == "" {
			continue
		}
		out = append(out, &discordgo.MessageSend{Content: t, AllowedMentions: noMentions()})
	}
	return out
}

// escapeMarkdown puts a backslash before every character Discord's markdown
// (or its mentions, links and emoji syntax) could read.
func escapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '~', '`', '|', '>', '<', '#', '-', '+', '[', ']', '(', ')', '@', ':', '!':
			b.WriteByte('\\')
		case '\u0000':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// chunkText splits s into pieces of at most n runes (n ≥ 1), cutting after a
// line break when one is in the second half of a piece, else after a space,
// else anywhere (never inside a UTF-8 sequence).
func chunkText(s string, n int) []string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var out []string
	for s != "" {
		if utf8.RuneCountInString(s) <= n {
			out = append(out, s)
			break
		}
		end := 0 // byte offset after n runes
		for i := 0; i < n; i++ {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
		}
		cutAt := end
		if i := strings.LastIndexByte(s[:end], '\n'); i >= end/2 {
			cutAt = i + 1
		} else if i := strings.LastIndexByte(s[:end], ' '); i >= end/2 {
			cutAt = i + 1
		}
		out = append(out, s[:cutAt])
		s = s[cutAt:]
	}
	return out
}
