package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/bwmarrin/discordgo"
	"github.com/redis/go-redis/v9"
)

// routeLibraryLogs sends what discordgo and go-redis log, which by default goes
// to the standard log package as plain text whatever log.format says, through
// log (so log.format and log.level hold), marked with a component attribute.
// Both libraries keep their logger in a package variable of theirs: this sets
// it, once, before any Discord session or Redis client exists (discordgo reads
// its variable without synchronisation).
func routeLibraryLogs(log *slog.Logger) {
	dlog := log.With("component", "discordgo")
	discordgo.Logger = func(msgL, caller int, format string, a ...any) {
		level := discordLevel(msgL)
		ctx := context.Background()
		if !dlog.Enabled(ctx, level) {
			return
		}
		attrs := []slog.Attr{}
		// caller counts from discordgo's msglog; this function is one frame deeper.
		if _, file, line, ok := runtime.Caller(caller + 1); ok {
			attrs = append(attrs, slog.String("source", filepath.Base(file)+":"+strconv.Itoa(line)))
		}
		dlog.LogAttrs(ctx, level, strings.TrimSpace(fmt.Sprintf(format, a...)), attrs...)
	}
	redis.SetLogger(redisLogger{log.With("component", "go-redis")})
}

// discordLevel maps discordgo's levels onto slog's.
func discordLevel(msgL int) slog.Level {
	switch msgL {
	case discordgo.LogError:
		return slog.LevelError
	case discordgo.LogWarning:
		return slog.LevelWarn
	case discordgo.LogInformational:
		return slog.LevelInfo
	default:
		return slog.LevelDebug
	}
}

// redisLogger is go-redis's logging interface over slog. go-redis logs only what
// went wrong (dial failures, bad pooled connections), so at warning level.
type redisLogger struct{ log *slog.Logger }

// Printf implements go-redis's internal.Logging.
func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	if !l.log.Enabled(ctx, slog.LevelWarn) {
		return
	}
	l.log.Log(ctx, slog.LevelWarn, strings.TrimSpace(fmt.Sprintf(format, v...)))
}
