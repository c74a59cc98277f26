package kmclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/discordfmt"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/formatting/slackfmt"
	"github.com/kmbridge/kmbridge/formatting/tgfmt"
	"github.com/kmbridge/kmbridge/formatting/webfmt"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
	"github.com/kmbridge/kmbridge/kmclient/seedex"
)

// endpoint is how the client calls one documented endpoint.
type endpoint struct {
	req  func() any // a new request body value; nil when the call has no body
	call func(ctx context.Context, c *kmclient.Client, req any) (any, error)
}

func body[T any](req any) T {
	if v, ok := req.(*T); ok && v != nil {
		return *v
	}
	var zero T
	return zero
}

func newOf[T any]() func() any { return func() any { return new(T) } }

// endpoints maps every endpoint the seeds show an example of to its client method.
var endpoints = map[string]endpoint{
	"POST /v1/initClient": {newOf[kmclient.InitClientRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.InitClient(ctx, body[kmclient.InitClientRequest](r))
	}},
	"POST /v1/chat": {newOf[kmclient.ChatRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.Chat(ctx, body[kmclient.ChatRequest](r))
	}},
	"POST /v2/newChat": {newOf[kmclient.NewChatRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.NewChat(ctx, body[kmclient.NewChatRequest](r))
	}},
	"POST /v1/hit": {newOf[kmclient.HitRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.Hit(ctx, body[kmclient.HitRequest](r))
	}},
	"POST /v1/flow": {newOf[kmclient.FlowRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.Flow(ctx, body[kmclient.FlowRequest](r))
	}},
	"POST /v1/assist": {newOf[kmclient.AssistRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.Assist(ctx, body[kmclient.AssistRequest](r))
	}},
	"POST /v1/chat/commonQuestions": {newOf[kmclient.CommonQuestionsRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.CommonQuestions(ctx, body[kmclient.CommonQuestionsRequest](r))
	}},
	"POST /v1/chat/hotQuestions": {newOf[kmclient.HotQuestionsRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.HotQuestions(ctx, body[kmclient.HotQuestionsRequest](r))
	}},
	"POST /v1/surveyQuestion": {newOf[kmclient.SurveyQuestionRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return nil, c.SurveyQuestion(ctx, body[kmclient.SurveyQuestionRequest](r))
	}},
	"POST /v1/surveySession": {newOf[kmclient.SurveySessionRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.SurveySession(ctx, body[kmclient.SurveySessionRequest](r))
	}},
	"POST /v1/smartHint": {newOf[kmclient.SmartHintRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.SmartHint(ctx, body[kmclient.SmartHintRequest](r))
	}},
	"PUT /v1/sessions/:id/switchStaff": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		return nil, c.SwitchStaff(ctx, 451718)
	}},
	"GET /v1/robots/:id/commonQuestionModels": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		m, _, err := c.CommonQuestionModels(ctx, 83, kmclient.CommonQuestionModelsQuery{})
		return m, err
	}},
	"POST /v1/questions/search": {newOf[kmclient.SearchQuestionsRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		q, _, err := c.SearchQuestions(ctx, body[kmclient.SearchQuestionsRequest](r))
		return q, err
	}},
	"GET /v1/questions/:id": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		return c.GetQuestion(ctx, 1232)
	}},
	"POST /v1/questions": {newOf[kmclient.CreateQuestionRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.CreateQuestion(ctx, body[kmclient.CreateQuestionRequest](r))
	}},
	"PUT /v1/questions/:id": {newOf[kmclient.UpdateQuestionRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return nil, c.UpdateQuestion(ctx, 9458, body[kmclient.UpdateQuestionRequest](r))
	}},
	"GET /v1/faq/similar/:questionId": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		s, _, err := c.ListSimilar(ctx, 9458, 0, 0)
		return s, err
	}},
	"POST /v1/faq/similar/:questionId": {newOf[kmclient.Similar](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.AddSimilar(ctx, 9458, body[kmclient.Similar](r).Content)
	}},
	"PUT /v1/faq/similar/:questionId": {newOf[kmclient.Similar](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.UpdateSimilar(ctx, 9458, body[kmclient.Similar](r))
	}},
	"DELETE /v1/faq/similar/:questionId": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		return nil, c.DeleteSimilar(ctx, 9458, 78234)
	}},
	"GET /v1/datumTemplates/:id": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		return c.GetDatumTemplate(ctx, 56)
	}},
	"POST /v1/datumTemplates": {newOf[kmclient.DatumTemplate](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.CreateDatumTemplate(ctx, body[kmclient.DatumTemplate](r))
	}},
	"PUT /v1/datumTemplates/:id": {newOf[kmclient.DatumTemplate](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return nil, c.UpdateDatumTemplate(ctx, 56, body[kmclient.DatumTemplate](r))
	}},
	"POST /v1/datumTemplates/search": {newOf[kmclient.SearchDatumTemplatesRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		d, _, err := c.SearchDatumTemplates(ctx, body[kmclient.SearchDatumTemplatesRequest](r))
		return d, err
	}},
	"GET /v1/datums/:id": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		return c.GetDatum(ctx, 2)
	}},
	"POST /v1/datums": {newOf[kmclient.CreateDatumRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.CreateDatum(ctx, body[kmclient.CreateDatumRequest](r))
	}},
	"PUT /v1/datums/:id": {newOf[kmclient.Datum](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		return c.UpdateDatum(ctx, 3, body[kmclient.Datum](r))
	}},
	"POST /v1/datumCategories/search": {newOf[kmclient.SearchDatumCategoriesRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		d, _, err := c.SearchDatumCategories(ctx, body[kmclient.SearchDatumCategoriesRequest](r))
		return d, err
	}},
	"POST /v1/sessions": {newOf[kmclient.SearchSessionsRequest](), func(ctx context.Context, c *kmclient.Client, r any) (any, error) {
		s, _, err := c.SearchSessions(ctx, body[kmclient.SearchSessionsRequest](r))
		return s, err
	}},
	"GET /v1/sessions/:id/logs": {nil, func(ctx context.Context, c *kmclient.Client, _ any) (any, error) {
		l, _, err := c.SessionLogs(ctx, 457955, 1, 2)
		return l, err
	}},
}

// notSent are keys of request examples the client deliberately does not send.
var notSent = map[string]string{
	"POST /v1/questions mainId": "in the example only: the field table does not have it",
	"POST /v1/questions flow":   "flow creation is not supported (002: \"Flow creation is not supported at present\")",
}

// TestSeedExamples is the referee between the client and the simulator: every
// JSON example of the seed documents (kmclient/testdata/seed) goes through the
// client. Requests decode into the request types, which know every key of them and
// send what they say; responses come from the simulator's verbatim mode and decode
// into the response types; answers render through formatting for Slack, Telegram,
// Discord and the web, each payload valid, without losing any visible text;
// failures become *APIError with KM's message; the stream yields its text.
func TestSeedExamples(t *testing.T) {
	all, err := seedex.Load(os.DirFS("testdata/seed"))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[seedex.Kind]int{}
	for _, e := range all {
		counts[e.Kind]++
		t.Run(e.File, func(t *testing.T) {
			ep, ok := endpoints[e.Endpoint]
			if !ok {
				t.Fatalf("%s: no client method for %s", e.Where(), e.Endpoint)
			}
			switch e.Kind {
			case seedex.Structure:
				checkKeys(t, e.Endpoint, e.Body(), reflect.TypeFor[kmclient.Customer](), "customer")
			case seedex.Request:
				checkRequest(t, e, ep, all)
			case seedex.Response:
				checkResponse(t, e, ep)
			case seedex.Failure:
				checkFailure(t, e, ep)
			case seedex.Stream:
				checkStream(t, e)
			default:
				t.Fatalf("kind %q", e.Kind)
			}
		})
	}
	t.Logf("seed examples: %d (%d requests, %d responses, %d failures, %d stream, %d structures)", len(all),
		counts[seedex.Request], counts[seedex.Response], counts[seedex.Failure], counts[seedex.Stream], counts[seedex.Structure])
}

// verbatim returns a client talking to a simulator that answers with ex.
func verbatim(t *testing.T, ex ...seedex.Example) (*kmclient.Client, *kmsim.Sim) {
	t.Helper()
	sim := kmsim.New(nil, kmsim.Options{Examples: ex})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := kmclient.New(kmclient.Config{BaseURL: srv.URL + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c, sim
}

func checkRequest(t *testing.T, e seedex.Example, ep endpoint, all []seedex.Example) {
	if ep.req == nil {
		t.Fatalf("%s: %s takes no body, yet the seed shows one", e.Where(), e.Endpoint)
	}
	req := ep.req()
	if err := json.Unmarshal(e.Body(), req); err != nil {
		t.Fatalf("%s: the request type does not take KM's example: %v", e.Where(), err)
	}
	checkKeys(t, e.Endpoint, e.Body(), reflect.TypeOf(req).Elem(), "")
	// Send it: what the client puts on the wire must say what the example says.
	var seedEx []seedex.Example
	for _, x := range all {
		if x.Seed == e.Seed && x.Kind != seedex.Request {
			seedEx = append(seedEx, x)
		}
	}
	c, sim := verbatim(t, seedEx...)
	if _, err := ep.call(t.Context(), c, req); err != nil {
		var apiErr *kmclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 400 {
			t.Fatalf("%s: call: %v", e.Where(), err)
		}
	}
	calls := sim.CallsTo(e.Endpoint)
	if len(calls) != 1 {
		t.Fatalf("%d calls to %s", len(calls), e.Endpoint)
	}
	var want map[string]any
	dec := json.NewDecoder(bytes.NewReader(e.Body()))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	sameScalars(t, e.Endpoint, "", want, calls[0].Body)
}

// sameScalars checks that every non-null scalar of want is in got with the same
// value (numbers and strings compared as text: "78234" and 78234 are one id); a
// zero value may be left out.
func sameScalars(t *testing.T, ep, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case nil:
	case map[string]any:
		g, _ := got.(map[string]any)
		for k, v := range w {
			if _, skip := notSent[ep+" "+k]; skip && path == "" {
				continue
			}
			sameScalars(t, ep, path+"."+k, v, g[k])
		}
	case []any:
		g, _ := got.([]any)
		if len(g) != len(w) {
			t.Errorf("%s: %d elements sent, the example has %d", path, len(g), len(w))
			return
		}
		for i := range w {
			sameScalars(t, ep, fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
		}
	default:
		if got == nil && (w == "" || w == json.Number("0") || w == false) {
			return // a zero value left out: KM's default (004's keywordsSource 0, keywords "")
		}
		if fmt.Sprint(w) != fmt.Sprint(got) {
			t.Errorf("%s: sent %v, the example says %v", path, got, w)
		}
	}
}

// checkKeys fails for a key of the example that the Go type has no field for.
func checkKeys(t *testing.T, ep string, raw []byte, typ reflect.Type, path string) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	walkKeys(t, ep, v, typ, path)
}

func walkKeys(t *testing.T, ep string, v any, typ reflect.Type, path string) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch x := v.(type) {
	case map[string]any:
		if typ.Kind() != reflect.Struct || typ == reflect.TypeFor[kmclient.AnsContent]() {
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				fields[name] = f.Type
			}
		}
		for k, sub := range x {
			ft, ok := fields[k]
			if !ok {
				if _, skip := notSent[ep+" "+k]; skip && path == "" {
					continue
				}
				t.Errorf("%s%s: the example's key %q has no field in %s", path, "", k, typ)
				continue
			}
			walkKeys(t, ep, sub, ft, path+"."+k)
		}
	case []any:
		if typ.Kind() == reflect.Slice {
			for _, e := range x {
				walkKeys(t, ep, e, typ.Elem(), path+"[]")
			}
		}
	}
}

func checkResponse(t *testing.T, e seedex.Example, ep endpoint) {
	c, sim := verbatim(t, e)
	res, err := ep.call(t.Context(), c, nil)
	if err != nil {
		t.Fatalf("%s: %v", e.Where(), err)
	}
	if calls := sim.CallsTo(e.Endpoint); len(calls) != 1 || calls[0].Example != e.File {
		t.Fatalf("the simulator did not answer with %s: %+v", e.File, calls)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(e.Body(), &env); err != nil {
		t.Fatal(err)
	}
	if res != nil && !bytes.Equal(bytes.TrimSpace(env.Data), []byte("null")) && len(env.Data) > 0 && e.Endpoint != "POST /v1/surveySession" {
		if rv := reflect.ValueOf(res); rv.IsZero() || rv.Kind() == reflect.Pointer && rv.Elem().IsZero() {
			t.Errorf("%s: decoded nothing into %T", e.Where(), res)
		}
	}
	o, _ := fmttest.Options(i18n.Printer{})
	var m formatting.Message
	switch v := res.(type) {
	case *kmclient.Answer:
		if m, err = formatting.FromKM(v, o); err != nil {
			t.Errorf("%s: FromKM: %v", e.Where(), err)
		}
	case *kmclient.InitClientResponse:
		m = formatting.Welcome(v, o)
	case []kmclient.QuestionCategory:
		m = formatting.Categories("FAQ", v, o)
	case []kmclient.Question:
		m = formatting.Questions("Questions", v, 6, o)
	default:
		return // knowledge admin and records: nothing a user sees
	}
	want := visibleTexts(e.Endpoint, env.Data)
	if len(want) == 0 {
		t.Fatalf("%s: no visible text found in the example", e.Where())
	}
	renderChecked(t, e.Where(), m, want)
}

// visibleTexts are the strings of an example's data that a user must get to see.
func visibleTexts(endpoint string, data json.RawMessage) []string {
	var d any
	_ = json.Unmarshal(data, &d)
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	each := func(v any, f func(map[string]any)) {
		list, _ := v.([]any)
		for _, x := range list {
			if m, ok := x.(map[string]any); ok {
				f(m)
			}
		}
	}
	obj, _ := d.(map[string]any)
	question := func(q map[string]any) { add(q["content"]) }
	category := func(c map[string]any) { add(c["name"]); each(c["questionList"], question) }
	switch endpoint {
	case "POST /v1/initClient":
		add(obj["welcomeMessage"])
		add(obj["leadingWord"])
		each(obj["commonQuestionList"], question)
		if m, ok := obj["commonQuestionModel"].(map[string]any); ok {
			each(m["commonQuestionCategoryList"], category)
		}
	case "POST /v1/chat/commonQuestions":
		each(d, category)
	case "POST /v1/chat/hotQuestions":
		each(d, question)
	case "POST /v1/smartHint":
		each(obj["smartTipList"], question)
	default: // an answer
		if mt, _ := obj["msgType"].(string); mt == "" || mt == "rich" || mt == "plain" {
			add(obj["ansContent"])
		}
		add(obj["flowTitle"])
		add(obj["flowContent"])
		add(obj["switchStaffAnswer"])
		each(obj["suggestQuestionList"], question)
		each(obj["attachmentList"], func(a map[string]any) { add(a["name"]) })
	}
	return out
}

var tag = regexp.MustCompile(`<[^>]*>`)

// words are the runs of letters and digits of KM text (markup removed).
func words(s string) []string {
	s = html.UnescapeString(tag.ReplaceAllString(s, " "))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// renderChecked renders m for every platform, validates each payload and checks
// that every word of want is in each platform's output.
func renderChecked(t *testing.T, where string, m formatting.Message, want []string) {
	t.Helper()
	outputs := map[string][]any{}
	for i, msg := range slackfmt.Render(m) {
		if err := slackfmt.Validate(msg); err != nil {
			t.Errorf("%s: slack message %d: %v", where, i, err)
		}
		outputs["slack"] = append(outputs["slack"], msg)
	}
	for i, msg := range tgfmt.Render(m) {
		if err := tgfmt.Validate(msg); err != nil {
			t.Errorf("%s: telegram message %d: %v", where, i, err)
		}
		outputs["telegram"] = append(outputs["telegram"], msg)
	}
	for i, msg := range discordfmt.Render(m) {
		if err := discordfmt.Validate(msg); err != nil {
			t.Errorf("%s: discord message %d: %v", where, i, err)
		}
		outputs["discord"] = append(outputs["discord"], msg)
	}
	web := webfmt.Render(m)
	if err := webfmt.Validate(web); err != nil {
		t.Errorf("%s: web: %v", where, err)
	}
	outputs["web"] = append(outputs["web"], web)
	platforms := make([]string, 0, len(outputs))
	for p := range outputs {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		text := visible(t, outputs[p])
		for _, s := range want {
			for _, w := range words(s) {
				if !strings.Contains(text, w) {
					t.Errorf("%s: %s lost %q (of %q)", where, p, w, s)
				}
			}
		}
	}
}

// visible is every string of the payloads, unescaped the ways platforms escape.
func visible(t *testing.T, payloads []any) string {
	t.Helper()
	var b strings.Builder
	for _, p := range payloads {
		j, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(j, &v); err != nil {
			t.Fatal(err)
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				b.WriteString(strings.ReplaceAll(html.UnescapeString(x), `\`, ""))
				b.WriteByte('\n')
			case map[string]any:
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		walk(v)
	}
	return b.String()
}

func checkFailure(t *testing.T, e seedex.Example, ep endpoint) {
	var env struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(e.Body(), &env); err != nil {
		t.Fatal(err)
	}
	c, _ := verbatim(t, e)
	_, err := ep.call(t.Context(), c, nil)
	var apiErr *kmclient.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != env.Code || apiErr.Message != env.Message {
		t.Fatalf("%s: got %v, want KM code %d %q", e.Where(), err, env.Code, env.Message)
	}
}

func checkStream(t *testing.T, e seedex.Example) {
	c, _ := verbatim(t, e)
	s, err := c.NewChatStream(t.Context(), kmclient.NewChatRequest{SessionID: 451714, RobotID: 54, QueryContent: "こんにちは"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var text strings.Builder
	for {
		ch, err := s.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", e.Where(), err)
		}
		text.WriteString(ch.Text)
	}
	// Every data: line but [DONE] is a {"message": …} chunk of the answer.
	var want strings.Builder
	for _, line := range strings.Split(string(e.Body()), "\n") {
		var chunk struct {
			Message string `json:"message"`
		}
		if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &chunk) == nil {
			want.WriteString(chunk.Message)
		}
	}
	if text.String() != want.String() || want.Len() == 0 {
		t.Fatalf("%s: streamed %q, want %q", e.Where(), text.String(), want.String())
	}
	o, _ := fmttest.Options(i18n.Printer{})
	m, err := formatting.FromKM(&kmclient.Answer{MsgType: kmclient.MsgRich, AnsContent: kmclient.StringContent(text.String())}, o)
	if err != nil {
		t.Fatal(err)
	}
	renderChecked(t, e.Where(), m, []string{want.String()})
}
