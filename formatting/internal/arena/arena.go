// Package arena hands out many small slices of one render from a few large
// arrays, so that a paragraph or a link does not allocate its own.
package arena

// Of hands out slices of T from arrays of Chunk elements. The zero value
// (Chunk 0) allocates every slice on its own. A nil *Of does too.
type Of[T any] struct {
	Chunk int
	free  []T
}

// Take returns an empty slice with room for n. It has a capacity of its own:
// a slice that outgrows it moves, never overwriting its neighbour. A slice of
// more than half a chunk gets an array of its own.
func (a *Of[T]) Take(n int) []T {
	if a == nil || n > a.Chunk/2 {
		return make([]T, 0, n)
	}
	if cap(a.free)-len(a.free) < n {
		a.free = make([]T, 0, a.Chunk)
	}
	k := len(a.free)
	a.free = a.free[:k+n]
	return a.free[k : k : k+n]
}
