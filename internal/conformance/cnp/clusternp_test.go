package cnp_test

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/examples/scenarios"
	"github.com/netintent/netintent/internal/conformance/cnp"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// tally counts what a comparison of clusternp's output with the reference evaluator saw.
type tally struct {
	sets, refused, cnps int
	// judged counts the flows compared, denied those of them the reference denies.
	judged, denied, mismatched int
	// refusals counts the refused Sets by construct.
	refusals map[string]int
	// cannot counts the flows the engine cannot judge, by reason; skipped the flows it
	// does not model, by reason.
	cannot, skipped map[string]int
	mismatches      []string
}

func newTally() *tally {
	return &tally{cannot: map[string]int{}, skipped: map[string]int{}, refusals: map[string]int{}}
}

func (t *tally) String() string {
	return fmt.Sprintf("%d sets (%d refused: %v), %d ClusterNetworkPolicies; %d flows judged (%d denied), %d mismatched; cannot judge %v; not modelled %v",
		t.sets, t.refused, t.refusals, t.cnps, t.judged, t.denied, t.mismatched, t.cannot, t.skipped)
}

// cannotReason names the departure an ErrCannotJudge reports.
func cannotReason(err error) string {
	for _, r := range []string{"networks peer", "Baseline Accept", "identity filter", "domainNames peer"} {
		if strings.Contains(err.Error(), r) {
			return r
		}
	}
	return err.Error()
}

// compare compiles set with clusternp, with the Universe's pod range declared as the
// cluster's, world peers as ipBlocks (exact with the ranges), nodes and domainNames
// peers, checks every ClusterNetworkPolicy against the CRD (the standard channel's, the
// experimental one's for objects with nodes or domainNames peers) and
// compares Cilium's verdict on every flow of the Model's Universe it models with the
// reference evaluator's. mutate, if not nil, edits the output first.
func compare(t *testing.T, tl *tally, name string, set *policy.Set, mutate func([]*v1alpha2.ClusterNetworkPolicy)) {
	t.Helper()
	tl.sets++
	m, err := set.Model()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	pu := m.Universe()
	res, err := clusternp.Compile(set, k8snp.ClusterCIDRs(pu.PodCIDR), k8snp.WorldAsIPBlock(), clusternp.Nodes(), clusternp.DomainNames())
	var ce *policy.CompileError
	if errors.As(err, &ce) {
		tl.refused++
		for _, c := range slices.Compact(slices.Sorted(func(yield func(string) bool) {
			for _, p := range ce.Problems {
				if !yield(p.Construct) {
					return
				}
			}
		})) {
			tl.refusals[c]++
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, c := range res.ClusterNetworkPolicies {
		if errs := cnp.Validate(c, experimental(c)); len(errs) > 0 {
			t.Errorf("%s: ClusterNetworkPolicy %s is invalid: %v", name, c.Name, errs.ToAggregate())
		}
	}
	tl.cnps += len(res.ClusterNetworkPolicies)
	if mutate != nil {
		mutate(res.ClusterNetworkPolicies)
	}

	u, flows := engineFlows(pu, tl)
	e, err := cnp.NewEngine(res.NetworkPolicies, res.ClusterNetworkPolicies, u)
	if err != nil {
		t.Fatalf("%s: engine: %v", name, err)
	}
	for _, f := range flows {
		got, err := e.Verdict(f.cnp)
		if errors.Is(err, cnp.ErrCannotJudge) {
			tl.cannot[cannotReason(err)]++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tl.judged++
		want := m.Evaluate(f.policy).Allowed
		if !want {
			tl.denied++
		}
		if got != want {
			tl.mismatched++
			tl.mismatches = append(tl.mismatches, fmt.Sprintf("%s: %s: Cilium %v, reference %v", name, f, got, want))
		}
	}
}

// flow is a flow of the Model's Universe and the engine's flow for it.
type flow struct {
	policy policy.Flow
	cnp    cnp.Flow
}

func (f flow) String() string {
	return fmt.Sprintf("%v %s/%d", f.cnp, f.policy.Protocol, f.policy.Port)
}

// engineFlows returns the engine's Universe for the Model's and the flows of the Model's
// the engine models, counting the others in tl.skipped.
func engineFlows(pu *policy.Universe, tl *tally) (cnp.Universe, []flow) {
	u := cnp.Universe{}
	for _, ns := range pu.Namespaces {
		u.Namespaces = append(u.Namespaces, cnp.Namespace{Name: ns.Name, Labels: ns.Labels})
	}
	ends := map[string]cnp.Endpoint{}
	for i, s := range pu.Endpoints {
		switch {
		case s.Kind == policy.EndpointPod && s.Cluster == "":
			p := cnp.Pod{Namespace: s.Namespace, Name: fmt.Sprintf("pod-%d", i), Labels: s.Labels, IP: s.IP, NamedPorts: map[string]cnp.NamedPort{}}
			for n, np := range s.NamedPorts {
				if np.Protocol == policy.TCP || np.Protocol == policy.UDP {
					p.NamedPorts[n] = cnp.NamedPort{Protocol: string(np.Protocol), Port: np.Port}
				}
			}
			u.Pods = append(u.Pods, p)
			ends[s.Name] = cnp.PodEndpoint(p.Namespace, p.Name)
		case s.Kind == policy.EndpointExternal:
			u.Externals = append(u.Externals, s.IP)
			ends[s.Name] = cnp.Endpoint{IP: s.IP}
		}
	}
	endOf := map[string]string{} // endpoint key -> sample name
	for _, s := range pu.Endpoints {
		endOf[endpointKey(s.Endpoint)] = s.Name
	}
	var out []flow
	for _, f := range pu.Flows() {
		from, okFrom := ends[endOf[endpointKey(f.From)]]
		to, okTo := ends[endOf[endpointKey(f.To)]]
		switch {
		case f.ICMP != nil:
			tl.skipped["ICMP"]++
			continue
		case !okFrom || !okTo:
			tl.skipped["nodes, API server, system endpoints and remote pods"]++
			continue
		case !from.IsPod() && !to.IsPod():
			continue
		}
		out = append(out, flow{policy: f, cnp: cnp.Flow{From: from, To: to, Protocol: string(f.Protocol), Port: f.Port}})
	}
	return u, out
}

// experimental reports whether c has a nodes or domainNames peer, of the CRD's
// experimental channel.
func experimental(c *v1alpha2.ClusterNetworkPolicy) bool {
	for _, r := range c.Spec.Egress {
		for _, p := range r.To {
			if p.Nodes != nil || p.DomainNames != nil {
				return true
			}
		}
	}
	return false
}

// endpointKey identifies a Universe endpoint within a flow.
func endpointKey(e policy.Endpoint) string {
	return fmt.Sprintf("%s|%s|%v|%s|%s|%s", e.Kind, e.Namespace, e.Labels, e.IP, e.Component, e.DNSName)
}

// clusterScenarios are the scenarios with a cluster-wide policy or a deny rule that
// clusternp expresses.
var clusterScenarios = []string{"block-external", "block-metadata", "deny-internet", "federation"}

// randomSets are randset's Sets with deny rules and cluster-wide policies (both
// directions: cluster-wide ingress isolation is refused) with up to three random
// guardrails and up to two cluster-wide egress allows each, drawn from what
// ClusterNetworkPolicy expresses: every subject form, pod, CIDR, world and every-peer
// peers, ports, ranges and named ports, with and without the DNS allowance.
func randomSets(n int) map[string]*policy.Set {
	out := map[string]*policy.Set{}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		out[fmt.Sprintf("seed %d", seed)] = randset.ClusterNetworkPolicies(seed, 15)
	}
	return out
}

// TestClusterVerdicts: for the scenarios and random Sets clusternp compiles, every
// emitted ClusterNetworkPolicy is valid and Cilium's verdict on every flow it judges is
// the reference evaluator's.
func TestClusterVerdicts(t *testing.T) {
	tl := newTally()
	for _, s := range scenarios.All() {
		if slices.Contains(clusterScenarios, s.Name) {
			compare(t, tl, s.Name, s.Build(), nil)
		}
	}
	if tl.refused > 0 || tl.cnps == 0 {
		t.Fatalf("scenarios: %v", tl)
	}
	sets := randomSets(20)
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		compare(t, tl, name, sets[name], nil)
	}
	t.Logf("%v", tl)
	if tl.mismatched > 0 {
		t.Errorf("%d flows differ:\n%s", tl.mismatched, strings.Join(tl.mismatches[:min(10, len(tl.mismatches))], "\n"))
	}
	// The networks leave out the declared pod range: a networks peer holding a pod's IP,
	// which the engine cannot judge, would apply to pod traffic the intent never names.
	if n := tl.cannot["networks peer"]; n > 0 {
		t.Errorf("%d flows to pods inside networks peers", n)
	}
	if tl.judged == 0 || tl.sets-tl.refused < 10 {
		t.Errorf("too little compared: %v", tl)
	}
}

// TestClusterMutations: the comparison catches each wrong emission, in the scenarios or
// else in the first random Sets.
func TestClusterMutations(t *testing.T) {
	rules := func(c *v1alpha2.ClusterNetworkPolicy, f func(*v1alpha2.ClusterNetworkPolicyRuleAction)) {
		for i := range c.Spec.Ingress {
			f(&c.Spec.Ingress[i].Action)
		}
		for i := range c.Spec.Egress {
			f(&c.Spec.Egress[i].Action)
		}
	}
	tests := []struct {
		name   string
		mutate func([]*v1alpha2.ClusterNetworkPolicy)
	}{{
		name: "Accept for Deny",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				rules(c, func(a *v1alpha2.ClusterNetworkPolicyRuleAction) {
					if *a == v1alpha2.ClusterNetworkPolicyRuleActionDeny {
						*a = v1alpha2.ClusterNetworkPolicyRuleActionAccept
					}
				})
			}
		},
	}, {
		// The isolation decides before NetworkPolicy: its allows no longer add up.
		name: "Admin tier for Baseline",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				if c.Spec.Tier == v1alpha2.BaselineTier {
					c.Spec.Tier, c.Spec.Priority = v1alpha2.AdminTier, 1000
				}
			}
		},
	}, {
		name: "Accepts before Denies",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			var accepts, denies []*v1alpha2.ClusterNetworkPolicy
			for _, c := range cs {
				if c.Spec.Tier != v1alpha2.AdminTier {
					continue
				}
				accept := false
				rules(c, func(a *v1alpha2.ClusterNetworkPolicyRuleAction) {
					accept = accept || *a == v1alpha2.ClusterNetworkPolicyRuleActionAccept
				})
				if accept {
					accepts = append(accepts, c)
				} else {
					denies = append(denies, c)
				}
			}
			for i, c := range append(accepts, denies...) {
				c.Spec.Priority = int32(i)
			}
		},
	}, {
		name: "no DNS Accept",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				c.Spec.Egress = slices.DeleteFunc(c.Spec.Egress, func(r v1alpha2.ClusterNetworkPolicyEgressRule) bool {
					return len(r.To) == 1 && r.To[0].Pods != nil && r.To[0].Pods.PodSelector.MatchLabels["k8s-app"] == "kube-dns"
				})
			}
		},
	}, {
		name: "no isolation",
		mutate: func(cs []*v1alpha2.ClusterNetworkPolicy) {
			for _, c := range cs {
				if c.Spec.Tier == v1alpha2.BaselineTier {
					c.Spec.Egress = c.Spec.Egress[:1]
					c.Spec.Egress[0].Action = v1alpha2.ClusterNetworkPolicyRuleActionPass
				}
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The scenarios first, then random Sets until one catches it.
			tl := newTally()
			for _, s := range scenarios.All() {
				if slices.Contains(clusterScenarios, s.Name) {
					compare(t, tl, s.Name, s.Build(), tt.mutate)
				}
			}
			scen := tl.mismatched
			sets := randomSets(12)
			for _, name := range slices.Sorted(maps.Keys(sets)) {
				if tl.mismatched > 0 {
					break
				}
				compare(t, tl, name, sets[name], tt.mutate)
			}
			t.Logf("%s: %d mismatches in the scenarios, %d in all: %v", tt.name, scen, tl.mismatched, tl)
			if tl.mismatched == 0 {
				t.Errorf("%s went unnoticed: %v", tt.name, tl)
			}
		})
	}
}
