package bridge_test

import (
	"strings"
	"testing"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// Clicks reach KM the way KM documents them (kmclient/clicks.go, reasons in
// kmclient/doc.go): a product choice is a hit of hitSource 3 with the product's id,
// a shortcut entry a hit of hitSource 1, a task button the /v1/flow call with its
// flowId, and a flow element /v1/flow with the answer's flowId and the element's
// HTML as flowContent.
func TestSimClicksAsDocumented(t *testing.T) {
	e := newSimEnv(t, kmsim.Options{}, envOpt{})

	// The welcome's shortcut entry.
	mustHandle(t, e.core, msg(annDM, ann, "What is the Wi-Fi password?"))
	e.rec.WaitSent(t, annDM, 2, wait)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: clickable(t, e.rec, annDM, "Request leave")})
	got := e.rec.WaitSent(t, annDM, 3, wait)
	hits := e.sim.CallsTo("POST /v1/hit")
	if len(hits) != 1 || hits[0].Int("hitSource") != kmclient.HitShortcut || hits[0].Str("questionContent") != "How do I request leave?" ||
		hits[0].Int("questionId") != 0 || hits[0].Int("logId") == 0 {
		t.Fatalf("shortcut hit %+v", hits)
	}
	if len(e.sim.CallsTo("POST /v1/chat")) != 1 || strings.HasPrefix(got[2].Text(), "Sorry") {
		t.Errorf("shortcut answer %q", got[2].Text())
	}

	// A selective_product choice.
	mustHandle(t, e.core, msg(annDM, ann, "Which monitor can I get?"))
	e.rec.WaitSent(t, annDM, 4, wait)
	pb, pa := e.buttonOf(t, annDM, 3, "hit")
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: pb.Token})
	got = e.rec.WaitSent(t, annDM, 5, wait)
	hits = e.sim.CallsTo("POST /v1/hit")
	if h := hits[len(hits)-1]; h.Int("hitSource") != kmclient.HitProduct || h.Int("questionId") != pa.Action.QuestionID ||
		h.Int("questionId") < 601 || h.Int("queryType") != 0 || h.Str("questionContent") == "" {
		t.Errorf("product hit %v", h.Body)
	}
	if !strings.Contains(got[4].Text(), pa.Action.QuestionContent) {
		t.Errorf("product answer %q, want %q", got[4].Text(), pa.Action.QuestionContent)
	}

	// A task button that leads to the next node.
	mustHandle(t, e.core, msg(annDM, ann, "Book a meeting room"))
	e.rec.WaitSent(t, annDM, 6, wait)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: clickable(t, e.rec, annDM, "Small room (4 people)")})
	got = e.rec.WaitSent(t, annDM, 7, wait)
	flows := e.sim.CallsTo("POST /v1/flow")
	if len(flows) != 1 || flows[0].Int("flowId") != 31 || flows[0].Str("flowContent") != "<p>Small room (4 people)</p>" {
		t.Fatalf("task button flow %+v", flows)
	}
	if !strings.Contains(got[6].Text(), "Room S-2") {
		t.Errorf("task step %q", got[6].Text())
	}

	// An element of flow content.
	mustHandle(t, e.core, msg(annDM, ann, qVPNFlow))
	e.rec.WaitSent(t, annDM, 8, wait)
	mustHandle(t, e.core, bridge.Click{Key: annDM, User: ann, Token: clickable(t, e.rec, annDM, `"Authentication failed"`)})
	got = e.rec.WaitSent(t, annDM, 9, wait)
	flows = e.sim.CallsTo("POST /v1/flow")
	if f := flows[len(flows)-1]; f.Int("flowId") != 201 || f.Str("flowContent") != `<a data-type="flow" data-id="202">"Authentication failed"</a>` {
		t.Errorf("flow element %v", f.Body)
	}
	if !strings.Contains(got[8].Text(), "Your password has probably expired") {
		t.Errorf("flow step %q", got[8].Text())
	}
}
