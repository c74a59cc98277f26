package escalation_test

import (
	"context"

	"github.com/kmbridge/kmbridge/bridge"
	"github.com/kmbridge/kmbridge/bridge/memstore"
	"github.com/kmbridge/kmbridge/escalation"
	"github.com/kmbridge/kmbridge/i18n"
	"github.com/kmbridge/kmbridge/kmclient"
)

// The core takes its Escalator when it is built, so the desk comes first and
// is given the core's Outbox afterwards; its loop reminds agents of unclaimed
// cases.
func ExampleNewDesk() {
	ctx := context.Background()
	catalog, _ := i18n.New("en", nil)
	store, _ := memstore.Open(memstore.Options{})
	km, _ := kmclient.New(kmclient.Config{BaseURL: "https://km.udesk.cn/api", Email: "admin@example.com", Token: "…"})
	desk, err := escalation.NewDesk(escalation.Options{
		Agents:   bridge.ConvKey{Platform: "slack", Channel: "C0123AGENTS"}, // escalation.platform, escalation.channel
		Store:    store,
		KM:       km,
		Catalog:  catalog,
		Language: "zh", // escalation.language
		RobotID:  103, ChannelID: 106,
	})
	if err != nil {
		return
	}
	core, err := bridge.New(bridge.Config{RobotID: 103, ChannelID: 106}, bridge.Deps{
		KM: km, Store: store, Catalog: catalog, Escalator: desk,
	})
	if err != nil {
		return
	}
	desk.Bind(core.Outbox())
	_ = desk.Run // go desk.Run(ctx), next to core.Run(ctx)
	_ = ctx
	// core.Register(adapters...)
}
