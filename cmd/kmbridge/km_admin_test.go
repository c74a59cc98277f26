package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

func TestFAQCommands(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})

	r := runKM(t, env, "km", "faq", "search", "-word", "password", "-in", "questions")
	if r.code != exitOK {
		t.Fatalf("search: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "search table", r.stdout, "ID", "QUESTION", "1001", "How do I reset my password?")
	mustContain(t, "search footer", r.stderr, "page 1 of 1")

	r = runKM(t, env, "km", "faq", "search", "-json", "-size", "3", "-page", "2")
	if r.code != exitOK {
		t.Fatalf("search -json: exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 JSON lines, got:\n%s", r.stdout)
	}
	for _, l := range lines {
		var q kmclient.FAQ
		if err := json.Unmarshal([]byte(l), &q); err != nil || q.ID == 0 {
			t.Errorf("line %q: %v", l, err)
		}
	}
	mustContain(t, "page note", r.stderr, "page 2 of")

	r = runKM(t, env, "km", "faq", "get", "1001")
	var q kmclient.FAQ
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &q) != nil || q.ID != 1001 || q.Answer == nil {
		t.Fatalf("get 1001: exit %d, %q\n%s", r.code, r.stdout, r.stderr)
	}
	category := strconv.FormatInt(int64(q.CategoryID), 10)

	// Create, read back, update (flags after the id), delete.
	r = runKM(t, env, "km", "faq", "create", "-category", category, "-content", "How do I book a parking space?",
		"-answer", "<p>Use the <b>parking</b> app.</p>", "-keyword", "parking,car park")
	var created kmclient.FAQ
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &created) != nil || created.ID == 0 {
		t.Fatalf("create: exit %d, %q\n%s", r.code, r.stdout, r.stderr)
	}
	if created.Answer == nil || created.Answer.Type != kmclient.FAQAnswerRich {
		t.Errorf("an HTML answer must be created rich: %+v", created.Answer)
	}
	id := strconv.FormatInt(int64(created.ID), 10)

	r = runKM(t, env, "km", "ask", "how do I book a parking space")
	mustContain(t, "the new question is answered", r.stdout, "parking")

	r = runKM(t, env, "km", "faq", "update", id, "-content", "How do I reserve a parking space?", "-answer", "Use the parking app or call reception.")
	if r.code != exitOK {
		t.Fatalf("update: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "update", r.stdout, "updated question "+id)
	r = runKM(t, env, "km", "faq", "get", id)
	var updated kmclient.FAQ
	if err := json.Unmarshal([]byte(r.stdout), &updated); err != nil {
		t.Fatal(err)
	}
	if updated.Content != "How do I reserve a parking space?" || updated.Answer == nil ||
		updated.Answer.Content != "Use the parking app or call reception." || updated.Answer.Type != kmclient.FAQAnswerPlain ||
		updated.Keyword != "parking,car park" || updated.CategoryID != created.CategoryID {
		t.Errorf("after update: %+v (answer %+v)", updated, updated.Answer)
	}

	r = runKM(t, env, "km", "faq", "delete", id)
	if r.code != exitOK {
		t.Fatalf("delete: exit %d\n%s", r.code, r.stderr)
	}
	r = runKM(t, env, "km", "faq", "get", id)
	if r.code != exitFail {
		t.Errorf("get after delete: exit %d, want %d", r.code, exitFail)
	}
	mustContain(t, "get after delete", r.stderr, "KM said: "+kmsim.MsgNoQuestion)

	// KM refuses a create with a foreign category; the message reaches the operator.
	r = runKM(t, env, "km", "faq", "create", "-category", "999999", "-content", "x?", "-answer", "y")
	if r.code != exitFail || !strings.Contains(r.stderr, "KM said:") {
		t.Errorf("create in unknown category: exit %d\n%s", r.code, r.stderr)
	}
}

func TestSimilarCommands(t *testing.T) {
	_, env := startSim(t, kmsim.Options{})

	r := runKM(t, env, "km", "similar", "add", "1001", "I", "cannot", "log", "in", "anymore")
	if r.code != exitOK {
		t.Fatalf("add: exit %d\n%s", r.code, r.stderr)
	}
	m := regexp.MustCompile(`added similar question (\d+) to question 1001`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("add printed %q", r.stdout)
	}
	sid := m[1]

	r = runKM(t, env, "km", "similar", "list", "1001", "-size", "100")
	if r.code != exitOK {
		t.Fatalf("list: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "list", r.stdout, sid, "I cannot log in anymore")

	r = runKM(t, env, "km", "similar", "update", "1001", sid, "I can no longer sign in")
	if r.code != exitOK {
		t.Fatalf("update: exit %d\n%s", r.code, r.stderr)
	}
	r = runKM(t, env, "km", "similar", "list", "-json", "-size", "100", "1001")
	var found bool
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var s kmclient.Similar
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if s.ID.String() == sid {
			found = s.Content == "I can no longer sign in"
		}
	}
	if !found {
		t.Errorf("the update is not listed:\n%s", r.stdout)
	}

	if r = runKM(t, env, "km", "similar", "delete", "1001", sid); r.code != exitOK {
		t.Fatalf("delete: exit %d\n%s", r.code, r.stderr)
	}
	r = runKM(t, env, "km", "similar", "list", "1001", "-size", "100")
	if strings.Contains(r.stdout, "I can no longer sign in") {
		t.Errorf("deleted similar question still listed:\n%s", r.stdout)
	}

	r = runKM(t, env, "km", "similar", "list", "999999")
	if r.code != exitFail {
		t.Errorf("list of an unknown question: exit %d, want %d\n%s", r.code, exitFail, r.stderr)
	}
}

func TestSessionsCommands(t *testing.T) {
	// KM shows times in its own zone; here it is this machine's, as the defaults assume.
	_, env := startSim(t, kmsim.Options{Location: time.Local})
	for _, q := range []string{"how do I reset my password", "What is the Wi-Fi password?"} {
		if r := runKM(t, env, "km", "ask", q); r.code != exitOK {
			t.Fatalf("ask: exit %d\n%s", r.code, r.stderr)
		}
	}
	now := time.Now()
	from := now.Add(-time.Hour).Format(kmclient.SessionTimeLayout)
	to := now.Add(time.Hour).Format(kmclient.SessionTimeLayout)

	for _, args := range [][]string{
		{"km", "sessions", "list"}, // the last 24 hours
		{"km", "sessions", "list", "-from", from, "-to", to},
		{"km", "sessions", "list", "-from", from, "-to", to, "-size", "1"}, // every page
	} {
		r := runKM(t, env, args...)
		if r.code != exitOK {
			t.Fatalf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		recs := decodeLines[kmclient.SessionRecord](t, r.stdout)
		if len(recs) != 2 {
			t.Fatalf("%q: want the 2 sessions, got %d:\n%s", args, len(recs), r.stdout)
		}
	}

	r := runKM(t, env, "km", "sessions", "list", "-from", from, "-to", to, "-page", "2", "-size", "1")
	recs := decodeLines[kmclient.SessionRecord](t, r.stdout)
	if r.code != exitOK || len(recs) != 1 {
		t.Fatalf("-page 2: exit %d, %d records", r.code, len(recs))
	}
	session := recs[0].ID.String()

	r = runKM(t, env, "km", "sessions", "logs", session, "-size", "1")
	if r.code != exitOK {
		t.Fatalf("logs: exit %d\n%s", r.code, r.stderr)
	}
	logs := decodeLines[kmclient.SessionLog](t, r.stdout)
	if len(logs) < 3 { // welcome, question, answer
		t.Fatalf("want the whole transcript, got %d messages:\n%s", len(logs), r.stdout)
	}
	for _, l := range logs {
		if l.SessionID.String() != session {
			t.Errorf("log of session %d in session %s's transcript", l.SessionID, session)
		}
	}

	r = runKM(t, env, "km", "sessions", "list", "-from", "yesterday")
	if r.code != exitUsage {
		t.Errorf("bad -from: exit %d, want %d", r.code, exitUsage)
	}
}

// decodeLines decodes JSON lines, failing on any line that is not one T.
func decodeLines[T any](t *testing.T, s string) []T {
	t.Helper()
	var out []T
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var v T
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, v)
	}
	return out
}
