package calico_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/calico"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
	calicov3 "github.com/projectcalico/api/pkg/apis/projectcalico/v3"
)

// TestRolloutPrefixes applies the objects one by one in the order they are written, tiers
// first, and judges every flow of the Set's universe after each, among the test's host
// endpoints and network sets: a flow the cluster allows before any policy and after all
// of them is allowed in between (golden.Prefixes). Calico's default tier drops, at its
// end, what a selecting policy leaves undecided: the same isolation the other engines
// have. The Sets: golden.RolloutSets.
func TestRolloutPrefixes(t *testing.T) {
	sur := newSurroundings()
	checked := 0
	for _, c := range golden.RolloutSets(40, randset.All) {
		m, err := c.Set.Model()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		u := m.Universe()
		res, err := calico.Compile(c.Set, calico.ClusterCIDRs(u.PodCIDR), calico.ApplicationLayerPolicy(), calico.WidenL7())
		if err != nil {
			continue // refused even with every option: host policies, FQDN peers
		}
		checked++
		var flows []policy.Flow
		for _, f := range u.Flows() {
			if f.HTTP == nil && f.DNSQuery == "" {
				flows = append(flows, f)
			}
		}
		engine := func(objs []netintent.Object) func(policy.Flow) bool {
			var r calico.Result
			for _, o := range objs {
				switch o := o.(type) {
				case *calicov3.Tier:
					r.Tiers = append(r.Tiers, o)
				case *calicov3.NetworkPolicy:
					r.NetworkPolicies = append(r.NetworkPolicies, o)
				case *calicov3.GlobalNetworkPolicy:
					r.GlobalNetworkPolicies = append(r.GlobalNetworkPolicies, o)
				case *calicov3.StagedNetworkPolicy:
					r.StagedNetworkPolicies = append(r.StagedNetworkPolicies, o)
				case *calicov3.StagedGlobalNetworkPolicy:
					r.StagedGlobalNetworkPolicies = append(r.StagedGlobalNetworkPolicies, o)
				}
			}
			e, err := newEngine(&r, sur)
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			return e.verdict
		}
		if cut := golden.Prefixes(res.Objects(), flows, engine, describeFlow); cut != "" {
			y, _ := res.YAML()
			t.Errorf("%s: %s\n%s\nthe objects, in order:\n%s", c.Name, cut, c.Code, y)
		}
	}
	t.Logf("%d Sets checked", checked)
	if min := len(golden.PrefixSets()) + 20; checked < min {
		t.Errorf("%d Sets checked, want at least %d: too many refused", checked, min)
	}
}
