package cnp_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// tieredSets are randset's Sets (half of them with deny rules and cluster-wide
// guardrails) with one or two tiers, each passing by default or not, of one to three
// egress-only policies: cluster-wide (all pods, by label, by namespace labels), of a
// namespace or of a service's pods, each with one to three Allow, Deny or Pass rules to the
// peers and ports of randomSets, or Allow rules to fqdnPeers, with and without the DNS
// allowance. Sets where a Pass would skip a later object selecting the same pods are
// refused, and counted.
func tieredSets(n int) map[string]*policy.Set {
	out := map[string]*policy.Set{}
	namespaces := []string{"shop", "pay", "ops"}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		f := randset.Features{}
		if seed%2 == 0 {
			f = randset.Features{Deny: true, Cluster: true}
		}
		c := randset.New(seed, 4, f)
		r := rand.New(rand.NewPCG(seed, 16))
		tiers := r.IntN(2) + 1
		for i := range tiers {
			tb := c.Set.Tier(fmt.Sprintf("tier-%d", i), float64(10*(i+1)))
			if r.IntN(2) == 0 {
				tb.DefaultPass()
			}
		}
		for i := r.IntN(3) + 1; i > 0; i-- {
			tier, order := fmt.Sprintf("tier-%d", r.IntN(tiers)), float64(r.IntN(3))
			// Pod groups of their own: randset's services and namespaces stay untiered.
			var w *policy.Workload
			name, ns := fmt.Sprintf("t-%d", i), namespaces[r.IntN(len(namespaces))]
			switch r.IntN(3) {
			case 0:
				w = c.Set.Cluster(name)
				randset.CNPSubject(r, w)
			case 1:
				w = c.Set.Pods(ns, name, policy.MatchLabels{})
			default:
				w = c.Set.Pods(ns, name, policy.MatchLabels{"app": []string{"web", "api", "db"}[r.IntN(3)]})
			}
			w.InTier(tier, order)
			if r.IntN(3) == 0 {
				w.WithoutDNS()
			}
			for j := r.IntN(3) + 1; j > 0; j-- {
				x, pods := randset.CNPEgressPeer(r)
				var rb *policy.RuleBuilder
				switch r.IntN(7) {
				case 0, 1:
					rb = w.AllowTo(x)
				case 2, 3:
					rb = w.DenyTo(x)
				case 4, 5:
					rb = w.PassTo(x)
				default:
					rb, pods = w.AllowTo(fqdnPeers[r.IntN(len(fqdnPeers))]), false
				}
				randset.CNPPorts(r, rb, pods)
			}
		}
		out[fmt.Sprintf("tiered seed %d", seed)] = c.Set
	}
	return out
}

// fqdnPeers are FQDN peers that domainNames express: a name and a leading "**." (the
// others are refused: k8snp/clusternp's TestDomainNames).
var fqdnPeers = []policy.Peer{policy.FQDN("api.example.com"), policy.FQDN("**.example.org")}

// TestTierVerdicts: for the tiered Sets clusternp compiles, every emitted
// ClusterNetworkPolicy is valid and Cilium's verdict on every flow it judges is the
// reference evaluator's.
func TestTierVerdicts(t *testing.T) {
	tl := newTally()
	sets := tieredSets(60)
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		compare(t, tl, name, sets[name], nil)
	}
	t.Logf("%v", tl)
	if tl.mismatched > 0 {
		t.Errorf("%d flows differ:\n%s", tl.mismatched, strings.Join(tl.mismatches[:min(10, len(tl.mismatches))], "\n"))
	}
	if n := tl.cannot["networks peer"]; n > 0 {
		t.Errorf("%d flows to pods inside networks peers", n)
	}
	if tl.judged == 0 || tl.sets-tl.refused < 20 {
		t.Errorf("too little compared: %v", tl)
	}
}

// TestTierMutations: the comparison over the tiered Sets catches each wrong emission.
func TestTierMutations(t *testing.T) {
	tiered := func(c *v1alpha2.ClusterNetworkPolicy) bool { return strings.HasPrefix(c.Name, "tier.") }
	tests := []struct {
		name   string
		mutate func([]*v1alpha2.ClusterNetworkPolicy)
	}{{
		// The untiered denies then decide before the tiers' Accepts.
		name: "tier objects after the untiered ones",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				if tiered(c) {
					c.Spec.Priority += 500
				}
			}
		},
	}, {
		name: "no end of tier",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				if tiered(c) && strings.HasSuffix(c.Name, "-end") {
					c.Spec.Egress = nil
				}
			}
		},
	}, {
		name: "Accept for Pass",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				for i := range c.Spec.Egress {
					if c.Spec.Egress[i].Action == v1alpha2.ClusterNetworkPolicyRuleActionPass {
						c.Spec.Egress[i].Action = v1alpha2.ClusterNetworkPolicyRuleActionAccept
					}
				}
			}
		},
	}, {
		// Policies of a tier in reverse order.
		name: "tier policies reversed",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			var ts []*v1alpha2.ClusterNetworkPolicy
			for _, c := range cs {
				if tiered(c) && !strings.HasSuffix(c.Name, "-end") {
					ts = append(ts, c)
				}
			}
			for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
				ts[i].Spec.Priority, ts[j].Spec.Priority = ts[j].Spec.Priority, ts[i].Spec.Priority
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := newTally()
			sets := tieredSets(60)
			for _, name := range slices.Sorted(maps.Keys(sets)) {
				if tl.mismatched > 0 {
					break
				}
				compare(t, tl, name, sets[name], tt.mutate)
			}
			t.Logf("%s: %d mismatches: %v", tt.name, tl.mismatched, tl)
			if tl.mismatched == 0 {
				t.Errorf("%s went unnoticed: %v", tt.name, tl)
			}
		})
	}
}
