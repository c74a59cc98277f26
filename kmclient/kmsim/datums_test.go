package kmsim_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// The ten datum endpoints of the 003 seed, through the real client.
func TestDatumEndpoints(t *testing.T) {
	ctx := context.Background()
	_, c := newClientPair(t, kmsim.Options{}, "")
	wantAPI := func(err error, msg string) {
		t.Helper()
		var apiErr *kmclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 400 || apiErr.Message != msg {
			t.Fatalf("err %v, want KM code 400 %q", err, msg)
		}
	}

	cats, pg, err := c.SearchDatumCategories(ctx, kmclient.SearchDatumCategoriesRequest{RobotID: kmsim.SampleRobotID, Keyword: "lap"})
	if err != nil || len(cats) != 1 || cats[0].Name != "Laptops" || cats[0].ParentID != 23 || pg.Total != 1 {
		t.Fatalf("categories %+v %+v %v", cats, pg, err)
	}

	parent, err := c.CreateDatumTemplate(ctx, kmclient.DatumTemplate{Name: "Hardware", RobotID: kmsim.SampleRobotID, QuestionAndAnswerSet: 1})
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := c.CreateDatumTemplate(ctx, kmclient.DatumTemplate{
		Name: "Laptop", RobotID: kmsim.SampleRobotID, ParentID: parent.ID, QuestionAndAnswerSet: 15, SimilarList: []string{"notebook"},
		Attributes: []kmclient.TemplateAttribute{
			{Name: "Price", AllowInherited: 1, Answer: "<p>Ask procurement</p>", SwitchStatus: 1, ChangeType: kmclient.AttrAdd},
			{Name: "Weight", AllowInherited: 1, SwitchStatus: 1, ChangeType: kmclient.AttrAdd},
		},
		DatumRecommendation: &kmclient.DatumRecommendation{NoResultContent: "none", RecommendationNumber: 3},
		DatumSearch: &kmclient.DatumSearch{NoResultContent: "none", RecommendationNumber: 3,
			Strategies: []kmclient.SearchStrategy{{Name: "S", ClarificationAskContent: "Which?", RetrievalTarget: 2}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.ID == 0 || tpl.ParentIDs != "0-"+parent.ID.String() || len(tpl.Attributes) != 2 || tpl.Attributes[1].TemplateID != tpl.ID ||
		tpl.DatumSearch.Strategies[0].DatumSearchID != tpl.DatumSearch.ID {
		t.Fatalf("template %+v", tpl)
	}
	if _, err := c.CreateDatumTemplate(ctx, kmclient.DatumTemplate{Name: "Orphan", RobotID: kmsim.SampleRobotID, ParentID: 999}); err == nil {
		t.Fatal("a template under a missing parent was created")
	}

	got, err := c.GetDatumTemplate(ctx, tpl.ID)
	if err != nil || got.Name != "Laptop" || len(got.Attributes) != 2 {
		t.Fatalf("get template %+v %v", got, err)
	}
	upd := *got
	upd.Name = "Laptop computer"
	upd.Attributes = []kmclient.TemplateAttribute{
		{ID: got.Attributes[1].ID, ChangeType: kmclient.AttrDelete},
		{Name: "Colour", AllowInherited: 1, SwitchStatus: 1, ChangeType: kmclient.AttrAdd},
	}
	if err := c.UpdateDatumTemplate(ctx, tpl.ID, upd); err != nil {
		t.Fatal(err)
	}
	got, _ = c.GetDatumTemplate(ctx, tpl.ID)
	if got.Name != "Laptop computer" || len(got.Attributes) != 2 || got.Attributes[1].Name != "Colour" {
		t.Fatalf("updated template %+v", got)
	}
	leaves, _, err := c.SearchDatumTemplates(ctx, kmclient.SearchDatumTemplatesRequest{RobotID: kmsim.SampleRobotID})
	if err != nil || len(leaves) != 1 || leaves[0].ID != tpl.ID || leaves[0].LeafFlag != 1 || leaves[0].RootID != parent.ID {
		t.Fatalf("leaf templates %+v %v", leaves, err)
	}
	all, _, _ := c.SearchDatumTemplates(ctx, kmclient.SearchDatumTemplatesRequest{RobotID: kmsim.SampleRobotID, LeafFlag: 2, Keyword: "NOTEBOOK"})
	if len(all) != 1 {
		t.Fatalf("search by alias %+v", all)
	}

	d, err := c.CreateDatum(ctx, kmclient.CreateDatumRequest{RobotID: kmsim.SampleRobotID, Name: "ThinkPad X1", TemplateID: tpl.ID, CategoryID: 26})
	if err != nil {
		t.Fatalf("create datum: %v", err)
	}
	if d.DisplayName != "ThinkPad X1" || d.TemplateName != "Laptop computer" || len(d.Attributes) != 2 ||
		d.Attributes[0].Answer == nil || *d.Attributes[0].SrcType != 1 || d.Attributes[1].Answer != nil {
		t.Fatalf("datum %+v", d)
	}
	_, err = c.CreateDatum(ctx, kmclient.CreateDatumRequest{RobotID: kmsim.SampleRobotID, Name: "X", TemplateID: tpl.ID, CategoryID: 999})
	wantAPI(err, kmsim.MsgDatumMissing)

	edit := *d
	answer := "<p>1.1 kg</p>"
	edit.Attributes = []kmclient.DatumAttribute{{ID: d.Attributes[1].ID, Answer: &answer}, {ID: 424242, Answer: &answer}}
	edit.DisplayName = ""
	out, err := c.UpdateDatum(ctx, d.ID, edit)
	if err != nil || len(out.Attributes) != 2 || *out.Attributes[1].Answer != answer || out.DisplayName != "ThinkPad X1" {
		t.Fatalf("updated datum %+v %v", out, err)
	}

	if err := c.DeleteDatum(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDatum(ctx, d.ID)
	wantAPI(err, kmsim.MsgDatumMissing)
	wantAPI(c.DeleteDatum(ctx, d.ID), kmsim.MsgDatumMissing)
	if err := c.DeleteDatumTemplate(ctx, tpl.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetDatumTemplate(ctx, tpl.ID)
	wantAPI(err, kmsim.MsgTemplateMissing)
}

// POST /v1/datums requires displayName (003's field table): a request without it
// is refused, as KM's validation would.
func TestCreateDatumNeedsDisplayName(t *testing.T) {
	f := newFixture(t, kmsim.Options{})
	var tpl kmclient.DatumTemplate
	f.call("POST", "/v1/datumTemplates", map[string]any{"name": "T", "robotId": kmsim.SampleRobotID, "parentId": 0, "questionAndAnswerSet": 1}).ok(t, &tpl)
	f.call("POST", "/v1/datums", map[string]any{"name": "Create New Knowledge", "robotId": kmsim.SampleRobotID, "templateId": tpl.ID, "categoryId": 23}).
		failed(t, kmsim.NotNullMessage("displayName"))
}
