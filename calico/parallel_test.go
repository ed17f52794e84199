package calico_test

import (
	"testing"

	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestCPUCountIndependent checks that objects, warnings and problems, in their order, do
// not depend on how many CPUs translated the policies: with the options that refuse
// constructs of the Set, and with those that translate them lossily.
func TestCPUCountIndependent(t *testing.T) {
	set := golden.ManyPolicies(
		func(w *policy.Workload, from policy.Peer) { w.AllowTo(policy.World()).TCP(443) },
		func(w *policy.Workload, from policy.Peer) { w.AllowFrom(from).TCP(80).HTTP("GET", "/") },
		func(w *policy.Workload, from policy.Peer) { w.DenyFrom(policy.Namespace("ns-1")) },
	)
	for _, opts := range [][]calico.Option{nil, {calico.WidenL7(), calico.WorldAsNets()}} {
		golden.CPUCountIndependent(t, func() ([]byte, []policy.Warning, error) {
			res, err := calico.Compile(set, opts...)
			if err != nil {
				return nil, nil, err
			}
			y, err := res.YAML()
			return y, res.Warnings(), err
		})
	}
}
