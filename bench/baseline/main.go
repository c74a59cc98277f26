// Command baseline is the bare-I/O floor the benchmark (go run ./bench
// -baseline) measures kmbridge against. Per platform it does only the I/O a
// bridge cannot avoid: it receives the user's event, verifies it (Slack's
// signature, Telegram's secret token, the web chat's Origin), makes one KM
// /v1/chat call (after one initClient per user), and posts the answer's
// content with one platform call — no core, no formatting, no store, no
// dedupe, no pacing, and Go's default HTTP client.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

type config struct {
	listen, platform                      string
	kmURL, kmEmail, kmToken               string
	robotID, channelID                    int64
	slackAPI, slackToken, slackSecret     string
	tgEndpoint, tgToken, tgSecret, tgHook string
	discordAPI, discordToken              string
}

func main() {
	var c config
	flag.StringVar(&c.listen, "listen", "127.0.0.1:8080", "HTTP listen address")
	flag.StringVar(&c.platform, "platform", "slack", "slack, telegram, discord or web")
	flag.StringVar(&c.kmURL, "km-url", "", "KM API base URL")
	flag.StringVar(&c.kmEmail, "km-email", "", "KM account email")
	flag.StringVar(&c.kmToken, "km-token", "", "KM API token")
	flag.Int64Var(&c.robotID, "robot-id", 0, "KM robot id")
	flag.Int64Var(&c.channelID, "channel-id", 0, "KM channel id")
	flag.StringVar(&c.slackAPI, "slack-api", "", "Slack Web API base URL")
	flag.StringVar(&c.slackToken, "slack-token", "", "Slack bot token")
	flag.StringVar(&c.slackSecret, "slack-secret", "", "Slack signing secret")
	flag.StringVar(&c.tgEndpoint, "tg-endpoint", "", "Bot API URL pattern (token and method as %s)")
	flag.StringVar(&c.tgToken, "tg-token", "", "Telegram bot token")
	flag.StringVar(&c.tgSecret, "tg-secret", "", "Telegram webhook secret token")
	flag.StringVar(&c.tgHook, "tg-webhook", "", "the webhook URL to register")
	flag.StringVar(&c.discordAPI, "discord-api", "", "Discord REST base URL")
	flag.StringVar(&c.discordToken, "discord-token", "", "Discord bot token")
	flag.Parse()
	// Keep a connection for every call in flight, as kmbridge does
	// (internal/httpx): Go's default keeps two idle per host, so a floor
	// left at it would dial for every burst, and a floor that pays for
	// avoidable dials is not the floor. This is the program's own client.
	tr := http.DefaultTransport.(*http.Transport)
	tr.MaxIdleConnsPerHost, tr.MaxIdleConns, tr.IdleConnTimeout = 1024, 0, 55*time.Second
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, c)
	stop()
	if err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

// server is the baseline: the KM sessions of its users and its work in flight.
type server struct {
	c        config
	sessions sync.Map // user → *session
	wg       sync.WaitGroup
	errs     sync.Mutex
	nerr     int

	connMu sync.Mutex
	conns  map[*websocket.Conn]bool // open web chat sockets, closed at shutdown
}

type session struct {
	once sync.Once
	id   int64
	err  error
}

func run(ctx context.Context, c config) error {
	s := &server{c: c, conns: map[*websocket.Conn]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	switch c.platform {
	case "slack":
		mux.HandleFunc("POST /slack/events", s.slackEvent)
	case "telegram":
		mux.HandleFunc("POST /telegram/webhook", s.telegramUpdate)
	case "web":
		mux.HandleFunc("GET /ws", s.webSocket)
	case "discord":
	default:
		return fmt.Errorf("baseline: unknown platform %q", c.platform)
	}
	srv := &http.Server{Addr: c.listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.ListenAndServe() }()
	switch c.platform {
	case "telegram":
		if err := s.setWebhook(ctx); err != nil {
			return err
		}
	case "discord":
		go func() { errc <- s.discordGateway(ctx) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	s.connMu.Lock()
	for conn := range s.conns { // hijacked: Shutdown does not close them
		conn.Close()
	}
	s.connMu.Unlock()
	s.wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// fail logs the first failures (the bench counts unanswered messages itself).
func (s *server) fail(what string, err error) {
	s.errs.Lock()
	defer s.errs.Unlock()
	s.nerr++
	if s.nerr <= 10 {
		log.Printf("baseline: %s: %v", what, err)
	}
}

// answer asks KM for user's text and hands the answer's content to post, on
// its own goroutine: the platform's delivery has been acknowledged already.
func (s *server) answer(user, text string, post func(ctx context.Context, content string) error) {
	s.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		content, err := s.ask(ctx, user, text)
		if err == nil {
			err = post(ctx, content)
		}
		if err != nil {
			s.fail("answer", err)
		}
	})
}

// ask makes the user's KM call: initClient once per user, then chat.
func (s *server) ask(ctx context.Context, user, text string) (string, error) {
	sid, err := s.session(ctx, user)
	if err != nil {
		return "", err
	}
	var ans struct {
		AnsContent json.RawMessage `json:"ansContent"`
	}
	if err := s.km(ctx, "/v1/chat", map[string]any{"sessionId": sid, "robotId": s.c.robotID, "queryContent": text}, &ans); err != nil {
		return "", err
	}
	var content string
	if json.Unmarshal(ans.AnsContent, &content) != nil {
		content = string(ans.AnsContent) // a structured answer: posted as its JSON
	}
	return content, nil
}

func (s *server) session(ctx context.Context, user string) (int64, error) {
	v, _ := s.sessions.LoadOrStore(user, &session{})
	ss := v.(*session)
	ss.once.Do(func() {
		var out struct {
			SessionID int64 `json:"sessionId"`
		}
		ss.err = s.km(ctx, "/v1/initClient", map[string]any{"robotId": s.c.robotID, "channelId": s.c.channelID,
			"platform": 5, "customer": map[string]any{"customer_token": s.c.platform + ":" + user}}, &out)
		ss.id = out.SessionID
	})
	return ss.id, ss.err
}

// km makes one signed KM call (v1: SHA1 of email&token&timestamp) and
// decodes the envelope's data into out.
func (s *server) km(ctx context.Context, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	sum := sha1.Sum([]byte(s.c.kmEmail + "&" + s.c.kmToken + "&" + ts))
	q := url.Values{"email": {s.c.kmEmail}, "timestamp": {ts}, "sign": {hex.EncodeToString(sum[:])}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.kmURL+path+"?"+q.Encode(), strings.NewReader(string(b)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("km %s: %w", path, err)
	}
	defer resp.Body.Close()
	env := struct {
		Code    json.Number `json:"code"`
		Message string      `json:"message"`
		Data    any         `json:"data"`
	}{Data: out}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return fmt.Errorf("km %s: HTTP %d: %w", path, resp.StatusCode, err)
	}
	if env.Code != "200" {
		return fmt.Errorf("km %s: code %s: %s", path, env.Code, env.Message)
	}
	return nil
}

// postForm makes one platform call with a form body and checks Slack's or
// Telegram's "ok".
func postForm(ctx context.Context, u string, header http.Header, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(req)
}

func do(req *http.Request) error {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		OK *bool `json:"ok"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil && resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("%s: HTTP %d: %w", req.URL.Path, resp.StatusCode, err)
	}
	if resp.StatusCode >= 300 || (r.OK != nil && !*r.OK) {
		return fmt.Errorf("%s: HTTP %d", req.URL.Path, resp.StatusCode)
	}
	return nil
}

// Slack.

func (s *server) slackEvent(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	ts := r.Header.Get("X-Slack-Request-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		http.Error(w, "stale", http.StatusUnauthorized)
		return
	}
	m := hmac.New(sha256.New, []byte(s.c.slackSecret))
	m.Write([]byte("v0:" + ts + ":"))
	m.Write(body)
	want := "v0=" + hex.EncodeToString(m.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Slack-Signature"))) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var cb struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
		Event     struct {
			Type    string `json:"type"`
			Channel string `json:"channel"`
			User    string `json:"user"`
			Text    string `json:"text"`
			BotID   string `json:"bot_id"`
		} `json:"event"`
	}
	if err := json.Unmarshal(body, &cb); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if cb.Type == "url_verification" {
		_, _ = io.WriteString(w, cb.Challenge)
		return
	}
	w.WriteHeader(http.StatusOK)
	ev := cb.Event
	if cb.Type != "event_callback" || ev.Type != "message" || ev.BotID != "" || ev.User == "" {
		return
	}
	s.answer(ev.User, ev.Text, func(ctx context.Context, content string) error {
		return postForm(ctx, s.c.slackAPI+"chat.postMessage", http.Header{"Authorization": {"Bearer " + s.c.slackToken}},
			url.Values{"channel": {ev.Channel}, "text": {content}})
	})
}

// Telegram.

func (s *server) tgMethod(method string) string {
	return fmt.Sprintf(s.c.tgEndpoint, s.c.tgToken, method)
}

func (s *server) setWebhook(ctx context.Context) error {
	err := postForm(ctx, s.tgMethod("setWebhook"), http.Header{}, url.Values{"url": {s.c.tgHook}, "secret_token": {s.c.tgSecret}})
	if err != nil {
		return fmt.Errorf("baseline: setWebhook: %w", err)
	}
	return nil
}

func (s *server) telegramUpdate(w http.ResponseWriter, r *http.Request) {
	got, want := sha256.Sum256([]byte(r.Header.Get("X-Telegram-Bot-Api-Secret-Token"))), sha256.Sum256([]byte(s.c.tgSecret))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	var u struct {
		Message *struct {
			Chat struct {
				ID int64 `json:"id"`
			} `json:"chat"`
			From struct {
				ID int64 `json:"id"`
			} `json:"from"`
			Text string `json:"text"`
		} `json:"message"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&u); err != nil {
		http.Error(w, "bad update", http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusOK)
	if u.Message == nil || u.Message.Text == "" {
		return
	}
	chat := strconv.FormatInt(u.Message.Chat.ID, 10)
	s.answer(strconv.FormatInt(u.Message.From.ID, 10), u.Message.Text, func(ctx context.Context, content string) error {
		return postForm(ctx, s.tgMethod("sendMessage"), http.Header{}, url.Values{"chat_id": {chat}, "text": {content}})
	})
}

// Discord.

// discordGateway connects to the gateway, identifies, heartbeats, and
// answers each MESSAGE_CREATE from a user.
func (s *server) discordGateway(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.c.discordAPI+"gateway/bot", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bot "+s.c.discordToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("baseline: discord gateway: %w", err)
	}
	var gw struct {
		URL string `json:"url"`
	}
	err = json.NewDecoder(resp.Body).Decode(&gw)
	resp.Body.Close()
	if err != nil {
		return fmt.Errorf("baseline: discord gateway: %w", err)
	}
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, gw.URL+"?v=9&encoding=json", nil)
	if err != nil {
		return fmt.Errorf("baseline: discord gateway: %w", err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	var hello struct {
		D struct {
			HeartbeatInterval int `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if err := conn.ReadJSON(&hello); err != nil {
		return fmt.Errorf("baseline: discord hello: %w", err)
	}
	var wmu sync.Mutex
	write := func(v any) error {
		wmu.Lock()
		defer wmu.Unlock()
		return conn.WriteJSON(v)
	}
	const intents = 1<<0 | 1<<9 | 1<<12 | 1<<15 // guilds, guild and DM messages, message content
	if err := write(map[string]any{"op": 2, "d": map[string]any{"token": "Bot " + s.c.discordToken, "intents": intents,
		"properties": map[string]string{"os": "linux", "browser": "baseline", "device": "baseline"}}}); err != nil {
		return fmt.Errorf("baseline: discord identify: %w", err)
	}
	var seq int64
	var seqMu sync.Mutex
	go func() {
		t := time.NewTicker(time.Duration(max(hello.D.HeartbeatInterval, 1000)) * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				seqMu.Lock()
				n := seq
				seqMu.Unlock()
				if write(map[string]any{"op": 1, "d": n}) != nil {
					return
				}
			}
		}
	}()
	for {
		var ev struct {
			Op int    `json:"op"`
			T  string `json:"t"`
			S  int64  `json:"s"`
			D  struct {
				ChannelID string `json:"channel_id"`
				GuildID   string `json:"guild_id"`
				Content   string `json:"content"`
				Author    struct {
					ID  string `json:"id"`
					Bot bool   `json:"bot"`
				} `json:"author"`
			} `json:"d"`
		}
		if err := conn.ReadJSON(&ev); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("baseline: discord gateway: %w", err)
		}
		seqMu.Lock()
		seq = max(seq, ev.S)
		seqMu.Unlock()
		d := ev.D
		if ev.Op != 0 || ev.T != "MESSAGE_CREATE" || d.Author.Bot || d.Content == "" {
			continue
		}
		s.answer(d.Author.ID, d.Content, func(ctx context.Context, content string) error {
			b, err := json.Marshal(map[string]any{"content": content, "allowed_mentions": map[string]any{"parse": []string{}}})
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.c.discordAPI+"channels/"+d.ChannelID+"/messages", strings.NewReader(string(b)))
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bot "+s.c.discordToken)
			req.Header.Set("Content-Type", "application/json")
			return do(req)
		})
	}
}

// Web chat.

var upgrader = websocket.Upgrader{CheckOrigin: func(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || o == "http://"+r.Host || o == "https://"+r.Host
}}

type webFrame struct {
	Type string `json:"type"`
	ID   string `json:"id,omitempty"`
	From string `json:"from,omitempty"`
	Text string `json:"text,omitempty"`
}

// webSocket is one browser: an (empty) history when it connects, then per
// text frame an ack, the KM call (a session at the first) and the answer, in
// order.
func (s *server) webSocket(w http.ResponseWriter, r *http.Request) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.wg.Add(1)
	defer s.wg.Done()
	s.connMu.Lock()
	s.conns[conn] = true
	s.connMu.Unlock()
	defer func() {
		s.connMu.Lock()
		delete(s.conns, conn)
		s.connMu.Unlock()
		conn.Close()
	}()
	user := fmt.Sprintf("%p", conn)
	ctx := context.WithoutCancel(r.Context())
	if conn.WriteJSON(webFrame{Type: "history"}) != nil {
		return
	}
	for {
		var in webFrame
		if err := conn.ReadJSON(&in); err != nil {
			return
		}
		if in.Type != "text" || in.Text == "" {
			continue
		}
		if in.ID != "" && conn.WriteJSON(webFrame{Type: "ack", ID: in.ID}) != nil {
			return
		}
		content, err := s.ask(ctx, user, in.Text)
		if err != nil {
			s.fail("web answer", err)
			continue
		}
		if conn.WriteJSON(webFrame{Type: "msg", From: "bot", Text: content}) != nil {
			return
		}
	}
}
