package cilium_test

import (
	"bytes"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/policy"
)

// The benchmarks of issue 7 (docs/performance.md): compile and render measured apart, on
// the shared Sets of internal/benchset, 1,000 to 20,000 services with 5 edges each.

func compileSet(tb testing.TB, set *policy.Set) *cilium.Result {
	res, err := cilium.Compile(set)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func BenchmarkCompile(b *testing.B) {
	for _, n := range benchset.Sizes {
		b.Run(benchset.Name(n), func(b *testing.B) {
			set := benchset.New(n, benchset.Edges)
			b.ReportAllocs()
			defer benchset.CPU(b)()
			for b.Loop() {
				compileSet(b, set)
			}
		})
	}
}

// BenchmarkRender renders a compiled Result as YAML.
func BenchmarkRender(b *testing.B) {
	for _, n := range benchset.Sizes {
		b.Run(benchset.Name(n), func(b *testing.B) {
			res := compileSet(b, benchset.New(n, benchset.Edges))
			b.ReportAllocs()
			defer benchset.CPU(b)()
			var out []byte
			for b.Loop() {
				var err error
				if out, err = res.YAML(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(out)), "bytes/out")
		})
	}
}

// BenchmarkRenderJSON renders a compiled Result as JSON.
func BenchmarkRenderJSON(b *testing.B) {
	for _, n := range benchset.Sizes {
		b.Run(benchset.Name(n), func(b *testing.B) {
			res := compileSet(b, benchset.New(n, benchset.Edges))
			b.ReportAllocs()
			defer benchset.CPU(b)()
			var out []byte
			for b.Loop() {
				var err error
				if out, err = res.JSON(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(out)), "bytes/out")
		})
	}
}

// BenchmarkRenderSigsYAML renders the same objects with sigs.k8s.io/yaml.Marshal, one
// document each, for comparison with BenchmarkRender.
func BenchmarkRenderSigsYAML(b *testing.B) {
	b.Run(benchset.Name(20000), func(b *testing.B) {
		res := compileSet(b, benchset.New(20000, benchset.Edges))
		b.ReportAllocs()
		defer benchset.CPU(b)()
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

// BenchmarkCompileAndRender is the whole run, Set to YAML, with the peak heap it needs.
func BenchmarkCompileAndRender(b *testing.B) {
	for _, n := range benchset.Sizes {
		b.Run(benchset.Name(n), func(b *testing.B) {
			set := benchset.New(n, benchset.Edges)
			b.ReportAllocs()
			defer benchset.CPU(b)()
			var heap benchset.Heap
			for b.Loop() {
				h := benchset.HeapPeak(func() {
					if _, err := compileSet(b, set).YAML(); err != nil {
						b.Fatal(err)
					}
				})
				heap.Peak, heap.Live = max(heap.Peak, h.Peak), max(heap.Live, h.Live)
			}
			b.ReportMetric(benchset.MiB(heap.Peak), "peak-heap-MiB")
			b.ReportMetric(benchset.MiB(heap.Live), "peak-live-MiB")
		})
	}
}
