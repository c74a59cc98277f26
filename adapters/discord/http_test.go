package discordadapter_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	discordadapter "github.com/kmbridge/kmbridge/adapters/discord"

	"github.com/kmbridge/kmbridge/adapters/discord/discordtest"
)

// signer is the application's key pair (Discord holds the private half).
var signerSeed = bytes.Repeat([]byte{7}, ed25519.SeedSize)

func signerKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(signerSeed) }

func publicKeyHex() string {
	return hex.EncodeToString(signerKey().Public().(ed25519.PublicKey))
}

// postInteraction posts an interaction to the adapter's route as Discord does,
// signed with key at ts (nil key: no signature headers).
func (p *process) postInteraction(t testing.TB, ix map[string]any, key ed25519.PrivateKey, ts time.Time) (int, string) {
	t.Helper()
	body, err := json.Marshal(ix)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, p.http.URL+discordadapter.InteractionsPath, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if key != nil {
		stamp := strconv.FormatInt(ts.Unix(), 10)
		req.Header.Set("X-Signature-Timestamp", stamp)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(key, append([]byte(stamp), body...))))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if tok, ok := ix["token"].(string); ok && resp.StatusCode == http.StatusOK {
		p.w.fake.Answered(ix["id"].(string), tok, b)
	}
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func httpOptions() options {
	return options{dc: func(c *discordadapter.Config) { c.PublicKey = publicKeyHex() }}
}

// Signed HTTP interactions work: PING → PONG, /ask deferred in the HTTP answer
// and answered through the webhook, autocomplete answered in the HTTP answer.
func TestHTTPInteractions(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, httpOptions())
	if code, body := p.postInteraction(t, map[string]any{"id": "1", "application_id": discordtest.AppID, "type": 1, "token": "t", "version": 1}, signerKey(), time.Now()); code != 200 || body != `{"type":1}` {
		t.Errorf("PING = %d %s", code, body)
	}
	ix := w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", "What is the Wi-Fi password?")
	code, body := p.postInteraction(t, ix, signerKey(), time.Now())
	if code != 200 || body != `{"type":5}` {
		t.Fatalf("/ask = %d %s, want the deferred response", code, body)
	}
	ans := w.fake.WaitMessage(t, "ExampleGuest")
	if !strings.Contains(ans.Path, ix["token"].(string)) {
		t.Errorf("answer went by %s %s, not through the interaction", ans.Method, ans.Path)
	}
	if n := len(w.fake.CallsTo("POST", `/interactions/.*`)); n != 0 {
		t.Errorf("%d callbacks posted for an HTTP interaction (the HTTP answer is the response)", n)
	}
	// A rating button of that answer, pressed over HTTP: deferred update in
	// the HTTP answer, KM rated, the buttons retired through the interaction.
	rating := w.waitButton(t, "👍 Helpful")
	press := w.fake.Press(alice, "", rating, discordtest.ButtonID(t, rating, "👍 Helpful"))
	if code, body := p.postInteraction(t, press, signerKey(), time.Now()); code != 200 || body != `{"type":6}` {
		t.Fatalf("button = %d %s, want the deferred update", code, body)
	}
	edit := w.retiredEdit(t, press["token"].(string))
	for _, b := range discordtest.Buttons(edit) {
		if !b.Disabled {
			t.Errorf("rating button %q still enabled", b.Label)
		}
	}
	if n := len(w.simCalls("POST /v1/surveyQuestion")); n != 1 {
		t.Errorf("surveyQuestion calls = %d", n)
	}
	ac := w.fake.Autocomplete(alice, discordtest.DMChannel(alice), "", "password")
	code, body = p.postInteraction(t, ac, signerKey(), time.Now())
	if code != 200 || !strings.HasPrefix(body, `{"type":8,"data":{"choices":[{"name":"How do I reset my password?"`) {
		t.Errorf("autocomplete = %d %s", code, body)
	}
	// The same interaction delivered again changes nothing.
	if code, body := p.postInteraction(t, ix, signerKey(), time.Now()); code != 200 || body != `{"type":5}` {
		t.Errorf("redelivery = %d %s", code, body)
	}
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("KM chat calls = %d, want 1", n)
	}
}

// A forged, unsigned or stale interaction is refused with 401 before anything
// happens: no KM call, no Discord call.
func TestHTTPForged(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, httpOptions())
	before := len(w.fake.All())
	_, other, _ := ed25519.GenerateKey(nil)
	ix := func() map[string]any {
		return w.fake.Slash(alice, discordtest.DMChannel(alice), "", "en-US", "ask", "question", "What is the Wi-Fi password?")
	}
	for name, c := range map[string]struct {
		key ed25519.PrivateKey
		ts  time.Time
	}{
		"forged":   {other, time.Now()},
		"unsigned": {nil, time.Now()},
		"stale":    {signerKey(), time.Now().Add(-10 * time.Minute)},
	} {
		if code, _ := p.postInteraction(t, ix(), c.key, c.ts); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, code)
		}
	}
	// A tampered body under a valid signature of the original.
	body, _ := json.Marshal(ix())
	stamp := strconv.FormatInt(time.Now().Unix(), 10)
	sig := hex.EncodeToString(ed25519.Sign(signerKey(), append([]byte(stamp), body...)))
	tampered := bytes.Replace(body, []byte("Wi-Fi"), []byte("VPN"), 1)
	req, _ := http.NewRequest(http.MethodPost, p.http.URL+discordadapter.InteractionsPath, bytes.NewReader(tampered))
	req.Header.Set("X-Signature-Timestamp", stamp)
	req.Header.Set("X-Signature-Ed25519", sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("tampered: status %d, want 401", resp.StatusCode)
	}
	// A valid one afterwards works, so the refusals above were not a broken route.
	if code, _ := p.postInteraction(t, ix(), signerKey(), time.Now()); code != 200 {
		t.Fatalf("valid interaction: %d", code)
	}
	w.fake.WaitMessage(t, "ExampleGuest")
	if n := len(w.simCalls("POST /v1/chat")); n != 1 {
		t.Errorf("KM chat calls = %d, want only the valid one", n)
	}
	for _, c := range w.fake.All()[before:] {
		if strings.Contains(c.Path, "ixtok-") && !strings.Contains(c.Path, w.lastToken()) {
			t.Errorf("Discord call for a refused interaction: %s %s", c.Method, c.Path)
		}
	}
}

// lastToken is the token of the last interaction built.
func (w *world) lastToken() string {
	return discordtest.LastTokenPrefix()
}

// Without a public key there is no HTTP route.
func TestNoPublicKeyNoRoute(t *testing.T) {
	w := newWorld(t, nil)
	p := w.boot(t, options{})
	if code, _ := p.postInteraction(t, map[string]any{"type": 1}, signerKey(), time.Now()); code != http.StatusNotFound && code != http.StatusMethodNotAllowed {
		t.Errorf("status %d, want no route", code)
	}
}
