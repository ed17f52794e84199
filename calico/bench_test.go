package calico_test

import (
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/policy"
)

// The benchmarks of issue 7 (docs/performance.md): compile and render measured apart, on
// the shared Sets of internal/benchset, 1,000 to 20,000 services with 5 edges each.

func compileSet(tb testing.TB, set *policy.Set) *calico.Result {
	res, err := calico.Compile(set)
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

func BenchmarkCompile(b *testing.B) { benchset.BenchCompile(b, calico.Backend(), benchset.New) }

// BenchmarkRender renders a compiled Result as YAML.
func BenchmarkRender(b *testing.B) {
	benchset.BenchRender(b, calico.Backend(), policy.Result.YAML)
}

// BenchmarkRenderJSON renders a compiled Result as JSON.
func BenchmarkRenderJSON(b *testing.B) {
	benchset.BenchRender(b, calico.Backend(), policy.Result.JSON)
}

// BenchmarkRenderSigsYAML renders the same objects with sigs.k8s.io/yaml.Marshal, one
// document each, for comparison with BenchmarkRender.
func BenchmarkRenderSigsYAML(b *testing.B) { benchset.BenchRenderSigsYAML(b, calico.Backend()) }

// BenchmarkCompileAndRender is the whole run, Set to YAML, with the peak heap it needs.
func BenchmarkCompileAndRender(b *testing.B) {
	benchset.BenchCompileAndRender(b, calico.Backend(), benchset.New)
}
