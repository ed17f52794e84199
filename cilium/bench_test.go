package cilium_test

import (
	"testing"

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

func BenchmarkCompile(b *testing.B) { benchset.BenchCompile(b, cilium.Backend(), benchset.New) }

// BenchmarkRender renders a compiled Result as YAML.
func BenchmarkRender(b *testing.B) {
	benchset.BenchRender(b, cilium.Backend(), policy.Result.YAML)
}

// BenchmarkRenderJSON renders a compiled Result as JSON.
func BenchmarkRenderJSON(b *testing.B) {
	benchset.BenchRender(b, cilium.Backend(), policy.Result.JSON)
}

// BenchmarkRenderSigsYAML renders the same objects with sigs.k8s.io/yaml.Marshal, one
// document each, for comparison with BenchmarkRender.
func BenchmarkRenderSigsYAML(b *testing.B) { benchset.BenchRenderSigsYAML(b, cilium.Backend()) }

// BenchmarkCompileAndRender is the whole run, Set to YAML, with the peak heap it needs.
func BenchmarkCompileAndRender(b *testing.B) {
	benchset.BenchCompileAndRender(b, cilium.Backend(), benchset.New)
}
