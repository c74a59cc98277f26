package kmsim

import "strings"

type route struct {
	method string
	parts  []string // ":x" segments are parameters
	name   string   // e.g. "PUT /v1/sessions/:id/switchStaff"
	h      func(*reqCtx)
}

// routeTable is the endpoint table; New builds it once per Sim.
func routeTable() []route {
	def := func(method, path string, h func(*reqCtx)) route {
		return route{method: method, parts: strings.Split(strings.Trim(path, "/"), "/"), name: method + " " + path, h: h}
	}
	return []route{
		// Chat runtime.
		def("POST", "/v1/initClient", (*reqCtx).initClient),
		def("POST", "/v1/chat", (*reqCtx).chat),
		def("POST", "/v2/newChat", (*reqCtx).newChat),
		def("POST", "/v1/hit", (*reqCtx).hit),
		def("POST", "/v1/flow", (*reqCtx).flow),
		def("POST", "/v1/chat/commonQuestions", (*reqCtx).commonQuestions),
		def("POST", "/v1/chat/hotQuestions", (*reqCtx).hotQuestions),
		def("POST", "/v1/surveyQuestion", (*reqCtx).surveyQuestion),
		def("POST", "/v1/surveySession", (*reqCtx).surveySession),
		def("POST", "/v1/assist", (*reqCtx).assist),
		def("POST", "/v1/smartHint", (*reqCtx).smartHint),
		def("PUT", "/v1/sessions/:id/switchStaff", (*reqCtx).switchStaff),
		// Knowledge admin.
		def("GET", "/v1/robots/:id/commonQuestionModels", (*reqCtx).commonQuestionModels),
		def("POST", "/v1/questions/search", (*reqCtx).searchQuestions),
		def("POST", "/v1/questions", (*reqCtx).createQuestion),
		def("GET", "/v1/questions/:id", (*reqCtx).getQuestion),
		def("PUT", "/v1/questions/:id", (*reqCtx).updateQuestion),
		def("DELETE", "/v1/questions/:id", (*reqCtx).deleteQuestion),
		def("GET", "/v1/faq/similar/:questionId", (*reqCtx).listSimilar),
		def("POST", "/v1/faq/similar/:questionId", (*reqCtx).addSimilar),
		def("PUT", "/v1/faq/similar/:questionId", (*reqCtx).editSimilar),
		def("DELETE", "/v1/faq/similar/:questionId", (*reqCtx).deleteSimilar),
		// Datums (knowledge points).
		def("GET", "/v1/datumTemplates/:id", (*reqCtx).getDatumTemplate),
		def("PUT", "/v1/datumTemplates/:id", (*reqCtx).updateDatumTemplate),
		def("DELETE", "/v1/datumTemplates/:id", (*reqCtx).deleteDatumTemplate),
		def("POST", "/v1/datumTemplates", (*reqCtx).createDatumTemplate),
		def("POST", "/v1/datumTemplates/search", (*reqCtx).searchDatumTemplates),
		def("GET", "/v1/datums/:id", (*reqCtx).getDatum),
		def("PUT", "/v1/datums/:id", (*reqCtx).updateDatum),
		def("DELETE", "/v1/datums/:id", (*reqCtx).deleteDatum),
		def("POST", "/v1/datums", (*reqCtx).createDatum),
		def("POST", "/v1/datumCategories/search", (*reqCtx).searchDatumCategories),
		// Records.
		def("POST", "/v1/sessions", (*reqCtx).searchSessions),
		def("GET", "/v1/sessions/:id/logs", (*reqCtx).sessionLogs),
	}
}

// lookupRoute finds the endpoint for a path. When the path exists under another
// method it returns that route with methodOK false.
func (s *Sim) lookupRoute(method, path string) (rt *route, params []string, methodOK bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i := range s.routes {
		r := &s.routes[i]
		p, ok := matchParts(r.parts, segs)
		if !ok {
			continue
		}
		if r.method == method {
			return r, p, true
		}
		if rt == nil {
			rt, params = r, p
		}
	}
	return rt, params, false
}

func matchParts(parts, segs []string) ([]string, bool) {
	if len(parts) != len(segs) {
		return nil, false
	}
	var params []string
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, ":"):
			params = append(params, segs[i])
		case p != segs[i]:
			return nil, false
		}
	}
	return params, true
}
