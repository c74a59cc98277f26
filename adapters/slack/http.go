package slackadapter

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/kmbridge/kmbridge/bridge"
)

// HTTP routes (the manifest's request URLs).
const (
	PathEvents       = "/slack/events"
	PathInteractions = "/slack/interactions"
	PathOptions      = "/slack/options"
	PathCommands     = "/slack/commands"
)

// Routes implements bridge.RouteMounter: the Events API, interactivity,
// options-load and slash-command endpoints. Every route verifies Slack's
// signature before anything else. Without a signing secret (Socket Mode only)
// nothing is mounted.
func (a *Adapter) Routes(r bridge.Router) {
	if a.cfg.SigningSecret == "" {
		a.log.Info("slack: no signing secret: HTTP routes not mounted (Socket Mode only)")
		return
	}
	for pattern, h := range a.in.routes() {
		r.HandleLimit(pattern, h, a.cfg.MaxBodyBytes)
	}
}

// Handler serves the four routes on a mux of its own, for mounting elsewhere.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	for pattern, h := range a.in.routes() {
		mux.Handle(pattern, h)
	}
	return mux
}

func (r *receiver) routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST " + PathEvents:       http.HandlerFunc(r.serveEvents),
		"POST " + PathInteractions: http.HandlerFunc(r.serveInteractions),
		"POST " + PathOptions:      http.HandlerFunc(r.serveOptions),
		"POST " + PathCommands:     http.HandlerFunc(r.serveCommands),
	}
}

// closed answers a request that arrived before Run or after it returned (at
// shutdown intake stops first): Slack delivers it again, to whoever runs.
func (r *receiver) closed(w http.ResponseWriter) bool {
	if r.running.Load() {
		return false
	}
	r.log.Warn("slack: request while the adapter does not run; Slack will retry")
	retryLater(w)
	return true
}

// retryLater answers 503: Slack delivers the request again.
func retryLater(w http.ResponseWriter) {
	http.Error(w, "not accepted, retry later", http.StatusServiceUnavailable)
}

// serveEvents is the Events API endpoint. It answers url_verification, and
// acknowledges an event once the host has it (within Slack's 3 s: only cached
// or time-bounded lookups happen before); the answer is worked out
// afterwards. What the host did not accept is answered 503, and Slack
// delivers it again (X-Slack-Retry-Num).
func (r *receiver) serveEvents(w http.ResponseWriter, req *http.Request) {
	body, ok := r.verified(w, req)
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
	if r.closed(w) {
		return
	}
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		// An event type slack-go does not know: acknowledge, or Slack retries it.
		r.log.Warn("slack: event not understood; acknowledged and ignored", "type", head.Type, "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if n := req.Header.Get("X-Slack-Retry-Num"); n != "" {
		r.log.Debug("slack: event redelivered", "retry", n, "reason", req.Header.Get("X-Slack-Retry-Reason"))
	}
	if !r.onEvent(req.Context(), ev) {
		retryLater(w)
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
func (r *receiver) serveInteractions(w http.ResponseWriter, req *http.Request) {
	body, ok := r.verified(w, req)
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
		writeJSON(w, r.extras.options(req.Context(), ic))
		return
	case slack.InteractionTypeBlockActions:
		if r.closed(w) {
			return
		}
		if !r.clicks.onBlockActions(req.Context(), ic) {
			retryLater(w)
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// serveOptions is the options-load endpoint: block_suggestion → options.
func (r *receiver) serveOptions(w http.ResponseWriter, req *http.Request) {
	body, ok := r.verified(w, req)
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
	writeJSON(w, r.extras.options(req.Context(), ic))
}

// serveCommands is the slash command endpoint. A command the host did not
// accept is answered 503: Slack tells the user it failed, rather than
// nothing happening.
func (r *receiver) serveCommands(w http.ResponseWriter, req *http.Request) {
	body, ok := r.verified(w, req)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "malformed command", http.StatusBadRequest)
		return
	}
	if r.closed(w) {
		return
	}
	cmd := slack.SlashCommand{
		TeamID: form.Get("team_id"), ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"), Command: form.Get("command"),
		Text: form.Get("text"), ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"),
	}
	reply, ok := r.onCommand(req.Context(), cmd)
	if !ok {
		retryLater(w)
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
