package escalation_test

import (
	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/i18n"
)

// The core takes its Escalator when it is built, so the Notifier sends through a
// CoreSender that is given the core afterwards.
func ExampleNew() {
	var (
		cfg  bridge.Config // the core's configuration
		deps bridge.Deps   // KM, store, catalogue, …
	)
	catalog, _ := i18n.New("en", nil)
	var via escalation.CoreSender
	deps.Catalog = catalog
	deps.Escalator = escalation.New(
		bridge.ConvKey{Platform: "slack", Channel: "C0123AGENTS"}, // escalation.platform, escalation.channel
		via.Send,
		catalog.Printer("zh"), // escalation.language ("" → the catalogue's default)
		escalation.CardOptions{},
	)
	core, err := bridge.New(cfg, deps)
	if err != nil {
		return
	}
	via.Set(core)
	// core.Register(adapters...); core.Run(ctx)
}
