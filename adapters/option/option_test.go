package option_test

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/kmbridge/kmbridge/adapters/option"
	"github.com/kmbridge/kmbridge/i18n"
)

func TestApplyDefaults(t *testing.T) {
	s, err := option.Apply(nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Logger == nil || s.Catalog == nil || s.Clock == nil || s.HTTPClient != nil {
		t.Errorf("defaults = %+v: want a logger, a catalogue, a clock and no HTTP client", s)
	}
}

func TestApplyChoices(t *testing.T) {
	l := slog.New(slog.DiscardHandler)
	cat, _ := i18n.New("ja", nil)
	hc := &http.Client{}
	at := time.Unix(42, 0)
	s, err := option.Apply([]option.Option{nil, option.Logger(l), option.Catalog(cat), option.HTTPClient(hc), option.Clock(func() time.Time { return at })})
	if err != nil {
		t.Fatal(err)
	}
	if s.Logger != l || s.Catalog != cat || s.HTTPClient != hc || !s.Clock().Equal(at) {
		t.Errorf("set = %+v", s)
	}
}
