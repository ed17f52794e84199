package k8snp_test

import (
	"testing"

	"github.com/netintent/netintent"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
)

// TestRolloutPrefixes applies the objects one by one in the order they are written
// (Objects, the WriteDir files, a kustomization) and judges every flow of the Set's
// universe after each: a flow the cluster allows before any policy and after all of them
// is allowed in between (golden.Prefixes). The Sets: the hand-written golden.PrefixSets,
// every scenario k8snp expresses, and random Sets.
func TestRolloutPrefixes(t *testing.T) {
	sets := golden.RolloutSets(40, randset.Features{Broad: true})
	checked := 0
	for _, c := range sets {
		m, err := c.Set.Model()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		u := m.Universe()
		res, err := k8snp.Compile(c.Set, k8snp.ClusterCIDRs(u.PodCIDR), k8snp.WidenL7(), k8snp.WorldAsIPBlock())
		if err != nil {
			continue // refused even with every option: cluster scope, deny rules
		}
		checked++
		var flows []policy.Flow
		for _, f := range u.Flows() {
			if f.HTTP == nil && f.DNSQuery == "" {
				flows = append(flows, f)
			}
		}
		if cut := golden.Prefixes(res.Objects(), flows, prefixEngine, describeFlow); cut != "" {
			y, _ := res.YAML()
			t.Errorf("%s: %s\n%s\nthe objects, in order:\n%s", c.Name, cut, c.Code, y)
		}
	}
	if min := len(golden.PrefixSets()) + 40; checked < min {
		t.Errorf("%d Sets checked, want at least %d: too many refused", checked, min)
	}
}

// prefixEngine is the engine over NetworkPolicies, for golden.Prefixes.
func prefixEngine(objs []netintent.Object) func(policy.Flow) bool {
	nps := make([]*networkingv1.NetworkPolicy, len(objs))
	for i, o := range objs {
		nps[i] = o.(*networkingv1.NetworkPolicy)
	}
	e := newEngine(nps)
	return func(f policy.Flow) bool {
		_, _, allowed := e.verdict(f)
		return allowed
	}
}
