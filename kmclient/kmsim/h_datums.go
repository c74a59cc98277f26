package kmsim

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/kmbridge/kmbridge/kmclient"
)

// The datum ("knowledge point") endpoints of the 003 seed: templates with their
// attributes and answer settings, datums made from a template, and the datum
// categories the knowledge base declares. Ids come from one counter; every read
// hands out a copy, so a caller never shares the store's values.

// KM's datum failure messages, verbatim from the 003 seed (note the capital T of
// the template one and its absence in the datum one).
const (
	MsgTemplateMissing = "The data has been deleted or does not exist"
	MsgDatumMissing    = "Data has been deleted or does not exist"
)

type datumStore struct {
	mu         sync.Mutex
	categories []kmclient.DatumCategory
	templates  map[int64]*kmclient.DatumTemplate
	datums     map[int64]*kmclient.Datum
	next       int64
}

func newDatumStore(cats []kmclient.DatumCategory) *datumStore {
	return &datumStore{
		categories: slices.Clone(cats),
		templates:  map[int64]*kmclient.DatumTemplate{},
		datums:     map[int64]*kmclient.Datum{},
		next:       1000,
	}
}

func (d *datumStore) id() kmclient.ID { d.next++; return kmclient.ID(d.next) }

// clone copies a value of the store through JSON (they are small, and the types
// are kmclient's own wire types).
func clone[T any](v *T) *T {
	b, _ := json.Marshal(v)
	out := new(T)
	_ = json.Unmarshal(b, out)
	return out
}

func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (c *reqCtx) datumRobot(id kmclient.ID) bool {
	c.s.kbMu.RLock()
	ok := int64(id) == c.s.kb.robot.ID
	c.s.kbMu.RUnlock()
	if !ok {
		c.fail(MsgNoRobot)
	}
	return ok
}

// settle gives a template's parts their ids and back references.
func (d *datumStore) settle(t *kmclient.DatumTemplate) {
	var attrs []kmclient.TemplateAttribute
	for _, a := range t.Attributes {
		if a.ChangeType == kmclient.AttrDelete {
			continue
		}
		if a.ID == 0 {
			a.ID = d.id()
		}
		a.RobotID, a.TemplateID, a.ChangeType = t.RobotID, t.ID, kmclient.AttrUnchanged
		a.Orders = len(attrs) + 1
		attrs = append(attrs, a)
	}
	t.Attributes = attrs
	if a := t.DatumDefaultAnswer; a != nil {
		a.RobotID, a.TemplateID = t.RobotID, t.ID
	}
	if r := t.DatumRecommendation; r != nil {
		if r.ID == 0 {
			r.ID = d.id()
		}
		r.RobotID, r.TemplateID = t.RobotID, t.ID
	}
	if s := t.DatumSearch; s != nil {
		if s.ID == 0 {
			s.ID = d.id()
		}
		s.RobotID, s.TemplateID = t.RobotID, t.ID
		for i := range s.Strategies {
			st := &s.Strategies[i]
			if st.ID == 0 {
				st.ID = d.id()
			}
			st.RobotID, st.TemplateID, st.DatumSearchID, st.Orders = t.RobotID, t.ID, s.ID, i+1
		}
	}
	if cl := t.DatumClarify; cl != nil {
		cl.RobotID, cl.TemplateID = t.RobotID, t.ID
	}
}

// parentIDs is KM's ancestor path of a template, e.g. "0-21".
func (d *datumStore) parentIDs(parent kmclient.ID) string {
	if parent == 0 {
		return "0"
	}
	if p := d.templates[int64(parent)]; p != nil {
		return p.ParentIDs + "-" + parent.String()
	}
	return "0-" + parent.String()
}

// checkTemplate validates what create and update share; it answers the failure.
func (c *reqCtx) checkTemplate(d *datumStore, t *kmclient.DatumTemplate, self kmclient.ID) bool {
	if utf8.RuneCountInString(t.Remark) > 255 {
		c.failf(fmtRange, "remark", "Size")
		return false
	}
	if t.ParentID != 0 && (d.templates[int64(t.ParentID)] == nil || t.ParentID == self) {
		c.fail(MsgTemplateMissing)
		return false
	}
	return true
}

func (c *reqCtx) getDatumTemplate() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	t := d.templates[id]
	if t != nil {
		t = clone(t)
	}
	d.mu.Unlock()
	if t == nil {
		c.fail(MsgTemplateMissing)
		return
	}
	if t.Datums == nil {
		t.Datums = []json.RawMessage{}
	}
	c.ok(t, nil)
}

func (c *reqCtx) createDatumTemplate() {
	var t kmclient.DatumTemplate
	if !c.decode(&t, "name", "robotId", "parentId", "questionAndAnswerSet") || !c.datumRobot(t.RobotID) {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	if !c.checkTemplate(d, &t, 0) {
		d.mu.Unlock()
		return
	}
	t.ID = d.id()
	t.ParentIDs = d.parentIDs(t.ParentID)
	t.Orders = 1
	for _, o := range d.templates {
		if o.ParentID == t.ParentID {
			t.Orders++
		}
	}
	t.LeafFlag, t.RootID, t.Datums = 0, 0, nil
	d.settle(&t)
	d.templates[int64(t.ID)] = clone(&t)
	d.mu.Unlock()
	c.ok(&t, nil)
}

func (c *reqCtx) updateDatumTemplate() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	var in kmclient.DatumTemplate
	if !c.decode(&in, "name", "robotId", "parentId", "questionAndAnswerSet") || !c.datumRobot(in.RobotID) {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	defer d.mu.Unlock()
	t := d.templates[id]
	if t == nil {
		c.fail(MsgTemplateMissing)
		return
	}
	if !c.checkTemplate(d, &in, kmclient.ID(id)) {
		return
	}
	n := clone(t)
	n.Name, n.ParentID, n.Remark, n.QuestionAndAnswerSet = in.Name, in.ParentID, in.Remark, in.QuestionAndAnswerSet
	n.ParentIDs = d.parentIDs(in.ParentID)
	if in.Orders != 0 {
		n.Orders = in.Orders
	}
	if in.SimilarList != nil {
		n.SimilarList = in.SimilarList
	}
	for _, a := range in.Attributes {
		i := slices.IndexFunc(n.Attributes, func(x kmclient.TemplateAttribute) bool { return a.ID != 0 && x.ID == a.ID })
		switch a.ChangeType {
		case kmclient.AttrAdd:
			a.ID = 0
			n.Attributes = append(n.Attributes, a)
		case kmclient.AttrUpdate, kmclient.AttrDelete:
			if i < 0 {
				c.fail(MsgTemplateMissing)
				return
			}
			if a.ChangeType == kmclient.AttrUpdate {
				n.Attributes[i] = a
			} else {
				n.Attributes = slices.Delete(n.Attributes, i, i+1)
			}
		}
	}
	if in.DatumDefaultAnswer != nil {
		n.DatumDefaultAnswer = in.DatumDefaultAnswer
	}
	if in.DatumRecommendation != nil {
		n.DatumRecommendation = in.DatumRecommendation
	}
	if in.DatumSearch != nil {
		n.DatumSearch = in.DatumSearch
	}
	if in.DatumClarify != nil {
		n.DatumClarify = in.DatumClarify
	}
	d.settle(n)
	d.templates[id] = n
	c.ok(nil, nil)
}

func (c *reqCtx) deleteDatumTemplate() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	_, found := d.templates[id]
	delete(d.templates, id)
	d.mu.Unlock()
	if !found {
		c.fail(MsgTemplateMissing)
		return
	}
	c.noContent()
}

func (c *reqCtx) searchDatumTemplates() {
	var req kmclient.SearchDatumTemplatesRequest
	if !c.decode(&req, "robotId") || !c.datumRobot(req.RobotID) {
		return
	}
	num, size := max(req.PageNum, 1), req.PageSize
	if size <= 0 {
		size = 10
	}
	kw := strings.ToLower(strings.TrimSpace(req.Keyword))
	d := c.s.datums
	d.mu.Lock()
	parents := map[kmclient.ID]bool{}
	for _, t := range d.templates {
		parents[t.ParentID] = true
	}
	out := []kmclient.DatumTemplate{}
	for _, id := range sortedIDs(d.templates) {
		t := d.templates[id]
		leaf := !parents[t.ID]
		if req.LeafFlag != 2 && !leaf {
			continue
		}
		if kw != "" && !strings.Contains(strings.ToLower(t.Name+"\n"+strings.Join(t.SimilarList, "\n")), kw) {
			continue
		}
		root := t
		for hops := 0; root.ParentID != 0 && d.templates[int64(root.ParentID)] != nil && hops < 64; hops++ {
			root = d.templates[int64(root.ParentID)]
		}
		item := kmclient.DatumTemplate{ID: t.ID, Name: t.Name, RobotID: t.RobotID, ParentID: t.ParentID, Remark: t.Remark,
			QuestionAndAnswerSet: t.QuestionAndAnswerSet, RootID: root.ID, SimilarList: slices.Clone(t.SimilarList)}
		if leaf {
			item.LeafFlag = 1
		}
		out = append(out, item)
	}
	d.mu.Unlock()
	c.ok(page(out, num, size), &paging{PageNum: num, PageSize: size, Total: len(out)})
}

func (c *reqCtx) getDatum() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	x := d.datums[id]
	if x != nil {
		x = clone(x)
	}
	d.mu.Unlock()
	if x == nil {
		c.fail(MsgDatumMissing)
		return
	}
	c.ok(x, nil)
}

func (d *datumStore) category(id kmclient.ID) bool {
	return slices.ContainsFunc(d.categories, func(c kmclient.DatumCategory) bool { return c.ID == id })
}

func (c *reqCtx) createDatum() {
	var req kmclient.CreateDatumRequest
	// 003 lists displayName as required (its example leaves it out; the field
	// table is what KM validates).
	if !c.decode(&req, "robotId", "name", "templateId", "categoryId", "displayName") || !c.datumRobot(req.RobotID) {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	t := d.templates[int64(req.TemplateID)]
	switch {
	case t == nil:
		d.mu.Unlock()
		c.fail(MsgTemplateMissing)
		return
	case !d.category(req.CategoryID):
		d.mu.Unlock()
		c.fail(MsgDatumMissing)
		return
	}
	orders := 1
	for _, o := range d.datums {
		if o.CategoryID == req.CategoryID {
			orders++
		}
	}
	x := &kmclient.Datum{ID: d.id(), RobotID: req.RobotID, Name: req.Name, DisplayName: req.DisplayName,
		TemplateID: t.ID, TemplateName: t.Name, SimilarList: []string{}, CategoryID: req.CategoryID, Orders: &orders,
		Category: json.RawMessage(strconv.FormatInt(int64(req.CategoryID), 10))}
	for _, a := range t.Attributes {
		da := kmclient.DatumAttribute{ID: d.id(), Name: a.Name, RobotID: req.RobotID, DatumID: x.ID, TemplateID: t.ID, TemplateAttributeID: a.ID}
		if a.Answer != "" {
			// The template's value, inherited (srcType 1), as the seed's example shows.
			answer, src := a.Answer, 1
			da.Answer, da.SrcType = &answer, &src
		}
		x.Attributes = append(x.Attributes, da)
	}
	d.datums[int64(x.ID)] = clone(x)
	d.mu.Unlock()
	c.ok(x, nil)
}

func (c *reqCtx) updateDatum() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	var in kmclient.Datum
	// The field table marks more as required, but the seed's own example sends
	// templateName, orders and displayName as null or not at all.
	if !c.decode(&in, "robotId", "name", "templateId", "categoryId") || !c.datumRobot(in.RobotID) {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	defer d.mu.Unlock()
	x := d.datums[id]
	switch {
	case x == nil:
		c.fail(MsgDatumMissing)
		return
	case !d.category(in.CategoryID):
		c.fail(MsgDatumMissing)
		return
	}
	n := clone(x)
	n.Name, n.CategoryID = in.Name, in.CategoryID
	n.Category = json.RawMessage(in.CategoryID.String())
	if in.DisplayName != "" {
		n.DisplayName = in.DisplayName
	}
	if in.SimilarList != nil {
		n.SimilarList = in.SimilarList
	}
	if in.Orders != nil {
		n.Orders = in.Orders
	}
	// Attribute values can be changed, not added or removed (003).
	for _, a := range in.Attributes {
		if i := slices.IndexFunc(n.Attributes, func(x kmclient.DatumAttribute) bool { return x.ID == a.ID }); i >= 0 {
			n.Attributes[i].Answer, n.Attributes[i].SwitchStatus, n.Attributes[i].SrcType = a.Answer, a.SwitchStatus, a.SrcType
		}
	}
	d.datums[id] = n
	c.ok(clone(n), nil)
}

func (c *reqCtx) deleteDatum() {
	id, ok := c.intParam(0)
	if !ok {
		return
	}
	d := c.s.datums
	d.mu.Lock()
	_, found := d.datums[id]
	delete(d.datums, id)
	d.mu.Unlock()
	if !found {
		c.fail(MsgDatumMissing)
		return
	}
	c.noContent()
}

func (c *reqCtx) searchDatumCategories() {
	var req kmclient.SearchDatumCategoriesRequest
	if !c.decode(&req, "robotId") || !c.datumRobot(req.RobotID) {
		return
	}
	num, size := max(req.PageNum, 1), req.PageSize
	if size <= 0 {
		size = 10
	}
	kw := strings.ToLower(strings.TrimSpace(req.Keyword))
	d := c.s.datums
	d.mu.Lock()
	out := []kmclient.DatumCategory{}
	for _, cat := range d.categories {
		if kw == "" || strings.Contains(strings.ToLower(cat.Name), kw) {
			out = append(out, cat)
		}
	}
	d.mu.Unlock()
	c.ok(page(out, num, size), &paging{PageNum: num, PageSize: size, Total: len(out)})
}
