package parallel_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"

	_ "github.com/netintent/netintent/internal/golden" // defines -update, as in every test package
	"github.com/netintent/netintent/internal/parallel"
)

func TestChunks(t *testing.T) {
	for _, procs := range []int{1, 2, 8} {
		old := runtime.GOMAXPROCS(procs)
		for _, tc := range []struct{ n, minChunk int }{{0, 1}, {1, 1}, {7, 1}, {100, 1}, {100, 30}, {1000, 16}, {5, 100}} {
			t.Run(fmt.Sprintf("procs=%d/n=%d/min=%d", procs, tc.n, tc.minChunk), func(t *testing.T) {
				parts := parallel.Chunks(tc.n, tc.minChunk, func(lo, hi int) []int {
					var out []int
					for i := lo; i < hi; i++ {
						out = append(out, i)
					}
					return out
				})
				var got []int
				for _, p := range parts {
					if tc.n > 0 && len(p) < min(tc.minChunk, tc.n) {
						t.Errorf("chunk %v is smaller than %d", p, tc.minChunk)
					}
					got = append(got, p...)
				}
				want := make([]int, tc.n)
				for i := range want {
					want[i] = i
				}
				if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("concatenated chunks = %v, want %v", got, want)
				}
				if tc.n > 0 && procs > 1 && tc.n >= 2*tc.minChunk && len(parts) < 2 {
					t.Errorf("%d items in %d chunk(s): the work was not spread", tc.n, len(parts))
				}
			})
		}
		runtime.GOMAXPROCS(old)
	}
}

func TestChunksPanic(t *testing.T) {
	old := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(old)
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want the worker's panic \"boom\"", r)
		}
	}()
	parallel.Chunks(100, 1, func(lo, hi int) int {
		if lo <= 50 && 50 < hi {
			panic("boom")
		}
		return 0
	})
	t.Error("Chunks returned after a worker panicked")
}

func TestMemo(t *testing.T) {
	old := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(old)
	var memo parallel.Memo[int, *int]
	var computed atomic.Int64
	// Every chunk asks for the same 10 keys: each caller must get the one value stored
	// for its key, whichever goroutine computed it.
	parts := parallel.Chunks(64, 1, func(lo, hi int) []*int {
		var out []*int
		for k := range 10 {
			out = append(out, memo.Get(k, func() *int {
				computed.Add(1)
				v := k * k
				return &v
			}))
		}
		return out
	})
	for _, p := range parts {
		for k, v := range p {
			if v != parts[0][k] || *v != k*k {
				t.Fatalf("key %d: got %p (%d), want the stored %p (%d)", k, v, *v, parts[0][k], k*k)
			}
		}
	}
	if n := computed.Load(); n < 10 {
		t.Errorf("computed %d values for 10 keys", n)
	}
}
