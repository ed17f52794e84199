package k8snp_test

import (
	"github.com/netintent/netintent/k8snp"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestIndependentObjects checks that emitted objects share no memory with each other or
// with the Set (golden.Independent): not the rules of one policy, nor the selectors of a
// peer that many policies name, nor anything of the example scenarios.
func TestIndependentObjects(t *testing.T) {
	s := policy.NewSet(policy.DefaultNamespace("shop"))
	s.Service("web").AllowFrom("api").TCP(80)
	s.Service("web").AllowFrom("api", "admin").TCP(443)
	sets := map[string]*policy.Set{"rules of one policy": s, "peers named by many policies": benchset.New(40, benchset.Edges)}
	for name, set := range sets {
		t.Run(name, func(t *testing.T) { golden.Independent(t, set, nil, k8snp.Backend().Compile) })
	}
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) { golden.Independent(t, sc.Build(), sc.Refused["k8snp"], k8snp.Backend().Compile) })
	}
}
