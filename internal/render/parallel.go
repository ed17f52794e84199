package render

import (
	"io"
	"runtime"
	"sync"
	"sync/atomic"
)

// Every object's document is independent of the others, so YAML, JSON and Files render
// objects concurrently: the objects are cut into consecutive chunks, each rendered into a
// buffer of its own by whichever worker takes it next, and the buffers are used in chunk
// order, which makes the output the same bytes as rendering one object after the other.

// chunksPerWorker is how many chunks each worker gets on average: a few, so that a worker
// finishing early takes over work instead of waiting for one with larger objects.
const chunksPerWorker = 8

// minChunk is the fewest objects in a chunk: below it, handing the chunk to another
// goroutine costs more than rendering it.
const minChunk = 64

// chunk is the result of rendering the items first to end-1.
type chunk struct {
	first, end int
	buf        []byte
}

// appendFunc appends item i to dst with converter c. It returns stop true when item i
// cannot be rendered (err says why, or nil when the caller has another way to render the
// items); dst is then discarded.
type appendFunc[C any] func(c C, dst []byte, i int) (out []byte, stop bool, err error)

// appendChunks renders items 0 to n-1 with f, in chunks, concurrently on up to
// GOMAXPROCS goroutines, each with a converter from pool, and returns the chunks in item
// order. If f stops at some item, appendChunks returns the first such item in item order
// (and its error) instead of the chunks, as rendering the items in order would; otherwise
// stopped is -1. A panic in f is raised again in the caller's goroutine.
func appendChunks[C any](pool *sync.Pool, n int, f appendFunc[C]) (chunks []chunk, stopped int, err error) {
	workers := runtime.GOMAXPROCS(0)
	size := max(minChunk, (n+workers*chunksPerWorker-1)/(workers*chunksPerWorker))
	chunks = make([]chunk, (n+size-1)/size)
	for k := range chunks {
		chunks[k] = chunk{first: k * size, end: min(n, (k+1)*size)}
	}
	stops := make([]int, len(chunks)) // per chunk: the item where f stopped, or -1
	errs := make([]error, len(chunks))
	var next atomic.Int64      // the next chunk to take
	var firstStop atomic.Int64 // the lowest chunk in which f stopped
	firstStop.Store(int64(len(chunks)))
	work := func() {
		c := pool.Get().(C)
		defer pool.Put(c)
		var perItem int // bytes per item so far, to size the next buffer
		for {
			k := int(next.Add(1) - 1)
			// Chunks after one that stopped are not needed.
			if k >= len(chunks) || int64(k) > firstStop.Load() {
				return
			}
			ch := &chunks[k]
			buf := chunkBuffer(perItem * (ch.end - ch.first))
			stops[k] = -1
			for i := ch.first; i < ch.end; i++ {
				var stop bool
				if buf, stop, errs[k] = f(c, buf, i); stop {
					stops[k] = i
					for cur := firstStop.Load(); int64(k) < cur && !firstStop.CompareAndSwap(cur, int64(k)); {
						cur = firstStop.Load()
					}
					break
				}
			}
			ch.buf = buf
			perItem = len(buf)/(ch.end-ch.first) + 1
		}
	}
	workers = min(workers, len(chunks))
	if workers <= 1 {
		work()
	} else {
		var wg sync.WaitGroup
		panics := make([]any, workers)
		for w := range workers {
			wg.Go(func() {
				defer func() {
					if panics[w] = recover(); panics[w] != nil {
						firstStop.Store(-1) // the others need not go on
					}
				}()
				work()
			})
		}
		wg.Wait()
		for _, p := range panics {
			if p != nil {
				panic(p)
			}
		}
	}
	if k := int(firstStop.Load()); k < len(chunks) {
		return nil, stops[k], errs[k]
	}
	return chunks, -1, nil
}

// chunkBuffers holds the buffers of chunks that have been written or copied, for the
// next call to reuse: rendering 20,000 objects fills tens of megabytes of them.
var chunkBuffers sync.Pool // of *[]byte

// chunkBuffer returns an empty buffer, with room for size bytes if it is new.
func chunkBuffer(size int) []byte {
	if b, ok := chunkBuffers.Get().(*[]byte); ok {
		return (*b)[:0]
	}
	return make([]byte, 0, size)
}

// output is a rendering: head, the chunks' bytes, then tail.
type output struct {
	head   []byte
	chunks []chunk
	tail   []byte
}

// write writes the output to w, and then recycles the chunks' buffers.
func (o output) write(w io.Writer) error {
	defer o.recycle()
	if err := writeNonEmpty(w, o.head); err != nil {
		return err
	}
	for _, ch := range o.chunks {
		if err := writeNonEmpty(w, ch.buf); err != nil {
			return err
		}
	}
	return writeNonEmpty(w, o.tail)
}

func writeNonEmpty(w io.Writer, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	_, err := w.Write(b)
	return err
}

// bytes returns the output in one slice, allocated at its final size, and recycles the
// chunks' buffers.
func (o output) bytes() []byte {
	if len(o.chunks) == 0 && len(o.tail) == 0 {
		return o.head
	}
	n := len(o.head) + len(o.tail)
	for _, ch := range o.chunks {
		n += len(ch.buf)
	}
	b := make([]byte, 0, n)
	b = append(b, o.head...)
	for _, ch := range o.chunks {
		b = append(b, ch.buf...)
	}
	o.recycle()
	return append(b, o.tail...)
}

// recycle puts the chunks' buffers in chunkBuffers; the chunks must not be used after.
func (o output) recycle() {
	for _, ch := range o.chunks {
		b := ch.buf[:0]
		chunkBuffers.Put(&b)
	}
}
