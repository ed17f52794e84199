package cilium_test

import (
	"fmt"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestBackend checks the CiliumNetworkPolicies policy.Diff reports for this backend; an
// ICMP code needs WidenICMPCodes.
func TestBackend(t *testing.T) {
	golden.DiffObjects(t, golden.DiffBackend{
		Backend: cilium.Backend(), Widening: cilium.Backend(cilium.WidenICMPCodes()), Kind: "CiliumNetworkPolicy",
		Port:  func(p int) string { return fmt.Sprintf("port: \"%d\"\n", p) },
		Lossy: func(s *policy.Set) { s.Service("web").AllowFrom("probe").ICMP(8, 0) },
	})
}
