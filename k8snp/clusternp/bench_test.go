package clusternp_test

import (
	"testing"

	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
)

// The benchmarks of issue 15 (docs/performance.md): the Sets of internal/benchset with the
// guide's cluster guardrails, into NetworkPolicies and ClusterNetworkPolicies.

var backend = clusternp.Backend(k8snp.ClusterCIDRs(benchset.ClusterRanges...))

func BenchmarkCompile(b *testing.B) { benchset.BenchCompile(b, backend, benchset.Guarded) }

// BenchmarkCompileAndRender is the whole run, Set to YAML, with the peak heap it needs.
func BenchmarkCompileAndRender(b *testing.B) {
	benchset.BenchCompileAndRender(b, backend, benchset.Guarded)
}
