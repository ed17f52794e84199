package calico

import (
	"math/rand/v2"
	"testing"
)

// TestNumbering checks numbering against a map, across the switch from linear search
// to the map and across resets.
func TestNumbering(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var n numbering[int]
	for round := range 50 {
		n.reset()
		want := map[int]int{}
		for range r.IntN(4 * maxLinear) {
			k := r.IntN(3 * maxLinear)
			i, isNew := n.number(k)
			j, seen := want[k]
			if !seen {
				j = len(want)
				want[k] = j
			}
			if i != j || isNew == seen {
				t.Fatalf("round %d: number(%d) = %d, %v; want %d, %v", round, k, i, isNew, j, !seen)
			}
		}
	}
}
