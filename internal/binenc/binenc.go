// Package binenc reads the compact binary values kmbridge stores (button
// groups, and the Redis store's sessions and turns): bytes, varints and
// length-prefixed strings, with the first error sticking so a decoder checks
// once at the end.
package binenc

import "encoding/binary"

// Reader reads B from the front. Bad is the error a short or malformed input
// sets; once Err is set every read returns zero values.
type Reader struct {
	B   []byte
	Err error
	Bad error
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.Err != nil || len(r.B) == 0 {
		r.Err = r.Bad
		return 0
	}
	v := r.B[0]
	r.B = r.B[1:]
	return v
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.Err != nil {
		return 0
	}
	v, k := binary.Uvarint(r.B)
	if k <= 0 {
		r.Err = r.Bad
		return 0
	}
	r.B = r.B[k:]
	return v
}

// Varint reads a signed varint.
func (r *Reader) Varint() int64 {
	if r.Err != nil {
		return 0
	}
	v, k := binary.Varint(r.B)
	if k <= 0 {
		r.Err = r.Bad
		return 0
	}
	r.B = r.B[k:]
	return v
}

// Bytes reads a length-prefixed byte string; the result aliases B.
func (r *Reader) Bytes() []byte {
	n := r.Uvarint()
	if r.Err != nil || n > uint64(len(r.B)) {
		r.Err = r.Bad
		return nil
	}
	v := r.B[:n:n]
	r.B = r.B[n:]
	return v
}

// Str reads a length-prefixed string.
func (r *Reader) Str() string { return string(r.Bytes()) }
