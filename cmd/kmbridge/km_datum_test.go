package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// The simulator has no datum endpoints; this fake serves the 003 seed's examples
// and checks what the commands send: method, path, signed query and body.

const datumToken = "datum-test-token"

const seedDatum = `{"id":3,"name":"Udesk Test Knowledge","similarList":[],"robotId":83,"templateId":56,
"templateName":"Udesk Test Template","categoryId":23,"orders":1,"category":23,"attributes":[
{"id":1,"name":"Complaints and Suggestions","robotId":83,"datumId":3,"templateId":56,"templateAttributeId":33,"switchStatus":null,"answer":null,"srcType":null},
{"id":2,"name":"Template Attribute 2","robotId":83,"datumId":3,"templateId":56,"templateAttributeId":135,"switchStatus":null,"answer":"<p>Template Attribute 2 Value</p>","srcType":1}]}`

type datumCall struct {
	method, path string
	body         map[string]any
}

type datumFake struct {
	t     *testing.T
	mu    sync.Mutex
	calls []datumCall
}

func (f *datumFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if err != nil || q.Get("email") != kmsim.SampleEmail || q.Get("sign") != kmclient.SignV1(kmsim.SampleEmail, datumToken, ts) {
		f.t.Errorf("%s %s: bad signature in %q", r.Method, r.URL.Path, r.URL.RawQuery)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			f.t.Errorf("%s %s: body is not a JSON object: %s", r.Method, r.URL.Path, raw)
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, datumCall{r.Method, r.URL.Path, body})
	f.mu.Unlock()

	ok := func(data string, paging string) {
		w.Header().Set("Content-Type", "application/json")
		s := `{"code":200,"message":"OK","visible":false,"data":` + data
		if paging != "" {
			s += `,"paging":` + paging
		}
		io.WriteString(w, s+"}")
	}
	switch r.Method + " " + r.URL.Path {
	case "GET /api/v1/datums/3", "POST /api/v1/datums":
		ok(seedDatum, "")
	case "PUT /api/v1/datums/3":
		ok(string(raw), "")
	case "DELETE /api/v1/datums/3", "DELETE /api/v1/datums/404":
		w.WriteHeader(http.StatusNoContent)
	case "GET /api/v1/datums/404":
		io.WriteString(w, `{"code":400,"message":"Data has been deleted or does not exist","visible":false}`)
	case "POST /api/v1/datumTemplates/search":
		ok(`[{"id":56,"name":"Udesk Test Template","robotId":83,"parentId":0,"leafFlag":1,"questionAndAnswerSet":1},
			{"id":57,"name":"Another Template","robotId":83,"parentId":56,"leafFlag":1,"questionAndAnswerSet":1}]`,
			`{"pageNum":1,"pageSize":20,"total":2}`)
	case "GET /api/v1/datumTemplates/56":
		ok(`{"id":56,"name":"Udesk Test Template","robotId":83,"parentId":0,"questionAndAnswerSet":1,
			"attributes":[{"id":33,"name":"Complaints and Suggestions","allowInherited":1,"answer":"","askBackFlag":0,"switchStatus":1,"changeType":0}]}`, "")
	case "POST /api/v1/datumCategories/search":
		ok(`[{"id":23,"name":"Products","robotId":83,"parentId":0}]`, `{"pageNum":1,"pageSize":20,"total":1}`)
	default:
		f.t.Errorf("unexpected call %s %s", r.Method, r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *datumFake) last() datumCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return datumCall{}
	}
	return f.calls[len(f.calls)-1]
}

func startDatumFake(t *testing.T) (*datumFake, map[string]string) {
	f := &datumFake{t: t}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, kmEnv(srv.URL+"/api", datumToken)
}

func TestDatumCommands(t *testing.T) {
	f, env := startDatumFake(t)

	r := runKM(t, env, "km", "datum", "get", "3")
	var d kmclient.Datum
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &d) != nil || d.ID != 3 || len(d.Attributes) != 2 {
		t.Fatalf("get: exit %d %q\n%s", r.code, r.stdout, r.stderr)
	}
	if c := f.last(); c.method != "GET" || c.path != "/api/v1/datums/3" {
		t.Errorf("get called %s %s", c.method, c.path)
	}

	r = runKM(t, env, "km", "datum", "create", "-name", "Create New Knowledge", "-template", "56", "-category", "23")
	if r.code != exitOK {
		t.Fatalf("create: exit %d\n%s", r.code, r.stderr)
	}
	c := f.last()
	if c.method != "POST" || c.path != "/api/v1/datums" || c.body["name"] != "Create New Knowledge" ||
		c.body["robotId"] != float64(83) || c.body["templateId"] != float64(56) || c.body["categoryId"] != float64(23) {
		t.Errorf("create sent %s %s %v", c.method, c.path, c.body)
	}

	r = runKM(t, env, "km", "datum", "update", "3", "-display-name", "Knowledge 3",
		"-attr", "Complaints and Suggestions=<p>Call us</p>", "-inherit", "135", "-similar", "kb3", "-similar", "third")
	if r.code != exitOK {
		t.Fatalf("update: exit %d\n%s", r.code, r.stderr)
	}
	c = f.last()
	if c.method != "PUT" || c.path != "/api/v1/datums/3" || c.body["displayName"] != "Knowledge 3" || c.body["name"] != "Udesk Test Knowledge" {
		t.Fatalf("update sent %s %s %v", c.method, c.path, c.body)
	}
	attrs, _ := c.body["attributes"].([]any)
	if len(attrs) != 2 {
		t.Fatalf("update must send every attribute back: %v", c.body["attributes"])
	}
	a0, a1 := attrs[0].(map[string]any), attrs[1].(map[string]any)
	if a0["answer"] != "<p>Call us</p>" || a0["srcType"] != float64(0) {
		t.Errorf("-attr: %v", a0)
	}
	if a1["answer"] != nil || a1["srcType"] != float64(1) {
		t.Errorf("-inherit: %v", a1)
	}
	if sim, _ := c.body["similarList"].([]any); len(sim) != 2 || sim[0] != "kb3" {
		t.Errorf("-similar: %v", c.body["similarList"])
	}

	r = runKM(t, env, "km", "datum", "update", "3", "-attr", "No Such Attribute=x")
	if r.code != exitFail || !strings.Contains(r.stderr, `no attribute "No Such Attribute"`) {
		t.Errorf("unknown attribute: exit %d\n%s", r.code, r.stderr)
	}

	r = runKM(t, env, "km", "datum", "delete", "3")
	if r.code != exitOK || f.last().method != "DELETE" {
		t.Errorf("delete: exit %d, call %v\n%s", r.code, f.last(), r.stderr)
	}

	r = runKM(t, env, "km", "datum", "templates", "-keyword", "Udesk", "-all")
	if r.code != exitOK {
		t.Fatalf("templates: exit %d\n%s", r.code, r.stderr)
	}
	mustContain(t, "templates", r.stdout, "Udesk Test Template", "Another Template")
	if c := f.last(); c.body["keyword"] != "Udesk" || c.body["leafFlag"] != float64(2) || c.body["robotId"] != float64(83) {
		t.Errorf("templates sent %v", c.body)
	}
	r = runKM(t, env, "km", "datum", "templates", "56")
	var tpl kmclient.DatumTemplate
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &tpl) != nil || tpl.ID != 56 || len(tpl.Attributes) != 1 {
		t.Errorf("templates 56: exit %d %q", r.code, r.stdout)
	}

	r = runKM(t, env, "km", "datum", "categories", "-json")
	cats := decodeLines[kmclient.DatumCategory](t, r.stdout)
	if r.code != exitOK || len(cats) != 1 || cats[0].Name != "Products" {
		t.Errorf("categories: exit %d %q", r.code, r.stdout)
	}

	r = runKM(t, env, "km", "datum", "get", "404")
	if r.code != exitFail {
		t.Errorf("get 404: exit %d, want %d", r.code, exitFail)
	}
	mustContain(t, "get 404", r.stderr, "KM said: Data has been deleted or does not exist")
}

func TestDatumUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"km", "datum", "get"},
		{"km", "datum", "get", "x"},
		{"km", "datum", "create", "-name", "n", "-template", "56"},
		{"km", "datum", "update", "3"},
		{"km", "datum", "update", "3", "-attr", "novalue"},
		{"km", "datum", "templates", "1", "2"},
		{"km", "datum", "categories", "-size", "0"},
	} {
		r := runKM(t, nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "Usage:") {
			t.Errorf("%q: exit %d, want %d with usage\n%s", args, r.code, exitUsage, r.stderr)
		}
	}
}
