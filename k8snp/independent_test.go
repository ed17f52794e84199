package k8snp_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/benchset"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// TestIndependentObjects checks that emitted objects share no memory with each other or
// with the Set (golden.Independent): not the rules of one policy, nor the selectors of a
// peer that many policies name.
func TestIndependentObjects(t *testing.T) {
	sets := map[string]func() *policy.Set{
		"rules of one policy": func() *policy.Set {
			s := policy.NewSet(policy.DefaultNamespace("shop"))
			s.Service("web").AllowFrom("api").TCP(80)
			s.Service("web").AllowFrom("api", "admin").TCP(443)
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
			if _, err := k8snp.Compile(set); err != nil {
				t.Skip(err)
			}
			golden.Independent(t, func() ([]netintent.Object, error) {
				res, err := k8snp.Compile(set)
				if err != nil {
					return nil, err
				}
				return res.Objects(), nil
			})
		})
	}
}
