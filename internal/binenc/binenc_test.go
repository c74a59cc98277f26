package binenc_test

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/kmbridge/kmbridge/internal/binenc"
)

var errBad = errors.New("bad")

func TestReader(t *testing.T) {
	b := []byte{7}
	b = binary.AppendUvarint(b, 300)
	b = binary.AppendVarint(b, -5)
	b = binary.AppendUvarint(b, 2)
	b = append(b, "hi"...)
	r := binenc.Reader{B: b, Bad: errBad}
	if r.Byte() != 7 || r.Uvarint() != 300 || r.Varint() != -5 || r.Str() != "hi" || r.Err != nil || len(r.B) != 0 {
		t.Fatalf("read back wrong: err %v, left %d", r.Err, len(r.B))
	}
	if r.Byte(); !errors.Is(r.Err, errBad) {
		t.Errorf("reading past the end: err %v", r.Err)
	}
}

// A length past the end, or any read after an error, fails with Bad and
// never panics.
func FuzzReader(f *testing.F) {
	f.Add([]byte{1, 200, 1, 3, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := binenc.Reader{B: b, Bad: errBad}
		for range 8 {
			_, _, _, _ = r.Byte(), r.Uvarint(), r.Varint(), r.Str()
		}
		if r.Err != nil && !errors.Is(r.Err, errBad) {
			t.Fatalf("err %v", r.Err)
		}
	})
}
