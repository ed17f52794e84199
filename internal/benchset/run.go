package benchset

import (
	"bytes"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/policy"
)

// Result is what the benchmarks use of a backend's Result.
type Result interface {
	YAML() ([]byte, error)
	JSON() ([]byte, error)
	Objects() []netintent.Object
}

// Compiler compiles a Set with one backend.
type Compiler func(*policy.Set) (Result, error)

func mustCompile(tb testing.TB, compile Compiler, set *policy.Set) Result {
	res, err := compile(set)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// BenchCompile measures Compile for every size of Sizes.
func BenchCompile(b *testing.B, compile Compiler) {
	for _, n := range Sizes {
		b.Run(Name(n), func(b *testing.B) {
			set := New(n, Edges)
			b.ReportAllocs()
			defer CPU(b)()
			for b.Loop() {
				mustCompile(b, compile, set)
			}
		})
	}
}

// BenchRender measures rendering a compiled Result with render (Result.YAML or
// Result.JSON) for every size of Sizes.
func BenchRender(b *testing.B, compile Compiler, render func(Result) ([]byte, error)) {
	for _, n := range Sizes {
		b.Run(Name(n), func(b *testing.B) {
			res := mustCompile(b, compile, New(n, Edges))
			b.ReportAllocs()
			defer CPU(b)()
			var out []byte
			for b.Loop() {
				var err error
				if out, err = render(res); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(out)), "bytes/out")
		})
	}
}

// BenchRenderSigsYAML renders the objects of 20,000 services with sigs.k8s.io/yaml.Marshal,
// one document each, for comparison with BenchRender.
func BenchRenderSigsYAML(b *testing.B, compile Compiler) {
	b.Run(Name(20000), func(b *testing.B) {
		res := mustCompile(b, compile, New(20000, Edges))
		b.ReportAllocs()
		defer CPU(b)()
		for b.Loop() {
			var out bytes.Buffer
			for i, o := range res.Objects() {
				y, err := yaml.Marshal(o)
				if err != nil {
					b.Fatal(err)
				}
				if i > 0 {
					out.WriteString("---\n")
				}
				out.Write(y)
			}
		}
	})
}

// BenchCompileAndRender measures the whole run, Set to YAML, and the peak heap it needs.
func BenchCompileAndRender(b *testing.B, compile Compiler) {
	for _, n := range Sizes {
		b.Run(Name(n), func(b *testing.B) {
			set := New(n, Edges)
			b.ReportAllocs()
			defer CPU(b)()
			var heap Heap
			for b.Loop() {
				h := HeapPeak(func() {
					if _, err := mustCompile(b, compile, set).YAML(); err != nil {
						b.Fatal(err)
					}
				})
				heap.Peak, heap.Live = max(heap.Peak, h.Peak), max(heap.Live, h.Live)
			}
			b.ReportMetric(MiB(heap.Peak), "peak-heap-MiB")
			b.ReportMetric(MiB(heap.Live), "peak-live-MiB")
		})
	}
}
