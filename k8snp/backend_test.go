package k8snp_test

import (
	"fmt"
	"testing"

	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// TestBackend checks the NetworkPolicies policy.Diff reports for this backend; an HTTP
// rule needs WidenL7.
func TestBackend(t *testing.T) {
	golden.DiffObjects(t, golden.DiffBackend{
		Backend: k8snp.Backend(), Widening: k8snp.Backend(k8snp.WidenL7()), Kind: "NetworkPolicy",
		Port:  func(p int) string { return fmt.Sprintf("port: %d\n", p) },
		Lossy: func(s *policy.Set) { s.Service("web").AllowFrom("probe").TCP(8081).HTTP("GET", "/healthz") },
	})
}
