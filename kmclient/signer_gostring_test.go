package kmclient

import (
	"fmt"
	"strings"
	"testing"
)

func TestSignerFormattingHidesToken(t *testing.T) {
	for _, s := range []Signer{NewSignerV1("a@b.c", "tok-secret"), NewSignerV2("a@b.c", "tok-secret")} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			if out := fmt.Sprintf(verb, s); strings.Contains(out, "tok-secret") {
				t.Errorf("%s of %T printed the token: %s", verb, s, out)
			}
		}
	}
}
