package cnp_test

import (
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
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
	for _, r := range []string{"networks peer", "Baseline Accept", "identity filter"} {
		if strings.Contains(err.Error(), r) {
			return r
		}
	}
	return err.Error()
}

// compare compiles set with clusternp, with the Universe's pod range declared as the
// cluster's, checks every ClusterNetworkPolicy against the standard channel's CRD and
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
	res, err := clusternp.Compile(set, k8snp.ClusterCIDRs(pu.PodCIDR))
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
		if errs := cnp.Validate(c, false); len(errs) > 0 {
			t.Errorf("%s: ClusterNetworkPolicy %s is invalid: %v", name, c.Name, errs.ToAggregate())
		}
	}
	tl.cnps += len(res.ClusterNetworkPolicies)
	if mutate != nil {
		mutate(res.ClusterNetworkPolicies)
	}

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
	e, err := cnp.NewEngine(res.NetworkPolicies, res.ClusterNetworkPolicies, u)
	if err != nil {
		t.Fatalf("%s: engine: %v", name, err)
	}
	endOf := map[string]string{} // endpoint key -> sample name
	for _, s := range pu.Endpoints {
		endOf[endpointKey(s.Endpoint)] = s.Name
	}
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
		got, err := e.Verdict(cnp.Flow{From: from, To: to, Protocol: string(f.Protocol), Port: f.Port})
		if errors.Is(err, cnp.ErrCannotJudge) {
			tl.cannot[cannotReason(err)]++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tl.judged++
		want := m.Evaluate(f).Allowed
		if !want {
			tl.denied++
		}
		if got != want {
			tl.mismatched++
			tl.mismatches = append(tl.mismatches, fmt.Sprintf("%s: %s -> %s %s/%d: Cilium %v, reference %v",
				name, endOf[endpointKey(f.From)], endOf[endpointKey(f.To)], f.Protocol, f.Port, got, want))
		}
	}
}

// endpointKey identifies a Universe endpoint within a flow.
func endpointKey(e policy.Endpoint) string {
	return fmt.Sprintf("%s|%s|%v|%s|%s|%s", e.Kind, e.Namespace, e.Labels, e.IP, e.Component, e.DNSName)
}

// guardrailScenarios are the scenarios with a cluster-wide guardrail that clusternp
// expresses.
var guardrailScenarios = []string{"block-external", "block-metadata"}

// randomSets are randset's Sets (allows only, which k8snp expresses) with up to three
// random guardrails each, drawn from what ClusterNetworkPolicy expresses: every subject
// form, pod, CIDR and world peers, ports, ranges and named ports.
func randomSets(n int) map[string]*policy.Set {
	out := map[string]*policy.Set{}
	for seed := uint64(1); seed <= uint64(n); seed++ {
		c := randset.New(seed, 6, randset.Features{})
		r := rand.New(rand.NewPCG(seed, 15))
		for i := r.IntN(3) + 1; i > 0; i-- {
			w := c.Set.Cluster(fmt.Sprintf("guard-%d", i))
			switch r.IntN(3) {
			case 1:
				w.Select(policy.MatchLabels{"app": []string{"web", "api", "db"}[r.IntN(3)]})
			case 2:
				w.InNamespaces(policy.MatchLabels{"env": "prod"})
			}
			for j := r.IntN(3) + 1; j > 0; j-- {
				var rb *policy.RuleBuilder
				if r.IntN(2) == 0 {
					peers := []policy.Peer{policy.ServiceIn("shop", "db"), policy.AllNamespaces(), policy.Namespaces(policy.MatchLabels{"team": "fin"})}
					rb = w.DenyFrom(peers[r.IntN(len(peers))])
				} else {
					peers := []policy.Peer{policy.ServiceIn("pay", "api"), policy.CIDR("203.0.113.0/24"), policy.CIDR("0.0.0.0/0", "10.0.0.0/8"),
						policy.CIDR("2001:db8::/32", "2001:db8:1::/48"), policy.World(), policy.AllNamespaces()}
					rb = w.DenyTo(peers[r.IntN(len(peers))])
				}
				switch r.IntN(5) {
				case 1:
					rb.TCP(80)
				case 2:
					rb.UDP(53).TCP(443)
				case 3:
					rb.PortRange(policy.TCP, 8000, 8100)
				case 4:
					rb.NamedPort("http")
				}
			}
		}
		out[fmt.Sprintf("seed %d", seed)] = c.Set
	}
	return out
}

// TestGuardrailVerdicts: for the guardrail scenarios and random Sets, every emitted
// ClusterNetworkPolicy is valid and Cilium's verdict on every flow it judges is the
// reference evaluator's.
func TestGuardrailVerdicts(t *testing.T) {
	tl := newTally()
	for _, s := range scenarios.All() {
		if slices.Contains(guardrailScenarios, s.Name) {
			compare(t, tl, s.Name, s.Build(), nil)
		}
	}
	if tl.refused > 0 || tl.cnps == 0 {
		t.Fatalf("scenarios: %v", tl)
	}
	sets := randomSets(24)
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
	if tl.judged == 0 || tl.sets-tl.refused < 12 {
		t.Errorf("too little compared: %v", tl)
	}
}

// TestGuardrailMutation: the comparison catches a wrong emission, Accept for Deny, in
// each guardrail scenario and in the random Sets.
func TestGuardrailMutation(t *testing.T) {
	accept := func(cs []*v1alpha2.ClusterNetworkPolicy) {
		for _, c := range cs {
			for i := range c.Spec.Ingress {
				c.Spec.Ingress[i].Action = v1alpha2.ClusterNetworkPolicyRuleActionAccept
			}
			for i := range c.Spec.Egress {
				c.Spec.Egress[i].Action = v1alpha2.ClusterNetworkPolicyRuleActionAccept
			}
		}
	}
	for _, s := range scenarios.All() {
		if !slices.Contains(guardrailScenarios, s.Name) {
			continue
		}
		tl := newTally()
		compare(t, tl, s.Name, s.Build(), accept)
		if tl.mismatched == 0 {
			t.Errorf("%s: Accept for Deny went unnoticed: %v", s.Name, tl)
		}
	}
	tl := newTally()
	sets := randomSets(6)
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		compare(t, tl, name, sets[name], accept)
	}
	if tl.mismatched == 0 {
		t.Errorf("random Sets: Accept for Deny went unnoticed: %v", tl)
	}
	t.Logf("random Sets with Accept for Deny: %v", tl)
}
