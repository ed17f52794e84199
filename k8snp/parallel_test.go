package k8snp_test

import (
	"testing"

	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
)

// TestCPUCountIndependent checks that objects, warnings and problems, in their order, do
// not depend on how many CPUs translated the policies: with the options that refuse
// constructs of the Set, and with those that translate them lossily.
func TestCPUCountIndependent(t *testing.T) {
	set := golden.ManyPolicies(
		func(w *policy.Workload, from policy.Peer) { w.AllowTo(policy.World()).TCP(443) },
		func(w *policy.Workload, from policy.Peer) { w.AllowFrom(from).TCP(80).HTTP("GET", "/") },
	)
	for _, opts := range [][]k8snp.Option{nil, {k8snp.WidenL7(), k8snp.WorldAsIPBlock()}} {
		golden.CPUCountIndependent(t, func() ([]byte, []policy.Warning, error) {
			res, err := k8snp.Compile(set, opts...)
			if err != nil {
				return nil, nil, err
			}
			y, err := res.YAML()
			return y, res.Warnings(), err
		})
	}
}
