package calico_test

import (
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestIndependentObjects checks that emitted objects share no memory with each other or
// with the Set (golden.Independent), for every Set of the hand corpus, with the cluster's
// ranges declared as in TestEquivalence.
func TestIndependentObjects(t *testing.T) {
	for _, cs := range handCorpus() {
		t.Run(cs.name, func(t *testing.T) {
			golden.Independent(t, cs.build(), cs.refused, func(s *policy.Set) (*calico.Result, error) {
				return calico.Compile(s, append([]calico.Option{clusterCIDRs()}, cs.opts...)...)
			})
		})
	}
}
