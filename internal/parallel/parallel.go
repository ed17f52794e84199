// Package parallel spreads independent work over the CPUs while keeping results in input
// order, so that what the backends emit does not depend on scheduling.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Chunks splits [0, n) into contiguous chunks of at least minChunk items, calls work once
// per chunk on up to GOMAXPROCS goroutines, and returns the results in chunk order:
// concatenating them gives what one call work(0, n) would, provided work keeps no state
// between calls. There are a few chunks per goroutine, so that uneven chunks (a namespace's
// defaults next to small service policies) still keep every goroutine busy. Work that
// fits one chunk runs on the calling goroutine. A panic in work is raised again on the
// calling goroutine, where a caller's recover can see it.
func Chunks[T any](n, minChunk int, work func(lo, hi int) T) []T {
	if n <= 0 {
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	chunks := min(4*workers, max(1, n/max(1, minChunk)))
	if chunks == 1 || workers == 1 {
		return []T{work(0, n)}
	}
	out := make([]T, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[any]
	for range min(workers, chunks) {
		wg.Go(func() {
			defer func() {
				if r := recover(); r != nil {
					failed.CompareAndSwap(nil, &r)
				}
			}()
			for {
				i := int(next.Add(1) - 1)
				if i >= chunks {
					return
				}
				out[i] = work(i*n/chunks, (i+1)*n/chunks)
			}
		})
	}
	wg.Wait()
	if r := failed.Load(); r != nil {
		panic(*r)
	}
	return out
}
