package slackadapter

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestResponseURLNeverInErrors(t *testing.T) {
	const u = "http://127.0.0.1:1/commands/T1/123/secretpart"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	raw := slack.PostWebhookCustomHTTPContext(ctx, u, &http.Client{}, &slack.WebhookMessage{Text: "x"})
	if raw == nil || !strings.Contains(raw.Error(), "secretpart") {
		t.Fatalf("this test assumes slack-go puts the URL in its error; got %v", raw)
	}
	err := hideResponseURL(raw, u)
	if strings.Contains(err.Error(), "secretpart") {
		t.Fatalf("response_url leaked: %v", err)
	}
	if errors.Unwrap(err) == nil {
		t.Fatal("the cause must stay reachable for retry decisions")
	}
}
