package arena

import "testing"

func TestTake(t *testing.T) {
	a := &Of[int]{Chunk: 8}
	x := append(a.Take(3), 1, 2, 3)
	y := append(a.Take(3), 4, 5, 6)
	x = append(x, 7) // outgrows its room: moves
	if y[0] != 4 || x[3] != 7 || len(x) != 4 {
		t.Fatalf("x = %v, y = %v", x, y)
	}
	if z := a.Take(3); cap(z) != 3 || len(z) != 0 {
		t.Fatalf("Take(3) after 6 of 8: len %d cap %d", len(z), cap(z))
	}
	if z := a.Take(5); cap(z) != 5 {
		t.Fatalf("Take(5) = cap %d", cap(z))
	}
	var none *Of[int]
	if z := none.Take(2); cap(z) != 2 {
		t.Fatalf("nil Take(2) = cap %d", cap(z))
	}
	if z := (&Of[int]{}).Take(1); cap(z) != 1 {
		t.Fatalf("zero Take(1) = cap %d", cap(z))
	}
}

func TestTakeAllocates(t *testing.T) {
	a := &Of[int]{Chunk: 64}
	a.Take(1)
	if n := testing.AllocsPerRun(100, func() {
		a.free = a.free[:1]
		for i := 0; i < 10; i++ {
			_ = append(a.Take(6), 1, 2, 3, 4, 5, 6)
		}
	}); n != 0 {
		t.Fatalf("%v allocations for slices within a chunk", n)
	}
}
