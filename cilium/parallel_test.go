package cilium_test

import (
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/policy"
)

// TestCPUCountIndependent checks that objects, warnings and problems, in their order, do
// not depend on how many CPUs translated the policies: with the options that refuse
// constructs of the Set, and with those that translate them lossily.
func TestCPUCountIndependent(t *testing.T) {
	set := golden.ManyPolicies(
		func(w *policy.Workload, from policy.Peer) { w.AllowFrom(from).ICMP(8, 0) },
		func(w *policy.Workload, from policy.Peer) { w.DenyTo(policy.FQDN("api.example.com")) },
		func(w *policy.Workload, from policy.Peer) { w.AllowTo(policy.FQDN("api.example.com")).TCP(443) },
	)
	for _, opts := range [][]cilium.Option{nil, {cilium.WidenICMPCodes(), cilium.LocalCluster("default")}} {
		golden.CPUCountIndependent(t, func() ([]byte, []policy.Warning, error) {
			res, err := cilium.Compile(set, opts...)
			if err != nil {
				return nil, nil, err
			}
			y, err := res.YAML()
			return y, res.Warnings(), err
		})
	}
}
