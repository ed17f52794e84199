package cilium_test

import (
	"testing"

	ciliumv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/v2"
	"github.com/netintent/netintent"
	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// TestRolloutPrefixes applies the objects one by one in the order they are written and
// judges every flow of the Set's universe after each: a flow the cluster allows before
// any policy and after all of them is allowed in between (golden.Prefixes). The Sets: the
// hand-written golden.PrefixSets, every scenario, and random Sets, whose cluster-wide
// selections by label overlap namespaces and services without containing them.
func TestRolloutPrefixes(t *testing.T) {
	sets := golden.RolloutSets(40, randset.All)
	checked := 0
	for _, c := range sets {
		m, err := c.Set.Model()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		res, err := cilium.Compile(c.Set, cilium.OmitAudit())
		if err != nil {
			continue // refused: an ICMP type Cilium cannot tell apart, say
		}
		checked++
		var flows []policy.Flow
		for _, f := range m.Universe().Flows() {
			if f.HTTP == nil && f.DNSQuery == "" {
				flows = append(flows, f)
			}
		}
		engine := func(objs []netintent.Object) func(policy.Flow) bool {
			var r cilium.Result
			for _, o := range objs {
				switch o := o.(type) {
				case *ciliumv2.CiliumNetworkPolicy:
					r.CiliumNetworkPolicies = append(r.CiliumNetworkPolicies, o)
				case *ciliumv2.CiliumClusterwideNetworkPolicy:
					r.CiliumClusterwideNetworkPolicies = append(r.CiliumClusterwideNetworkPolicies, o)
				}
			}
			return newEngine(t, &r).allowed
		}
		if cut := golden.Prefixes(res.Objects(), flows, engine, describeFlow); cut != "" {
			y, _ := res.YAML()
			t.Errorf("%s: %s\n%s\nthe objects, in order:\n%s", c.Name, cut, c.Code, y)
		}
	}
	if min := len(golden.PrefixSets()) + 30; checked < min {
		t.Errorf("%d Sets checked, want at least %d: too many refused", checked, min)
	}
}
