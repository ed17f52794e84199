package cnp_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/netintent/netintent/internal/conformance/cnp"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// TestRolloutPrefixes applies clusternp's objects one by one in the order they are
// written (Objects, the WriteDir files) and judges every flow Cilium's engine models
// after each: a flow allowed before any object and after all of them must be allowed in
// between, so that the Baseline-tier isolation never cuts what the Admin-tier Accepts
// and the NetworkPolicies admit once they are all applied. The Sets: golden.PrefixSets,
// the scenarios, random Sets with ClusterNetworkPolicies, random tiered Sets and
// tierPrefixSets; flows the engine cannot judge at some prefix are counted.
func TestRolloutPrefixes(t *testing.T) {
	sets := map[string]*golden.PrefixSet{}
	for _, c := range golden.RolloutSets(0, randset.Features{}) {
		sets[c.Name] = &c
	}
	for name, s := range randomSets(5) {
		sets["random/"+name] = &golden.PrefixSet{Name: name, Set: s}
	}
	for name, s := range tieredSets(12) {
		sets["random/"+name] = &golden.PrefixSet{Name: name, Set: s}
	}
	for _, c := range tierPrefixSets() {
		sets["tiers/"+c.Name] = &c
	}
	tl := newTally()
	checked, prefixes := 0, 0
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		c := sets[name]
		m, err := c.Set.Model()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pu := m.Universe()
		res, err := clusternp.Compile(c.Set, k8snp.ClusterCIDRs(pu.PodCIDR), k8snp.WorldAsIPBlock(), clusternp.Nodes(), clusternp.DomainNames())
		if err != nil || len(res.ClusterNetworkPolicies) == 0 {
			continue // refused, or k8snp's own test covers it
		}
		checked++
		u, flows := engineFlows(pu, tl)
		objs := res.Objects()
		judge := func(n int) func(flow) (bool, error) {
			var nps []*networkingv1.NetworkPolicy
			var cnps []*v1alpha2.ClusterNetworkPolicy
			for _, o := range objs[:n] {
				switch o := o.(type) {
				case *networkingv1.NetworkPolicy:
					nps = append(nps, o)
				case *v1alpha2.ClusterNetworkPolicy:
					cnps = append(cnps, o)
				default:
					t.Fatalf("%s: object %T", name, o)
				}
			}
			e, err := cnp.NewEngine(nps, cnps, u)
			if err != nil {
				t.Fatalf("%s: engine over %d objects: %v", name, n, err)
			}
			return func(f flow) (bool, error) { return e.Verdict(f.cnp) }
		}
		none, all := judge(0), judge(len(objs))
		var kept []flow
		for _, f := range flows {
			before, err1 := none(f)
			after, err2 := all(f)
			if err := errors.Join(err1, err2); err != nil {
				tl.cannot[cannotReason(err)]++
				continue
			}
			if before && after {
				kept = append(kept, f)
			}
		}
		for n := 1; n < len(objs); n++ {
			prefixes++
			j := judge(n)
			for _, f := range kept {
				ok, err := j(f)
				if errors.Is(err, cnp.ErrCannotJudge) {
					tl.cannot[cannotReason(err)]++
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				tl.judged++
				if !ok {
					y, _ := res.YAML()
					t.Fatalf("%s: after applying object %d of %d, %s %s, %s is denied, which the cluster allows before and after\n%s\nthe objects, in order:\n%s",
						name, n, len(objs), objs[n-1].GetObjectKind().GroupVersionKind().Kind, objs[n-1].GetName(), f, c.Code, y)
				}
			}
		}
	}
	t.Logf("%d Sets, %d prefixes: %d flows judged; cannot judge %v; not modelled %v", checked, prefixes, tl.judged, tl.cannot, tl.skipped)
	if checked < 6 {
		t.Errorf("%d Sets checked, want at least 6", checked)
	}
	if n := tl.cannot["networks peer"]; n > 0 {
		t.Errorf("%d flows to pods inside networks peers", n)
	}
}

// tierPrefixSets are tiered Sets whose objects, applied in the wrong order, cut traffic:
// a tier's Accept must precede an untiered Deny (named to sort first) and the Deny of a
// later policy of its tier, and the end of a tier its Accepts.
func tierPrefixSets() []golden.PrefixSet {
	base := func() *policy.Set {
		s := policy.NewSet()
		s.Namespace("shop").Labels(nil)
		s.Namespace("pay").Labels(nil)
		return s
	}
	untiered := base()
	untiered.Tier("sec", 10).DefaultPass()
	untiered.Cluster("t").InTier("sec", 1).AllowTo(policy.ServiceIn("pay", "db")).TCP(5432)
	untiered.ServiceIn("shop", "web").DenyTo(policy.ServiceIn("pay", "db"))
	later := base()
	later.Tier("sec", 10).DefaultPass()
	later.Cluster("b").InTier("sec", 1).DenyTo(policy.ServiceIn("pay", "api")).AllowTo(policy.ServiceIn("pay", "db"))
	later.Cluster("a").InTier("sec", 2).DenyTo(policy.ServiceIn("pay", "db"))
	end := base()
	end.Tier("sec", 10)
	end.Cluster("b").InTier("sec", 1).AllowTo(policy.ServiceIn("pay", "db")).TCP(5432)
	end.Cluster("a").InTier("sec", 2).Select(policy.MatchLabels{"app": "web"}).DenyTo(policy.ServiceIn("pay", "api"))
	return []golden.PrefixSet{{Name: "untiered deny", Set: untiered}, {Name: "later deny", Set: later}, {Name: "end of tier", Set: end}}
}
