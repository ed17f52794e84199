package cilium_test

import (
	"github.com/netintent/netintent/cilium"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestIndependentObjects checks that emitted objects share no memory with each other or
// with the Set (golden.Independent): not the rules one intent yields (a port rule and an
// ICMP rule), nor the selectors of a peer that many policies name, whose translation the
// compilers share, nor anything of the example scenarios.
func TestIndependentObjects(t *testing.T) {
	s := shop()
	s.Service("web").AllowFrom("api").TCP(80).ICMP(8)
	sets := map[string]*policy.Set{"port and icmp rules of one intent": s, "peers named by many policies": benchset.New(40, benchset.Edges)}
	for name, set := range sets {
		t.Run(name, func(t *testing.T) { golden.Independent(t, set, nil, cilium.Backend().Compile) })
	}
	for _, sc := range scenarios.All() {
		t.Run(sc.Name, func(t *testing.T) { golden.Independent(t, sc.Build(), sc.Refused["cilium"], cilium.Backend().Compile) })
	}
}
