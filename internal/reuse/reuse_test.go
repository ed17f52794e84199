package reuse_test

import (
	"testing"

	_ "github.com/netintent/netintent/internal/golden" // defines -update, as in every test package
	"github.com/netintent/netintent/internal/reuse"
)

func TestPool(t *testing.T) {
	var p reuse.Pool[[]int]
	a, b := p.Next(), p.Next()
	if a == b {
		t.Fatal("one round handed out the same value twice")
	}
	*a = append(*a, 1)
	p.Reset()
	if again := p.Next(); again != a || len(*again) != 1 {
		t.Fatalf("the next round's first value is %p %v, want the first round's %p as it was left", again, *again, a)
	}
	if again := p.Next(); again != b {
		t.Fatalf("the next round's second value is %p, want %p", again, b)
	}
	if c := p.Next(); c == a || c == b || *c != nil {
		t.Fatalf("a third value %p %v: want a new zero one", c, *c)
	}
	if n := testing.AllocsPerRun(100, func() {
		p.Reset()
		for range 3 {
			p.Next()
		}
	}); n != 0 {
		t.Errorf("a warm round allocates %v times, want 0", n)
	}
}
