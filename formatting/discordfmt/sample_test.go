package discordfmt

import (
	"context"
	"net/http/httptest"
	"testing"

	F "github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/formatting/fmttest"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
	"github.com/kmbridge/kmbridge/kmclient/kmsim"
)

// sampleWelcome is formatting.Welcome of the sample knowledge base, fetched
// through the real client from the simulator on loopback.
func sampleWelcome(t testing.TB) F.Message {
	t.Helper()
	srv := httptest.NewServer(kmsim.New(kmsim.SampleKB(), kmsim.Options{}))
	defer srv.Close()
	km, err := kmclient.New(kmclient.Config{BaseURL: srv.URL + "/api", Email: kmsim.SampleEmail, Token: kmsim.SampleToken})
	if err != nil {
		t.Fatal(err)
	}
	r, err := km.InitClient(context.Background(), kmclient.InitClientRequest{
		RobotID: kmsim.SampleRobotID, ChannelID: kmsim.SampleChannelID, ModelKey: kmsim.SampleModelKey})
	if err != nil {
		t.Fatal(err)
	}
	o, _ := fmttest.Options(i18n.Printer{})
	return F.Welcome(r, o)
}

// The sample welcome (six FAQ categories and shortcuts) was six messages, one
// per category; it is two now, every question still there once.
func TestSampleWelcome(t *testing.T) {
	m := sampleWelcome(t)
	groups := 0
	for _, b := range m.Blocks {
		if g, ok := b.(*F.Buttons); ok && g.Title != "" {
			groups++
		}
	}
	if groups != 6 {
		t.Fatalf("the sample welcome has %d titled groups, want 6 (did the sample change?)", groups)
	}
	out := renderValid(t, m)
	if len(out) > 2 {
		t.Fatalf("welcome took %d messages, want at most 2: %s", len(out), dump(out))
	}
	checkReachable(t, m, out)
}
