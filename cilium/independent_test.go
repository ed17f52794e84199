package cilium_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestIndependentObjects checks that emitted objects share no memory with each other or
// with the Set (golden.Independent): not the rules one intent yields (a port rule and an
// ICMP rule), nor the selectors of a peer that many policies name, whose translation the
// compilers share.
func TestIndependentObjects(t *testing.T) {
	sets := map[string]func() *policy.Set{
		"port and icmp rules of one intent": func() *policy.Set {
			s := shop()
			s.Service("web").AllowFrom("api").TCP(80).ICMP(8)
			return s
		},
		"peers named by many policies": func() *policy.Set { return benchset.New(40, benchset.Edges) },
	}
	for _, sc := range scenarios.All() {
		sets[sc.Name] = sc.Build
	}
	for name, build := range sets {
		t.Run(name, func(t *testing.T) {
			set := build()
			if _, err := cilium.Compile(set); err != nil {
				t.Skip(err)
			}
			golden.Independent(t, func() ([]netintent.Object, error) {
				res, err := cilium.Compile(set)
				if err != nil {
					return nil, err
				}
				return res.Objects(), nil
			})
		})
	}
}
