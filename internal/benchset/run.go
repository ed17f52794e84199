package benchset

import (
	"bytes"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netintent/netintent/policy"
)

func mustCompile(tb testing.TB, backend policy.Backend, set *policy.Set) policy.Result {
	res, err := backend.Compile(set)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// Build returns a Set of the given number of services, each with edges edges: New, or
// Guarded.
type Build func(services, edges int) *policy.Set

// BenchCompile measures Compile of the Sets build returns, for every size of Sizes.
func BenchCompile(b *testing.B, backend policy.Backend, build Build) {
	for _, n := range Sizes {
		b.Run(Name(n), func(b *testing.B) {
			set := build(n, Edges)
			b.ReportAllocs()
			defer CPU(b)()
			for b.Loop() {
				mustCompile(b, backend, set)
			}
		})
	}
}

// BenchRender measures rendering a compiled Result with render (Result.YAML or
// Result.JSON) for every size of Sizes.
func BenchRender(b *testing.B, backend policy.Backend, render func(policy.Result) ([]byte, error)) {
	for _, n := range Sizes {
		b.Run(Name(n), func(b *testing.B) {
			res := mustCompile(b, backend, New(n, Edges))
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
func BenchRenderSigsYAML(b *testing.B, backend policy.Backend) {
	b.Run(Name(20000), func(b *testing.B) {
		res := mustCompile(b, backend, New(20000, Edges))
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

// BenchCompileAndRender measures the whole run, Set to YAML, and the peak heap it needs,
// for the Sets build returns.
func BenchCompileAndRender(b *testing.B, backend policy.Backend, build Build) {
	for _, n := range Sizes {
		b.Run(Name(n), func(b *testing.B) {
			set := build(n, Edges)
			b.ReportAllocs()
			defer CPU(b)()
			var heap Heap
			for b.Loop() {
				h := HeapPeak(func() {
					if _, err := mustCompile(b, backend, set).YAML(); err != nil {
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
