package slackadapter

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Router is where Routes mounts the HTTP endpoints; *httpserver.Server implements it.
type Router interface {
	HandleLimit(pattern string, h http.Handler, maxBodyBytes int64)
}

// HTTP routes (the manifest's request URLs).
const (
	PathEvents       = "/slack/events"
	PathInteractions = "/slack/interactions"
	PathOptions      = "/slack/options"
	PathCommands     = "/slack/commands"
)

// Routes mounts the Events API, interactivity, options-load and slash-command
// endpoints on r. Every route verifies Slack's signature before anything else.
// Without a signing secret (Socket Mode only) nothing is mounted.
func (a *Adapter) Routes(r Router) {
	if a.cfg.SigningSecret == "" {
		a.log.Info("slack: no signing secret: HTTP routes not mounted (Socket Mode only)")
		return
	}
	for pattern, h := range a.routes() {
		r.HandleLimit(pattern, h, a.cfg.MaxBodyBytes)
	}
}

// Handler serves the four routes on a mux of its own, for mounting elsewhere.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range a.routes() {
		mux.Handle(pattern, h)
	}
	return mux
}

func (a *Adapter) routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST " + PathEvents:       http.HandlerFunc(a.serveEvents),
		"POST " + PathInteractions: http.HandlerFunc(a.serveInteractions),
		"POST " + PathOptions:      http.HandlerFunc(a.serveOptions),
		"POST " + PathCommands:     http.HandlerFunc(a.serveCommands),
	}
}

// notReady answers a request that arrived before Run: Slack delivers it again.
func (a *Adapter) notReady(w http.ResponseWriter) {
	a.log.Warn("slack: request before the adapter runs; Slack will retry")
	http.Error(w, "not ready", http.StatusServiceUnavailable)
}

// serveEvents is the Events API endpoint. It answers url_verification, and
// acknowledges an event once it is queued in the core (within Slack's 3 s: only
// cached or time-bounded lookups happen before the ack); the answer is worked
// out afterwards. Redeliveries (X-Slack-Retry-Num) are dropped by event id.
func (a *Adapter) serveEvents(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	var head struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if head.Type == slackevents.URLVerification {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte(head.Challenge))
		return
	}
	h := a.currentHandler()
	if h == nil {
		a.notReady(w)
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event type slack-go does not know: acknowledge, or Slack retries it.
		a.log.Warn("slack: event not understood; acknowledged and ignored", "type", head.Type, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		a.log.Debug("slack: event redelivered", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	if !a.onEvent(r.Context(), h, ev) {
		// Refused by the core (shutting down): Slack delivers it again.
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// parsePayload decodes an interactivity request body (form field "payload").
func parsePayload(body []byte) (*slack.InteractionCallback, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	var ic slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &ic); err != nil {
		return nil, err
	}
	return &ic, nil
}

// serveInteractions is the interactivity endpoint: button and select clicks.
// (Typeahead requests go to the options URL, but are answered here too.)
func (a *Adapter) serveInteractions(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	ic, err := parsePayload(body)
	if err != nil {
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	switch ic.Type {
	case slack.InteractionTypeBlockSuggestion:
		writeJSON(w, a.options(r.Context(), ic))
		return
	case slack.InteractionTypeBlockActions:
		h := a.currentHandler()
		if h == nil {
			a.notReady(w)
			return
		}
		if retryLater(a.onBlockActions(r.Context(), h, ic)) {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// serveOptions is the options-load endpoint: block_suggestion → options.
func (a *Adapter) serveOptions(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	ic, err := parsePayload(body)
	if err != nil {
		http.Error(w, "malformed payload", http.StatusBadRequest)
		return
	}
	if ic.Type != slack.InteractionTypeBlockSuggestion {
		writeJSON(w, slack.OptionsResponse{})
		return
	}
	writeJSON(w, a.options(r.Context(), ic))
}

// serveCommands is the slash command endpoint.
func (a *Adapter) serveCommands(w http.ResponseWriter, r *http.Request) {
	body, ok := a.verified(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed command", http.StatusBadRequest)
		return
	}
	h := a.currentHandler()
	if h == nil {
		a.notReady(w)
		return
	}
	cmd := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"),
		Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
	}
	reply, err := a.onCommand(r.Context(), h, cmd)
	if retryLater(err) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if reply != nil {
		writeJSON(w, reply)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}
