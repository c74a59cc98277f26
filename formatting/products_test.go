package formatting_test

import (
	"fmt"
	"testing"

	"github.com/kmbridge/kmbridge/formatting"
	"github.com/kmbridge/kmbridge/kmclient"
)

// turnFlag 0 forbids switching between groups of products (001): the whole list
// is shown at once, without page buttons. turnFlag 1, or none, pages by showSize.
func TestProductsTurnFlag(t *testing.T) {
	list := func(turnFlag string) *kmclient.Answer {
		products := ""
		for i := 1; i <= 7; i++ {
			if i > 1 {
				products += ","
			}
			products += fmt.Sprintf(`{"id":%d,"name":"Laptop %d"}`, i, i)
		}
		tf := ""
		if turnFlag != "" {
			tf = `"turnFlag":` + turnFlag + `,`
		}
		return &kmclient.Answer{MsgType: kmclient.MsgShowProduct,
			AnsContent: kmclient.NewAnsContent([]byte(`{"title":"Laptops","showSize":3,` + tf + `"productList":[` + products + `]}`))}
	}
	for _, tc := range []struct {
		turnFlag string
		items    int
		paged    bool
	}{{"0", 7, false}, {`"0"`, 7, false}, {"1", 3, true}, {"", 3, true}} {
		m, err := formatting.FromKM(list(tc.turnFlag), fuzzOptions())
		if err != nil {
			t.Fatal(err)
		}
		pr, ok := m.Blocks[0].(*formatting.Products)
		if !ok {
			t.Fatalf("turnFlag %s: %T", tc.turnFlag, m.Blocks[0])
		}
		if len(pr.Items) != tc.items || (pr.Next != nil) != tc.paged {
			t.Errorf("turnFlag %s: %d products, pages %d, next %v; want %d products, paged %v", tc.turnFlag, len(pr.Items), pr.Pages, pr.Next != nil, tc.items, tc.paged)
		}
		renderAll(t, m)
	}
}
