package calico_test

import (
	"fmt"
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestBackend checks the Calico NetworkPolicies policy.Diff reports for this backend; an
// HTTP rule needs WidenL7 (or ApplicationLayerPolicy).
func TestBackend(t *testing.T) {
	golden.DiffObjects(t, golden.DiffBackend{
		Backend: calico.Backend(), Widening: calico.Backend(calico.WidenL7()), Kind: "NetworkPolicy",
		Port:  func(p int) string { return fmt.Sprintf("- %d\n", p) },
		Lossy: func(s *policy.Set) { s.Service("web").AllowFrom("probe").TCP(8081).HTTP("GET", "/healthz") },
	})
}
