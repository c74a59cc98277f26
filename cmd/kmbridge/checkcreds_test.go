package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// Fake platforms for kmbridge check, each answering the one call the check
// makes the way the real API does, and accepting only the right token.
const (
	goodSlack    = "xoxb-good-slack-token"
	goodApp      = "xapp-good-app-token"
	goodTelegram = "4242:good-telegram-token"
	goodDiscord  = "good.discord.token"
	goodRedisPW  = "good-redis-password"
)

func fakePlatforms(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	writeJSON := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST /slack/api/auth.test", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("token") != goodSlack && r.Header.Get("Authorization") != "Bearer "+goodSlack {
			writeJSON(w, 200, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true, "url": "https://example.slack.com/", "team": "Example", "user": "kmbot", "team_id": "T1", "user_id": "U1", "bot_id": "B1"})
	})
	mux.HandleFunc("POST /slack/api/apps.connections.open", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+goodApp {
			writeJSON(w, 200, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true, "url": "wss://example.invalid/link"})
	})
	mux.HandleFunc("POST /telegram/{bot}/getMe", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("bot") != "bot"+goodTelegram {
			writeJSON(w, 401, map[string]any{"ok": false, "error_code": 401, "description": "Unauthorized"})
			return
		}
		writeJSON(w, 200, map[string]any{"ok": true, "result": map[string]any{"id": 4242, "is_bot": true, "first_name": "KM", "username": "kmbot"}})
	})
	mux.HandleFunc("GET /discord/api/v9/users/@me", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bot "+goodDiscord {
			writeJSON(w, 401, map[string]any{"message": "401: Unauthorized", "code": 0})
			return
		}
		writeJSON(w, 200, map[string]any{"id": "777", "username": "kmbot", "bot": true})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// fakeRedis speaks enough RESP for go-redis to connect and PING: HELLO is
// refused as an old Redis would (go-redis then uses AUTH), AUTH checks the
// password.
func fakeRedis(t *testing.T, password string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { serveRESP(c, password) })
		}
	})
	return ln.Addr().String()
}

func serveRESP(c net.Conn, password string) {
	defer c.Close()
	r := bufio.NewReader(c)
	authed := password == ""
	for {
		args, err := readRESP(r)
		if err != nil {
			return
		}
		reply := "+OK\r\n"
		switch strings.ToUpper(args[0]) {
		case "HELLO":
			reply = "-ERR unknown command 'HELLO'\r\n"
		case "AUTH":
			if args[len(args)-1] == password {
				authed = true
			} else {
				reply = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"
			}
		case "PING":
			reply = "+PONG\r\n"
			if !authed {
				reply = "-NOAUTH Authentication required.\r\n"
			}
		}
		if _, err := io.WriteString(c, reply); err != nil {
			return
		}
	}
}

// readRESP reads one command: an array of bulk strings.
func readRESP(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("not an array: %q", line)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil || n < 1 {
		return nil, fmt.Errorf("bad array: %q", line)
	}
	args := make([]string, n)
	for i := range args {
		hdr, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(hdr, "$")))
		if err != nil {
			return nil, err
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// credEnv configures every platform and Redis against the fakes, with the
// given tokens.
func credEnv(t *testing.T, base, redisAddr, slackTok, appTok, tgTok, dcTok, redisPW string) map[string]string {
	t.Helper()
	_, env := startSim(t, kmsim.Options{})
	return with(env,
		"KMBRIDGE_SLACK_BOT_TOKEN", slackTok, "KMBRIDGE_SLACK_APP_TOKEN", appTok, "KMBRIDGE_SLACK_API_URL", base+"/slack/api/",
		"KMBRIDGE_TELEGRAM_TOKEN", tgTok, "KMBRIDGE_TELEGRAM_API_ENDPOINT", base+"/telegram/bot%s/%s",
		"KMBRIDGE_DISCORD_TOKEN", dcTok, "KMBRIDGE_DISCORD_APPLICATION_ID", "777", "KMBRIDGE_DISCORD_API_URL", base+"/discord/api/v9/",
		"KMBRIDGE_STORE_REDIS_URL", "redis://:"+redisPW+"@"+redisAddr+"/0",
	)
}

// kmbridge check tries every configured credential through the libraries
// the bridge uses, reports each, and fails when any is refused.
func TestCheckCredentials(t *testing.T) {
	srv := fakePlatforms(t)
	redisAddr := fakeRedis(t, goodRedisPW)

	t.Run("all good", func(t *testing.T) {
		r := runKM(t, credEnv(t, srv.URL, redisAddr, goodSlack, goodApp, goodTelegram, goodDiscord, goodRedisPW), "check")
		if r.code != exitOK {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		mustContain(t, "stdout", r.stdout,
			"Signature: v1",
			"Redis: ok, PING answered at redis://:xxxxx@"+redisAddr+"/0\n",
			"Slack: ok, bot kmbot (U1) in workspace Example (T1)\n",
			"Slack Socket Mode: ok",
			"Telegram: ok, bot @kmbot (id 4242)\n",
			"Discord: ok, bot kmbot (id 777)\n",
		)
		if r.stderr != "" {
			t.Errorf("stderr: %s", r.stderr)
		}
	})

	t.Run("all refused", func(t *testing.T) {
		bad := []string{"xoxb-revoked-slack", "xapp-revoked-app", "4242:revoked-telegram", "revoked.discord", "wrong-redis-pw"}
		r := runKM(t, credEnv(t, srv.URL, redisAddr, bad[0], bad[1], bad[2], bad[3], bad[4]), "check")
		if r.code != exitFail {
			t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFail, r.stdout, r.stderr)
		}
		mustContain(t, "stdout", r.stdout, "Signature: v1") // KM itself is fine
		mustContain(t, "stderr", r.stderr,
			"Redis: ", "WRONGPASS", "Redis refused the password: set it in store.redis_url",
			"Slack: auth.test: invalid_auth", "Slack refused slack.bot_token: copy the Bot User OAuth Token",
			"Slack Socket Mode: apps.connections.open: invalid_auth", "Slack refused slack.app_token",
			"Telegram: getMe: Unauthorized", "Telegram refused telegram.token",
			"Discord: GET /users/@me:", "Discord refused discord.token",
		)
		for _, s := range bad {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("a secret (%s) was printed:\n%s%s", s, r.stdout, r.stderr)
			}
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		env := credEnv(t, "http://127.0.0.1:1", "127.0.0.1:1", goodSlack, goodApp, goodTelegram, goodDiscord, goodRedisPW)
		r := runKM(t, env, "check")
		if r.code != exitFail {
			t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, exitFail, r.stdout, r.stderr)
		}
		mustContain(t, "stderr", r.stderr,
			"check the host and port in store.redis_url (redis://:xxxxx@127.0.0.1:1/0)",
			"cannot reach Slack at http://127.0.0.1:1/slack/api/",
			"cannot reach the Bot API at http://127.0.0.1:1/telegram/bot<token>/getMe",
			"cannot reach Discord at http://127.0.0.1:1/discord/api/v9/",
		)
		for _, s := range []string{goodSlack, goodApp, goodTelegram, goodDiscord, goodRedisPW} {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("a secret (%s) was printed:\n%s%s", s, r.stdout, r.stderr)
			}
		}
	})
}
